"""Fixtures of the window's tests: the real window (自治推進部), a proposer, window staff, department staff,
and a proposal walked through the services to any state."""

import pytest

from tests.factories import MembershipFactory, PartnerFactory, UserFactory
from window import services
from window.models import Window, WindowProposal
from window.workflow import ACCEPT, ASK_INFO, DECLINE


@pytest.fixture
def window(reference_data) -> Window:
    """Kawasaki's window, run by 総合企画局 自治推進部 (fixtures/window_reference.json)."""
    return Window.objects.select_related("department", "municipality").get(municipality__code="141305")


@pytest.fixture
def organisation(kawasaki):
    return PartnerFactory(name="NPO法人テスト窓口の会", municipality=kawasaki)


@pytest.fixture
def proposer(organisation):
    """The representative of the proposing organisation."""
    user = UserFactory(display_name="提案団体の代表")
    MembershipFactory(user=user, partner=organisation, role="representative", status="active")
    return user


@pytest.fixture
def window_officer(window, officer_of):
    return officer_of(window.department, display_name="自治推進部の職員")


@pytest.fixture
def kenko_officer(departments, officer_of):
    return officer_of(departments["健康福祉局"], display_name="健康福祉局の職員")


@pytest.fixture
def make_proposal(window, organisation, proposer, window_officer, departments):
    """A proposal of `organisation`, moved through the services to `state`.

    States: draft, submitted, acknowledged, routed (to 健康福祉局 and, with departments=[...], others),
    info_requested, accepted, declined (→ answered), passed_on (健康福祉局 → 環境局), withdrawn.
    Department staff must exist for the departments routed to (the fixture makes them when missing).
    """

    def staff(department):
        from partners.models import staff_serving
        from tests.factories import StaffAssignmentFactory

        existing = staff_serving(department).first()
        return existing or StaffAssignmentFactory(department=department, user=UserFactory()).user

    def make(state: str = "draft", *, title: str = "公園の花壇を地域で育てる", to=("健康福祉局",), consent=True):
        proposal = services.proposal_create(window=window, partner=organisation, user=proposer)
        proposal.title = title
        proposal.problem = "花壇の手入れをする人がいない。"
        proposal.offer = "会員が月2回手入れをする。"
        proposal.ask = "花の苗の提供。"
        proposal.citywide = True
        proposal.public_consent = consent
        services.refresh_search(proposal)
        proposal.save()
        if state == "draft":
            return proposal
        services.proposal_submit(proposal=proposal, user=proposer)
        if state == "submitted":
            return _fresh(proposal)
        if state == "withdrawn":
            services.proposal_withdraw(proposal=proposal, user=proposer, reason="都合により取り下げます。")
            return _fresh(proposal)
        services.proposal_acknowledge(proposal=proposal, user=window_officer)
        if state == "acknowledged":
            return _fresh(proposal)
        targets = [departments[name] for name in to]
        for department in targets:
            staff(department)
        services.proposal_route(proposal=proposal, user=window_officer, departments=targets, note="ご検討ください。")
        if state == "routed":
            return _fresh(proposal)
        referral = proposal.referrals.get(department=targets[0])
        answerer = staff(targets[0])
        if state == "info_requested":
            services.referral_answer(
                referral=referral, user=answerer, transition=ASK_INFO, text="人数を教えてください。"
            )
        elif state in ("accepted", "answered"):
            services.referral_answer(referral=referral, user=answerer, transition=ACCEPT, text="来年度に実施します。")
        elif state == "declined":
            services.referral_answer(referral=referral, user=answerer, transition=DECLINE, text="予算がありません。")
        elif state == "passed_on":
            other = departments["環境局"]
            staff(other)
            services.referral_pass_on(referral=referral, user=answerer, department=other, note="環境局の所管です。")
        else:
            raise ValueError(state)
        return _fresh(proposal)

    return make


def _fresh(proposal: WindowProposal) -> WindowProposal:
    return WindowProposal.objects.select_related("window__department", "partner").get(pk=proposal.pk)

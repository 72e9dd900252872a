"""Fixtures for calls and proposals: a ward's open call, applicant organisations and their members."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from partners.models import Membership
from proposals.models import BudgetLine, Call, CallCriterion, CallDocument, Proposal
from tests.factories import PartnerFactory, UserFactory

TOKYO = datetime.timezone(datetime.timedelta(hours=9))
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def tokyo(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=TOKYO)


def pdf_upload(name: str = "規約.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def png_bytes(size=(8, 8)) -> bytes:
    from PIL import Image

    output = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(output, format="PNG")
    return output.getvalue()


@pytest.fixture
def member_of():
    """An active member (担当者 unless said otherwise) of an organisation."""

    def make(partner, *, role=Membership.Role.STAFF, status=Membership.Status.ACTIVE, **user_fields):
        user = UserFactory(**user_fields)
        Membership.objects.create(user=user, partner=partner, role=role, status=status)
        return user

    return make


@pytest.fixture
def npo(partner_types, kawasaki):
    return PartnerFactory(name="NPO法人なかはら子ども応援団", partner_type=partner_types["npo"], municipality=kawasaki)


@pytest.fixture
def other_npo(partner_types, kawasaki):
    return PartnerFactory(name="NPO法人たま環境ネット", partner_type=partner_types["npo"], municipality=kawasaki)


@pytest.fixture
def member(npo, member_of):
    return member_of(npo, display_name="応募 太郎")


@pytest.fixture
def representative(npo, member_of):
    return member_of(npo, role=Membership.Role.REPRESENTATIVE, display_name="代表 花子")


@pytest.fixture
def make_call(schemes, departments, partner_types):
    """An open call of 中原区役所 (open since yesterday, closing in ten days), with overrides."""

    def make(**fields) -> Call:
        now = timezone.now()
        defaults = {
            "title": "中原区市民提案型協働事業 企画提案募集",
            "scheme": schemes["ward_proposal"],
            "department": departments["中原区役所"],
            "fiscal_year": 2027,
            "purpose": "地域課題の解決に向けた協働事業の企画を募集します。",
            "amount_cap": 500_000,
            "first_year_cap": 700_000,
            "max_years": 3,
            "opens_at": now - datetime.timedelta(days=1),
            "closes_at": now + datetime.timedelta(days=10),
            "is_published": True,
        }
        types = fields.pop("types", ("npo", "civic_group"))
        call = Call.objects.create(**{**defaults, **fields})
        call.eligible_types.set([partner_types[code] for code in types])
        CallCriterion.objects.create(call=call, name="協働の必要性", weight=20, order=1)
        return call

    return make


@pytest.fixture
def call(make_call):
    return make_call()


@pytest.fixture
def draft(call, npo, member):
    return Proposal.objects.create(call=call, partner=npo, created_by=member)


def fill_complete(proposal: Proposal, *, from_city: int = 600_000, own: int = 50_000) -> Proposal:
    """Everything a submission needs, with a balanced budget asking the city for `from_city` yen."""
    for name in Proposal.REQUIRED_FOR_SUBMISSION:
        setattr(proposal, name, f"{proposal._meta.get_field(name).verbose_name}の記入")
    proposal.contact_phone = "044-000-0000"
    proposal.save()
    proposal.roles.create(task="広報", organisation_part="チラシの作成", city_part="区の広報紙への掲載", order=1)
    proposal.schedule_items.create(when="4月", what="準備会", order=1)
    proposal.indicators.create(name="参加者数", target=100, unit="人", order=1)
    proposal.budget_lines.create(
        side=BudgetLine.Side.INCOME, source=BudgetLine.Source.CITY, item="委託料", amount=from_city
    )
    proposal.budget_lines.create(side=BudgetLine.Side.INCOME, source=BudgetLine.Source.OWN, item="自己資金", amount=own)
    proposal.budget_lines.create(side=BudgetLine.Side.EXPENSE, item="講師謝礼", amount=from_city + own)
    for document in proposal.call.documents.filter(is_required=True):
        proposal.attachments.create(
            document=document,
            file=f"proposals/{proposal.public_id}/x.pdf",
            original_name=f"{document.name}.pdf",
            extension=".pdf",
            content_type="application/pdf",
            size=10,
        )
    return proposal


@pytest.fixture
def complete_draft(draft):
    return fill_complete(draft)


@pytest.fixture
def required_document(call):
    return CallDocument.objects.create(call=call, name="団体の規約", is_required=True, order=1)


# ----------------------------------------------------------------------------------------------------------
# The review side (tests/proposals/test_review_*.py): the call's approvers and reviewers, and proposals moved
# through the workflow by its real services.

REASONS = "地域の課題に合った、実現性の高い企画です。"
CONDITIONS = "来年度予算の成立を条件とします。"
GRANTED = 600_000


def make_move(name: str, proposal: Proposal, user, *, outcome: str = "adopt"):
    """One move of the workflow (by its transition's name) through its service, with valid input."""
    from proposals import review, services

    if name in ("submit", "resubmit"):
        return services.proposal_submit(proposal=proposal, user=user)
    if name == "withdraw":
        return services.proposal_withdraw(proposal=proposal, user=user, reason="体制が整わないため")
    if name == "start_screening":
        return review.proposal_start_screening(proposal=proposal, user=user)
    if name == "return":
        due = timezone.localdate() + datetime.timedelta(days=7)
        return review.proposal_return(proposal=proposal, user=user, comment="収支計画を見直してください。", due=due)
    if name == "pass_screening":
        confirmed = {item.key for item in review.screening_checklist(proposal=proposal)}
        return review.proposal_pass_screening(proposal=proposal, user=user, confirmed=confirmed)
    if name == "propose_decision":
        return review.decision_propose(
            proposal=proposal,
            user=user,
            outcome=outcome,
            public_reasons=REASONS,
            conditions=CONDITIONS if outcome == "conditional" else "",
            amount=None if outcome == "not_adopt" else GRANTED,
        )
    if name == "approve":
        return review.decision_approve(proposal=proposal, user=user)
    if name == "send_back":
        return review.decision_send_back(proposal=proposal, user=user, comment="理由をもう少し具体的にしてください。")
    if name == "confirm_conditions":
        return review.conditions_confirm(proposal=proposal, user=user, comment="予算が成立しました。")
    raise ValueError(name)


# The moves from a fresh draft to each status, and the outcome a decided status needs.
ROUTES = {
    "draft": (),
    "submitted": ("submit",),
    "withdrawn": ("submit", "withdraw"),
    "screening": ("submit", "start_screening"),
    "returned": ("submit", "start_screening", "return"),
    "under_review": ("submit", "start_screening", "pass_screening"),
    "decision_proposed": ("submit", "start_screening", "pass_screening", "propose_decision"),
    "adopted": ("submit", "start_screening", "pass_screening", "propose_decision", "approve"),
    "conditional": ("submit", "start_screening", "pass_screening", "propose_decision", "approve"),
    "not_adopted": ("submit", "start_screening", "pass_screening", "propose_decision", "approve"),
}
OUTCOME_OF = {"adopted": "adopt", "conditional": "conditional", "not_adopted": "not_adopt"}


@pytest.fixture
def approver_of():
    """A 決裁者 of a department (and so of the departments below it)."""

    def make(department, **user_fields):
        from partners.models import StaffAssignment

        user = UserFactory(**user_fields)
        StaffAssignment.objects.create(user=user, department=department, role=StaffAssignment.Role.APPROVER)
        return user

    return make


@pytest.fixture
def nakahara_approver(departments, approver_of):
    return approver_of(departments["中原区役所"], display_name="中原区役所の決裁者")


@pytest.fixture
def tama_officer(departments, officer_of):
    return officer_of(departments["多摩区役所"], display_name="多摩区役所の職員")


@pytest.fixture
def reviewer_of():
    """A reviewer (審査委員) assigned to a call; pass `user` to assign someone who already exists."""

    def make(call, user=None, **user_fields):
        from proposals.models import CallReviewer

        user = user or UserFactory(**user_fields)
        CallReviewer.objects.create(call=call, user=user)
        return user

    return make


@pytest.fixture
def call_reviewer(call, reviewer_of):
    return reviewer_of(call, display_name="審査 委員")


@pytest.fixture
def walk(call, npo, member, nakahara_officer, nakahara_approver):
    """A fresh proposal (of `npo` to `call` unless told otherwise) moved by the services to a status.

    The member submits, 中原区's officer screens and proposes, 中原区's approver approves; a decided
    status gets the outcome of its name, "decision_proposed" the `outcome` given.
    """

    def make(
        status: str,
        *,
        outcome: str = "adopt",
        call=call,
        partner=npo,
        by=member,
        officer=nakahara_officer,
        approver=nakahara_approver,
        title: str = "",
    ) -> Proposal:
        from proposals import services

        proposal = fill_complete(services.proposal_create(call=call, partner=partner, user=by))
        if title:
            Proposal.objects.filter(pk=proposal.pk).update(title=title)
        for name in ROUTES[status]:
            user = {"approve": approver, "submit": by, "withdraw": by}.get(name, officer)
            make_move(name, proposal, user, outcome=OUTCOME_OF.get(status, outcome))
        return Proposal.objects.select_related("call", "partner").get(pk=proposal.pk)

    return make


def publish_results(call, user):
    """Publish the call's results as the office does, after its deadline: the call is closed first."""
    from proposals import review

    now = timezone.now()
    Call.objects.filter(pk=call.pk).update(
        opens_at=min(call.opens_at, now - datetime.timedelta(days=30)), closes_at=now - datetime.timedelta(seconds=1)
    )
    call.refresh_from_db()
    published = review.call_publish_results(call=call, user=user)
    call.refresh_from_db()
    return published

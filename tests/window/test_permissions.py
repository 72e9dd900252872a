"""Who sees and does what with a proposal to the window: roles × the rules and the pages × the proposal's state.

The expectations are derived from the policy in window/rules.py, written out below as sets of roles, not
copied from responses:

- the proposer's side: active members of the proposing organisation (its representative, another member,
  and a window officer who is also a member, who acts on it only as its proposer). They read their proposal
  in every state, drafts included, and act as the proposer;
- the window: staff of 自治推進部 and of 総合企画局 above it, and administrators. They read every received
  proposal (never a draft) and acknowledge, route and withhold it;
- the department routed to: staff of 健康福祉局, an officer and an approver. They read the proposal once it
  was routed to them and answer their referral; administrators never answer for a department;
- everyone else (anonymous, a citizen, a member of another organisation, a pending member, staff of
  中原区役所) reads only what was published: with the organisation's consent, acknowledged or later, not
  withdrawn, not withheld.

What the pages do, as the matrix states it:
- "login": anonymous people are sent to log in (every page but the proposal's page and its attachments);
- 404: a proposal the user may not read (neither a party nor published);
- 403: a proposal the user reads, but the action is not theirs;
- "refused": an action of theirs that the state does not allow: back to a page, nothing changed;
- 200 / "done": the form is shown / the action took effect.

The proposal carries distinctive marker texts (the window's internal routing note, the department's
question, the proposer's reply, the contact telephone, the withdrawal reason …); the tests look for them
in every page to check that nobody reads what is not theirs.
"""

import io

import pytest
import rules
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image

from partners.models import Membership, StaffAssignment
from tests.factories import MembershipFactory, PartnerFactory, StaffAssignmentFactory, UserFactory
from window import services
from window.models import Referral, WindowAttachment, WindowEvent, WindowProposal
from window.workflow import ACCEPT, ASK_INFO

pytestmark = pytest.mark.django_db

# ----------------------------------------------------------------------------------------------------------
# Markers

TITLE = "商店街の空き店舗で子ども食堂を開く"
PHONE = "044-555-0199"
INTERNAL_NOTE = "庁内限りの回付メモ：予算は福祉で"
QUESTION = "市からの質問：ボランティアは何人ですか"
REPLY = "団体からの回答：常時十二人います"
PASS_NOTE = "環境局への引継ぎメモ：食品ロスの観点で"
WITHDRAW_REASON = "取り下げ理由：会場が見つからなかった"
ANSWER = "健康福祉局の回答：来年度モデル事業として実施"

PRIVATE_MARKERS = {PHONE, INTERNAL_NOTE, QUESTION, REPLY, PASS_NOTE, WITHDRAW_REASON}
MARKERS = PRIVATE_MARKERS | {ANSWER}
STAFF_ONLY = {INTERNAL_NOTE, PASS_NOTE}


def markers_in(text: str) -> set[str]:
    return {marker for marker in MARKERS if marker in text}


# ----------------------------------------------------------------------------------------------------------
# Roles and states

ROLES = (
    "anonymous",
    "citizen",
    "other_member",
    "proposer",
    "member",
    "pending_member",
    "window_officer",
    "bureau_officer",
    "kenko_officer",
    "nakahara_officer",
    "kenko_approver",
    "admin",
    "officer_and_member",
)
PROPOSER_SIDE = {"proposer", "member", "officer_and_member"}
WINDOW_SIDE = {"window_officer", "bureau_officer"}
ADMINS = {"admin"}
ROUTED_TO = {"kenko_officer", "kenko_approver"}
CITY_STAFF = WINDOW_SIDE | ROUTED_TO | {"nakahara_officer", "officer_and_member"}

STATES = (
    "draft",
    "submitted",
    "acknowledged",
    "routed",  # to 健康福祉局, with the internal note
    "info_requested",  # 健康福祉局 asked the question
    "replied",  # … and the proposer replied: open again
    "answered",  # … and 健康福祉局 accepted
    "passed_on",  # … and 健康福祉局 passed it on to 環境局 instead
    "withdrawn",  # withdrawn by the proposer after routing
)
RECEIVED = set(STATES) - {"draft"}
WITH_REFERRAL = {"routed", "info_requested", "replied", "answered", "passed_on", "withdrawn"}
PUBLISHED = {"acknowledged", "routed", "info_requested", "replied", "answered", "passed_on"}
WITHDRAWABLE = {"submitted", "acknowledged", "routed", "info_requested", "replied", "passed_on"}
ROUTABLE = {"acknowledged", "routed", "info_requested", "replied", "passed_on"}
# The 健康福祉局 referral: open in these, waiting for the proposer in info_requested.
REFERRAL_OPEN = {"routed", "replied"}


def markers_of_state(state: str) -> set[str]:
    """The markers the proposal holds in a state."""
    held = {PHONE}
    if state in WITH_REFERRAL:
        held.add(INTERNAL_NOTE)
    if state in {"info_requested", "replied", "answered", "passed_on"}:
        held.add(QUESTION)
    if state in {"replied", "answered", "passed_on"}:
        held.add(REPLY)
    if state == "answered":
        held.add(ANSWER)
    if state == "passed_on":
        held.add(PASS_NOTE)
    if state == "withdrawn":
        held.add(WITHDRAW_REASON)
    return held


def full_view(role: str, state: str) -> bool:
    """window.view_proposal: the proposer's side always, the window and administrators once received, the
    department routed to once routed."""
    if role in PROPOSER_SIDE:
        return True
    if state == "draft":
        return False
    return role in WINDOW_SIDE | ADMINS or (role in ROUTED_TO and state in WITH_REFERRAL)


def staff_side(role: str, state: str) -> bool:
    return full_view(role, state) and role not in PROPOSER_SIDE


def visible(role: str, state: str) -> bool:
    return full_view(role, state) or state in PUBLISHED


def readable_markers(role: str, state: str) -> set[str]:
    """What of the proposal a role reads on its page."""
    held = markers_of_state(state)
    if staff_side(role, state):
        return held
    if role in PROPOSER_SIDE:
        return held - STAFF_ONLY
    if state in PUBLISHED:
        return held & {ANSWER}
    return set()


# ----------------------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture
def people(
    citizen,
    kawasaki,
    organisation,
    proposer,
    window,
    window_officer,
    kenko_officer,
    departments,
    officer_of,
    admin_user,
):
    officer_and_member = officer_of(window.department, display_name="団体にも入っている自治推進部の職員")
    MembershipFactory(user=officer_and_member, partner=organisation)
    other_partner = PartnerFactory(name="ほかの市民団体", municipality=kawasaki)
    return {
        "anonymous": None,
        "citizen": citizen,
        "other_member": MembershipFactory(
            partner=other_partner, role=Membership.Role.REPRESENTATIVE, user=UserFactory(display_name="他団体の代表")
        ).user,
        "proposer": proposer,
        "member": MembershipFactory(partner=organisation, user=UserFactory(display_name="団体の担当者")).user,
        "pending_member": MembershipFactory(
            partner=organisation, status=Membership.Status.PENDING, user=UserFactory(display_name="加入申請中の人")
        ).user,
        "window_officer": window_officer,
        "bureau_officer": officer_of(departments["総合企画局"], display_name="総合企画局の職員"),
        "kenko_officer": kenko_officer,
        "nakahara_officer": officer_of(departments["中原区役所"], display_name="中原区役所の職員"),
        "kenko_approver": StaffAssignmentFactory(
            department=departments["健康福祉局"],
            role=StaffAssignment.Role.APPROVER,
            user=UserFactory(display_name="健康福祉局の決裁者"),
        ).user,
        "admin": admin_user,
        "officer_and_member": officer_and_member,
    }


def png_upload(name: str = "計画書.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (24, 16), color=(0, 120, 200)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def build(window, organisation, proposer, window_officer, kenko_officer, departments, kankyo_officer):
    """A proposal of `organisation` with the markers, walked through the services to a state."""

    def make(state: str, *, title: str = TITLE, consent: bool = True, partner=None, user=None) -> WindowProposal:
        partner = partner or organisation
        user = user or proposer
        proposal = services.proposal_create(window=window, partner=partner, user=user)
        proposal.title = title
        proposal.problem = "空き店舗が増え、子どもの居場所が足りない。"
        proposal.offer = "調理と見守りのボランティア。"
        proposal.ask = "空き店舗の紹介と広報。"
        proposal.citywide = True
        proposal.contact_phone = PHONE
        proposal.public_consent = consent
        services.refresh_search(proposal)
        proposal.save()
        services.attachment_add(proposal=proposal, user=user, upload=png_upload())
        if state == "draft":
            return _fresh(proposal)
        services.proposal_submit(proposal=proposal, user=user)
        if state == "submitted":
            return _fresh(proposal)
        services.proposal_acknowledge(proposal=proposal, user=window_officer)
        if state == "acknowledged":
            return _fresh(proposal)
        services.proposal_route(
            proposal=proposal, user=window_officer, departments=[departments["健康福祉局"]], note=INTERNAL_NOTE
        )
        if state == "routed":
            return _fresh(proposal)
        if state == "withdrawn":
            services.proposal_withdraw(proposal=proposal, user=user, reason=WITHDRAW_REASON)
            return _fresh(proposal)
        referral = proposal.referrals.get()
        services.referral_answer(referral=referral, user=kenko_officer, transition=ASK_INFO, text=QUESTION)
        if state == "info_requested":
            return _fresh(proposal)
        services.referral_reply(referral=Referral.objects.get(pk=referral.pk), user=user, text=REPLY)
        if state == "replied":
            return _fresh(proposal)
        referral = Referral.objects.get(pk=referral.pk)
        if state == "answered":
            services.referral_answer(referral=referral, user=kenko_officer, transition=ACCEPT, text=ANSWER)
        elif state == "passed_on":
            services.referral_pass_on(
                referral=referral, user=kenko_officer, department=departments["環境局"], note=PASS_NOTE
            )
        else:
            raise ValueError(state)
        return _fresh(proposal)

    return make


def _fresh(proposal: WindowProposal) -> WindowProposal:
    return WindowProposal.objects.select_related("window__department", "partner").get(pk=proposal.pk)


def kenko_referral(proposal: WindowProposal) -> Referral | None:
    return (
        Referral.objects.select_related("proposal__window", "department")
        .filter(proposal=proposal, department__name="健康福祉局")
        .first()
    )


# ----------------------------------------------------------------------------------------------------------
# The rules


def expected_rules(role: str, state: str) -> dict[str, bool]:
    """window/rules.py's policy, rule by rule."""
    expected = {
        "view_proposal": full_view(role, state),
        "view_staff_side": staff_side(role, state),
        "edit_proposal": role in PROPOSER_SIDE and state == "draft",
        "act_as_proposer": role in PROPOSER_SIDE,
        "act_as_window": role in WINDOW_SIDE | ADMINS and state in RECEIVED,
        "run_window": role in WINDOW_SIDE | ADMINS | {"officer_and_member"},
        "see_referrals": role in CITY_STAFF | ADMINS,
    }
    if state in WITH_REFERRAL:
        expected["answer_referral"] = role in ROUTED_TO
    return expected


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ROLES)
def test_the_rules(role, state, people, build):
    proposal = build(state)
    user = people[role] or AnonymousUser()
    got = {
        name: rules.test_rule(f"window.{name}", user, proposal)
        for name in ("view_proposal", "view_staff_side", "edit_proposal", "act_as_proposer", "act_as_window")
    }
    got["run_window"] = rules.test_rule("window.run_window", user)
    got["see_referrals"] = rules.test_rule("window.see_referrals", user)
    referral = kenko_referral(proposal)
    if referral is not None:
        got["answer_referral"] = rules.test_rule("window.answer_referral", user, referral)
    assert got == expected_rules(role, state)


@pytest.mark.parametrize("role", sorted(ROUTED_TO | WINDOW_SIDE | ADMINS))
def test_a_department_that_passed_it_on_still_reads_it_and_the_new_one_answers(role, people, build, kankyo_officer):
    proposal = build("passed_on")
    user = people[role]
    assert rules.test_rule("window.view_proposal", user, proposal)
    assert rules.test_rule("window.view_staff_side", user, proposal)
    new = Referral.objects.get(proposal=proposal, department__name="環境局")
    assert rules.test_rule("window.answer_referral", kankyo_officer, new)
    assert rules.test_rule("window.view_proposal", kankyo_officer, proposal)
    assert not rules.test_rule("window.answer_referral", user, new), "only 環境局 answers its referral"


# ----------------------------------------------------------------------------------------------------------
# The pages, action by action


def _snapshot(pk: int) -> tuple:
    proposal = WindowProposal.objects.filter(pk=pk).values("status", "edit_version", "title", "withheld").first()
    referrals = tuple(
        Referral.objects.filter(proposal_id=pk).order_by("pk").values_list("department_id", "status", "follow_up")
    )
    return (
        proposal,
        WindowEvent.objects.filter(proposal_id=pk).count(),
        referrals,
        WindowAttachment.objects.filter(proposal_id=pk).count(),
    )


def _attempt(client, method: str, url: str, data: dict | None, proposal: WindowProposal):
    """Do a request, say what came of it, and undo what it did (each action starts from the same state)."""
    with transaction.atomic():
        before = _snapshot(proposal.pk)
        response = client.get(url) if method == "get" else client.post(url, data or {})
        after = _snapshot(proposal.pk)
        transaction.set_rollback(True)
    if response.status_code == 302:
        if response.url.startswith("/accounts/login/"):
            outcome = "login"
        elif after != before:
            outcome = "done"
        else:
            assert response.url == proposal.get_absolute_url(), f"{method} {url} → {response.url}"
            outcome = "refused"
    else:
        outcome = response.status_code
    if outcome != "done":
        assert after == before, f"{method} {url} ({outcome}) changed the proposal"
    else:
        assert method == "post", f"GET {url} changed the proposal"
    text = response.content.decode() if response.status_code == 200 else ""
    return outcome, markers_in(text), response


def _actions(proposal: WindowProposal, referral: Referral | None, nakahara_id: int) -> dict[str, tuple[str, dict]]:
    base = f"/window/{proposal.public_id}"
    actions = {
        "edit": (
            f"{base}/edit/",
            {
                "kind": "proposal",
                "title": "書き直した題名",
                "problem": "課題",
                "offer": "提供",
                "ask": "依頼",
                "citywide": "on",
                "contact_name": "担当者",
                "contact_phone": PHONE,
                "public_consent": "on",
                "edit_version": str(proposal.edit_version),
                "action": "save",
            },
        ),
        "submit": (f"{base}/submit/", {"edit_version": str(proposal.edit_version)}),
        "delete": (f"{base}/delete/", {}),
        "withdraw": (f"{base}/withdraw/", {"comment": "別の理由で取り下げます"}),
        "acknowledge": (f"{base}/acknowledge/", {"comment": ""}),
        "route": (f"{base}/route/", {"departments": [str(nakahara_id)], "comment": "中原区にも回付します"}),
        "publication": (f"{base}/publication/", {"withheld": "on", "comment": "第三者の氏名があるため"}),
    }
    if referral is not None:
        actions |= {
            "answer": (f"/window/referrals/{referral.pk}/answer/", {"answer": "accept", "comment": "受けます"}),
            "pass_on": (
                f"/window/referrals/{referral.pk}/pass-on/",
                {"department": str(nakahara_id), "comment": "中原区の所管です"},
            ),
            "reply": (f"/window/referrals/{referral.pk}/reply/", {"comment": "追加の情報です"}),
            "follow_up": (f"/window/referrals/{referral.pk}/follow-up/", {"comment": "事業になりました"}),
        }
    return actions


def _gate(role: str, state: str, allowed: bool) -> str | int | None:
    if role == "anonymous":
        return "login"
    if not visible(role, state):
        return 404
    if not allowed:
        return 403
    return None


def expected_outcome(role: str, state: str, action: str, method: str) -> str | int:
    proposer, window_side, department = role in PROPOSER_SIDE, role in WINDOW_SIDE | ADMINS, role in ROUTED_TO
    get = method == "get"
    draft_only = {"edit", "submit", "delete"}
    if action in draft_only:
        gate = _gate(role, state, proposer)
        if gate:
            return gate
        if state == "draft":
            return 200 if get else "done"
        # What was typed into a draft submitted meanwhile is shown back (200), nothing saved.
        return 200 if (action == "edit" and not get) else "refused"
    allowed_if = {
        "withdraw": (proposer, state in WITHDRAWABLE),
        "reply": (proposer, state == "info_requested"),
        "acknowledge": (window_side, state == "submitted"),
        "route": (window_side, state in ROUTABLE),
        # Not for a withdrawn proposal: it is never public again.
        "publication": (window_side, state != "withdrawn"),
        "answer": (department, state in REFERRAL_OPEN | {"info_requested"}),
        "pass_on": (department, state in REFERRAL_OPEN),
        "follow_up": (department, state == "answered"),
    }
    party, state_allows = allowed_if[action]
    gate = _gate(role, state, party)
    if gate is not None:
        return gate
    if get:
        return 200
    return "done" if state_allows else "refused"


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ROLES)
def test_who_does_what_through_the_pages(role, state, people, build, client_for, departments):
    proposal = build(state)
    referral = kenko_referral(proposal)
    client = client_for(people[role])
    allowed_markers = readable_markers(role, state)
    got, expected = {}, {}
    for action, (url, data) in _actions(proposal, referral, departments["中原区役所"].pk).items():
        for method in ("get", "post"):
            outcome, seen, _response = _attempt(client, method, url, data, proposal)
            got[f"{method} {action}"] = outcome
            expected[f"{method} {action}"] = expected_outcome(role, state, action, method)
            assert seen <= allowed_markers, f"{method} {action} shows {seen - allowed_markers}"
    assert got == expected


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ROLES)
def test_the_proposal_page_and_its_attachment(role, state, people, build, client_for):
    proposal = build(state)
    client = client_for(people[role])
    response = client.get(proposal.get_absolute_url())
    if full_view(role, state):
        expected = "full"
    elif state in PUBLISHED:
        expected = "public"
    else:
        expected = 404
    if response.status_code == 200:
        view = response.context["view"]
        got = "public" if view.is_public_view else "full"
        assert view.is_staff_side is staff_side(role, state)
        assert view.is_proposer is (role in PROPOSER_SIDE)
    else:
        got = response.status_code
    assert got == expected
    assert markers_in(response.content.decode() if response.status_code == 200 else "") == (
        readable_markers(role, state) if expected != 404 else set()
    )

    attachment = proposal.attachments.get()
    download = client.get(attachment.get_absolute_url())
    assert download.status_code == (200 if full_view(role, state) else 404)
    if download.status_code == 200:
        assert download["Content-Disposition"].startswith("attachment")
        assert b"".join(download.streaming_content).startswith(b"\x89PNG")
    # The link to the attachment is on the page only for those who may download it.
    assert (attachment.get_absolute_url() in response.content.decode()) is full_view(role, state)


def test_an_answer_for_the_proposal_is_refused_to_an_administrator(build, admin_user, client_for):
    """Administrators act as the window, never for a department."""
    proposal = build("routed")
    referral = kenko_referral(proposal)
    response = client_for(admin_user).post(
        f"/window/referrals/{referral.pk}/answer/", {"answer": "decline", "comment": "管理者が断る"}
    )
    assert response.status_code == 403
    assert Referral.objects.get(pk=referral.pk).status == "open"


def test_the_service_refuses_what_the_page_refuses(build, people):
    """The services check the rules themselves: a script calling them cannot go round the pages."""
    from django.core.exceptions import PermissionDenied

    proposal = build("submitted")
    for role in ("citizen", "nakahara_officer", "kenko_officer", "officer_and_member", "proposer"):
        with pytest.raises(PermissionDenied):
            services.proposal_acknowledge(proposal=proposal, user=people[role])
    proposal = build("routed", title="別の提案")
    referral = kenko_referral(proposal)
    for role in ("admin", "window_officer", "proposer", "nakahara_officer"):
        with pytest.raises(PermissionDenied):
            services.referral_answer(referral=referral, user=people[role], transition=ACCEPT, text="受けます")
    with pytest.raises(PermissionDenied):
        services.proposal_withdraw(proposal=proposal, user=people["window_officer"], reason="窓口が取り下げる")
    assert _fresh(proposal).status == "routed"


@pytest.mark.parametrize("state", STATES)
def test_mails_carry_nothing_to_whoever_may_not_read_it(state, people, build, django_capture_on_commit_callbacks):
    """The inbox and the mails: each person hears only what their page shows them; the window officer who
    is a member of the organisation hears the window's news, but never the internal notes."""
    from django.core import mail

    from accounts.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        build(state)
    roles_by_pk = {user.pk: role for role, user in people.items() if user is not None}
    roles_by_email = {user.email: role for role, user in people.items() if user is not None}
    heard = set()
    for notification in Notification.objects.all():
        role = roles_by_pk.get(notification.user_id)
        if role is None:
            continue  # 環境局's staff, told of the proposal passed on to it
        heard.add(role)
        seen = markers_in(notification.subject + notification.body)
        assert seen <= readable_markers(role, state), (role, seen)
    for message in mail.outbox:
        for address in message.to:
            if address in roles_by_email:
                role = roles_by_email[address]
                assert markers_in(message.subject + message.body) <= readable_markers(role, state), role
    assert heard <= PROPOSER_SIDE | WINDOW_SIDE | ROUTED_TO, "nobody else hears of it"
    if state != "draft":
        assert "proposer" in heard


def test_a_department_officer_who_is_a_member_acts_only_as_the_proposer(
    build, organisation, departments, officer_of, client_for, django_capture_on_commit_callbacks
):
    """An officer of 健康福祉局 who is also a member of the proposing organisation: the proposal routed to
    their department is theirs only as its proposer. They do not answer it, and they do not read the window's
    internal note, on the page nor in the inbox."""
    from accounts.models import Notification

    officer_member = officer_of(departments["健康福祉局"], display_name="団体にも入っている健康福祉局の職員")
    MembershipFactory(user=officer_member, partner=organisation)
    with django_capture_on_commit_callbacks(execute=True):
        proposal = build("routed")
    referral = kenko_referral(proposal)
    assert not rules.test_rule("window.answer_referral", officer_member, referral)
    assert not rules.test_rule("window.view_staff_side", officer_member, proposal)
    client = client_for(officer_member)
    page = client.get(proposal.get_absolute_url())
    assert page.context["view"].is_proposer
    assert page.context["answerable"] == []
    assert INTERNAL_NOTE not in page.content.decode()
    for path in ("answer", "pass-on"):
        assert client.get(f"/window/referrals/{referral.pk}/{path}/").status_code == 403, path
    inbox = Notification.objects.filter(user=officer_member)
    assert not any(INTERNAL_NOTE in notification.body for notification in inbox)
    assert INTERNAL_NOTE not in client.get("/accounts/mypage/inbox/").content.decode()


# ----------------------------------------------------------------------------------------------------------
# Lists


@pytest.fixture
def every_state(build, people):
    """One proposal of the organisation in each state (its title names the state), the other organisation's
    draft and routed proposal, a routed one without consent, and a withheld one."""
    proposals = {state: build(state, title=f"提案［{state}］") for state in STATES}
    other_user = people["other_member"]
    other_partner = other_user.memberships.get().partner
    proposals["other_draft"] = build("draft", title="提案［other_draft］", partner=other_partner, user=other_user)
    proposals["other_routed"] = build("routed", title="提案［other_routed］", partner=other_partner, user=other_user)
    proposals["no_consent"] = build("routed", title="提案［no_consent］", consent=False)
    proposals["withheld"] = build("answered", title="提案［withheld］")
    services.proposal_set_withheld(
        proposal=proposals["withheld"],
        user=people["admin"],
        withheld=True,
        reason="第三者の氏名があるため",
    )
    return proposals


def titles_in(text: str, proposals: dict) -> set[str]:
    return {name for name in proposals if f"提案［{name}］" in text}


def test_the_public_list_shows_only_published_proposals(every_state, client_for, people):
    expected = PUBLISHED | {"other_routed"}
    for role in ("anonymous", "citizen", "proposer", "window_officer", "admin"):
        response = client_for(people[role]).get("/window/")
        assert response.status_code == 200
        text = response.content.decode()
        assert titles_in(text, every_state) == expected, role
        assert markers_in(text) == set(), role
    # Every listed proposal opens as a public page.
    for name in expected:
        page = client_for(None).get(every_state[name].get_absolute_url())
        assert page.status_code == 200
        assert page.context["view"].is_public_view
    for name in set(every_state) - expected:
        assert client_for(None).get(every_state[name].get_absolute_url()).status_code == 404, name


def _mine_expected(role: str) -> set[str] | str:
    if role == "anonymous":
        return "login"
    if role in PROPOSER_SIDE:
        return set(STATES) | {"no_consent", "withheld"}
    if role == "other_member":
        return {"other_draft", "other_routed"}
    return set()


def _queue_expected(role: str) -> set[str] | str | int:
    if role == "anonymous":
        return "login"
    if role in WINDOW_SIDE | ADMINS | {"officer_and_member"}:
        return RECEIVED | {"other_routed", "no_consent", "withheld"}
    return 403


def _referrals_expected(role: str, state: str) -> set[str] | str | int:
    """/window/referrals/?state=…: the referrals of the departments the user serves."""
    if role == "anonymous":
        return "login"
    if role not in CITY_STAFF | ADMINS:
        return 403
    routed_to_kenko = {"routed", "info_requested", "replied", "answered", "passed_on", "withdrawn"}
    routed_to_kenko |= {"other_routed", "no_consent", "withheld"}
    active = {"routed", "info_requested", "replied", "other_routed", "no_consent"}
    if role in ROUTED_TO:
        mine = routed_to_kenko
    elif role == "admin":
        mine = routed_to_kenko  # 環境局's referral of the passed_on proposal is among them
        active = active | {"passed_on"}
    else:
        return set()
    if state == "active":
        return mine & active
    if state == "done":
        return mine - {"routed", "info_requested", "replied", "other_routed", "no_consent"}
    return mine


def _page(client, url: str, proposals: dict):
    response = client.get(url)
    if response.status_code == 302:
        assert response.url.startswith("/accounts/login/")
        return "login", set()
    if response.status_code != 200:
        return response.status_code, set()
    return titles_in(response.content.decode(), proposals), markers_in(response.content.decode())


@pytest.mark.parametrize("role", ROLES)
def test_the_lists_are_scoped(role, every_state, people, client_for):
    client = client_for(people[role])
    got = {
        "mine": _page(client, "/window/mine/", every_state)[0],
        "queue": _page(client, "/window/manage/", every_state)[0],
        **{
            f"referrals {state}": _page(client, f"/window/referrals/?state={state}", every_state)[0]
            for state in ("active", "done", "all")
        },
    }
    assert got == {
        "mine": _mine_expected(role),
        "queue": _queue_expected(role),
        **{f"referrals {state}": _referrals_expected(role, state) for state in ("active", "done", "all")},
    }
    # Lists carry titles and statuses, never the texts between the parties.
    for url in ("/window/mine/", "/window/manage/", "/window/referrals/?state=all", "/window/"):
        assert _page(client, url, every_state)[1] in (set(),), url


@pytest.fixture
def overdue_state(every_state):
    """Push every deadline into the past: the acknowledgement, the routing and the open referrals."""
    import datetime

    long_ago = datetime.date(2020, 4, 1)
    WindowProposal.objects.filter(pk__in=[p.pk for p in every_state.values()]).update(
        acknowledge_due=long_ago, route_due=long_ago
    )
    Referral.objects.filter(status="open").update(due_on=long_ago)
    return every_state


def _overdue_expected(role: str) -> set[str] | str | int:
    if role == "anonymous":
        return "login"
    if role not in CITY_STAFF | ADMINS:
        return 403
    window_items = {"submitted", "acknowledged"}
    open_kenko = {"routed", "replied", "other_routed", "no_consent"}  # info_requested waits for the proposer
    if role in WINDOW_SIDE | ADMINS | {"officer_and_member"}:
        return window_items | open_kenko | {"passed_on"}  # 環境局's open referral
    if role in ROUTED_TO:
        return open_kenko
    return set()


@pytest.mark.parametrize("role", ROLES)
def test_the_overdue_list_is_scoped(role, overdue_state, people, client_for):
    listed, seen = _page(client_for(people[role]), "/window/manage/overdue/", overdue_state)
    assert listed == _overdue_expected(role)
    assert seen == set()


# ----------------------------------------------------------------------------------------------------------
# Where each marker goes: the proposer, another department, the public


def test_the_internal_notes_never_reach_the_proposer(build, people, client_for):
    proposal = build("passed_on")
    for role in PROPOSER_SIDE:
        client = client_for(people[role])
        pages = [proposal.get_absolute_url(), "/window/mine/", f"/window/{proposal.public_id}/withdraw/"]
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200, (role, url)
            text = response.content.decode()
            assert INTERNAL_NOTE not in text, (role, url)
            assert PASS_NOTE not in text, (role, url)
        page = client.get(proposal.get_absolute_url()).content.decode()
        assert QUESTION in page and REPLY in page and PHONE in page, role
    for role in ("window_officer", "bureau_officer", "kenko_officer", "admin"):
        page = client_for(people[role]).get(proposal.get_absolute_url()).content.decode()
        assert INTERNAL_NOTE in page and PASS_NOTE in page and QUESTION in page and REPLY in page, role


def test_the_question_reaches_the_proposer_and_not_the_public(build, people, client_for):
    proposal = build("info_requested")
    page = client_for(people["proposer"]).get(proposal.get_absolute_url())
    assert QUESTION in page.content.decode()
    assert [question for _referral, question in page.context["questions"]] == [QUESTION]
    reply_page = client_for(people["member"]).get(f"/window/referrals/{kenko_referral(proposal).pk}/reply/")
    assert reply_page.status_code == 200
    assert QUESTION in reply_page.content.decode()
    assert INTERNAL_NOTE not in reply_page.content.decode()
    for role in ("anonymous", "citizen", "other_member", "pending_member", "nakahara_officer"):
        response = client_for(people[role]).get(proposal.get_absolute_url())
        assert response.status_code == 200
        assert response.context["view"].is_public_view
        assert markers_in(response.content.decode()) == set(), role


def test_the_withdraw_reason_stays_with_the_parties(build, people, client_for):
    proposal = build("withdrawn")
    for role in ("proposer", "window_officer", "kenko_officer", "admin"):
        assert WITHDRAW_REASON in client_for(people[role]).get(proposal.get_absolute_url()).content.decode(), role
    for role in ("anonymous", "citizen", "nakahara_officer", "pending_member"):
        assert client_for(people[role]).get(proposal.get_absolute_url()).status_code == 404, role
    assert WITHDRAW_REASON not in client_for(None).get("/window/").content.decode()


def test_the_answer_is_public_and_the_contact_is_not(build, people, client_for):
    proposal = build("answered")
    response = client_for(None).get(proposal.get_absolute_url())
    text = response.content.decode()
    assert ANSWER in text
    assert markers_in(text) == {ANSWER}
    assert "提案団体の代表" not in text, "the public does not read who acted"


def test_another_department_reads_only_what_is_public(build, people, client_for, departments):
    """中原区役所 was never routed to: it reads the published page only, and nothing of a routed-to-others
    proposal that is not published."""
    published = build("replied")
    unpublished = build("replied", title="同意のない提案", consent=False)
    client = client_for(people["nakahara_officer"])
    page = client.get(published.get_absolute_url())
    assert page.context["view"].is_public_view
    assert markers_in(page.content.decode()) == set()
    assert client.get(unpublished.get_absolute_url()).status_code == 404
    referral = kenko_referral(unpublished)
    for path in ("answer", "pass-on", "follow-up", "reply"):
        assert client.get(f"/window/referrals/{referral.pk}/{path}/").status_code == 404, path

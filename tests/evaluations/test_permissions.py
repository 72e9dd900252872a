"""Who sees and does what with an evaluation round: roles × pages, moves and services × the round's status.

The expectations are derived from evaluations/rules.py, written out below as sets of roles, not copied from
responses. The partner side: active members of the project's partner organisation (its representative, a
plain member of staff, and a city officer who is also a member, who writes only for the partner). The city
side: staff of 中原区役所, above the project's department (an officer, an approver). Administrators read the
round page (once both sides have submitted, both evaluations) but write for no side. Everyone else — a
citizen, a member whose membership is pending, a member of another organisation, officers of another ward
or bureau — reads only the public report, once the round is published (the round page sends them there).

What the pages do, as the matrix states it:
- "login": anonymous people are sent to log in (every page but the public report);
- 404: a round the user may not see (and the public report of a round not published);
- "report": the round page of a published round, for someone who is neither side: sent to the public report;
- 403: a round the user sees, but the action is not theirs (no side, or the wrong side for the move);
- "refused": a move of the user's side that the round's status (or the proposal) does not allow: back to the
  round page with a message, nothing changed;
- 200 / "done": the page is shown / the action took effect.

Each side writes a distinctive text into every comment of its evaluation; the tests look for it in the
pages and messages to check that a side's evaluation never reaches the other side before both have
submitted, nor anyone else before publication.
"""

import datetime

import pytest
import rules
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.models import Notification
from evaluations import services
from evaluations.models import EvaluationRound, SideEvaluation
from evaluations.reminders import evaluation_reminders_send
from evaluations.services import EvaluationServiceError, TransitionNotAllowed
from evaluations.workflow import NextStep, Side, Status
from kyodo_portal.dates import fiscal_year_of
from partners.models import Membership, StaffAssignment
from projects.services import project_unpublish
from tests.evaluations.conftest import FISCAL_YEAR, side_of
from tests.factories import MembershipFactory, PartnerFactory, ProjectFactory, StaffAssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db

PARTNER_SECRET = "団体だけの秘密メモ"
CITY_SECRET = "市だけの秘密メモ"
SECRETS = {Side.PARTNER: PARTNER_SECRET, Side.CITY: CITY_SECRET}

ROLES = (
    "anonymous",
    "citizen",
    "representative",
    "staff_member",
    "pending_member",
    "other_member",
    "officer",
    "approver",
    "takatsu_officer",
    "kankyo_officer",
    "admin",
    "officer_and_member",
)
PARTNER_SIDE = {"representative", "staff_member", "officer_and_member"}
CITY_SIDE = {"officer", "approver"}
SIDES = PARTNER_SIDE | CITY_SIDE
ADMINS = {"admin"}
LOGGED_IN = set(ROLES) - {"anonymous"}


def side_of_role(role: str) -> str | None:
    if role in PARTNER_SIDE:
        return Side.PARTNER
    if role in CITY_SIDE:
        return Side.CITY
    return None


@pytest.fixture
def people(citizen, member, partner, officer, departments, officer_of, kankyo_officer, admin_user, kawasaki):
    approver = StaffAssignmentFactory(
        department=departments["中原区役所"],
        role=StaffAssignment.Role.APPROVER,
        user=UserFactory(display_name="中原区役所の決裁者"),
    ).user
    officer_and_member = officer_of(departments["中原区役所"], display_name="団体にも入っている職員")
    MembershipFactory(user=officer_and_member, partner=partner)
    other_partner = PartnerFactory(name="たかつ環境ネット", municipality=kawasaki)
    return {
        "anonymous": None,
        "citizen": citizen,
        "representative": member,
        "staff_member": MembershipFactory(partner=partner, user=UserFactory(display_name="団体の担当者")).user,
        "pending_member": MembershipFactory(
            partner=partner, status=Membership.Status.PENDING, user=UserFactory(display_name="加入申請中の人")
        ).user,
        "other_member": MembershipFactory(
            partner=other_partner, role=Membership.Role.REPRESENTATIVE, user=UserFactory(display_name="他団体の代表")
        ).user,
        "officer": officer,
        "approver": approver,
        "takatsu_officer": officer_of(departments["高津区役所"], display_name="高津区役所の職員"),
        "kankyo_officer": kankyo_officer,
        "admin": admin_user,
        "officer_and_member": officer_and_member,
    }


# ----------------------------------------------------------------------------------------------------------
# Rounds with secrets, in every status

SCOPES = (
    "writing",  # neither side submitted
    "partner_submitted",
    "city_submitted",
    "summarising",
    "proposed",  # by the partner
    "published",
    "unpublished_project",  # a published round of a project since withdrawn from the catalogue
)
WRITING_SCOPES = {"writing", "partner_submitted", "city_submitted"}
PUBLISHED_SCOPES = {"published", "unpublished_project"}
SUMMARY = {
    "summary": "参加者は目標を上回った。",
    "next_step": NextStep.CONTINUE,
    "next_step_reasons": "需要があり、担い手も育っている。",
    "independence_year": FISCAL_YEAR + 2,
    "cost_share_change": "委託料を毎年2割ずつ減らす。",
}


def submitted_sides(scope: str) -> set[str]:
    if scope == "writing":
        return set()
    if scope == "partner_submitted":
        return {Side.PARTNER}
    if scope == "city_submitted":
        return {Side.CITY}
    return {Side.PARTNER, Side.CITY}


def write_secret(side: SideEvaluation, user, secret: str) -> SideEvaluation:
    """A complete draft with the side's secret in every comment (all scores 4: no gaps to explain)."""
    ratings = {rating.principle_id: (4, f"{secret}（{rating.principle.name}）") for rating in side.ratings.all()}
    data = {
        "achievement_score": 4,
        "achievement_comment": f"{secret}（成果）",
        "cost_score": 4,
        "cost_comment": f"{secret}（費用）",
        "overall_comment": f"{secret}（全体）",
    }
    return services.side_save(side=side, user=user, data=data, ratings=ratings, cost_amount=side.round.cost_amount)


@pytest.fixture
def round_in(project, member, officer):
    """The project's FY2025 round in a scope, both sides' drafts holding their secrets, the partner proposing."""

    def make(scope: str) -> EvaluationRound:
        round = services.round_start(project=project, fiscal_year=FISCAL_YEAR, user=officer)
        writers = {Side.PARTNER: member, Side.CITY: officer}
        for side, user in writers.items():
            write_secret(side_of(round, side), user, SECRETS[side])
        for side in (Side.PARTNER, Side.CITY):
            if side in submitted_sides(scope):
                services.side_submit(side=side_of(round, side), user=writers[side])
        round.refresh_from_db()
        if scope in WRITING_SCOPES:
            return round
        services.summary_save(round=round, user=member, data=SUMMARY, gap_notes={})
        if scope != "summarising":
            services.summary_propose(round=round, user=member)
        if scope in PUBLISHED_SCOPES:
            services.summary_agree(round=round, user=officer)
        if scope == "unpublished_project":
            project_unpublish(project=project, user=officer)
        round.refresh_from_db()
        assert round.status == {"summarising": Status.SUMMARISING, "proposed": Status.PROPOSED}.get(
            scope, Status.PUBLISHED
        )
        return round

    return make


def visible_to(scope: str) -> set[str]:
    """evaluations.view_round: the two sides and administrators, whatever the status (the others read the
    public report of a published round)."""
    return SIDES | ADMINS


def secrets_readable(role: str, scope: str) -> set[str]:
    """evaluations.view_side and selectors.round_view: a side reads its own; both once both have submitted."""
    if role not in visible_to(scope) or role == "anonymous":
        return set()
    mine = side_of_role(role)
    if scope in WRITING_SCOPES:
        return {SECRETS[mine]} if mine else set()
    return {PARTNER_SECRET, CITY_SECRET}


def secrets_in(text: str) -> set[str]:
    return {secret for secret in (PARTNER_SECRET, CITY_SECRET) if secret in text}


# ----------------------------------------------------------------------------------------------------------
# The rules


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("role", ROLES)
def test_the_rules_say_what_the_pages_do(role, scope, people, round_in):
    """evaluations/rules.py agrees with the pages: the rules an API or a script would ask give the same answers."""
    round = round_in(scope)
    round = EvaluationRound.objects.select_related("project").get(pk=round.pk)
    user = people[role] or AnonymousUser()
    sides = {side.side: side for side in round.sides.select_related("round__project")}
    got = {
        "view_round": rules.test_rule("evaluations.view_round", user, round),
        **{f"view_{name}": rules.test_rule("evaluations.view_side", user, sides[name]) for name in Side.values},
        **{f"write_{name}": rules.test_rule("evaluations.write_side", user, sides[name]) for name in Side.values},
        "edit_summary": rules.test_rule("evaluations.edit_summary", user, round),
        "start_round": rules.test_rule("evaluations.start_round", user, round.project),
    }
    # Anyone reads both sides of a published round (its report).
    readable = {PARTNER_SECRET, CITY_SECRET} if scope == "published" else secrets_readable(role, scope)
    assert got == {
        "view_round": role in visible_to(scope),
        **{f"view_{name}": SECRETS[name] in readable for name in Side.values},
        **{f"write_{name}": side_of_role(role) == name for name in Side.values},
        "edit_summary": role in SIDES and scope == "summarising",
        "start_round": role in SIDES,  # the service refuses a project not in the catalogue (below)
    }


# ----------------------------------------------------------------------------------------------------------
# Reading: the round page, each side's form, the summary page, the public report


def _page_outcome(response, round: EvaluationRound) -> str | int:
    if response.status_code == 302:
        if response.url.startswith("/accounts/login/"):
            return "login"
        if response.url == round.get_report_url():
            return "report"
        assert response.url == round.get_absolute_url()
        assert list(get_messages(response.wsgi_request)), "a refusal says why"
        return "refused"
    return response.status_code


def _expected_round_page(role: str, scope: str) -> str | int:
    if role == "anonymous":
        return "login"
    if role in visible_to(scope):
        return 200
    return "report" if scope == "published" else 404


def _expected_side_form(role: str, scope: str) -> str | int:
    """The user's side's form: while the round is written and their side has not submitted."""
    if role == "anonymous":
        return "login"
    if role not in visible_to(scope):
        return 404
    mine = side_of_role(role)
    if mine is None:
        return 403
    return 200 if scope in WRITING_SCOPES and mine not in submitted_sides(scope) else "refused"


def _expected_summary_page(role: str, scope: str) -> str | int:
    if role == "anonymous":
        return "login"
    if role not in visible_to(scope):
        return 404
    if side_of_role(role) is None:
        return 403
    return 200 if scope == "summarising" else "refused"


def _expected_report(scope: str) -> int:
    return 200 if scope == "published" else 404


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("role", ROLES)
def test_who_reads_which_side_on_which_page(role, scope, people, round_in, client_for):
    round = round_in(scope)
    client = client_for(people[role])
    pages = {
        "round": round.get_absolute_url(),
        "side_form": f"/evaluations/rounds/{round.pk}/side/",
        "summary": f"/evaluations/rounds/{round.pk}/summary/",
        "report": f"/evaluations/{round.pk}/",
    }
    got = {}
    for page, url in pages.items():
        response = client.get(url)
        got[page] = (_page_outcome(response, round), secrets_in(response.content.decode()))
    readable = secrets_readable(role, scope)
    expected = {
        "round": _expected_round_page(role, scope),
        "side_form": _expected_side_form(role, scope),
        "summary": _expected_summary_page(role, scope),
        "report": _expected_report(scope),
    }
    shown = {
        "round": readable,
        # The form holds the user's own draft only.
        "side_form": {SECRETS[side_of_role(role)]} if expected["side_form"] == 200 else set(),
        "summary": readable if expected["summary"] == 200 else set(),
        "report": {PARTNER_SECRET, CITY_SECRET} if scope == "published" else set(),
    }
    assert got == {page: (expected[page], shown[page] if expected[page] == 200 else set()) for page in pages}


@pytest.mark.parametrize("scope", SCOPES)
def test_public_pages_show_no_evaluation_before_it_is_published(scope, round_in, project, client_for):
    round_in(scope)
    client = client_for(None)
    project_page = client.get(project.get_absolute_url())
    assert project_page.status_code == (404 if scope == "unpublished_project" else 200)
    for url in ("/evaluations/", f"/evaluations/report/{FISCAL_YEAR}/", f"/evaluations/report/{FISCAL_YEAR}/csv/"):
        response = client.get(url)
        assert response.status_code == 200, url
        if scope != "published":
            assert secrets_in(response.content.decode()) == set(), url
    if scope != "published":
        assert secrets_in(project_page.content.decode()) == set()


@pytest.mark.parametrize("scope", SCOPES)
def test_mails_and_inbox_carry_no_evaluation_to_whoever_may_not_read_it(
    scope, people, round_in, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        round_in(scope)
    sides_users = {people[role].pk: role for role in SIDES}
    roles_by_pk = {user.pk: role for role, user in people.items() if user is not None}
    roles_by_email = {user.email: role for role, user in people.items() if user is not None}
    notifications = list(Notification.objects.all())
    assert bool(notifications) is (scope != "writing"), "the other side hears of each submission"
    for notification in notifications:
        assert notification.user_id in sides_users, "only the two sides hear of a round"
        role = roles_by_pk[notification.user_id]
        assert secrets_in(notification.subject + notification.body) <= secrets_readable(role, scope)
    for message in mail.outbox:
        (address,) = message.to
        assert secrets_in(message.subject + message.body) <= secrets_readable(roles_by_email[address], scope)
    evaluation_reminders_send(today=datetime.date(FISCAL_YEAR + 1, 8, 1))  # the year ended, and is overdue
    for notification in Notification.objects.all():
        role = roles_by_pk[notification.user_id]
        assert secrets_in(notification.subject + notification.body) <= secrets_readable(role, scope)
    for role in LOGGED_IN:
        inbox = client_for(people[role]).get("/accounts/mypage/inbox/")
        assert inbox.status_code == 200
        assert secrets_in(inbox.content.decode()) <= secrets_readable(role, scope), role


@pytest.mark.parametrize(
    ("scope", "told"),
    [("partner_submitted", {"officer"}), ("city_submitted", {"representative"})],
    ids=["partner_submits", "city_submits"],
)
def test_a_submission_is_announced_to_the_other_side_only(
    scope, told, people, round_in, django_capture_on_commit_callbacks
):
    """The partner's representatives hear of the city's submission, the city's officers of the partner's; an
    officer who is also a member of the partner writes for the partner, and is not told as the city."""
    with django_capture_on_commit_callbacks(execute=True):
        round_in(scope)
    roles_by_pk = {user.pk: role for role, user in people.items() if user is not None}
    assert {roles_by_pk[notification.user_id] for notification in Notification.objects.all()} == told


def test_a_reopened_round_is_no_longer_public(people, round_in, client_for):
    round = round_in("published")
    services.round_reopen(round=round, user=people["officer"], comment="誤記を直すため")
    assert client_for(None).get(f"/evaluations/{round.pk}/").status_code == 404
    assert client_for(people["citizen"]).get(round.get_absolute_url()).status_code == 404
    page = client_for(people["representative"]).get(round.get_absolute_url())
    assert page.status_code == 200
    assert secrets_in(page.content.decode()) == {PARTNER_SECRET, CITY_SECRET}


# ----------------------------------------------------------------------------------------------------------
# Acting through the pages


def _state(round: EvaluationRound) -> tuple:
    round = EvaluationRound.objects.get(pk=round.pk)
    sides = tuple(
        SideEvaluation.objects.filter(round=round).order_by("side").values_list("side", "version", "submitted_at")
    )
    return round.status, round.summary_version, round.summary, sides, round.events.count()


def _side_data(round: EvaluationRound, side: str, action: str) -> dict:
    evaluation = side_of(round, side)
    data = {
        "action": action,
        "version": str(evaluation.version),
        "achievement_score": "3",
        "achievement_comment": "書き直した下書き",
        "cost_score": "3",
        "cost_comment": "書き直した下書き",
        "overall_comment": "書き直した下書き",
    }
    if side == Side.CITY:
        data["cost_amount"] = "600000"
    for rating in evaluation.ratings.all():
        data[f"score_{rating.principle_id}"] = "3"
        data[f"comment_{rating.principle_id}"] = "書き直した下書き"
    return data


def _summary_data(round: EvaluationRound, action: str) -> dict:
    return {
        "action": action,
        "version": str(round.summary_version),
        **{name: str(value) for name, value in SUMMARY.items()},
        "summary": "書き直したまとめ",
    }


# action: (method, url suffix, form data)
ACTIONS = {
    "open_side": ("get", "side/", lambda round, side: {}),
    "save_side": ("post", "side/", lambda round, side: _side_data(round, side, "save")),
    "submit_side": ("post", "side/", lambda round, side: _side_data(round, side, "submit")),
    "reopen_side": ("post", "reopen_side/", lambda round, side: {}),
    "open_summary": ("get", "summary/", lambda round, side: {}),
    "save_summary": ("post", "summary/", lambda round, side: _summary_data(round, "save")),
    "propose": ("post", "summary/", lambda round, side: _summary_data(round, "propose")),
    "agree": ("post", "agree/", lambda round, side: {"version": str(round.summary_version)}),
    "request_changes": ("post", "request_changes/", lambda round, side: {"changes-comment": "数字の説明を足して"}),
    "withdraw_summary": ("post", "withdraw_summary/", lambda round, side: {}),
    "reopen": ("post", "reopen/", lambda round, side: {"reopen-comment": "誤記を直すため"}),
}


def _effect(action: str, round: EvaluationRound, side: str | None) -> bool:
    """What a move that went through leaves behind."""
    round = EvaluationRound.objects.get(pk=round.pk)
    mine = side_of(round, side) if side else None
    return {
        "save_side": lambda: mine.overall_comment == "書き直した下書き" and mine.submitted_at is None,
        "submit_side": lambda: mine.overall_comment == "書き直した下書き" and mine.submitted_at is not None,
        "reopen_side": lambda: mine.submitted_at is None,
        "save_summary": lambda: round.summary == "書き直したまとめ" and round.status == Status.SUMMARISING,
        "propose": lambda: round.status == Status.PROPOSED and round.proposed_side == side,
        "agree": lambda: round.status == Status.PUBLISHED and round.agreed_by_id is not None,
        "request_changes": lambda: round.status == Status.SUMMARISING,
        "withdraw_summary": lambda: round.status == Status.SUMMARISING,
        "reopen": lambda: round.status == Status.SUMMARISING and round.published_at is None,
    }[action]()


def _act(client, round: EvaluationRound, action: str, side: str | None):
    """Make the request inside a savepoint that is rolled back: every action starts from the same round."""
    method, suffix, data = ACTIONS[action]
    before = _state(round)
    with transaction.atomic():
        response = getattr(client, method)(
            f"/evaluations/rounds/{round.pk}/{suffix}", data(round, side or Side.PARTNER)
        )
        changed = _state(round) != before
        if response.status_code == 302 and response.url.startswith("/accounts/login/"):
            outcome = "login"
        elif response.status_code == 302 and changed:
            assert _effect(action, round, side), action
            outcome = "done"
        elif response.status_code == 302:
            assert response.url == round.get_absolute_url(), action
            assert list(get_messages(response.wsgi_request)), f"{action}: a refusal says why"
            outcome = "refused"
        else:
            outcome = response.status_code
        if outcome != "done":
            assert not changed, action
        transaction.set_rollback(True)
    return outcome


def _expected_action(role: str, scope: str, action: str) -> str | int:
    if role == "anonymous":
        return "login"
    if role not in visible_to(scope):
        return 404
    mine = side_of_role(role)
    if mine is None:
        return 403
    writing = scope in WRITING_SCOPES
    submitted = mine in submitted_sides(scope)
    if action == "open_side":
        return 200 if writing and not submitted else "refused"
    if action in ("save_side", "submit_side"):
        return "done" if writing and not submitted else "refused"
    if action == "reopen_side":
        return "done" if writing and submitted else "refused"
    if action == "open_summary":
        return 200 if scope == "summarising" else "refused"
    if action in ("save_summary", "propose"):
        return "done" if scope == "summarising" else "refused"
    if action in ("agree", "request_changes"):
        # The partner proposed: only the city answers.
        return "done" if scope == "proposed" and mine == Side.CITY else "refused"
    if action == "withdraw_summary":
        return "done" if scope == "proposed" and mine == Side.PARTNER else "refused"
    if action == "reopen":
        if mine != Side.CITY:
            return 403  # the city alone withdraws a published evaluation
        return "done" if scope in PUBLISHED_SCOPES else "refused"
    raise AssertionError(action)


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("role", ROLES)
def test_who_acts_on_a_round_through_its_pages(role, scope, people, round_in, client_for):
    round = round_in(scope)
    client = client_for(people[role])
    got = {action: _act(client, round, action, side_of_role(role)) for action in ACTIONS}
    assert got == {action: _expected_action(role, scope, action) for action in ACTIONS}


@pytest.mark.parametrize(("role", "side"), [("representative", Side.PARTNER), ("officer", Side.CITY)])
def test_a_conflicting_save_shows_the_saved_version_of_ones_own_side_only(role, side, people, round_in, client_for):
    round = round_in("writing")
    data = _side_data(round, side, "save")
    data["version"] = str(side_of(round, side).version - 1)
    response = client_for(people[role]).post(f"/evaluations/rounds/{round.pk}/side/", data)
    assert response.status_code == 409
    assert secrets_in(response.content.decode()) == {SECRETS[side]}
    assert side_of(round, side).overall_comment == f"{SECRETS[side]}（全体）"


@pytest.mark.parametrize(("role", "side"), [("representative", Side.PARTNER), ("officer", Side.CITY)])
def test_an_incomplete_submission_is_saved_not_submitted(role, side, people, round_in, client_for):
    round = round_in("writing")
    data = {**_side_data(round, side, "submit"), "overall_comment": ""}
    response = client_for(people[role]).post(f"/evaluations/rounds/{round.pk}/side/", data)
    assert response.status_code == 200
    assert secrets_in(response.content.decode()) <= {SECRETS[side]}
    evaluation = side_of(round, side)
    assert (evaluation.submitted_at, evaluation.achievement_comment) == (None, "書き直した下書き")


def test_the_city_alone_gives_the_years_cost(people, round_in, client_for):
    round = round_in("writing")
    data = {**_side_data(round, Side.PARTNER, "save"), "cost_amount": "1"}
    client_for(people["representative"]).post(f"/evaluations/rounds/{round.pk}/side/", data)
    round.refresh_from_db()
    assert round.cost_amount == 600_000
    data = {**_side_data(round, Side.CITY, "save"), "cost_amount": "750000"}
    client_for(people["officer"]).post(f"/evaluations/rounds/{round.pk}/side/", data)
    round.refresh_from_db()
    assert round.cost_amount == 750_000


@pytest.mark.parametrize("move", ["agree", "request_changes", "withdraw_summary", "reopen", "reopen_side"])
def test_moves_are_posted_never_got(move, people, round_in, client_for):
    round = round_in("proposed")
    response = client_for(people["officer"]).get(f"/evaluations/rounds/{round.pk}/{move}/")
    assert response.status_code == 405


def test_an_unknown_move_is_not_found(people, round_in, client_for):
    round = round_in("proposed")
    before = _state(round)
    response = client_for(people["officer"]).post(f"/evaluations/rounds/{round.pk}/delete_everything/")
    assert response.status_code == 404
    assert _state(round) == before


def test_moves_of_a_comment_need_one(people, round_in, client_for):
    round = round_in("proposed")
    response = client_for(people["officer"]).post(
        f"/evaluations/rounds/{round.pk}/request_changes/", {"changes-comment": "  "}
    )
    assert response.status_code == 302
    assert response.url == round.get_absolute_url()
    round.refresh_from_db()
    assert round.status == Status.PROPOSED


# ----------------------------------------------------------------------------------------------------------
# Acting through the services


SERVICES = {
    "save_partner": lambda round, user: write_secret(side_of(round, Side.PARTNER), user, "別の下書き"),
    "save_city": lambda round, user: write_secret(side_of(round, Side.CITY), user, "別の下書き"),
    "submit_partner": lambda round, user: services.side_submit(side=side_of(round, Side.PARTNER), user=user),
    "submit_city": lambda round, user: services.side_submit(side=side_of(round, Side.CITY), user=user),
    "reopen_partner": lambda round, user: services.side_reopen(side=side_of(round, Side.PARTNER), user=user),
    "reopen_city": lambda round, user: services.side_reopen(side=side_of(round, Side.CITY), user=user),
    "summary_save": lambda round, user: services.summary_save(round=round, user=user, data=SUMMARY, gap_notes={}),
    "propose": lambda round, user: services.summary_propose(round=round, user=user),
    "agree": lambda round, user: services.summary_agree(round=round, user=user),
    "request_changes": lambda round, user: services.summary_request_changes(round=round, user=user, comment="直して"),
    "withdraw": lambda round, user: services.summary_withdraw(round=round, user=user),
    "reopen": lambda round, user: services.round_reopen(round=round, user=user, comment="誤記を直すため"),
}


class _RolledBack(Exception):
    pass


def _call(service, round: EvaluationRound, user):
    """What the service raises (its exact class), or None; rolled back either way."""
    try:
        with transaction.atomic():
            service(EvaluationRound.objects.get(pk=round.pk), user)
            raise _RolledBack
    except _RolledBack:
        return None
    except (PermissionDenied, EvaluationServiceError) as error:
        return type(error)


def _expected_service(role: str, scope: str, name: str):
    mine = side_of_role(role)
    writing = scope in WRITING_SCOPES
    if name.startswith(("save_", "submit_", "reopen_")) and name != "reopen":
        action, side = name.split("_")
        if mine != side:
            return PermissionDenied
        if not writing:
            return TransitionNotAllowed
        submitted = side in submitted_sides(scope)
        if action == "reopen":
            return None if submitted else TransitionNotAllowed
        # A submitted evaluation is taken back before it is changed or submitted again.
        return EvaluationServiceError if submitted else None
    if mine is None:
        return PermissionDenied
    if name in ("summary_save", "propose"):
        return None if scope == "summarising" else TransitionNotAllowed
    if name in ("agree", "request_changes"):
        if scope != "proposed":
            return TransitionNotAllowed
        return None if mine != Side.PARTNER else EvaluationServiceError  # not to one's own proposal
    if name == "withdraw":
        if scope != "proposed":
            return TransitionNotAllowed
        return None if mine == Side.PARTNER else EvaluationServiceError  # only the proposer takes it back
    if name == "reopen":
        if mine != Side.CITY:
            return PermissionDenied
        return None if scope in PUBLISHED_SCOPES else TransitionNotAllowed
    raise AssertionError(name)


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("role", ROLES)
def test_who_acts_on_a_round_through_the_services(role, scope, people, round_in):
    round = round_in(scope)
    user = people[role] or AnonymousUser()
    got = {name: _call(service, round, user) for name, service in SERVICES.items()}
    assert got == {name: _expected_service(role, scope, name) for name in SERVICES}


def test_the_side_that_proposed_does_not_agree_to_its_own_proposal(people, round_in):
    """Agreement takes both sides: neither the proposer nor anyone of its side publishes the summary."""
    round = round_in("summarising")
    services.summary_propose(round=round, user=people["officer"])
    for role in ("officer", "approver"):
        for service in (SERVICES["agree"], SERVICES["request_changes"]):
            assert _call(service, round, people[role]) is EvaluationServiceError, role
    assert _call(SERVICES["withdraw"], round, people["representative"]) is EvaluationServiceError
    for role in ("representative", "staff_member", "officer_and_member"):
        assert _call(SERVICES["agree"], round, people[role]) is None, role
    published = services.summary_agree(round=round, user=people["staff_member"])
    assert published.status == Status.PUBLISHED
    events = {event.action: event.side for event in published.events.all()}
    assert (events["propose_summary"], events["agree"]) == (Side.CITY, Side.PARTNER)


def test_the_city_alone_withdraws_a_published_round_and_says_why(people, round_in):
    round = round_in("published")
    for role in ("representative", "staff_member", "officer_and_member"):
        assert _call(SERVICES["reopen"], round, people[role]) is PermissionDenied, role
    for role in ("citizen", "admin", "takatsu_officer", "kankyo_officer"):
        assert _call(SERVICES["reopen"], round, people[role]) is PermissionDenied, role
    with pytest.raises(EvaluationServiceError):
        services.round_reopen(round=round, user=people["approver"], comment="  ")
    round.refresh_from_db()
    assert round.status == Status.PUBLISHED
    reopened = services.round_reopen(round=round, user=people["approver"], comment="誤記を直すため")
    assert (reopened.status, reopened.published_at) == (Status.SUMMARISING, None)


def test_an_officer_who_is_also_a_member_writes_only_for_the_partner(people, round_in, client_for):
    round = round_in("writing")
    dual = people["officer_and_member"]
    with pytest.raises(PermissionDenied):
        write_secret(side_of(round, Side.CITY), dual, "市側に書こうとした")
    with pytest.raises(PermissionDenied):
        services.side_submit(side=side_of(round, Side.CITY), user=dual)
    form = client_for(dual).get(f"/evaluations/rounds/{round.pk}/side/").content.decode()
    assert secrets_in(form) == {PARTNER_SECRET}
    assert 'name="cost_amount"' not in form  # the city's field


# ----------------------------------------------------------------------------------------------------------
# Opening a round


@pytest.mark.parametrize("role", ROLES)
def test_who_opens_a_round(role, people, project, client_for):
    response = client_for(people[role]).post(f"/evaluations/projects/{project.pk}/{FISCAL_YEAR}/start/")
    rounds = EvaluationRound.objects.filter(project=project, fiscal_year=FISCAL_YEAR)
    if role == "anonymous":
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    elif role in SIDES:
        round = rounds.get()
        assert response.status_code == 302 and response.url == round.get_absolute_url()
        assert sorted(round.sides.values_list("side", flat=True)) == sorted(Side.values)
    else:
        assert response.status_code == 403  # administrators too: they write for no side
    assert rounds.exists() is (role in SIDES)


@pytest.mark.parametrize("role", ROLES)
def test_opening_a_round_already_open_returns_it(role, people, round_in, client_for):
    round = round_in("summarising")
    response = client_for(people[role]).post(f"/evaluations/projects/{round.project_id}/{FISCAL_YEAR}/start/")
    if role == "anonymous":
        assert response.url.startswith("/accounts/login/")
    elif role in SIDES:
        assert response.url == round.get_absolute_url()
    else:
        assert response.status_code == 403
    assert EvaluationRound.objects.filter(project=round.project).count() == 1


@pytest.mark.parametrize(
    "fiscal_year",
    [
        2023,  # before the project's first year
        2026,  # after its last
        fiscal_year_of() + 1,  # not begun
        1949,
        2**63,  # beyond any year (and the database's integers)
    ],
)
def test_opening_a_round_of_a_year_the_project_did_not_run_is_refused_with_a_message(
    fiscal_year, project, officer, client_for
):
    response = client_for(officer).post(f"/evaluations/projects/{project.pk}/{fiscal_year}/start/")
    assert response.status_code == 302
    assert response.url == "/evaluations/mine/"
    (message,) = get_messages(response.wsgi_request)
    assert message.level_tag == "error"
    assert str(fiscal_year) in message.message
    assert not EvaluationRound.objects.exists()
    with pytest.raises(EvaluationServiceError):
        services.round_start(project=project, fiscal_year=fiscal_year, user=officer)


def test_a_project_without_years_is_evaluated_for_past_years_only(project, officer):
    project.fiscal_year_start = project.fiscal_year_end = None
    project.save(update_fields=["fiscal_year_start", "fiscal_year_end"])
    with pytest.raises(EvaluationServiceError):
        services.round_start(project=project, fiscal_year=fiscal_year_of() + 1, user=officer)
    assert services.round_start(project=project, fiscal_year=2019, user=officer).fiscal_year == 2019


def test_an_unpublished_project_is_not_evaluated(project, people, client_for):
    project = project_unpublish(project=project, user=people["officer"])
    response = client_for(people["officer"]).post(f"/evaluations/projects/{project.pk}/{FISCAL_YEAR}/start/")
    assert response.status_code == 404
    with pytest.raises(EvaluationServiceError) as refused:
        services.round_start(project=project, fiscal_year=FISCAL_YEAR, user=people["officer"])
    assert type(refused.value) is EvaluationServiceError
    with pytest.raises(PermissionDenied):
        services.round_start(project=project, fiscal_year=FISCAL_YEAR, user=people["citizen"])
    assert not EvaluationRound.objects.exists()


def test_a_project_without_a_responsible_department_has_no_side_to_open_it(project, people):
    project.responsible_department = None
    project.save(update_fields=["responsible_department"])
    for role in ("representative", "officer", "admin"):
        with pytest.raises(PermissionDenied):
            services.round_start(project=project, fiscal_year=FISCAL_YEAR, user=people[role])


# ----------------------------------------------------------------------------------------------------------
# My evaluations


@pytest.fixture
def takatsu_project(kawasaki, departments, schemes, people):
    """A project of 高津区役所 with the other organisation: its people's own, none of ours."""
    other_partner = people["other_member"].memberships.get().partner
    return ProjectFactory(
        title="たかつの緑を守る会の協働事業",
        municipality=kawasaki,
        scheme=schemes["ward_proposal"],
        responsible_department=departments["高津区役所"],
        parties=[(other_partner, "運営")],
        fiscal_year_start=2024,
        fiscal_year_end=2025,
    )


@pytest.mark.parametrize("role", sorted(LOGGED_IN))
def test_my_evaluations_list_only_the_users_own_projects(role, people, round_in, takatsu_project, client_for):
    round = round_in("partner_submitted")
    other = services.round_start(project=takatsu_project, fiscal_year=FISCAL_YEAR, user=people["takatsu_officer"])
    page = client_for(people[role]).get("/evaluations/mine/")
    assert page.status_code == 200
    html = page.content.decode()
    ours = role in SIDES
    theirs = role in {"other_member", "takatsu_officer"}
    assert (round.get_absolute_url() in html, round.project.title in html) == (ours, ours)
    assert (other.get_absolute_url() in html, takatsu_project.title in html) == (theirs, theirs)
    assert secrets_in(html) == set()


def test_my_evaluations_offer_to_open_the_years_due(people, project, client_for):
    start = f"/evaluations/projects/{project.pk}/{FISCAL_YEAR}/start/"
    for role in ROLES[1:]:
        html = client_for(people[role]).get("/evaluations/mine/").content.decode()
        assert (start in html) is (role in SIDES), role


def test_my_evaluations_ask_to_log_in(client_for):
    response = client_for(None).get("/evaluations/mine/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


# ----------------------------------------------------------------------------------------------------------
# Ids beyond the database's integers


BIG_IDS = (2**63, 2**64, 10**30)


@pytest.mark.parametrize(
    ("method", "pattern"),
    [
        ("get", "/evaluations/{big}/"),
        ("get", "/evaluations/rounds/{big}/"),
        ("get", "/evaluations/rounds/{big}/side/"),
        ("post", "/evaluations/rounds/{big}/side/"),
        ("get", "/evaluations/rounds/{big}/summary/"),
        ("post", "/evaluations/rounds/{big}/summary/"),
        ("post", "/evaluations/rounds/{big}/agree/"),
        ("post", "/evaluations/rounds/{big}/reopen_side/"),
        ("post", "/evaluations/rounds/{big}/reopen/"),
        ("post", "/evaluations/projects/{big}/2025/start/"),
        ("get", "/evaluations/external/{big}/"),
        ("post", "/evaluations/external/{big}/members/"),
        ("post", "/evaluations/external/{big}/publish/"),
        ("post", "/evaluations/external/{big}/unpublish/"),
        ("get", "/evaluations/external/{big}/projects/{big}/comment/"),
        ("get", "/evaluations/report/{big}/"),
    ],
)
def test_an_id_beyond_the_databases_integers_is_not_found(method, pattern, people, round_in, client_for):
    round_in("published")
    for role in ("officer", "admin"):
        client = client_for(people[role])
        for big in BIG_IDS:
            response = getattr(client, method)(pattern.format(big=big), {"reopen-comment": "直す"})
            assert response.status_code == 404, (role, big, response.status_code)


def test_an_id_beyond_the_databases_integers_is_not_found_for_anonymous_visitors(client_for):
    client = client_for(None)
    assert client.get(f"/evaluations/{2**63}/").status_code == 404
    assert client.get(f"/evaluations/report/{2**63}/").status_code == 404


def test_a_round_published_a_while_ago_keeps_its_figures(people, round_in, project):
    """The published figures do not follow later edits of the project's record."""
    round = round_in("published")
    assert round.published_at <= timezone.now() + datetime.timedelta(seconds=1)
    figures = round.figures
    project.indicators.update(actual_value=1)
    round.refresh_from_db()
    assert round.figures == figures and figures["indicators"]

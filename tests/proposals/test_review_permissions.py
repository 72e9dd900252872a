"""Who reaches which page of the review side and who makes which move: roles × pages and moves, 中原区's call.

The expectations are derived from the rules (proposals/rules.py) written out as sets of roles below, not
copied from responses: the call's staff (officers and approvers of 中原区役所, administrators) see the
queue and a proposal's staff page; officers move and assign, approvers approve; reviewers review; staff of
another ward or bureau are outsiders like a citizen.
"""

import datetime

import pytest
from django.utils import timezone

from partners.models import Membership
from proposals import review
from proposals.models import Call, CallReviewer, Proposal, StaffNote
from proposals.workflow import Status
from tests.factories import UserFactory
from tests.proposals.conftest import make_move, publish_results

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous",
    "citizen",
    "member",
    "reviewer",
    "officer",
    "approver",
    "tama_officer",
    "kankyo_officer",
    "admin",
)
APPLICANTS = {"member"}
REVIEWERS = {"reviewer"}
OFFICERS = {"officer", "admin"}  # proposals.act_as_officer
APPROVERS = {"approver", "admin"}  # proposals.approve_decisions
CALL_STAFF = OFFICERS | APPROVERS  # proposals.view_call_proposals / view_staff_side: any role, or an administrator


@pytest.fixture
def people(
    citizen, member, call_reviewer, nakahara_officer, nakahara_approver, tama_officer, kankyo_officer, admin_user
):
    return {
        "anonymous": None,
        "citizen": citizen,
        "member": member,
        "reviewer": call_reviewer,
        "officer": nakahara_officer,
        "approver": nakahara_approver,
        "tama_officer": tama_officer,
        "kankyo_officer": kankyo_officer,
        "admin": admin_user,
    }


def _outcome(response) -> str | int:
    if response.status_code == 302:
        return "login" if response.url.startswith("/accounts/login/") else "done"
    return response.status_code


def _page(role: str, allowed: set[str], refused: int) -> str | int:
    if role == "anonymous":
        return "login"
    return 200 if role in allowed else refused


# ----------------------------------------------------------------------------------------------------------
# Pages


LOGGED_IN = set(ROLES) - {"anonymous"}

PAGES = {
    # name: (url pattern, who gets 200, what the others get)
    "queue": ("/calls/manage/{call}/proposals/", CALL_STAFF, 403),
    "csv": ("/calls/manage/{call}/proposals.csv", CALL_STAFF, 403),
    "scores_csv": ("/calls/manage/{call}/proposals.csv?kind=scores", CALL_STAFF, 403),
    "reviewers": ("/calls/manage/{call}/reviewers/", OFFICERS, 403),
    "approvals": ("/calls/manage/approvals/", APPROVERS, 403),  # each approver sees their own scope (below)
    "my_reviews": ("/reviews/", REVIEWERS, 403),
    "staff_page": ("/proposals/{proposal}/manage/", CALL_STAFF, 404),
    "review_page": ("/proposals/{proposal}/review/", REVIEWERS, 404),
    "proposal_page": ("/proposals/{proposal}/", APPLICANTS | REVIEWERS | CALL_STAFF, 404),
    "inbox": ("/accounts/mypage/inbox/", LOGGED_IN, 403),
}


@pytest.mark.parametrize("role", ROLES)
def test_who_opens_each_page_of_the_review_side(role, people, call, walk, client_for):
    proposal = walk("under_review")
    client = client_for(people[role])
    got = {
        page: _outcome(client.get(pattern.format(call=call.pk, proposal=proposal.public_id)))
        for page, (pattern, _allowed, _refused) in PAGES.items()
    }
    assert got == {page: _page(role, allowed, refused) for page, (_pattern, allowed, refused) in PAGES.items()}


@pytest.mark.parametrize("role", ROLES)
def test_the_staff_page_of_a_draft_is_nobodys(role, people, walk, client_for):
    proposal = walk("draft")
    expected = "login" if role == "anonymous" else 404
    assert _outcome(client_for(people[role]).get(f"/proposals/{proposal.public_id}/manage/")) == expected


@pytest.mark.parametrize("role", ROLES)
def test_lists_hold_only_what_the_role_may_act_on(role, people, call, walk, client_for):
    waiting = walk("decision_proposed")
    to_review = walk("under_review")
    client = client_for(people[role])
    if role == "anonymous":
        return
    approvals = client.get("/calls/manage/approvals/").content.decode()
    assert (f"/proposals/{waiting.public_id}/manage/" in approvals) is (role in APPROVERS)
    if role in CALL_STAFF:
        queue = client.get(f"/calls/manage/{call.pk}/proposals/").content.decode()
        assert f"/proposals/{to_review.public_id}/manage/" in queue
    if role in REVIEWERS:
        reviews = client.get("/reviews/").content.decode()
        assert f"/proposals/{to_review.public_id}/review/" in reviews
        assert f"/proposals/{waiting.public_id}/review/" in reviews  # past screening, no longer to do


@pytest.mark.parametrize("role", ROLES)
def test_the_public_results_appear_for_everyone_once_published(role, people, call, walk, nakahara_officer, client_for):
    walk("adopted")
    client = client_for(people[role])
    assert client.get(f"/calls/{call.pk}/results/").status_code == 404
    publish_results(call, nakahara_officer)
    assert client.get(f"/calls/{call.pk}/results/").status_code == 200


# ----------------------------------------------------------------------------------------------------------
# Moves on a proposal


def _due() -> str:
    return (timezone.localdate() + datetime.timedelta(days=10)).isoformat()


def _screening_data(proposal: Proposal) -> dict:
    data = {f"screen-check_{item.key}": "on" for item in review.screening_checklist(proposal=proposal)}
    return {**data, "screen-note": "確認済み"}


MOVES = {
    # action: (status it is made from, who makes it, the form data, what it leads to)
    "start_screening": ("submitted", OFFICERS, lambda p: {}, "screening"),
    "pass_screening": ("screening", OFFICERS, _screening_data, "under_review"),
    "return": ("screening", OFFICERS, lambda p: {"return-comment": "予算を見直して", "return-due": _due()}, "returned"),
    "propose_decision": (
        "under_review",
        OFFICERS,
        lambda p: {
            "decision-outcome": "adopt",
            "decision-public_reasons": "地域に必要な事業です。",
            "decision-amount": "500000",
        },
        "decision_proposed",
    ),
    "approve": ("decision_proposed", APPROVERS, lambda p: {"approve-comment": ""}, "adopted"),
    "send_back": ("decision_proposed", APPROVERS, lambda p: {"send_back-comment": "金額の根拠を"}, "under_review"),
    "confirm_conditions": ("conditional", OFFICERS, lambda p: {"confirm-comment": "予算が成立"}, "adopted"),
    "presentation": (
        "under_review",
        OFFICERS,
        lambda p: {"presentation-held_on": timezone.localdate().isoformat(), "presentation-result": "好評"},
        "under_review",
    ),
    "note": ("under_review", CALL_STAFF, lambda p: {"note-body": "職員のメモ"}, "under_review"),
}


def _expected_move(role: str, allowed: set[str]) -> str | int:
    if role == "anonymous":
        return "login"
    if role not in CALL_STAFF:
        return 404  # not on the staff side of the proposal: it does not exist for them
    return "done" if role in allowed else 403


def _changed(proposal: Proposal, action: str, before: str) -> bool:
    proposal.refresh_from_db()
    if action == "note":
        return StaffNote.objects.filter(proposal=proposal).exists()
    if action == "presentation":
        return proposal.presentation_result == "好評"
    return proposal.status != before


@pytest.mark.parametrize("action", MOVES)
@pytest.mark.parametrize("role", ROLES)
def test_who_makes_each_move(role, action, people, walk, client_for):
    status, allowed, data, target = MOVES[action]
    proposal = walk(status)
    response = client_for(people[role]).post(f"/proposals/{proposal.public_id}/manage/{action}/", data(proposal))
    expected = _expected_move(role, allowed)
    assert _outcome(response) == expected
    assert _changed(proposal, action, status) is (expected == "done")
    if expected == "done":
        assert response.url == f"/proposals/{proposal.public_id}/manage/"
        assert proposal.status == target


def test_an_unknown_move_is_not_found(walk, nakahara_officer, client_for):
    proposal = walk("submitted")
    response = client_for(nakahara_officer).post(f"/proposals/{proposal.public_id}/manage/delete_everything/")
    assert response.status_code == 404


@pytest.mark.parametrize("action", MOVES)
def test_moves_are_posted_never_got(action, walk, nakahara_officer, client_for):
    proposal = walk(MOVES[action][0])
    response = client_for(nakahara_officer).get(f"/proposals/{proposal.public_id}/manage/{action}/")
    assert response.status_code == 405


# ----------------------------------------------------------------------------------------------------------
# Moves on a call


@pytest.mark.parametrize("role", ROLES)
def test_who_assigns_reviewers(role, people, call, client_for):
    newcomer = UserFactory()
    response = client_for(people[role]).post(
        f"/calls/manage/{call.pk}/reviewers/", {"action": "add", "email": newcomer.email}
    )
    expected = "login" if role == "anonymous" else ("done" if role in OFFICERS else 403)
    assert _outcome(response) == expected
    assert CallReviewer.objects.filter(call=call, user=newcomer).exists() is (expected == "done")


@pytest.mark.parametrize("role", ROLES)
def test_who_removes_a_reviewer_and_sets_the_review_deadline(role, people, call, client_for, call_reviewer):
    client = client_for(people[role])
    url = f"/calls/manage/{call.pk}/reviewers/"
    expected = "login" if role == "anonymous" else ("done" if role in OFFICERS else 403)
    assert _outcome(client.post(url, {"action": "due", "review_due": _due()})) == expected
    call.refresh_from_db()
    assert (call.review_due is not None) is (expected == "done")
    assert _outcome(client.post(url, {"action": "remove", "reviewer": str(call_reviewer.pk)})) == expected
    assert CallReviewer.objects.filter(call=call, user=call_reviewer).exists() is (expected != "done")


@pytest.mark.parametrize("role", ROLES)
def test_who_publishes_the_results(role, people, call, walk, client_for):
    walk("adopted")
    Call.objects.filter(pk=call.pk).update(closes_at=timezone.now() - datetime.timedelta(seconds=1))
    response = client_for(people[role]).post(f"/calls/manage/{call.pk}/results/")
    expected = "login" if role == "anonymous" else ("done" if role in OFFICERS else 403)
    assert _outcome(response) == expected
    call.refresh_from_db()
    assert call.results_published is (expected == "done")


def test_a_pending_member_is_not_the_applicant(npo, member_of, walk, client_for):
    pending = member_of(npo, status=Membership.Status.PENDING)
    proposal = walk("returned")
    client = client_for(pending)
    assert client.get(proposal.get_absolute_url()).status_code == 404
    assert client.post(f"/proposals/{proposal.public_id}/withdraw/", {"reason": "理由"}).status_code == 404
    proposal.refresh_from_db()
    assert proposal.status == Status.RETURNED


def test_an_officer_above_the_ward_office_acts_on_its_calls(make_call, departments, officer_of, walk, client_for):
    """Staff of a ward office also serve its sections: a call of 中原区役所 生涯学習支援課 is theirs too."""
    section_call = make_call(department=departments["中原区役所 生涯学習支援課"])
    section_officer = officer_of(departments["中原区役所 生涯学習支援課"])
    ward_officer = officer_of(departments["中原区役所"])
    proposal = walk("submitted", call=section_call, officer=section_officer)
    client = client_for(ward_officer)
    assert client.get(f"/proposals/{proposal.public_id}/manage/").status_code == 200
    assert _outcome(client.post(f"/proposals/{proposal.public_id}/manage/start_screening/")) == "done"
    # …but section staff do not act on the ward office's own calls.
    ward_proposal = walk("submitted")
    assert client_for(section_officer).get(f"/proposals/{ward_proposal.public_id}/manage/").status_code == 404
    make_move("start_screening", ward_proposal, ward_officer)

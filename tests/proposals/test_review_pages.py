"""The pages of the review side through the test client: moves, refusals, the queue, reminders, the inbox,
and the number of queries of each list."""

import datetime
import html
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from accounts.models import Notification
from partners.models import StaffAssignment
from proposals import review, services
from proposals.models import Decision, Proposal, StaffNote
from proposals.review_views import DONE_MESSAGES
from proposals.workflow import APPROVE, START_SCREENING, Outcome, Status
from tests.factories import PartnerFactory
from tests.proposals.conftest import TOKYO, make_move, publish_results

pytestmark = pytest.mark.django_db


def _in_japanese(text) -> str:
    with translation.override("ja"):
        return str(text)


def _manage(proposal: Proposal) -> str:
    return f"/proposals/{proposal.public_id}/manage/"


def _post(client, proposal: Proposal, action: str, data: dict | None = None):
    return client.post(f"{_manage(proposal)}{action}/", data or {})


def _refusal(proposal: Proposal, transition) -> str:
    """The message of a move refused for the proposal's status, as the page shows it."""
    proposal = Proposal.objects.get(pk=proposal.pk)
    with translation.override("ja"):
        return html.escape(str(services.TransitionNotAllowed(proposal, transition)))


def _days(n: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=n)).isoformat()


def _screening_data(proposal: Proposal, note: str = "書類はそろっている") -> dict:
    data = {f"screen-check_{item.key}": "on" for item in review.screening_checklist(proposal=proposal)}
    return {**data, "screen-note": note}


# ----------------------------------------------------------------------------------------------------------
# Each move through the staff page


HAPPY = {
    # action: (from, by, form data, to)
    "start_screening": ("submitted", "officer", lambda p: {}, "screening"),
    "pass_screening": ("screening", "officer", _screening_data, "under_review"),
    "return": (
        "screening",
        "officer",
        lambda p: {"return-comment": "収支を直して", "return-due": _days(10)},
        "returned",
    ),
    "propose_decision": (
        "under_review",
        "officer",
        lambda p: {
            "decision-outcome": "conditional",
            "decision-public_reasons": "必要性が高い",
            "decision-conditions": "予算の成立",
            "decision-amount": "650000",
            "decision-internal_note": "枠の残りに注意",
        },
        "decision_proposed",
    ),
    "approve": ("decision_proposed", "approver", lambda p: {"approve-comment": "承認します"}, "adopted"),
    "send_back": ("decision_proposed", "approver", lambda p: {"send_back-comment": "金額の根拠を"}, "under_review"),
    "confirm_conditions": ("conditional", "officer", lambda p: {"confirm-comment": "予算が成立"}, "adopted"),
    "presentation": (
        "under_review",
        "officer",
        lambda p: {"presentation-held_on": _days(0), "presentation-result": "質疑に的確に回答"},
        "under_review",
    ),
    "note": ("under_review", "approver", lambda p: {"note-body": "電話で確認済み"}, "under_review"),
}


@pytest.mark.parametrize("action", HAPPY)
def test_each_move_through_the_staff_page(action, walk, nakahara_officer, nakahara_approver, client_for):
    source, by, data, target = HAPPY[action]
    proposal = walk(source)
    client = client_for({"officer": nakahara_officer, "approver": nakahara_approver}[by])
    response = _post(client, proposal, action, data(proposal))
    assert (response.status_code, response.url) == (302, _manage(proposal))
    page = client.get(response.url).content.decode()
    assert _in_japanese(DONE_MESSAGES[action]) in page
    proposal.refresh_from_db()
    assert proposal.status == target
    typed = [value for key, value in data(proposal).items() if not key.startswith("screen-check") and value]
    for value in typed:
        if not value[0].isdigit() and value not in ("conditional", "on"):
            assert value in page, value  # what was recorded shows on the staff page


def test_a_decision_proposed_on_the_page_keeps_every_field(walk, nakahara_officer, client_for):
    proposal = walk("under_review")
    _post(client_for(nakahara_officer), proposal, "propose_decision", HAPPY["propose_decision"][2](proposal))
    decision = Decision.objects.get(proposal=proposal)
    assert (
        decision.outcome,
        decision.public_reasons,
        decision.conditions,
        decision.amount,
        decision.internal_note,
    ) == (
        Outcome.ADOPT_WITH_CONDITIONS,
        "必要性が高い",
        "予算の成立",
        650_000,
        "枠の残りに注意",
    )
    assert decision.proposed_by == nakahara_officer


# ----------------------------------------------------------------------------------------------------------
# Input that is refused is kept


REFUSED_INPUT = {
    # name: (from, action, form data, the text that must come back)
    "return without a deadline": (
        "screening",
        "return",
        {"return-comment": "予算の内訳を直して", "return-due": ""},
        "予算の内訳を直して",
    ),
    "return due yesterday": (
        "screening",
        "return",
        {"return-comment": "予算の内訳を直して", "return-due": _days(-1)},
        "予算の内訳を直して",
    ),
    "decision without reasons": (
        "under_review",
        "propose_decision",
        {
            "decision-outcome": "adopt",
            "decision-public_reasons": " ",
            "decision-amount": "1",
            "decision-internal_note": "内部で検討した経緯",
        },
        "内部で検討した経緯",
    ),
    "conditional without conditions": (
        "under_review",
        "propose_decision",
        {"decision-outcome": "conditional", "decision-public_reasons": "理由の本文", "decision-amount": "1"},
        "理由の本文",
    ),
    "amount over the cap": (
        "under_review",
        "propose_decision",
        {"decision-outcome": "adopt", "decision-public_reasons": "理由の本文", "decision-amount": "700001"},
        "理由の本文",
    ),
    "screening not confirmed": ("screening", "pass_screening", {"screen-note": "規約を確認中"}, "規約を確認中"),
    "send back without a comment": ("decision_proposed", "send_back", {"send_back-comment": ""}, None),
    "conditions met without a comment": ("conditional", "confirm_conditions", {"confirm-comment": " "}, None),
    "an empty note": ("under_review", "note", {"note-body": ""}, None),
    "a presentation on no date": (
        "under_review",
        "presentation",
        {"presentation-held_on": "2026-13-45", "presentation-result": "会場で好評"},
        "会場で好評",
    ),
}


@pytest.mark.parametrize("case", REFUSED_INPUT)
def test_refused_input_is_shown_again_with_400(case, walk, nakahara_officer, nakahara_approver, client_for):
    source, action, data, kept = REFUSED_INPUT[case]
    proposal = walk(source)
    user = nakahara_approver if action == "send_back" else nakahara_officer
    events = proposal.events.count()
    response = _post(client_for(user), proposal, action, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "invalid-feedback" in page or "alert-danger" in page
    if kept:
        assert kept in page
    proposal.refresh_from_db()
    assert proposal.status == source
    assert proposal.events.count() == events
    assert not StaffNote.objects.exists()


def test_a_move_made_twice_is_refused_the_second_time_and_says_why(walk, nakahara_officer, client_for):
    proposal = walk("submitted")
    client = client_for(nakahara_officer)
    _post(client, proposal, "start_screening")
    response = _post(client, proposal, "start_screening")
    assert (response.status_code, response.url) == (302, _manage(proposal))
    page = client.get(response.url).content.decode()
    assert f'<p class="alert alert-danger">{_refusal(proposal, START_SCREENING)}</p>' in page
    assert proposal.events.filter(action="start_screening").count() == 1


def test_an_approval_of_a_withdrawn_proposal_is_refused_and_changes_nothing(
    walk, member, nakahara_approver, client_for
):
    proposal = walk("decision_proposed")
    make_move("withdraw", proposal, member)
    client = client_for(nakahara_approver)
    response = _post(client, proposal, "approve", {"approve-comment": "承認"})
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert _refusal(proposal, APPROVE) in page
    assert "取り下げ" in _refusal(proposal, APPROVE)
    proposal.refresh_from_db()
    assert proposal.status == Status.WITHDRAWN
    assert Decision.objects.get(proposal=proposal).approved_at is None


def test_the_proposer_is_shown_no_approval_form_and_cannot_approve(walk, departments, officer_of, client_for):
    both = officer_of(departments["中原区役所"], display_name="兼務の職員")
    StaffAssignment.objects.create(user=both, department=departments["中原区役所"], role=StaffAssignment.Role.APPROVER)
    proposal = walk("under_review")
    make_move("propose_decision", proposal, both)
    client = client_for(both)
    page = client.get(_manage(proposal)).content.decode()
    assert f"{_manage(proposal)}approve/" not in page
    response = _post(client, proposal, "approve", {"approve-comment": ""})
    assert response.status_code == 302
    assert (
        _in_japanese(gettext_lazy("You proposed this decision: someone else must approve it."))
        in client.get(response.url).content.decode()
    )
    proposal.refresh_from_db()
    assert proposal.status == Status.DECISION_PROPOSED
    assert not proposal.events.filter(action="approve").exists()


# ----------------------------------------------------------------------------------------------------------
# The queue


@pytest.fixture
def queue(walk, call, partner_types, kawasaki, member_of, nakahara_officer):
    club = PartnerFactory(name="中原子ども会", partner_type=partner_types["civic_group"], municipality=kawasaki)
    return {
        "submitted": walk("submitted"),
        "returned": walk("returned"),
        "under_review": walk("under_review"),
        "club": walk("submitted", partner=club, by=member_of(club)),
        "draft": walk("draft"),
    }


@pytest.fixture
def listed(client_for, nakahara_officer, call, queue):
    client = client_for(nakahara_officer)

    def names(query: str = "") -> set[str]:
        page = client.get(f"/calls/manage/{call.pk}/proposals/{query}")
        assert page.status_code == 200
        text = page.content.decode()
        return {name for name, proposal in queue.items() if _manage(proposal) in text}

    return names


def test_the_queue_lists_submitted_proposals_never_drafts(listed):
    assert listed() == {"submitted", "returned", "under_review", "club"}


def test_the_queue_filters_by_status(listed):
    assert listed("?status=returned") == {"returned"}
    assert listed("?status=under_review") == {"under_review"}
    assert listed("?status=draft") == {"submitted", "returned", "under_review", "club"}  # not a choice: no filter


def test_the_queue_finds_full_width_text(listed, queue):
    assert listed("?q=ＮＰＯ") == {"submitted", "returned", "under_review"}
    assert listed("?q=npo法人") == {"submitted", "returned", "under_review"}
    full_width = queue["club"].receipt_number.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789-"})
    assert listed(f"?q={full_width}") == {"club"}


def test_the_queue_shows_what_is_overdue(listed, call, nakahara_officer):
    assert listed("?overdue=on") == set()
    review.call_set_review_due(call=call, user=nakahara_officer, due=timezone.localdate() - datetime.timedelta(days=1))
    assert listed("?overdue=on") == {"under_review"}
    # The revision was due in seven days: a week and a day later it is overdue too.
    later = datetime.datetime.combine(timezone.localdate() + datetime.timedelta(days=8), datetime.time(12), TOKYO)
    with time_machine.travel(later, tick=False):
        assert listed("?overdue=on") == {"under_review", "returned"}


# ----------------------------------------------------------------------------------------------------------
# Reminders


@pytest.fixture
def reviewers(call, reviewer_of, npo, member_of):
    return {
        "done": reviewer_of(call, display_name="済んだ委員"),
        "todo": reviewer_of(call, display_name="まだの委員"),
        "insider": reviewer_of(call, member_of(npo, display_name="団体の会員の委員")),
    }


def _review_due_in(call, officer, days: int) -> None:
    review.call_set_review_due(call=call, user=officer, due=timezone.localdate() + datetime.timedelta(days=days))


def test_reviewers_who_have_not_finished_are_reminded_once(walk, call, reviewers, nakahara_officer, mailoutbox):
    proposal = walk("under_review")
    criterion = call.criteria.get()
    review.review_save(
        proposal=proposal,
        reviewer=reviewers["done"],
        scores={criterion.pk: (4, "")},
        recommendation=Outcome.ADOPT,
        comment="",
        submit=True,
    )
    _review_due_in(call, nakahara_officer, 2)
    mailoutbox.clear()
    assert review.send_reminders() == 1
    assert [message.to for message in mailoutbox] == [[reviewers["todo"].email]]
    assert review.send_reminders() == 0
    assert len(mailoutbox) == 1
    assert Notification.objects.filter(user=reviewers["todo"]).count() == 1


def test_no_reminder_before_the_window_or_with_nothing_to_review(walk, call, reviewers, nakahara_officer, mailoutbox):
    walk("screening")
    _review_due_in(call, nakahara_officer, 2)
    assert review.send_reminders() == 0  # nothing has passed screening yet
    walk("under_review")
    _review_due_in(call, nakahara_officer, 5)
    assert review.send_reminders() == 0
    assert review.send_reminders(days_before=5) == 2  # nobody has reviewed here; the insider is not asked
    assert sorted(message.to[0] for message in mailoutbox) == sorted([reviewers["done"].email, reviewers["todo"].email])


def test_the_applicants_are_reminded_of_a_revision_due_once(walk, nakahara_officer, member, representative, mailoutbox):
    """The representative and the member who submitted hear of it, once however often the command runs."""
    proposal = walk("screening")
    review.proposal_return(
        proposal=proposal,
        user=nakahara_officer,
        comment="直して",
        due=timezone.localdate() + datetime.timedelta(days=2),
    )
    proposal.refresh_from_db()
    mailoutbox.clear()
    assert review.send_reminders() == 2
    assert sorted(message.to[0] for message in mailoutbox) == sorted([member.email, representative.email])
    assert all(proposal.revision_due.isoformat() in message.subject for message in mailoutbox)
    assert review.send_reminders() == 0


def test_the_reminder_command_says_how_many_it_sent(walk, call, reviewers, nakahara_officer):
    walk("under_review")
    _review_due_in(call, nakahara_officer, 1)
    out = io.StringIO()
    call_command("send_reminders", stdout=out)
    assert out.getvalue().strip() == "2 reminder(s) sent."  # the done and todo reviewers; not the insider
    out = io.StringIO()
    call_command("send_reminders", stdout=out)
    assert out.getvalue().strip() == "0 reminder(s) sent."
    with pytest.raises(CommandError):
        call_command("send_reminders", "--days", "-1")


# ----------------------------------------------------------------------------------------------------------
# The inbox


def test_the_inbox_lists_the_messages_and_marks_them_read(
    call, citizen, nakahara_officer, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        review.call_reviewer_add(call=call, user=nakahara_officer, email=citizen.email)
    notification = Notification.objects.get(user=citizen)
    client = client_for(citizen)
    page = client.get("/accounts/mypage/inbox/").content.decode()
    assert notification.subject in page
    assert 'href="/reviews/"' in page
    assert "text-bg-primary" in page  # the "new" badge
    assert notification.subject not in client_for(nakahara_officer).get("/accounts/mypage/inbox/").content.decode()
    response = client.post("/accounts/mypage/inbox/")
    assert (response.status_code, response.url) == (302, "/accounts/mypage/inbox/")
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert "text-bg-primary" not in client.get("/accounts/mypage/inbox/").content.decode()


# ----------------------------------------------------------------------------------------------------------
# Queries: the same however many rows


@pytest.fixture
def under_review(walk, call, reviewer_of):
    """`count` proposals under review, each scored by one reviewer (the reviewer of the first, who reviews all)."""

    def make(count: int):
        reviewer = reviewer_of(call, display_name="審査 委員")
        criterion = call.criteria.get()
        proposals = []
        for _ in range(count):
            proposal = walk("under_review")
            review.review_save(
                proposal=proposal,
                reviewer=reviewer,
                scores={criterion.pk: (4, "")},
                recommendation=Outcome.ADOPT,
                comment="",
                submit=True,
            )
            proposals.append(proposal)
        return proposals, reviewer

    return make


@pytest.mark.parametrize("count", [1, 8])
def test_queries_of_the_queue(call, under_review, nakahara_officer, client_for, django_assert_max_num_queries, count):
    under_review(count)
    client = client_for(nakahara_officer)
    with django_assert_max_num_queries(QUEUE_QUERIES):
        assert client.get(f"/calls/manage/{call.pk}/proposals/").status_code == 200


@pytest.mark.parametrize("count", [1, 8])
def test_queries_of_the_staff_page(
    call, walk, reviewer_of, nakahara_officer, client_for, django_assert_max_num_queries, count
):
    proposal = walk("under_review")
    criterion = call.criteria.get()
    for number in range(count):
        reviewer = reviewer_of(call, display_name=f"審査 委員{number}")
        review.review_save(
            proposal=proposal,
            reviewer=reviewer,
            scores={criterion.pk: (3, "")},
            recommendation=Outcome.ADOPT,
            comment="",
            submit=True,
        )
        review.staff_note_add(proposal=proposal, user=nakahara_officer, body=f"メモ{number}")
    client = client_for(nakahara_officer)
    with django_assert_max_num_queries(STAFF_PAGE_QUERIES):
        assert client.get(_manage(proposal)).status_code == 200


@pytest.mark.parametrize("count", [1, 8])
def test_queries_of_the_public_results(
    call, under_review, nakahara_officer, nakahara_approver, client_for, django_assert_max_num_queries, count
):
    proposals, _reviewer = under_review(count)
    for number, proposal in enumerate(proposals):
        make_move("propose_decision", proposal, nakahara_officer, outcome="adopt" if number % 2 else "not_adopt")
        make_move("approve", proposal, nakahara_approver)
    Proposal.objects.update(agrees_to_be_named=True)
    publish_results(call, nakahara_officer)
    with django_assert_max_num_queries(RESULTS_QUERIES):
        assert client_for(None).get(f"/calls/{call.pk}/results/").status_code == 200


@pytest.mark.parametrize("count", [1, 8])
def test_queries_of_a_reviewers_list(under_review, walk, client_for, django_assert_max_num_queries, count):
    _proposals, reviewer = under_review(count)
    for _ in range(count):
        walk("under_review")  # still to do
    with django_assert_max_num_queries(MY_REVIEWS_QUERIES):
        assert client_for(reviewer).get("/reviews/").status_code == 200


@pytest.mark.parametrize("count", [1, 8])
def test_queries_of_the_approvals(walk, nakahara_approver, client_for, django_assert_max_num_queries, count):
    for _ in range(count):
        walk("decision_proposed")
    with django_assert_max_num_queries(APPROVALS_QUERIES):
        assert client_for(nakahara_approver).get("/calls/manage/approvals/").status_code == 200


# Measured with one row and with eight (the same on SQLite and PostgreSQL), then pinned: a page that starts to
# query per row, or a change that adds a query to every page, fails here.
QUEUE_QUERIES = 16
STAFF_PAGE_QUERIES = 29  # with the check that the officer is not of the applying organisation
RESULTS_QUERIES = 6
MY_REVIEWS_QUERIES = 20
APPROVALS_QUERIES = 21  # with the check that the user approves

"""The review workflow through its services: every status × every move × every role, and its rules."""

import datetime
import html
import re

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from partners.models import Membership, StaffAssignment
from proposals import review, services
from proposals.models import Decision, Proposal, ProposalEvent, StaffNote
from proposals.workflow import (
    DECIDED,
    EVENT_LABELS,
    OUTCOME_STATUS,
    TRANSITIONS,
    Actor,
    Outcome,
    Status,
    target_of,
)
from tests.factories import AdminFactory, PartnerFactory
from tests.proposals.conftest import CONDITIONS, GRANTED, REASONS, TOKYO, fill_complete, make_move, publish_results

pytestmark = pytest.mark.django_db

ROLES = ("member", "officer", "approver", "tama_officer", "reviewer", "citizen", "admin")


@pytest.fixture
def cast(member, nakahara_officer, nakahara_approver, tama_officer, call_reviewer, citizen, admin_user):
    return {
        "member": member,
        "officer": nakahara_officer,
        "approver": nakahara_approver,
        "tama_officer": tama_officer,
        "reviewer": call_reviewer,
        "citizen": citizen,
        "admin": admin_user,
    }


# ----------------------------------------------------------------------------------------------------------
# The table itself


# The workflow of the module docstring, written out by hand: the table must not drift from it.
DOCUMENTED = {
    "submit": ({"draft"}, "submitted", "applicant"),
    "resubmit": ({"returned"}, "submitted", "applicant"),
    # Until the results are published, a decision reads "under review" to the applicant: they may withdraw.
    "withdraw": (
        {"submitted", "screening", "returned", "under_review", "decision_proposed", "adopted", "conditional"}
        | {"not_adopted"},
        "withdrawn",
        "applicant",
    ),
    "start_screening": ({"submitted"}, "screening", "officer"),
    "return": ({"submitted", "screening"}, "returned", "officer"),
    "pass_screening": ({"screening"}, "under_review", "officer"),
    "propose_decision": ({"under_review"}, "decision_proposed", "officer"),
    "approve": ({"decision_proposed"}, None, "approver"),
    "send_back": ({"decision_proposed"}, "under_review", "approver"),
    "confirm_conditions": ({"conditional"}, "adopted", "officer"),
}


def test_the_table_is_the_documented_workflow():
    table = {name: (set(t.sources), t.target, t.actor) for name, t in TRANSITIONS.items()}
    assert table == DOCUMENTED


def test_every_status_is_reachable_and_only_final_ones_are_dead_ends():
    reachable, frontier = {Status.DRAFT}, [Status.DRAFT]
    while frontier:
        status = frontier.pop()
        for transition in TRANSITIONS.values():
            if status in transition.sources:
                targets = [transition.target] if transition.target else list(OUTCOME_STATUS.values())
                for target in set(targets) - reachable:
                    reachable.add(target)
                    frontier.append(target)
    assert reachable == set(Status.values)
    dead_ends = {s for s in Status.values if not any(s in t.sources for t in TRANSITIONS.values())}
    # Decided proposals can still be withdrawn until the results are published (the service checks that).
    assert dead_ends == {Status.WITHDRAWN}


# ----------------------------------------------------------------------------------------------------------
# Every status × every move × every role


# The service of each move; proposal_submit also resubmits a returned proposal.
SERVICE_MOVES = {
    "submit": ("submit", "resubmit"),
    "withdraw": ("withdraw",),
    "start_screening": ("start_screening",),
    "return": ("return",),
    "pass_screening": ("pass_screening",),
    "propose_decision": ("propose_decision",),
    "approve": ("approve",),
    "send_back": ("send_back",),
    "confirm_conditions": ("confirm_conditions",),
}

# Which role acts in which capacity (proposals/rules.py): an administrator acts as staff, never as the applicant.
ACTS_AS = {
    "member": {Actor.APPLICANT},
    "officer": {Actor.OFFICER},
    "approver": {Actor.APPROVER},
    "tama_officer": set(),
    "reviewer": set(),
    "citizen": set(),
    "admin": {Actor.OFFICER, Actor.APPROVER},
}


def _expected(role: str, status: str, service: str) -> str:
    transitions = [TRANSITIONS[name] for name in SERVICE_MOVES[service]]
    if transitions[0].actor not in ACTS_AS[role]:
        return "PermissionDenied"
    for transition in transitions:
        if status in transition.sources:
            # The walked proposal's decision in the making is an adoption.
            return target_of(transition, Outcome.ADOPT)
    return "TransitionNotAllowed"


def _attempt(service: str, proposal: Proposal, user) -> str:
    """What the service does for this user, undone afterwards so that the next role finds the same proposal."""
    with transaction.atomic():
        events_before = proposal.events.count()
        try:
            make_move(service, proposal, user)
        except PermissionDenied:
            result = "PermissionDenied"
        except services.TransitionNotAllowed as refused:
            # The applicant is told the status they see (a decision is theirs to know once published).
            current = Proposal.objects.select_related("call").get(pk=proposal.pk)
            applicant_move = TRANSITIONS[service].actor == "applicant"
            shown = current.status_for_applicant_display if applicant_move else current.get_status_display()
            result = "TransitionNotAllowed" if str(shown) in str(refused) else f"message without status: {refused}"
        else:
            moved = Proposal.objects.get(pk=proposal.pk)
            event = moved.events.order_by("id").last()
            audited = (
                moved.events.count() == events_before + 1
                and event.action in SERVICE_MOVES[service]
                and (event.from_status, event.to_status, event.actor_id) == (proposal.status, moved.status, user.pk)
            )
            result = moved.status if audited else f"{moved.status} without its audit row"
        transaction.set_rollback(True)
    return result


@pytest.mark.parametrize("service", SERVICE_MOVES)
@pytest.mark.parametrize("status", Status.values)
def test_each_move_succeeds_exactly_from_its_sources_for_its_roles(status, service, walk, cast):
    proposal = walk(status)
    assert proposal.status == status
    results = {role: _attempt(service, proposal, cast[role]) for role in ROLES}
    assert results == {role: _expected(role, status, service) for role in ROLES}
    proposal.refresh_from_db()
    assert proposal.status == status


def test_the_refusal_names_the_status_in_the_users_language(walk, member):
    proposal = walk("withdrawn")
    with translation.override("ja"), pytest.raises(services.TransitionNotAllowed) as refused:
        make_move("withdraw", proposal, member)
    assert "取り下げ" in str(refused.value)
    with translation.override("en"), pytest.raises(services.TransitionNotAllowed) as refused:
        make_move("withdraw", proposal, member)
    assert "Withdrawn" in str(refused.value)


def test_the_refusal_is_japanese_for_japanese_users(walk, nakahara_officer):
    proposal = walk("under_review")
    with translation.override("ja"), pytest.raises(services.TransitionNotAllowed) as refused:
        make_move("start_screening", proposal, nakahara_officer)
    message = str(refused.value)
    assert not re.search(r"[A-Za-z]{3,}", message), message


# ----------------------------------------------------------------------------------------------------------
# Mail to the applicant follows what they see


def test_the_applicant_hears_only_of_changes_they_can_see(
    walk, member, representative, nakahara_officer, nakahara_approver, django_capture_on_commit_callbacks, mailoutbox
):
    proposal = walk("submitted")
    applicant = {member.email, representative.email}
    for name, user, heard in (
        ("start_screening", nakahara_officer, True),
        ("pass_screening", nakahara_officer, True),
        ("propose_decision", nakahara_officer, False),  # still "under review" for the applicant
        ("send_back", nakahara_approver, False),
        ("propose_decision", nakahara_officer, False),
        ("approve", nakahara_approver, False),  # known only when the results are published
    ):
        mailoutbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            make_move(name, proposal, user)
        to_applicant = [message for message in mailoutbox if message.to[0] in applicant]
        assert bool(to_applicant) is heard, name
        if heard:
            assert sorted(message.to[0] for message in to_applicant) == sorted(applicant)


# ----------------------------------------------------------------------------------------------------------
# Decisions: four eyes, reasons, conditions, the cap


def test_the_officer_who_proposed_cannot_approve_even_with_an_approvers_role(
    walk, departments, officer_of, nakahara_approver
):
    both = officer_of(departments["中原区役所"], display_name="兼務の職員")
    StaffAssignment.objects.create(user=both, department=departments["中原区役所"], role=StaffAssignment.Role.APPROVER)
    proposal = walk("under_review")
    make_move("propose_decision", proposal, both)
    with pytest.raises(services.ProposalServiceError) as refused:
        make_move("approve", proposal, both)
    assert not isinstance(refused.value, services.TransitionNotAllowed)
    proposal.refresh_from_db()
    assert proposal.status == Status.DECISION_PROPOSED
    assert Decision.objects.get(proposal=proposal).approved_by is None
    assert not proposal.events.filter(action="approve").exists()
    make_move("approve", proposal, nakahara_approver)
    proposal.refresh_from_db()
    assert proposal.status == Status.ADOPTED


def test_an_administrator_cannot_approve_their_own_decision_either(walk, admin_user):
    proposal = walk("under_review")
    make_move("propose_decision", proposal, admin_user)
    with pytest.raises(services.ProposalServiceError):
        make_move("approve", proposal, admin_user)
    make_move("approve", proposal, AdminFactory())
    proposal.refresh_from_db()
    assert proposal.status == Status.ADOPTED


def test_the_database_refuses_an_approval_by_the_proposer(walk):
    decision = Decision.objects.get(proposal=walk("decision_proposed"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.filter(pk=decision.pk).update(approved_by=decision.proposed_by, approved_at=timezone.now())


def _refused_decision(proposal, officer, **fields) -> set[str]:
    with pytest.raises(ValidationError) as refused:
        review.decision_propose(proposal=proposal, user=officer, **fields)
    proposal.refresh_from_db()
    assert proposal.status == Status.UNDER_REVIEW
    assert not Decision.objects.filter(proposal=proposal).exists()
    assert not proposal.events.filter(action="propose_decision").exists()
    return set(refused.value.message_dict)


@pytest.mark.parametrize("outcome", Outcome.values)
def test_a_decision_needs_its_public_reasons(walk, nakahara_officer, outcome):
    proposal = walk("under_review")
    fields = {"outcome": outcome, "public_reasons": "  \n ", "conditions": CONDITIONS, "amount": GRANTED}
    assert _refused_decision(proposal, nakahara_officer, **fields) == {"public_reasons"}


def test_a_conditional_adoption_needs_its_conditions(walk, nakahara_officer):
    proposal = walk("under_review")
    fields = {"outcome": Outcome.ADOPT_WITH_CONDITIONS, "public_reasons": REASONS, "conditions": " ", "amount": GRANTED}
    assert _refused_decision(proposal, nakahara_officer, **fields) == {"conditions"}


def test_an_unknown_outcome_is_refused(walk, nakahara_officer):
    proposal = walk("under_review")
    assert _refused_decision(proposal, nakahara_officer, outcome="maybe", public_reasons=REASONS, amount=1) == {
        "outcome"
    }


@pytest.mark.parametrize(("amount", "refused"), [(700_000, False), (700_001, True), (None, True), (0, False)])
def test_the_amount_granted_stays_within_the_cap_of_the_first_year(walk, nakahara_officer, amount, refused):
    proposal = walk("under_review")
    fields = {"outcome": Outcome.ADOPT, "public_reasons": REASONS, "amount": amount}
    if refused:
        assert _refused_decision(proposal, nakahara_officer, **fields) == {"amount"}
    else:
        assert review.decision_propose(proposal=proposal, user=nakahara_officer, **fields).amount == amount


def test_a_later_year_has_the_calls_own_cap(call, npo, member, nakahara_officer):
    proposal = fill_complete(services.proposal_create(call=call, partner=npo, user=member), from_city=400_000)
    Proposal.objects.filter(pk=proposal.pk).update(project_year=2)
    for name in ("submit", "start_screening", "pass_screening"):
        make_move(name, proposal, member if name == "submit" else nakahara_officer)
    fields = {"outcome": Outcome.ADOPT, "public_reasons": REASONS, "amount": 500_001}
    assert _refused_decision(proposal, nakahara_officer, **fields) == {"amount"}


def test_a_decision_not_to_adopt_grants_nothing(walk, nakahara_officer):
    proposal = walk("under_review")
    decision = review.decision_propose(
        proposal=proposal, user=nakahara_officer, outcome=Outcome.NOT_ADOPT, public_reasons=REASONS, amount=GRANTED
    )
    assert decision.amount is None


def test_a_decision_proposed_again_after_being_sent_back_is_one_decision_unapproved(
    walk, nakahara_officer, nakahara_approver
):
    proposal = walk("decision_proposed")
    make_move("send_back", proposal, nakahara_approver)
    make_move("propose_decision", proposal, nakahara_officer, outcome=Outcome.NOT_ADOPT)
    decision = Decision.objects.get(proposal=proposal)
    assert (decision.outcome, decision.approved_by, decision.amount) == (Outcome.NOT_ADOPT, None, None)
    make_move("approve", proposal, nakahara_approver)
    proposal.refresh_from_db()
    assert proposal.status == Status.NOT_ADOPTED


def test_sending_back_needs_a_comment(walk, nakahara_approver):
    proposal = walk("decision_proposed")
    with pytest.raises(ValidationError):
        review.decision_send_back(proposal=proposal, user=nakahara_approver, comment=" ")
    proposal.refresh_from_db()
    assert proposal.status == Status.DECISION_PROPOSED


# ----------------------------------------------------------------------------------------------------------
# Returns and resubmission


@pytest.mark.parametrize(
    ("comment", "days", "errors"),
    [
        ("", 7, {"comment"}),
        ("直してください", None, {"due"}),
        ("直してください", -1, {"due"}),
        (" ", -3, {"comment", "due"}),
    ],
)
def test_a_return_needs_a_comment_and_a_deadline_not_in_the_past(walk, nakahara_officer, comment, days, errors):
    proposal = walk("screening")
    due = None if days is None else timezone.localdate() + datetime.timedelta(days=days)
    with pytest.raises(ValidationError) as refused:
        review.proposal_return(proposal=proposal, user=nakahara_officer, comment=comment, due=due)
    assert set(refused.value.message_dict) == errors
    proposal.refresh_from_db()
    assert (proposal.status, proposal.revision_due) == (Status.SCREENING, None)


def test_a_return_due_today_is_accepted(walk, nakahara_officer):
    proposal = walk("screening")
    review.proposal_return(proposal=proposal, user=nakahara_officer, comment="直してください", due=timezone.localdate())
    proposal.refresh_from_db()
    assert (proposal.status, proposal.revision_due) == (Status.RETURNED, timezone.localdate())


def _text(page: str, leave_out: str) -> str:
    """The diff's text as one reader sees it: without the removed (or added) parts, without markup."""
    page = re.sub(rf"<{leave_out}>.*?</{leave_out}>", "", page, flags=re.S)
    page = re.sub(r'<span class="visually-hidden">.*?</span>', "", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def test_a_resubmission_is_revision_2_with_the_same_receipt_and_its_changes_show(walk, member, client_for):
    proposal = walk("returned")
    old_purpose = proposal.purpose
    Proposal.objects.filter(pk=proposal.pk).update(purpose="放課後の子どもの居場所を週三回ひらく")
    make_move("submit", proposal, member)
    resubmitted = Proposal.objects.get(pk=proposal.pk)
    assert resubmitted.status == Status.SUBMITTED
    assert resubmitted.receipt_number == proposal.receipt_number
    assert resubmitted.revision_due is None
    assert list(resubmitted.revisions.values_list("number", flat=True)) == [1, 2]
    event = resubmitted.events.order_by("id").last()
    assert (event.action, event.from_status, event.to_status) == ("resubmit", "returned", "submitted")
    page = client_for(member).get(f"/proposals/{proposal.public_id}/revisions/").content.decode()
    assert "<ins>" in page and "<del>" in page
    assert "放課後の子どもの居場所を週三回ひらく" in _text(page, "del")
    assert old_purpose in _text(page, "ins")


def _at_noon(days_from_today: int) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days_from_today)
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=TOKYO)


def test_a_resubmission_is_taken_on_the_revision_deadline(walk, member):
    proposal = walk("returned")  # due in seven days
    with time_machine.travel(_at_noon(7), tick=False):
        make_move("submit", proposal, member)
    proposal.refresh_from_db()
    assert proposal.status == Status.SUBMITTED


def test_a_resubmission_after_the_revision_deadline_is_refused(walk, member):
    proposal = walk("returned")
    with time_machine.travel(_at_noon(8), tick=False), pytest.raises(services.ProposalIncomplete) as refused:
        make_move("submit", proposal, member)
    assert proposal.revision_due.isoformat() in " ".join(refused.value.problems[None])
    proposal.refresh_from_db()
    assert proposal.status == Status.RETURNED
    assert proposal.revisions.count() == 1


# ----------------------------------------------------------------------------------------------------------
# Withdrawal


@pytest.mark.parametrize("status", Status.values)
def test_withdrawal_is_possible_until_the_decision_is_approved(walk, member, status):
    proposal = walk(status)
    if status in TRANSITIONS["withdraw"].sources:
        make_move("withdraw", proposal, member)
        proposal.refresh_from_db()
        assert proposal.status == Status.WITHDRAWN
        assert proposal.events.order_by("id").last().from_status == status
    else:
        assert status in {Status.DRAFT, Status.WITHDRAWN, *DECIDED}
        with pytest.raises(services.TransitionNotAllowed):
            make_move("withdraw", proposal, member)
        proposal.refresh_from_db()
        assert proposal.status == status


def test_a_withdrawn_decision_in_the_making_can_no_longer_be_approved(walk, member, nakahara_approver):
    proposal = walk("decision_proposed")
    make_move("withdraw", proposal, member)
    with pytest.raises(services.TransitionNotAllowed):
        make_move("approve", proposal, nakahara_approver)
    assert Decision.objects.get(proposal=proposal).approved_at is None


# ----------------------------------------------------------------------------------------------------------
# Publishing the results


@pytest.fixture
def third_partner(partner_types, kawasaki):
    return PartnerFactory(name="中原子ども会", partner_type=partner_types["civic_group"], municipality=kawasaki)


def test_results_wait_for_every_decision_then_reach_each_applicant_once(
    walk,
    call,
    other_npo,
    third_partner,
    member_of,
    member,
    representative,
    nakahara_officer,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    other_representative = member_of(other_npo, role=Membership.Role.REPRESENTATIVE)
    third_representative = member_of(third_partner, role=Membership.Role.REPRESENTATIVE)
    walk("adopted")
    walk("not_adopted", partner=other_npo, by=other_representative)
    waiting = walk("decision_proposed", partner=third_partner, by=third_representative)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(services.ProposalServiceError, match="1"):
        publish_results(call, nakahara_officer)
    call.refresh_from_db()
    assert call.results_published_at is None
    assert mailoutbox == []

    make_move("withdraw", waiting, third_representative)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        publish_results(call, nakahara_officer)
    call.refresh_from_db()
    assert call.results_published
    recipients = sorted(message.to[0] for message in mailoutbox)
    assert representative.email in recipients
    assert recipients.count(representative.email) == 1
    assert recipients.count(other_representative.email) == 1
    assert third_representative.email not in recipients
    assert all(len(message.to) == 1 for message in mailoutbox)

    with pytest.raises(services.ProposalServiceError):
        publish_results(call, nakahara_officer)


def test_nothing_to_publish_without_a_decided_proposal(walk, call, member, nakahara_officer):
    make_move("withdraw", walk("submitted"), member)
    with pytest.raises(services.ProposalServiceError):
        publish_results(call, nakahara_officer)


def test_the_member_who_submitted_hears_the_result_too(
    walk, call, member, representative, nakahara_officer, django_capture_on_commit_callbacks, mailoutbox
):
    walk("adopted", by=member)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        publish_results(call, nakahara_officer)
    assert sorted(message.to[0] for message in mailoutbox) == sorted([member.email, representative.email])


# ----------------------------------------------------------------------------------------------------------
# What the applicant sees


@pytest.fixture
def scored_adoption(walk, call_reviewer, nakahara_officer, nakahara_approver):
    """Adopted after a review scored 4 of 5 on the call's one criterion (weight 20): 16.0 points."""
    proposal = walk("under_review")
    criterion = proposal.call.criteria.get()
    review.review_save(
        proposal=proposal,
        reviewer=call_reviewer,
        scores={criterion.pk: (4, "具体的な計画")},
        recommendation=Outcome.ADOPT,
        comment="",
        submit=True,
    )
    review.decision_propose(
        proposal=proposal,
        user=nakahara_officer,
        outcome=Outcome.ADOPT,
        public_reasons=REASONS,
        amount=GRANTED,
        internal_note="内部メモ：予算枠の残りに注意",
    )
    review.decision_approve(proposal=proposal, user=nakahara_approver, comment="決裁時の内部コメント")
    return Proposal.objects.get(pk=proposal.pk)


def test_the_applicant_sees_under_review_until_the_results_are_published(
    scored_adoption, call, member, nakahara_officer, client_for
):
    client = client_for(member)
    page = client.get(scored_adoption.get_absolute_url()).content.decode()
    assert "status-under_review" in page
    assert "status-adopted" not in page
    assert REASONS not in page
    assert 'id="result-heading"' not in page
    assert "status-under_review" in client.get("/proposals/").content.decode()

    publish_results(call, nakahara_officer)
    page = client.get(scored_adoption.get_absolute_url()).content.decode()
    assert "status-adopted" in page
    assert 'id="result-heading"' in page
    assert REASONS in page
    assert "600,000" in page
    assert "16.0" in page  # the weighted total of the score summary
    assert "status-adopted" in client.get("/proposals/").content.decode()


def test_internal_notes_never_reach_the_applicant(
    scored_adoption, call, member, nakahara_officer, client_for, django_capture_on_commit_callbacks, mailoutbox
):
    review.staff_note_add(proposal=scored_adoption, user=nakahara_officer, body="職員だけのメモ")
    with django_capture_on_commit_callbacks(execute=True):
        publish_results(call, nakahara_officer)
    applicant_page = client_for(member).get(scored_adoption.get_absolute_url()).content.decode()
    staff_page = client_for(nakahara_officer).get(f"/proposals/{scored_adoption.public_id}/manage/").content.decode()
    for internal in ("内部メモ：予算枠の残りに注意", "職員だけのメモ", "決裁時の内部コメント", "具体的な計画"):
        assert internal in staff_page, internal
        assert internal not in applicant_page, internal
        assert all(internal not in message.body for message in mailoutbox), internal


@pytest.fixture
def sent_back_once(walk, call_reviewer, nakahara_officer, nakahara_approver):
    proposal = walk("under_review")
    review.review_save(
        proposal=proposal,
        reviewer=call_reviewer,
        scores={proposal.call.criteria.get().pk: (3, "")},
        recommendation=Outcome.ADOPT,
        comment="",
        submit=True,
    )
    make_move("propose_decision", proposal, nakahara_officer)
    review.decision_send_back(proposal=proposal, user=nakahara_approver, comment="差戻しの内部理由：金額の根拠")
    make_move("propose_decision", proposal, nakahara_officer)
    review.staff_note_add(proposal=proposal, user=nakahara_officer, body="職員だけのメモ")
    return proposal


def test_the_applicants_history_hides_the_internal_events_and_comments(sent_back_once, member, client_for):
    page = client_for(member).get(sent_back_once.get_absolute_url()).content.decode()
    with translation.override("ja"):
        hidden = [str(EVENT_LABELS[action]) for action in ("send_back", "propose_decision", "review_submitted")]
        shown = [str(EVENT_LABELS[action]) for action in ("submit", "start_screening", "pass_screening")]
    for label in hidden:
        assert label not in page, label
    for label in shown:
        assert label in page, label
    assert "差戻しの内部理由" not in page
    assert "職員だけのメモ" not in page
    assert sent_back_once.events.filter(action="send_back", comment__contains="差戻しの内部理由").exists()


def test_reviewers_do_not_read_the_internal_comments_of_the_decision(sent_back_once, call_reviewer, client_for):
    page = client_for(call_reviewer).get(sent_back_once.get_absolute_url())
    assert page.status_code == 200
    assert "差戻しの内部理由" not in page.content.decode()


def test_an_early_confirmation_of_conditions_stays_hidden_until_publication(walk, member, nakahara_officer, client_for):
    proposal = walk("conditional")
    review.conditions_confirm(proposal=proposal, user=nakahara_officer, comment="予算が成立しました")
    page = client_for(member).get(proposal.get_absolute_url()).content.decode()
    assert "status-under_review" in page
    with translation.override("ja"):
        assert str(EVENT_LABELS["confirm_conditions"]) not in page
    assert "予算が成立しました" not in page


def test_the_audit_row_of_an_approval_records_the_outcome(walk):
    proposal = walk("conditional")
    event = ProposalEvent.objects.filter(proposal=proposal, action="approve").get()
    assert (event.from_status, event.to_status) == (Status.DECISION_PROPOSED, Status.CONDITIONALLY_ADOPTED)
    assert event.details == {"outcome": Outcome.ADOPT_WITH_CONDITIONS, "amount": GRANTED}
    assert Decision.objects.get(proposal=proposal).conditions == CONDITIONS
    assert not StaffNote.objects.exists()


def test_results_are_published_only_after_the_deadline(call, walk, nakahara_officer):
    walk("adopted")
    with pytest.raises(services.ProposalServiceError):
        review.call_publish_results(call=call, user=nakahara_officer)
    call.refresh_from_db()
    assert not call.results_published
    publish_results(call, nakahara_officer)
    assert call.results_published

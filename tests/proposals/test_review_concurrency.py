"""Two people acting on one proposal at the same moment: the row lock lets one win (PostgreSQL, real threads)."""

import datetime

import pytest
from django.utils import timezone

from partners.models import StaffAssignment
from proposals import review, services
from proposals.models import Call, Decision, Proposal
from proposals.selectors import published_results
from proposals.workflow import TRANSITIONS, Status
from tests.proposals.conftest import REASONS, make_move
from tests.proposals.test_concurrency import _race, postgres_only

pytestmark = [postgres_only, pytest.mark.django_db(transaction=True)]


def _winners(results, kind) -> int:
    return sum(isinstance(result, kind) for result in results)


def _chain_is_whole(proposal: Proposal) -> None:
    """Every move starts where the one before ended, and the last ends at the proposal's status."""
    current = ""
    for event in proposal.events.order_by("id"):
        if event.action == "create" or event.action in TRANSITIONS:
            assert event.from_status == current, event.action
            current = event.to_status
    assert current == proposal.status


@pytest.fixture
def second_officer(departments, officer_of):
    return officer_of(departments["中原区役所"], display_name="もう一人の職員")


@pytest.fixture
def second_approver(departments, approver_of):
    return approver_of(departments["中原区役所"], display_name="もう一人の決裁者")


def test_two_officers_proposing_a_decision_at_once(walk, nakahara_officer, second_officer):
    proposal = walk("under_review")

    def propose(officer, outcome):
        return lambda: review.decision_propose(
            proposal=proposal, user=officer, outcome=outcome, public_reasons=REASONS, amount=500_000
        )

    results = _race([propose(nakahara_officer, "adopt"), propose(second_officer, "not_adopt")])
    assert _winners(results, Decision) == 1, results
    assert _winners(results, services.TransitionNotAllowed) == 1, results
    winner = next(result for result in results if isinstance(result, Decision))
    decision = Decision.objects.get(proposal=proposal)
    assert (decision.proposed_by_id, decision.outcome) == (winner.proposed_by_id, winner.outcome)
    proposal.refresh_from_db()
    assert proposal.status == Status.DECISION_PROPOSED
    assert proposal.events.filter(action="propose_decision").count() == 1
    _chain_is_whole(proposal)


def test_two_approvers_approving_at_once(walk, nakahara_approver, second_approver):
    proposal = walk("decision_proposed")
    results = _race(
        [
            lambda user=user: review.decision_approve(proposal=proposal, user=user)
            for user in (nakahara_approver, second_approver)
        ]
    )
    assert _winners(results, Decision) == 1, results
    assert _winners(results, services.TransitionNotAllowed) == 1, results
    winner = next(result for result in results if isinstance(result, Decision))
    proposal.refresh_from_db()
    assert proposal.status == Status.ADOPTED
    assert Decision.objects.get(proposal=proposal).approved_by_id == winner.approved_by_id
    assert list(proposal.events.filter(action="approve").values_list("actor_id", flat=True)) == [winner.approved_by_id]
    _chain_is_whole(proposal)


def test_a_withdrawal_racing_an_approval(walk, member, nakahara_approver):
    """Until the results are published the applicant may withdraw, approved or not: the proposal ends
    withdrawn either way, and the approval counts only if it came first."""
    proposal = walk("decision_proposed")
    results = _race(
        [
            lambda: services.proposal_withdraw(proposal=proposal, user=member, reason="体制が整わないため"),
            lambda: review.decision_approve(proposal=proposal, user=nakahara_approver),
        ]
    )
    assert isinstance(results[0], Proposal), results
    proposal.refresh_from_db()
    decision = Decision.objects.get(proposal=proposal)
    actions = list(proposal.events.values_list("action", flat=True))
    assert proposal.status == Status.WITHDRAWN
    if isinstance(results[1], Decision):
        assert decision.approved_by == nakahara_approver
        assert actions.index("approve") < actions.index("withdraw")
    else:
        assert isinstance(results[1], services.TransitionNotAllowed)
        assert decision.approved_at is None and "approve" not in actions
    _chain_is_whole(proposal)


def test_a_withdrawal_racing_the_publication(walk, call, member, nakahara_officer):
    """Exactly one order holds: published first, the withdrawal is refused; withdrawn first, the results
    leave the proposal out and its applicant is told no result."""
    walk("adopted", title="ほかの採択提案")
    proposal = walk("adopted")
    Call.objects.filter(pk=call.pk).update(closes_at=timezone.now() - datetime.timedelta(seconds=1))
    results = _race(
        [
            lambda: services.proposal_withdraw(proposal=proposal, user=member, reason="体制が整わないため"),
            lambda: review.call_publish_results(call=call, user=nakahara_officer),
        ]
    )
    assert isinstance(results[1], Call), results
    proposal.refresh_from_db()
    published = list(published_results(call=Call.objects.get(pk=call.pk)))
    if isinstance(results[0], Proposal):
        assert proposal.status == Status.WITHDRAWN and proposal not in published
    else:
        assert isinstance(results[0], services.TransitionNotAllowed)
        assert proposal.status == Status.ADOPTED and proposal in published
    _chain_is_whole(proposal)


def test_a_send_back_racing_an_approval(walk, nakahara_approver, second_approver):
    proposal = walk("decision_proposed")
    results = _race(
        [
            lambda: review.decision_send_back(proposal=proposal, user=nakahara_approver, comment="根拠を"),
            lambda: review.decision_approve(proposal=proposal, user=second_approver),
        ]
    )
    assert _winners(results, services.TransitionNotAllowed) == 1, results
    proposal.refresh_from_db()
    approved = Decision.objects.get(proposal=proposal).approved_at is not None
    assert proposal.status == (Status.ADOPTED if approved else Status.UNDER_REVIEW)
    _chain_is_whole(proposal)


def test_the_proposer_and_another_approver_racing_leaves_one_approval_by_someone_else(
    walk, departments, officer_of, second_approver
):
    both = officer_of(departments["中原区役所"], display_name="兼務の職員")
    StaffAssignment.objects.create(user=both, department=departments["中原区役所"], role=StaffAssignment.Role.APPROVER)
    proposal = walk("under_review")
    make_move("propose_decision", proposal, both)
    results = _race(
        [lambda user=user: review.decision_approve(proposal=proposal, user=user) for user in (both, second_approver)]
    )
    assert isinstance(results[0], services.ProposalServiceError), results
    assert isinstance(results[1], Decision), results
    assert Decision.objects.get(proposal=proposal).approved_by == second_approver

"""Random sequences of moves by random people on a few proposals: the workflow's invariants always hold."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from partners.models import StaffAssignment
from proposals import review, services
from proposals.models import Decision, Proposal, ProposalEvent
from proposals.workflow import DECIDED, OUTCOME_STATUS, TRANSITIONS, Outcome, Status, target_of
from tests.proposals.conftest import fill_complete, make_move

pytestmark = pytest.mark.django_db

MOVES = tuple(name for name in TRANSITIONS if name != "resubmit")  # proposal_submit resubmits too
ACTIONS = (*MOVES, "review", "note")
ACTORS = ("member", "officer", "approver", "both", "admin", "reviewer", "citizen")
# The events that move the status (and the draft's creation); the others record something without a move.
MOVING = {"create", *TRANSITIONS}

# Half the steps take a move open from the proposal's status by someone whose role makes it ("next", "proper"):
# without them, random steps would seldom get past screening to the decisions.
step = st.tuples(
    st.sampled_from(("next",) * len(ACTIONS) + ACTIONS),
    st.sampled_from(("proper",) * len(ACTORS) + ACTORS),
    st.integers(min_value=0, max_value=5),
    st.sampled_from(Outcome.values),
)
DETOURS = ("withdraw", "return")  # taken by the random half of the steps only
PROPER = {
    "submit": ("member",),
    "withdraw": ("member",),
    "approve": ("approver", "both", "admin"),
    "send_back": ("approver", "both", "admin"),
    "review": ("reviewer",),
}


@pytest.fixture
def people(member, nakahara_officer, nakahara_approver, officer_of, departments, call_reviewer, citizen, admin_user):
    both = officer_of(departments["中原区役所"], display_name="兼務の職員")
    StaffAssignment.objects.create(user=both, department=departments["中原区役所"], role=StaffAssignment.Role.APPROVER)
    return {
        "member": member,
        "officer": nakahara_officer,
        "approver": nakahara_approver,
        "both": both,  # officer and approver: may never approve a decision of their own
        "admin": admin_user,
        "reviewer": call_reviewer,
        "citizen": citizen,
    }


def _act(action: str, proposal: Proposal, user, outcome: str) -> None:
    if action == "review":
        criterion = proposal.call.criteria.first()
        review.review_save(
            proposal=proposal,
            reviewer=user,
            scores={criterion.pk: (3, "")},
            recommendation=outcome,
            comment="",
            submit=True,
        )
    elif action == "note":
        review.staff_note_add(proposal=proposal, user=user, body="メモ")
    else:
        make_move(action, proposal, user, outcome=outcome)


def _check_invariants(proposal: Proposal, before: str, action: str, succeeded: bool, outcome: str) -> None:
    proposal.refresh_from_db()
    status = proposal.status
    decisions = list(Decision.objects.filter(proposal=proposal))
    assert len(decisions) <= 1
    decision = decisions[0] if decisions else None
    approved = decision is not None and decision.approved_at is not None
    # A decided proposal has its approved decision; an approved decision leaves the proposal decided, or
    # withdrawn by the applicant before the results were published.
    assert (status in DECIDED) is (approved and status != Status.WITHDRAWN), (status, decision)
    if approved and status != Status.WITHDRAWN:
        expected = OUTCOME_STATUS[decision.outcome]
        confirmed = proposal.events.filter(action="confirm_conditions").exists()
        assert status == expected or (
            expected == Status.CONDITIONALLY_ADOPTED and status == Status.ADOPTED and confirmed
        )
        assert decision.approved_by_id != decision.proposed_by_id
    if status == Status.DECISION_PROPOSED:
        assert decision is not None and not approved

    # The audit trail tells the whole story of the status.
    events = list(ProposalEvent.objects.filter(proposal=proposal).order_by("id"))
    assert events[0].action == "create"
    current = ""
    for row in events:
        if row.action in MOVING:
            assert row.from_status == current, (row.action, row.from_status, current)
            current = row.to_status
        else:
            assert row.from_status == row.to_status == current, row.action
    assert current == status

    # What ends stays ended; from a decision the ways on are conditions met → adopted, and the applicant's
    # withdrawal before the results are published.
    if before == Status.WITHDRAWN:
        assert status == before
    if before in (Status.ADOPTED, Status.NOT_ADOPTED):
        assert status in (before, Status.WITHDRAWN)
        if status == Status.WITHDRAWN:
            assert not proposal.call.results_published
    if before == Status.CONDITIONALLY_ADOPTED:
        assert status in (before, Status.ADOPTED, Status.WITHDRAWN)

    # A move that went through started from one of its sources and reached its target.
    if action in MOVES:
        transition = TRANSITIONS["resubmit" if before == Status.RETURNED and action == "submit" else action]
        if succeeded:
            assert before in transition.sources
            assert status == target_of(transition, decision.outcome if decision else outcome)
        else:
            assert status == before


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(count=st.integers(min_value=1, max_value=3), steps=st.lists(step, min_size=10, max_size=30))
def test_random_moves_keep_the_workflow_consistent(call, npo, people, count, steps):
    # Each example starts afresh: its proposals live in a savepoint that is rolled back at the end.
    with transaction.atomic():
        proposals = [
            fill_complete(services.proposal_create(call=call, partner=npo, user=people["member"])) for _ in range(count)
        ]
        for action, actor, index, outcome in steps:
            proposal = proposals[index % count]
            before = Proposal.objects.get(pk=proposal.pk).status
            if action == "next":
                open_moves = [name for name in MOVES if before in TRANSITIONS[name].sources and name not in DETOURS]
                if before == Status.RETURNED:
                    open_moves.append("submit")
                action = open_moves[index % len(open_moves)] if open_moves else "note"
            if actor == "proper":
                choices = PROPER.get(action, ("officer", "both", "admin"))
                actor = choices[index % len(choices)]
            try:
                _act(action, proposal, people[actor], outcome)
            except (PermissionDenied, ValidationError, services.ProposalServiceError) as refused:
                if isinstance(refused, services.TransitionNotAllowed):
                    assert before not in refused.transition.sources
                succeeded = False
            else:
                succeeded = True
            _check_invariants(proposal, before, action, succeeded, outcome)
        for proposal in proposals:
            event(f"ends {Proposal.objects.get(pk=proposal.pk).status}")
        transaction.set_rollback(True)

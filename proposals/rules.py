"""Who may see and do what with calls and proposals (object checks; lists are scoped in selectors).

Roles are scoped to departments: staff of a ward office act on the calls of that ward office and of
the departments below it, never on another ward's. Officers (担当職員) run the calls and the review,
approvers (決裁者) approve decisions, reviewers (審査委員) are assigned to a call, administrators do
everything but still never approve a decision they proposed themselves.
"""

import rules

from partners.models import Membership, StaffAssignment, departments_served_by
from partners.rules import is_portal_admin
from projects.rules import is_city_staff
from proposals.models import CallReviewer
from proposals.workflow import EDITABLE, VISIBLE_TO_REVIEWERS, VISIBLE_TO_STAFF


def _serves(user, call, role: str | None = None) -> bool:
    if call is None:
        return False
    return departments_served_by(user, role).filter(pk=call.department_id).exists()


@rules.predicate
def is_call_staff(user, call) -> bool:
    """Staff (in any role) of the department that runs the call, or of a department above it."""
    return _serves(user, call)


@rules.predicate
def is_call_officer(user, call) -> bool:
    return _serves(user, call, StaffAssignment.Role.OFFICER)


@rules.predicate
def is_call_approver(user, call) -> bool:
    return _serves(user, call, StaffAssignment.Role.APPROVER)


@rules.predicate
def is_call_reviewer(user, call) -> bool:
    if call is None or not user.is_authenticated:
        return False
    return CallReviewer.objects.filter(call=call, user=user).exists()


@rules.predicate
def is_an_approver(user) -> bool:
    return user.is_authenticated and user.staff_assignments.filter(role=StaffAssignment.Role.APPROVER).exists()


@rules.predicate
def is_published_call(user, call) -> bool:
    return call is not None and call.is_published


@rules.predicate
def is_applicant(user, proposal) -> bool:
    """An active member of the organisation that makes the proposal."""
    if proposal is None or not user.is_authenticated:
        return False
    return Membership.objects.filter(
        user=user, partner_id=proposal.partner_id, status=Membership.Status.ACTIVE
    ).exists()


@rules.predicate
def is_staff_of_proposal_call(user, proposal) -> bool:
    if proposal is None or proposal.status not in VISIBLE_TO_STAFF:
        return False
    return is_call_staff(user, proposal.call)


@rules.predicate
def is_admin_and_submitted(user, proposal) -> bool:
    return proposal is not None and proposal.status in VISIBLE_TO_STAFF and is_portal_admin(user)


@rules.predicate
def is_reviewer_of_proposal(user, proposal) -> bool:
    """A reviewer of the call, once the proposal has passed screening (members of the applicant excluded)."""
    if proposal is None or proposal.status not in VISIBLE_TO_REVIEWERS:
        return False
    return is_call_reviewer(user, proposal.call) and not is_applicant(user, proposal)


@rules.predicate
def is_editable(user, proposal) -> bool:
    return proposal is not None and proposal.status in EDITABLE


can_manage_call = is_portal_admin | is_call_staff

rules.add_rule("proposals.view_call", is_published_call | can_manage_call)
rules.add_rule("proposals.manage_calls", is_portal_admin | is_city_staff)
rules.add_rule("proposals.edit_call", is_portal_admin | is_call_officer)
rules.add_rule("proposals.view_call_proposals", can_manage_call)
rules.add_rule("proposals.act_as_officer", is_portal_admin | is_call_officer)
rules.add_rule("proposals.approve_decisions", is_portal_admin | is_call_approver)
rules.add_rule("proposals.approve_anything", is_portal_admin | is_an_approver)

# Drafts belong to the organisation: not even administrators read them until they are submitted.
rules.add_rule(
    "proposals.view_proposal",
    is_applicant | is_staff_of_proposal_call | is_admin_and_submitted | is_reviewer_of_proposal,
)
# The staff side of a proposal (checklist, reviews, internal notes, decision in the making).
# Staff who belong to the applying organisation see it as applicants, not from the staff side.
rules.add_rule("proposals.view_staff_side", (is_staff_of_proposal_call | is_admin_and_submitted) & ~is_applicant)
rules.add_rule("proposals.review_proposal", is_reviewer_of_proposal)
rules.add_rule("proposals.edit_proposal", is_applicant & is_editable)
rules.add_rule("proposals.act_as_applicant", is_applicant)

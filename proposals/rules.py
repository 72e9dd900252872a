"""Who may see and do what with calls and proposals (object checks; lists are scoped in selectors)."""

import rules

from partners.models import Membership, departments_served_by
from partners.rules import is_portal_admin
from projects.rules import is_city_staff
from proposals.workflow import EDITABLE, VISIBLE_TO_STAFF


@rules.predicate
def is_call_staff(user, call) -> bool:
    """Staff of the department that runs the call, or of a department above it (a ward office, a bureau)."""
    if call is None:
        return False
    return departments_served_by(user).filter(pk=call.department_id).exists()


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
def is_editable(user, proposal) -> bool:
    return proposal is not None and proposal.status in EDITABLE


can_manage_call = is_portal_admin | is_call_staff

rules.add_rule("proposals.view_call", is_published_call | can_manage_call)
rules.add_rule("proposals.manage_calls", is_portal_admin | is_city_staff)
rules.add_rule("proposals.edit_call", can_manage_call)
rules.add_rule("proposals.view_call_proposals", can_manage_call)

# Drafts belong to the organisation: not even administrators read them until they are submitted.
rules.add_rule("proposals.view_proposal", is_applicant | is_staff_of_proposal_call | is_admin_and_submitted)
rules.add_rule("proposals.edit_proposal", is_applicant & is_editable)
rules.add_rule("proposals.act_as_applicant", is_applicant)

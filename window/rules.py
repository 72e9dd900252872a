"""Who may see and do what with the window's proposals (object checks; lists are scoped in window/selectors.py).

- The proposer: active members of the proposing organisation. They write the draft, submit, withdraw,
  answer a department's question, and read the whole trail (but not the staff's internal notes).
- The window's staff: staff of the window's department (自治推進部) or of one above it. They see every
  received proposal of their window, acknowledge it and route it.
- A department's staff: staff of a department a proposal was routed to (or of one above it). They see
  that proposal and answer their referral; a department that passed it on still reads it.
- Administrators read every received proposal and may act as the window; they never answer for a
  department. Nobody reads a draft but its organisation.
- Staff who belong to the proposing organisation act on it only as its proposer.
"""

import rules

from partners.models import departments_served_by
from partners.rules import is_portal_admin
from projects.rules import is_city_staff
from proposals.rules import is_applicant
from window.workflow import EDITABLE, RECEIVED


def _serves(user, department_id: int | None) -> bool:
    if department_id is None or not user.is_authenticated:
        return False
    return departments_served_by(user).filter(pk=department_id).exists()


# An active member of the proposing organisation: the same test as for a proposal to a call.
is_proposer = is_applicant


@rules.predicate
def is_received(user, proposal) -> bool:
    return proposal is not None and proposal.status in RECEIVED


@rules.predicate
def is_editable(user, proposal) -> bool:
    return proposal is not None and proposal.status in EDITABLE


@rules.predicate
def is_window_staff(user, proposal) -> bool:
    """Staff of the window the proposal was sent to."""
    return proposal is not None and _serves(user, proposal.window.department_id)


@rules.predicate
def is_department_staff(user, proposal) -> bool:
    """Staff of a department the proposal was ever routed to."""
    if proposal is None or not user.is_authenticated:
        return False
    department_ids = {referral.department_id for referral in proposal.referrals.all()}
    return bool(department_ids) and departments_served_by(user).filter(pk__in=department_ids).exists()


@rules.predicate
def serves_referral(user, referral) -> bool:
    return referral is not None and _serves(user, referral.department_id)


@rules.predicate
def is_proposer_of_referral(user, referral) -> bool:
    return referral is not None and is_proposer(user, referral.proposal)


@rules.predicate
def runs_a_window(user) -> bool:
    """Staff of any window's department (for the window's own pages: the queue, the overdue list)."""
    if not user.is_authenticated:
        return False
    from window.models import Window

    return Window.objects.filter(department__in=departments_served_by(user).values("pk")).exists()


staff_side = (is_window_staff | is_department_staff | is_portal_admin) & is_received & ~is_proposer

rules.add_rule("window.view_proposal", is_proposer | staff_side)
rules.add_rule("window.view_staff_side", staff_side)
rules.add_rule("window.edit_proposal", is_proposer & is_editable)
rules.add_rule("window.act_as_proposer", is_proposer)
rules.add_rule("window.act_as_window", (is_window_staff | is_portal_admin) & is_received & ~is_proposer)
rules.add_rule("window.answer_referral", serves_referral & ~is_proposer_of_referral)
rules.add_rule("window.run_window", runs_a_window | is_portal_admin)
rules.add_rule("window.see_referrals", is_city_staff | is_portal_admin)

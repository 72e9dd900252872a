"""The city-wide window's workflow in one place: statuses of a proposal and of each referral, the moves, by whom.

Services in window/services.py carry out a move (lock, check, save, audit row, notify after commit);
nothing else changes a status. A proposal always has an owner: the window until it is routed, then the
departments it was routed to, each until it answers.

Proposal (協働・連携の提案・相談):

    draft → submitted → acknowledged ⇄ routed → answered
                 ↘           ↘           ↘
                   withdrawn (by the proposer, with a reason, until every department has answered)

Referral (回付: the proposal routed to one department, which owns it until it answers):

    open / info requested → accepted   (final: taken forward; may become a project or a call)
    open / info requested → declined   (final: with the reasons; also when the proposer never answers)
    open → info requested → open       (the proposer answers; the days waited are added to the deadline)
    open → passed on                   (this department's part ends: a new open referral to another one,
                                        with a fresh deadline, is made in the same transaction)
    open / info requested → recalled   (the window takes it back, with a reason, to route it again)
    open / info requested → withdrawn  (the proposer withdrew the proposal)

The proposal is "routed" while any referral is open or waiting for the proposer and "answered" once the last
department has given its final answer (COMPLETE, made by that department's answer). Should the window recall
the last open referral without any answer given, the proposal is back with the window ("acknowledged", a
fresh routing deadline). The window may route to further departments while it is routed.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kyodo_portal.workflow import Transition, transition_table


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Received, awaiting acknowledgement")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged, being routed")
    ROUTED = "routed", _("With the departments")
    ANSWERED = "answered", _("Answered")
    WITHDRAWN = "withdrawn", pgettext_lazy("window proposal", "Withdrawn")


class ReferralStatus(models.TextChoices):
    OPEN = "open", _("Being considered")
    INFO_REQUESTED = "info_requested", _("Waiting for the proposer's information")
    ACCEPTED = "accepted", _("Accepted: taken forward")
    DECLINED = "declined", pgettext_lazy("window referral", "Declined")
    PASSED_ON = "passed_on", _("Passed on to another department")
    RECALLED = "recalled", _("Taken back by the window")
    WITHDRAWN = "withdrawn", pgettext_lazy("window referral", "Proposal withdrawn")


class Kind(models.TextChoices):
    PROPOSAL = "proposal", _("Proposal (提案)")
    CONSULTATION = "consultation", _("Consultation (相談)")


class Actor(models.TextChoices):
    """Who makes a move.

    PROPOSER: an active member of the proposing organisation. WINDOW: staff of the window's department
    (自治推進部) or above it. DEPARTMENT: staff of the department a referral is routed to, or above it.
    """

    PROPOSER = "proposer", _("Proposer")
    WINDOW = "window", _("Window staff")
    DEPARTMENT = "department", _("Department")


# ----------------------------------------------------------------------------------------------------------
# The proposal's moves

SUBMIT = Transition("submit", frozenset({Status.DRAFT}), Status.SUBMITTED, Actor.PROPOSER, _("Submit to the window"))
WITHDRAW = Transition(
    "withdraw",
    frozenset({Status.SUBMITTED, Status.ACKNOWLEDGED, Status.ROUTED}),
    Status.WITHDRAWN,
    Actor.PROPOSER,
    pgettext_lazy("window move", "Withdraw"),
    comment_required=True,
)
ACKNOWLEDGE = Transition(
    "acknowledge", frozenset({Status.SUBMITTED}), Status.ACKNOWLEDGED, Actor.WINDOW, _("Acknowledge receipt")
)
# The window routes to one or more departments at once, and may add departments while it is routed.
ROUTE = Transition(
    "route",
    frozenset({Status.ACKNOWLEDGED, Status.ROUTED}),
    Status.ROUTED,
    Actor.WINDOW,
    _("Route to departments"),
    comment_required=True,
)

# Made by the department whose final answer is the last one outstanding.
COMPLETE = Transition(
    "answered", frozenset({Status.ROUTED}), Status.ANSWERED, Actor.DEPARTMENT, _("Every department has answered")
)
# The window recalled the last open referral before any department answered: the window owns it again.
RETURN_TO_WINDOW = Transition(
    "returned_to_window",
    frozenset({Status.ROUTED}),
    Status.ACKNOWLEDGED,
    Actor.WINDOW,
    _("Back with the window to be routed again"),
)

TRANSITIONS = transition_table(SUBMIT, WITHDRAW, ACKNOWLEDGE, ROUTE, COMPLETE, RETURN_TO_WINDOW)

# ----------------------------------------------------------------------------------------------------------
# A referral's moves (the department's answers, and the proposer's reply to a question)

ANSWERABLE = frozenset({ReferralStatus.OPEN, ReferralStatus.INFO_REQUESTED})
ACCEPT = Transition(
    "accept", ANSWERABLE, ReferralStatus.ACCEPTED, Actor.DEPARTMENT, _("Accept and take it forward"), True
)
DECLINE = Transition("decline", ANSWERABLE, ReferralStatus.DECLINED, Actor.DEPARTMENT, _("Decline with reasons"), True)
ASK_INFO = Transition(
    "ask_info",
    frozenset({ReferralStatus.OPEN}),
    ReferralStatus.INFO_REQUESTED,
    Actor.DEPARTMENT,
    _("Ask the proposer for more information"),
    True,
)
PASS_ON = Transition(
    "pass_on",
    frozenset({ReferralStatus.OPEN}),
    ReferralStatus.PASSED_ON,
    Actor.DEPARTMENT,
    _("Pass on to another department"),
    True,
)
REPLY = Transition(
    "reply",
    frozenset({ReferralStatus.INFO_REQUESTED}),
    ReferralStatus.OPEN,
    Actor.PROPOSER,
    _("Send the information"),
    True,
)

# The window takes a referral back (its department cannot answer it: no one left to, or the wrong one).
RECALL = Transition(
    "recall", ANSWERABLE, ReferralStatus.RECALLED, Actor.WINDOW, _("Take back from the department"), True
)
# The proposer's withdrawal of the proposal closes every referral still open.
CLOSE_WITHDRAWN = Transition(
    "referral_withdrawn", ANSWERABLE, ReferralStatus.WITHDRAWN, Actor.PROPOSER, _("Closed: the proposal was withdrawn")
)

REFERRAL_TRANSITIONS = transition_table(ACCEPT, DECLINE, ASK_INFO, PASS_ON, REPLY, RECALL, CLOSE_WITHDRAWN)

# A referral in these statuses is the department's to answer; the others are final.
ACTIVE_REFERRAL = ANSWERABLE
FINAL_ANSWERS = frozenset({ReferralStatus.ACCEPTED, ReferralStatus.DECLINED})
# Statuses in which the proposal has been received (staff see it, it counts in the statistics).
RECEIVED = frozenset({Status.SUBMITTED, Status.ACKNOWLEDGED, Status.ROUTED, Status.ANSWERED, Status.WITHDRAWN})
# The window owns a proposal in these statuses; in ROUTED the departments of the open referrals own it.
WITH_WINDOW = frozenset({Status.SUBMITTED, Status.ACKNOWLEDGED})
# The proposer edits only a draft; what was submitted stays as it was sent.
EDITABLE = frozenset({Status.DRAFT})
# Shown at /window/ with the proposer's consent once the window has acknowledged it.
PUBLISHABLE = frozenset({Status.ACKNOWLEDGED, Status.ROUTED, Status.ANSWERED})

EVENT_LABELS = {
    "create": _("Draft started"),
    **{name: transition.label for name, transition in TRANSITIONS.items()},
    **{name: transition.label for name, transition in REFERRAL_TRANSITIONS.items()},
    "link": _("Follow-up recorded"),
    "withhold": _("Withheld from the public page"),
    "release": _("Shown on the public page again"),
}
# Past-tense wording for the trail the proposer and the public read.
TRAIL_LABELS = {
    "submit": _("Received by the window"),
    "acknowledge": _("Receipt acknowledged"),
    "route": _("Routed"),
    "withdraw": _("Withdrawn by the proposer"),
    "accept": _("Accepted by the department"),
    "decline": _("Declined by the department"),
    "ask_info": _("The department asked for more information"),
    "reply": _("The proposer sent the information"),
    "pass_on": _("Passed on"),
    "recall": _("Taken back by the window"),
    "returned_to_window": _("Back with the window to be routed again"),
    "link": _("Follow-up recorded"),
    "answered": _("Every department has answered"),
}
# What the public page shows of the trail (with consent); questions and replies stay between the parties.
PUBLIC_EVENTS = frozenset(
    {"submit", "acknowledge", "route", "accept", "decline", "pass_on", "recall", "link", "answered"}
)
# Whose comments the public reads: the departments' answers (the window's routing notes are internal).
PUBLIC_COMMENTS = frozenset({"accept", "decline"})
# The proposer reads every event of their proposal except the internal notes to and between departments.
PROPOSER_HIDDEN_COMMENTS = frozenset({"route", "pass_on", "recall", "withhold", "release"})

NEXT_STEP = {
    Status.DRAFT: _("Saved as a draft: only members of your organisation see it. Submit it when it is ready."),
    Status.SUBMITTED: _(
        "Received. The window (自治推進部) acknowledges it within %(days)s working days and then routes it to the "
        "departments concerned."
    ),
    Status.ACKNOWLEDGED: _("Acknowledged. The window is choosing the departments that will answer you."),
    Status.ROUTED: _(
        "With the departments below. Each answers by its deadline: it accepts to take the proposal forward, "
        "declines with reasons, or asks you for more information."
    ),
    Status.ANSWERED: _("Every department has answered. Their answers are below."),
    Status.WITHDRAWN: _("Withdrawn: nothing more happens with this proposal."),
}

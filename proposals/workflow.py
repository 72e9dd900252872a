"""The proposal workflow in one place: its statuses, the moves allowed between them, and by whom.

Services in proposals/services.py and proposals/review.py carry out a move (lock, check, save,
audit, notify); nothing else changes a proposal's status.

    draft → submitted → screening → under review → decision proposed → adopted
                 ↑          ↓            ↑               ↓          → conditionally adopted → adopted
              returned ←────┘            └── sent back ──┘          → not adopted
    withdrawn: by the applicant from any status until the call's results are published.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from kyodo_portal.workflow import Transition, transition_table


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    SCREENING = "screening", _("Screening")
    RETURNED = "returned", _("Returned for revision")
    UNDER_REVIEW = "under_review", _("Under review")
    DECISION_PROPOSED = "decision_proposed", _("Decision awaiting approval")
    ADOPTED = "adopted", _("Adopted")
    CONDITIONALLY_ADOPTED = "conditional", _("Conditionally adopted")
    NOT_ADOPTED = "not_adopted", _("Not adopted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Outcome(models.TextChoices):
    """What a decision says; approving it moves the proposal to the status of the same name."""

    ADOPT = "adopt", _("Adopt")
    ADOPT_WITH_CONDITIONS = "conditional", _("Adopt with conditions")
    NOT_ADOPT = "not_adopt", _("Do not adopt")


OUTCOME_STATUS = {
    Outcome.ADOPT: Status.ADOPTED,
    Outcome.ADOPT_WITH_CONDITIONS: Status.CONDITIONALLY_ADOPTED,
    Outcome.NOT_ADOPT: Status.NOT_ADOPTED,
}


class Actor(models.TextChoices):
    """Who makes a move.

    APPLICANT: an active member of the applying organisation. OFFICER: staff of the department that
    runs the call (or above it). APPROVER: a 決裁者 of that department (or above), never the officer
    who proposed the decision.
    """

    APPLICANT = "applicant", _("Applicant")
    OFFICER = "officer", _("Officer")
    APPROVER = "approver", _("Approver")


BEFORE_DECISION = frozenset(
    {Status.SUBMITTED, Status.SCREENING, Status.RETURNED, Status.UNDER_REVIEW, Status.DECISION_PROPOSED}
)
DECIDED = frozenset({Status.ADOPTED, Status.CONDITIONALLY_ADOPTED, Status.NOT_ADOPTED})

SUBMIT = Transition("submit", frozenset({Status.DRAFT}), Status.SUBMITTED, Actor.APPLICANT, _("Submit"))
RESUBMIT = Transition("resubmit", frozenset({Status.RETURNED}), Status.SUBMITTED, Actor.APPLICANT, _("Resubmit"))
# The applicant may withdraw until they are told the decision: a decision approved but not yet published
# still reads "under review" to them, so they may withdraw then too (the service refuses once published).
WITHDRAW = Transition(
    "withdraw", BEFORE_DECISION | DECIDED, Status.WITHDRAWN, Actor.APPLICANT, _("Withdraw"), comment_required=True
)
START_SCREENING = Transition(
    "start_screening", frozenset({Status.SUBMITTED}), Status.SCREENING, Actor.OFFICER, _("Start screening")
)
RETURN = Transition(
    "return",
    frozenset({Status.SUBMITTED, Status.SCREENING}),
    Status.RETURNED,
    Actor.OFFICER,
    _("Return for revision"),
    True,
)
PASS_SCREENING = Transition(
    "pass_screening", frozenset({Status.SCREENING}), Status.UNDER_REVIEW, Actor.OFFICER, _("Pass screening")
)
PROPOSE_DECISION = Transition(
    "propose_decision",
    frozenset({Status.UNDER_REVIEW}),
    Status.DECISION_PROPOSED,
    Actor.OFFICER,
    _("Propose the decision"),
)
APPROVE = Transition("approve", frozenset({Status.DECISION_PROPOSED}), None, Actor.APPROVER, _("Approve"))
SEND_BACK = Transition(
    "send_back",
    frozenset({Status.DECISION_PROPOSED}),
    Status.UNDER_REVIEW,
    Actor.APPROVER,
    _("Send back to the officer"),
    True,
)
CONFIRM_CONDITIONS = Transition(
    "confirm_conditions",
    frozenset({Status.CONDITIONALLY_ADOPTED}),
    Status.ADOPTED,
    Actor.OFFICER,
    _("Conditions met: adopt"),
    True,
)

# APPROVE has no target of its own: it leads to the status its decision names (see target_of).
TRANSITIONS: dict[str, Transition] = transition_table(
    SUBMIT,
    RESUBMIT,
    WITHDRAW,
    START_SCREENING,
    RETURN,
    PASS_SCREENING,
    PROPOSE_DECISION,
    APPROVE,
    SEND_BACK,
    CONFIRM_CONDITIONS,
)

# The applicant edits the content only in these statuses; otherwise it is fixed.
EDITABLE = frozenset({Status.DRAFT, Status.RETURNED})
# Staff see a proposal once it has been submitted, never a draft.
VISIBLE_TO_STAFF = frozenset(status for status in Status.values if status != Status.DRAFT)
# Reviewers see a proposal of their call once it has passed screening.
VISIBLE_TO_REVIEWERS = frozenset({Status.UNDER_REVIEW, Status.DECISION_PROPOSED, *DECIDED})
# Until the call's results are published the applicant sees a decision in the making as "under review".
HIDDEN_FROM_APPLICANT_UNTIL_PUBLISHED = frozenset({Status.DECISION_PROPOSED, *DECIDED})

NEXT_STEP = {
    Status.DRAFT: _(
        "Saved as a draft: only members of your organisation see it. Complete it and submit it before the deadline."
    ),
    Status.SUBMITTED: _(
        "Received. The office checks that it is complete; you will hear from them by e-mail. "
        "You can withdraw it until the decision."
    ),
    Status.SCREENING: _("The office is checking the documents and the eligibility (形式審査)."),
    Status.RETURNED: _(
        "The office returned it for revision: read their comments, change the proposal and resubmit it "
        "before the revision deadline."
    ),
    Status.UNDER_REVIEW: _(
        "The reviewers are scoring it against the call's criteria. The results are published for all "
        "proposals of the call at once."
    ),
    Status.ADOPTED: _("Adopted. The office prepares the agreement (協定書) with you."),
    Status.CONDITIONALLY_ADOPTED: _(
        "Adopted on conditions (for example, that the budget passes). The office tells you when they are met."
    ),
    Status.NOT_ADOPTED: _("Not adopted. The reasons are below."),
    Status.WITHDRAWN: _("Withdrawn: nothing more happens with this proposal."),
}


# What the history calls each kind of event: the moves, and the records that do not move the status.
EVENT_LABELS = {
    "create": _("Draft started"),
    **{transition.name: transition.label for transition in TRANSITIONS.values()},
    "review_submitted": _("Review submitted"),
    "conflict_declared": _("Reviewer stepped aside (conflict of interest)"),
    "presentation": _("Public presentation recorded"),
    "agreement_prepared": _("Agreement drawn up"),
    "agreement_signed": _("Agreement signed: the project starts"),
}
# The events an applicant sees in their proposal's history, and those whose comment is for them.
APPLICANT_EVENTS = frozenset(
    {"create", "submit", "resubmit", "withdraw", "start_screening", "return", "pass_screening", "confirm_conditions"}
    | {"agreement_signed"}
)
# Moves on a decided proposal: the applicant sees them only once the call's results are published.
DECISION_EVENTS = frozenset({"confirm_conditions", "agreement_signed"})
APPLICANT_COMMENTS = frozenset({"withdraw", "return", "confirm_conditions", "submit", "resubmit"})


def target_of(transition: Transition, outcome: str | None = None) -> str:
    """The status a move leads to; an approval leads to the status its decision names."""
    if transition.target is not None:
        return transition.target
    return OUTCOME_STATUS[outcome]


def next_step(status: str) -> str:
    return str(NEXT_STEP.get(status, ""))

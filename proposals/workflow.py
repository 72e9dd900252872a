"""The proposal workflow in one place: its statuses and the moves allowed between them, and by whom.

Services in proposals/services.py carry out a move (lock, check, save, audit, mail); nothing else
changes a proposal's status. The review side (screening, returns, scores, decisions) adds its
statuses and moves to these tables.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Actor(models.TextChoices):
    """Who makes a move: someone of the applying organisation, or staff of the call's department."""

    APPLICANT = "applicant", _("Applicant")
    STAFF = "staff", _("City staff")


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str
    actor: str
    label: Promise
    comment_required: bool = False


SUBMIT = Transition(
    name="submit",
    sources=frozenset({Status.DRAFT}),
    target=Status.SUBMITTED,
    actor=Actor.APPLICANT,
    label=_("Submit"),
)
WITHDRAW = Transition(
    name="withdraw",
    sources=frozenset({Status.SUBMITTED}),
    target=Status.WITHDRAWN,
    actor=Actor.APPLICANT,
    label=_("Withdraw"),
    comment_required=True,
)

TRANSITIONS: dict[str, Transition] = {transition.name: transition for transition in (SUBMIT, WITHDRAW)}

# The applicant edits the content only in these statuses; after submission it is fixed.
EDITABLE = frozenset({Status.DRAFT})
# Staff see a proposal once it has been submitted, never a draft.
VISIBLE_TO_STAFF = frozenset(status for status in Status.values if status != Status.DRAFT)

NEXT_STEP = {
    Status.DRAFT: _(
        "Saved as a draft: only members of your organisation see it. Complete it and submit it before the deadline."
    ),
    Status.SUBMITTED: _(
        "Received. The office checks that it is complete; you will hear from them by e-mail. "
        "You can withdraw it until the decision."
    ),
    Status.WITHDRAWN: _("Withdrawn: nothing more happens with this proposal."),
}


def transition_allowed(*, status: str, transition: Transition) -> bool:
    return status in transition.sources


def transitions_from(*, status: str, actor: str) -> list[Transition]:
    """The moves someone in this role could make from a status (permission is checked by the rules)."""
    return [t for t in TRANSITIONS.values() if t.actor == actor and status in t.sources]


def next_step(status: str) -> str:
    return str(NEXT_STEP.get(status, ""))

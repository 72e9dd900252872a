"""The evaluation round's workflow in one place: its statuses, the moves between them, and by whom.

Services in evaluations/services.py carry out a move (lock, check, save, audit, notify); nothing else
changes a round's status.

    writing ──(each side submits its own evaluation; the second submission)──→ summarising
    summarising ──(one side proposes the joint summary)──→ proposed
    proposed ──(the other side agrees)──→ published
    proposed ──(the other side asks for changes, or the proposer takes it back)──→ summarising
    published ──(the city side reopens it to correct it, with a reason)──→ summarising

Neither side reads the other's evaluation while the round is being written: both write on their own,
as the guidelines ask, and compare only once both have submitted.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Status(models.TextChoices):
    WRITING = "writing", _("Being written")
    SUMMARISING = "summarising", _("Joint summary in preparation")
    PROPOSED = "proposed", _("Joint summary awaiting agreement")
    PUBLISHED = "published", _("Published")


class Side(models.TextChoices):
    """The two sides of a collaboration project: the partner organisation(s) and the city."""

    PARTNER = "partner", _("Partner organisation")
    CITY = "city", _("City")


class NextStep(models.TextChoices):
    """What happens next (the exit strategy, 出口戦略, included)."""

    CONTINUE = "continue", pgettext_lazy("next step", "Continue")
    EXPAND = "expand", pgettext_lazy("next step", "Expand")
    REVISE = "revise", pgettext_lazy("next step", "Revise")
    END = "end", pgettext_lazy("next step", "End")
    EXIT = "exit", pgettext_lazy("next step", "Hand over (business or city programme)")


# The project goes on: the summary says when the partner is to stand on its own and how the cost share changes.
CONTINUING = frozenset({NextStep.CONTINUE, NextStep.EXPAND, NextStep.REVISE})


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    # None: decided by the service (a side's submission ends the writing only when the other side's is in).
    target: str | None
    sides: frozenset[str]
    label: Promise
    comment_required: bool = False
    # Only the side that did not propose the summary may make this move (agreement takes both sides).
    other_side_only: bool = False


BOTH = frozenset({Side.PARTNER, Side.CITY})

SUBMIT_SIDE = Transition("submit_side", frozenset({Status.WRITING}), None, BOTH, _("Submit our evaluation"))
REOPEN_SIDE = Transition(
    "reopen_side", frozenset({Status.WRITING}), Status.WRITING, BOTH, _("Take our evaluation back to edit")
)
PROPOSE_SUMMARY = Transition(
    "propose_summary", frozenset({Status.SUMMARISING}), Status.PROPOSED, BOTH, _("Propose the joint summary")
)
AGREE = Transition(
    "agree",
    frozenset({Status.PROPOSED}),
    Status.PUBLISHED,
    BOTH,
    _("Agree and publish"),
    other_side_only=True,
)
REQUEST_CHANGES = Transition(
    "request_changes",
    frozenset({Status.PROPOSED}),
    Status.SUMMARISING,
    BOTH,
    _("Ask for changes"),
    comment_required=True,
    other_side_only=True,
)
WITHDRAW_SUMMARY = Transition(
    "withdraw_summary", frozenset({Status.PROPOSED}), Status.SUMMARISING, BOTH, _("Take the proposal back")
)
REOPEN = Transition(
    "reopen",
    frozenset({Status.PUBLISHED}),
    Status.SUMMARISING,
    frozenset({Side.CITY}),
    _("Withdraw from publication to correct"),
    comment_required=True,
)

TRANSITIONS: dict[str, Transition] = {
    transition.name: transition
    for transition in (SUBMIT_SIDE, REOPEN_SIDE, PROPOSE_SUMMARY, AGREE, REQUEST_CHANGES, WITHDRAW_SUMMARY, REOPEN)
}

# Each side edits its own evaluation only while the round is being written and it has not submitted it.
SIDES_EDITABLE = frozenset({Status.WRITING})
# The joint summary is drafted (by either side) only between the two submissions and the proposal.
SUMMARY_EDITABLE = frozenset({Status.SUMMARISING})
# Once both sides have submitted, each reads the other's evaluation.
BOTH_SUBMITTED = frozenset({Status.SUMMARISING, Status.PROPOSED, Status.PUBLISHED})

# Scores run from 1 (not at all) to 5 (fully); principles that differ by this much between the sides
# are shown in the joint summary, which must say a word on each.
SCORE_MIN = 1
SCORE_MAX = 5
GAP_THRESHOLD = 2
SCORE_LABELS = {
    5: _("5: fully"),
    4: _("4: largely"),
    3: _("3: partly"),
    2: _("2: hardly"),
    1: _("1: not at all"),
}

EVENT_LABELS = {
    "start": _("Round opened"),
    "save_side": _("Evaluation saved"),
    "save_summary": _("Joint summary saved"),
    **{name: transition.label for name, transition in TRANSITIONS.items()},
}


def transition_allowed(*, status: str, transition: Transition) -> bool:
    return status in transition.sources

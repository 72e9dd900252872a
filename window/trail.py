"""The trail of a proposal as each reader may read it: its parties, the proposer, the public."""

from dataclasses import dataclass

from window.selectors import ProposalView
from window.workflow import PROPOSER_HIDDEN_COMMENTS, PUBLIC_COMMENTS, PUBLIC_EVENTS


@dataclass(frozen=True)
class TrailEntry:
    at: object
    label: str
    department: str
    to_department: str
    follow_up: str
    # The person who acted, for the city's staff only; others read the department (or the organisation).
    actor: str
    comment: str


def trail_for(view: ProposalView) -> list[TrailEntry]:
    """Staff read every event with its comment and who acted; the proposer every event but the window's
    publication notes, without the internal notes to departments; the public the receipt, the routing and
    the answers, with the departments' answers as their only comments."""
    entries = []
    for event in view.proposal.events.all():
        if view.is_public_view:
            if event.action not in PUBLIC_EVENTS:
                continue
            comment = event.comment if event.action in PUBLIC_COMMENTS else ""
        elif view.is_staff_side:
            comment = event.comment
        else:
            if event.action in {"withhold", "release"}:
                continue
            comment = "" if event.action in PROPOSER_HIDDEN_COMMENTS else event.comment
        details = event.details or {}
        departments = details.get("departments") or []
        entries.append(
            TrailEntry(
                at=event.created_at,
                label=event.trail_label if not view.is_staff_side else event.label,
                department=details.get("department", "") or "、".join(departments),
                to_department=details.get("to", ""),
                # What a proposal became is named to the staff here; the others read the published project or
                # call linked in the departments' answers.
                follow_up=" / ".join(name for name in (details.get("project"), details.get("call")) if name)
                if view.is_staff_side
                else "",
                actor=event.actor.display_name if view.is_staff_side and event.actor else "",
                comment=comment,
            )
        )
    return entries

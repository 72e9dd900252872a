"""The machinery every workflow of the portal shares: a move between statuses, and the errors a move raises.

Each workflow (proposals to a call, the city-wide window) declares its statuses and a table of
``Transition`` values in its own ``workflow.py``; its services carry a move out the same way: lock the
row, check the actor and ``transition.allowed_from(status)``, save, write an audit row, notify after the
commit. Nothing else changes a status.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    # None: the service decides the target (an approval leads to the status its decision names).
    target: str | None
    actor: str
    label: Promise
    comment_required: bool = False

    def allowed_from(self, status: str) -> bool:
        return status in self.sources


def transition_table(*transitions: Transition) -> dict[str, Transition]:
    table = {transition.name: transition for transition in transitions}
    if len(table) != len(transitions):
        raise ValueError("two transitions share a name")
    return table


def transitions_from(table: dict[str, Transition], *, status: str, actors: Iterable[str]) -> list[Transition]:
    """The moves someone acting in these roles could make from a status (permission is checked by the rules)."""
    actors = frozenset(actors)
    return [transition for transition in table.values() if transition.actor in actors and status in transition.sources]


class ServiceError(Exception):
    """A write that cannot be done, with a message for the user (in their language)."""

"""Who may see and do what with evaluations (object checks; lists are scoped in selectors).

A project has two sides. The partner side: active members of the project's partner organisations
(not the city's own departments). The city side: staff of the project's responsible department or of a
department above it (a ward office, a bureau). Staff who are also members of a partner organisation
write only for the partner. Until both sides have submitted, each side reads only its own evaluation;
once the joint summary is published, everyone reads the round. External evaluators (外部評価委員)
comment on the projects of the cycle they are members of; the department's staff run the cycle.
"""

import rules
from django.db.models import Q

from evaluations.workflow import BOTH_SUBMITTED, SUMMARY_EDITABLE, Side, Status
from partners.models import Membership, StaffAssignment, departments_served_by
from projects.rules import is_city_staff, is_project_admin


def organisation_parties_q(prefix: str = "") -> Q:
    """Parties that are organisations, not the city's departments or a municipality."""
    return Q(
        **{f"{prefix}partner__department__isnull": True, f"{prefix}partner__represented_municipality__isnull": True}
    )


def sides_of(user, project) -> frozenset[str]:
    """The sides of the project the user writes for (none, one; never both).

    Kept on the project instance for the user: a page asks the rules and then the view asks again. The
    services lock and re-read the project, so a write always decides on a fresh answer.
    """
    if project is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    known = project.__dict__.setdefault("_sides_of_user", {})
    if user.pk not in known:
        known[user.pk] = _sides_of(user, project)
    return known[user.pk]


def _sides_of(user, project) -> frozenset[str]:
    is_member = Membership.objects.filter(
        Q(partner__project_parties__project=project) & organisation_parties_q(),
        user=user,
        status=Membership.Status.ACTIVE,
    ).exists()
    if is_member:
        return frozenset({Side.PARTNER})
    if project.responsible_department_id and (
        departments_served_by(user).filter(pk=project.responsible_department_id).exists()
    ):
        return frozenset({Side.CITY})
    return frozenset()


@rules.predicate
def takes_part_in_project(user, project) -> bool:
    return bool(sides_of(user, project)) and project.responsible_department_id is not None


@rules.predicate
def takes_part_in_round(user, round) -> bool:
    return round is not None and bool(sides_of(user, round.project))


@rules.predicate
def is_published_round(user, round) -> bool:
    return round is not None and round.status == Status.PUBLISHED and round.project.is_published


@rules.predicate
def writes_this_side(user, side) -> bool:
    return side is not None and side.side in sides_of(user, side.round.project)


@rules.predicate
def both_sides_submitted(user, side) -> bool:
    return side is not None and side.round.status in BOTH_SUBMITTED


@rules.predicate
def published_side(user, side) -> bool:
    return side is not None and is_published_round(user, side.round)


@rules.predicate
def summary_editable(user, round) -> bool:
    return round is not None and round.status in SUMMARY_EDITABLE


@rules.predicate
def serves_cycle_department(user, cycle) -> bool:
    if cycle is None:
        return False
    return departments_served_by(user, StaffAssignment.Role.OFFICER).filter(pk=cycle.department_id).exists()


@rules.predicate
def is_cycle_member(user, cycle) -> bool:
    if cycle is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return cycle.members.filter(pk=user.pk).exists()


@rules.predicate
def takes_part_in_round_of_side(user, side) -> bool:
    return side is not None and bool(sides_of(user, side.round.project))


can_manage_cycle = is_project_admin | serves_cycle_department

rules.add_rule("evaluations.start_round", takes_part_in_project)
# The round's page (drafts, history) is the two sides' and administrators'; everyone else reads the report.
rules.add_rule("evaluations.view_round", takes_part_in_round | is_project_admin)
# A side reads its own evaluation; the other side's once both have submitted (as do administrators);
# everyone once published.
rules.add_rule(
    "evaluations.view_side",
    published_side | writes_this_side | ((takes_part_in_round_of_side | is_project_admin) & both_sides_submitted),
)
rules.add_rule("evaluations.write_side", writes_this_side)
rules.add_rule("evaluations.edit_summary", takes_part_in_round & summary_editable)
rules.add_rule("evaluations.create_cycle", is_project_admin | is_city_staff)
rules.add_rule("evaluations.manage_cycle", can_manage_cycle)
rules.add_rule("evaluations.view_cycle", can_manage_cycle | is_cycle_member)
rules.add_rule("evaluations.comment_in_cycle", is_cycle_member)

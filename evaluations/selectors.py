"""Every non-trivial read of evaluations: a round's page, the public report, a project's rounds, and the
evaluations due for the people concerned."""

import datetime
from dataclasses import dataclass, field

import rules
from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from evaluations.models import EvaluationEvent, EvaluationRound, PrincipleRating, SideEvaluation
from evaluations.rules import organisation_parties_q
from evaluations.services import Figures, Gap, PrinciplePair, principle_gaps, principle_pairs, round_figures
from evaluations.workflow import BOTH_SUBMITTED, Side, Status
from kyodo_portal.dates import fiscal_year_bounds, fiscal_year_of
from partners.models import Membership, departments_served_by
from projects.models import Project, ProjectParty
from projects.rules import is_project_admin

SIDES_PREFETCH = Prefetch(
    "sides",
    queryset=SideEvaluation.objects.prefetch_related(
        Prefetch("ratings", queryset=PrincipleRating.objects.select_related("principle"))
    ).select_related("submitted_by"),
)


def _rounds() -> QuerySet:
    return EvaluationRound.objects.select_related(
        "project__municipality", "project__responsible_department__parent", "proposed_by", "agreed_by"
    )


@dataclass
class RoundView:
    """What one person may read of a round: their side, the other side once both have submitted."""

    round: EvaluationRound
    my_side: str | None
    sides: dict[str, SideEvaluation]
    visible: dict[str, bool]
    figures: Figures
    pairs: list[PrinciplePair] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    gap_notes: dict[int, str] = field(default_factory=dict)
    events: list[EvaluationEvent] = field(default_factory=list)

    @property
    def both_visible(self) -> bool:
        return all(self.visible.values())

    @property
    def gap_rows(self) -> list[tuple[Gap, str]]:
        """Each difference with the summary's word on it ("" where none is written yet)."""
        return [(gap, self.gap_notes.get(gap.principle.pk, "")) for gap in self.gaps]

    @property
    def shown_sides(self) -> list[tuple[str, SideEvaluation]]:
        return [(name, side) for name, side in self.sides.items() if self.visible[name]]

    @property
    def partners(self) -> list[ProjectParty]:
        return [
            party
            for party in self.round.project.parties.all()
            if party.partner.department_id is None and party.partner.represented_municipality_id is None
        ]


def round_view(*, user, round: EvaluationRound, my_side: str | None) -> RoundView:
    """The round as the user may read it (the caller has checked the user may see the round at all)."""
    by_side = {side.side: side for side in round.sides.all()}
    sides = {name: by_side[name] for name in Side.values if name in by_side}
    both = round.status in BOTH_SUBMITTED
    visible = {
        name: bool(
            (both and (my_side or round.status == Status.PUBLISHED or is_project_admin(user))) or name == my_side
        )
        for name in Side.values
    }
    shown = [side for name, side in sides.items() if visible[name]]
    return RoundView(
        round=round,
        my_side=my_side,
        sides=sides,
        visible=visible,
        figures=round_figures(round, list(round.project.indicators.all())),
        pairs=principle_pairs(shown) if both else [],
        gaps=principle_gaps(shown) if both else [],
        gap_notes={note.principle_id: note.note for note in round.gap_notes.all()},
        events=list(round.events.select_related("actor")),
    )


def round_for_page(*, pk: int) -> EvaluationRound | None:
    """A round with everything its pages show (two sides, their ratings, the project's figures and parties)."""
    return (
        _rounds()
        .prefetch_related(
            SIDES_PREFETCH,
            "gap_notes",
            "project__indicators",
            Prefetch("project__parties", queryset=ProjectParty.objects.select_related("partner")),
        )
        .filter(pk=pk)
        .first()
    )


def round_for_user(*, user, pk: int) -> EvaluationRound | None:
    round = round_for_page(pk=pk)
    if round is None or not rules.test_rule("evaluations.view_round", user, round):
        return None
    return round


def published_round(*, pk: int) -> EvaluationRound | None:
    round = round_for_page(pk=pk)
    return round if round is not None and round.is_published and round.project.is_published else None


def published_rounds_of_project(*, project: Project) -> list[EvaluationRound]:
    """The project's published rounds, newest year first, with both sides' scores (for the project page)."""
    return list(
        EvaluationRound.objects.published()
        .filter(project=project)
        .prefetch_related(SIDES_PREFETCH)
        .order_by("-fiscal_year")
    )


# ----------------------------------------------------------------------------------------------------------
# Due evaluations


def evaluation_due_date(fiscal_year: int) -> datetime.date:
    return fiscal_year_bounds(fiscal_year)[1] + datetime.timedelta(days=settings.EVALUATION_DUE_DAYS)


@dataclass
class DueItem:
    """A project's fiscal year whose evaluation is not published yet: due once the year has ended (and
    overdue after the due date), or, for the current year, possible already (some look back in March)."""

    project: Project
    fiscal_year: int
    round: EvaluationRound | None
    my_side: str | None
    today: datetime.date

    @property
    def due_date(self) -> datetime.date:
        return evaluation_due_date(self.fiscal_year)

    @property
    def is_overdue(self) -> bool:
        return self.today > self.due_date

    @property
    def year_ended(self) -> bool:
        return self.today > fiscal_year_bounds(self.fiscal_year)[1]

    def side(self, name: str) -> SideEvaluation | None:
        if self.round is None:
            return None
        return next((side for side in self.round.sides.all() if side.side == name), None)

    @property
    def waiting_sides(self) -> list[str]:
        """The sides that have not submitted (both, before the round is opened)."""
        if self.round is not None and self.round.status != Status.WRITING:
            return []
        return [name for name in Side.values if (side := self.side(name)) is None or not side.is_submitted]

    @property
    def my_evaluation(self) -> SideEvaluation | None:
        return self.side(self.my_side) if self.my_side else None


def _due_years(project: Project, today: datetime.date) -> set[int]:
    current = fiscal_year_of(today)
    if project.fiscal_year_start is None:
        return set()
    last = project.fiscal_year_end or project.fiscal_year_start
    first_due = current - settings.EVALUATION_DUE_YEARS_BACK
    return set(range(max(project.fiscal_year_start, first_due), min(last, current) + 1))


def _due_items(projects: QuerySet, today: datetime.date, side_of) -> list[DueItem]:
    """The due items of the projects: recent years (the current one included) without a published round,
    and every open round."""
    current = fiscal_year_of(today)
    first_due = current - settings.EVALUATION_DUE_YEARS_BACK
    open_rounds = EvaluationRound.objects.exclude(status=Status.PUBLISHED)
    projects = (
        projects.filter(is_published=True, responsible_department__isnull=False)
        .annotate(last_year=Coalesce("fiscal_year_end", "fiscal_year_start"))
        .filter(
            Q(fiscal_year_start__lte=current, last_year__gte=first_due) | Q(pk__in=open_rounds.values("project_id"))
        )
        .select_related("responsible_department")
        .prefetch_related(
            Prefetch("parties", queryset=ProjectParty.objects.select_related("partner")),
            Prefetch(
                "evaluation_rounds",
                queryset=EvaluationRound.objects.prefetch_related("sides").order_by("-fiscal_year"),
            ),
        )
        .order_by("sort_key", "id")
        .distinct()
    )
    items = []
    for project in projects:
        rounds = {round.fiscal_year: round for round in project.evaluation_rounds.all()}
        years = _due_years(project, today) | {
            year for year, round in rounds.items() if round.status != Status.PUBLISHED
        }
        for year in sorted(years, reverse=True):
            round = rounds.get(year)
            if round is not None and round.status == Status.PUBLISHED:
                continue
            items.append(DueItem(project=project, fiscal_year=year, round=round, my_side=side_of(project), today=today))
    items.sort(key=lambda item: (item.due_date, item.project.sort_key, item.project.pk))
    return items


def evaluations_due_for(*, user, today: datetime.date | None = None) -> list[DueItem]:
    """The evaluations the user takes part in that are due or under way: their organisations' projects and
    their departments' projects. A constant number of queries."""
    today = today or timezone.localdate()
    member_of = set(
        Membership.objects.filter(
            user=user,
            status=Membership.Status.ACTIVE,
            partner__department__isnull=True,
            partner__represented_municipality__isnull=True,
        ).values_list("partner_id", flat=True)
    )
    served = set(departments_served_by(user).values_list("pk", flat=True))
    if not member_of and not served:
        return []
    organisation_parties = ProjectParty.objects.filter(organisation_parties_q(), partner_id__in=member_of)
    projects = Project.objects.filter(
        Q(pk__in=organisation_parties.values("project_id")) | Q(responsible_department_id__in=served)
    )

    def side_of(project: Project) -> str | None:
        if any(party.partner_id in member_of for party in project.parties.all()):
            return Side.PARTNER
        return Side.CITY if project.responsible_department_id in served else None

    return _due_items(projects, today, side_of)


def evaluations_due(*, today: datetime.date | None = None) -> list[DueItem]:
    """Every evaluation due or under way (for the reminders)."""
    return _due_items(Project.objects.all(), today or timezone.localdate(), lambda project: None)

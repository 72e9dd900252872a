"""Reads of the public dashboard of published evaluations: the filters, and figures aggregated in the database.

Every figure is one grouped query over the rounds the filters select (a subquery of their ids), so the page
makes the same number of queries for three rounds or three thousand.
"""

from dataclasses import dataclass, field

import django_filters
from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from evaluations.charts import CITY_COLOUR, PARTNER_COLOUR, BarChart, Series, bar_chart, plain_number
from evaluations.models import EvaluationRound, PrincipleRating, SideEvaluation
from evaluations.workflow import SCORE_MAX, SCORE_MIN, NextStep, Side
from kyodo_portal.dates import format_fiscal_year
from kyodo_portal.forms import style_form
from kyodo_portal.text import localized
from partners.models import Ward
from projects.filters import CITYWIDE
from projects.models import CollaborationForm, Project, Scheme

SCORES = range(SCORE_MIN, SCORE_MAX + 1)


class RoundFilter(django_filters.FilterSet):
    """The dashboard's filters, with the catalogue's parameter names and values (fy, ward, form, scheme)."""

    fy = django_filters.ChoiceFilter(
        label=gettext_lazy("Fiscal year"), field_name="fiscal_year", empty_label=gettext_lazy("All fiscal years")
    )
    ward = django_filters.ChoiceFilter(
        label=gettext_lazy("Ward"), method="filter_ward", empty_label=gettext_lazy("All areas")
    )
    form = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Form of collaboration"),
        method="filter_form",
        queryset=CollaborationForm.objects.all(),
        empty_label=gettext_lazy("All forms"),
    )
    scheme = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Scheme"),
        field_name="project__scheme",
        queryset=Scheme.objects.all(),
        empty_label=gettext_lazy("All schemes"),
    )

    class Meta:
        model = EvaluationRound
        fields: list[str] = []

    def __init__(self, *args, wards: list[Ward] = (), fiscal_years: list[int] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.filters["ward"].extra["choices"] = [
            (CITYWIDE, _("The whole city")),
            *((str(ward.pk), ward.display_name) for ward in wards),
        ]
        self.filters["fy"].extra["choices"] = [(str(year), format_fiscal_year(year)) for year in fiscal_years]
        style_form(self.form)

    def filter_ward(self, queryset, name, value):
        if value == CITYWIDE:
            return queryset.filter(project__is_citywide=True)
        return queryset.filter(project_id__in=Project.wards.through.objects.filter(ward_id=value).values("project_id"))

    def filter_form(self, queryset, name, value):
        return queryset.filter(
            project_id__in=Project.forms.through.objects.filter(collaborationform=value).values("project_id")
        )


@dataclass(frozen=True)
class PrincipleScore:
    name: str
    partner: float | None
    city: float | None
    # In how many of the selected evaluations the principle was scored (by either side).
    evaluations: int


@dataclass(frozen=True)
class MunicipalityPrinciples:
    municipality_id: int
    municipality: str
    principles: list[PrincipleScore]

    @property
    def evaluations(self) -> int:
        return max((principle.evaluations for principle in self.principles), default=0)


@dataclass(frozen=True)
class SideOutcomes:
    achievement_counts: dict[int, int]
    achievement_average: float | None
    cost_average: float | None


@dataclass(frozen=True)
class NextStepCount:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class YearAmount:
    fiscal_year: int
    evaluations: int
    with_cost: int
    total: int | None


@dataclass
class Dashboard:
    filterset: RoundFilter
    # The selected rounds for the list, newest first, with their projects and wards.
    rounds: QuerySet
    count: int
    # How many of the selected rounds are demo content (their scores were written for the demonstration).
    demo_count: int
    principles: list[MunicipalityPrinciples]
    outcomes: dict[str, SideOutcomes]
    next_steps: list[NextStepCount]
    amounts: list[YearAmount]
    fiscal_years: list[int]
    # The fiscal year whose yearly report the dashboard links to: the one selected, else the latest.
    report_year: int | None
    invalid: list[str] = field(default_factory=list)


def published_round_years() -> list[int]:
    """The fiscal years with a published evaluation, newest first."""
    return list(
        EvaluationRound.objects.published().order_by("-fiscal_year").values_list("fiscal_year", flat=True).distinct()
    )


def dashboard_for(*, params: QueryDict) -> Dashboard:
    """The published rounds the filters select and their figures. Invalid filter values are left out (and
    named in `invalid`), never an error."""
    fiscal_years = published_round_years()
    filterset = RoundFilter(
        data=params or None,
        queryset=EvaluationRound.objects.published(),
        wards=list(Ward.objects.all()),
        fiscal_years=fiscal_years,
    )
    rounds = filterset.qs
    cleaned = filterset.form.cleaned_data if filterset.is_bound else {}
    invalid = [str(filterset.form[name].label) for name in filterset.form.errors]
    round_ids = rounds.order_by().values("pk")
    next_steps = round_next_steps(round_ids=round_ids)
    selected_year = cleaned.get("fy")
    return Dashboard(
        filterset=filterset,
        rounds=rounds.select_related("project")
        .prefetch_related("project__wards")
        .order_by("-fiscal_year", "project__sort_key", "pk"),
        count=sum(row.count for row in next_steps),
        demo_count=next_steps.demo,
        principles=principle_averages(round_ids=round_ids),
        outcomes=side_outcomes(round_ids=round_ids),
        next_steps=next_steps,
        amounts=amounts_by_year(round_ids=round_ids),
        fiscal_years=fiscal_years,
        report_year=int(selected_year) if selected_year else (fiscal_years[0] if fiscal_years else None),
        invalid=invalid,
    )


def principle_averages(*, round_ids: QuerySet) -> list[MunicipalityPrinciples]:
    """Per municipality (each has its own principles), per principle the average score of each side."""
    rows = (
        PrincipleRating.objects.filter(side__round__in=round_ids, score__isnull=False)
        .values(
            "principle_id",
            "principle__name",
            "principle__name_en",
            "principle__sort_order",
            "principle__municipality_id",
            "principle__municipality__name",
            "principle__municipality__name_en",
            "side__side",
        )
        .annotate(average=Avg("score"), ratings=Count("pk"))
        .order_by("principle__municipality_id", "principle__sort_order", "principle_id", "side__side")
    )
    municipalities: dict[int, tuple[str, dict[int, dict]]] = {}
    for row in rows:
        name = localized(row["principle__municipality__name"], row["principle__municipality__name_en"])
        _name, principles = municipalities.setdefault(row["principle__municipality_id"], (name, {}))
        principle = principles.setdefault(
            row["principle_id"],
            {"name": localized(row["principle__name"], row["principle__name_en"]), "ratings": 0},
        )
        principle[row["side__side"]] = row["average"]
        principle["ratings"] = max(principle["ratings"], row["ratings"])
    return [
        MunicipalityPrinciples(
            municipality_id=municipality_id,
            municipality=name,
            principles=[
                PrincipleScore(
                    name=principle["name"],
                    partner=principle.get(Side.PARTNER),
                    city=principle.get(Side.CITY),
                    evaluations=principle["ratings"],
                )
                for principle in principles.values()
            ],
        )
        for municipality_id, (name, principles) in municipalities.items()
    ]


def side_outcomes(*, round_ids: QuerySet) -> dict[str, SideOutcomes]:
    """Per side, how many evaluations gave each achievement score, and the averages of both scores."""
    sides = SideEvaluation.objects.filter(round__in=round_ids)
    totals = sides.aggregate(
        **{
            f"{side}_{score}": Count("pk", filter=Q(side=side, achievement_score=score))
            for side in Side.values
            for score in SCORES
        },
        **{f"{side}_achievement": Avg("achievement_score", filter=Q(side=side)) for side in Side.values},
        **{f"{side}_cost": Avg("cost_score", filter=Q(side=side)) for side in Side.values},
    )
    return {
        side: SideOutcomes(
            achievement_counts={score: totals[f"{side}_{score}"] for score in SCORES},
            achievement_average=totals[f"{side}_achievement"],
            cost_average=totals[f"{side}_cost"],
        )
        for side in Side.values
    }


class DemoCounted(list):
    """A list of counts that also says how many of the rounds counted are demo content."""

    def __init__(self, items, *, demo: int) -> None:
        super().__init__(items)
        self.demo = demo


def round_next_steps(*, round_ids: QuerySet) -> list[NextStepCount]:
    """The number of rounds per next step, in the workflow's order (every step, zero included); each count
    says how many of its rounds are demo content."""
    rows = list(
        EvaluationRound.objects.filter(pk__in=round_ids)
        .order_by()
        .values("next_step")
        .annotate(n=Count("pk"), demo=Count("pk", filter=Q(is_demo=True)))
    )
    counts = {row["next_step"]: row["n"] for row in rows}
    demo = sum(row["demo"] for row in rows)
    steps = [NextStepCount(key=step.value, label=str(step.label), count=counts.get(step.value, 0)) for step in NextStep]
    if counts.get(""):
        steps.append(NextStepCount(key="", label=_("Not stated"), count=counts[""]))
    return DemoCounted(steps, demo=demo)


def amounts_by_year(*, round_ids: QuerySet) -> list[YearAmount]:
    """Per fiscal year, the total cost recorded in the published rounds (what the city spent on the projects)."""
    rows = (
        EvaluationRound.objects.filter(pk__in=round_ids)
        .order_by("fiscal_year")
        .values("fiscal_year")
        .annotate(evaluations=Count("pk"), with_cost=Count("cost_amount"), total=Sum("cost_amount"))
    )
    return [
        YearAmount(
            fiscal_year=row["fiscal_year"],
            evaluations=row["evaluations"],
            with_cost=row["with_cost"],
            total=row["total"],
        )
        for row in rows
    ]


# ----------------------------------------------------------------------------------------------------------
# The charts of the figures (charts.py draws; here are their words)


def _sides() -> list[Series]:
    return [
        Series(key=Side.PARTNER, label=_("Partner side"), short_label=_("Partner side"), colour=PARTNER_COLOUR),
        Series(key=Side.CITY, label=_("City side"), short_label=_("City side"), colour=CITY_COLOUR, hatched=True),
    ]


def _score(value: float) -> str:
    return f"{value:.1f}"


def _yen(value: float) -> str:
    return _("%(amount)s yen") % {"amount": plain_number(value)}


def _thousands(value: float) -> str:
    return plain_number(value / 1000)


@dataclass
class DashboardCharts:
    principles: list[BarChart]
    achievement: BarChart
    averages: BarChart
    next_steps: BarChart
    amounts: BarChart | None


def dashboard_charts(dashboard: Dashboard) -> DashboardCharts:
    score_axis = _("Average score (1–5)")
    principles = [
        bar_chart(
            id=f"chart-principles-{group.municipality_id}",
            title=_("Principles of collaboration: average scores (%(municipality)s)")
            % {"municipality": group.municipality},
            description=ngettext(
                "The average score, from 1 (not at all) to 5 (fully), that the partner side and the city side gave "
                "each principle in %(count)s published evaluation. The city side's bars are hatched; the table "
                "holds the same numbers.",
                "The average score, from 1 (not at all) to 5 (fully), that the partner side and the city side gave "
                "each principle in %(count)s published evaluations. The city side's bars are hatched; the table "
                "holds the same numbers.",
                group.evaluations,
            )
            % {"count": group.evaluations},
            category_label=_("Principle"),
            categories=[principle.name for principle in group.principles],
            series=_sides(),
            values=[[principle.partner, principle.city] for principle in group.principles],
            axis_label=score_axis,
            maximum=SCORE_MAX,
            step=1,
            value_format=_score,
            extra_columns=[
                (_("Number of evaluations"), [str(principle.evaluations) for principle in group.principles]),
            ],
        )
        for group in dashboard.principles
    ]
    partner, city = dashboard.outcomes[Side.PARTNER], dashboard.outcomes[Side.CITY]
    achievement = bar_chart(
        id="chart-achievement",
        title=_("Achievement of the outcomes: evaluations by score"),
        description=_(
            "How many evaluations of each side gave each score, from 1 (not achieved) to 5 (fully achieved), "
            "to the achievement of the outcomes. The city side's bars are hatched; the table holds the same numbers."
        ),
        category_label=_("Score"),
        categories=[str(score) for score in SCORES],
        series=_sides(),
        values=[[partner.achievement_counts[score], city.achievement_counts[score]] for score in SCORES],
        axis_label=_("Number of evaluations"),
        integer=True,
    )
    averages = bar_chart(
        id="chart-averages",
        title=_("Achievement and cost-effectiveness: average scores"),
        description=_(
            "The average score, from 1 to 5, that each side gave to the achievement of the outcomes and to "
            "cost-effectiveness. The city side's bars are hatched; the table holds the same numbers."
        ),
        category_label=_("Aspect evaluated"),
        categories=[_("Achievement of the outcomes"), _("Cost-effectiveness")],
        series=_sides(),
        values=[
            [partner.achievement_average, city.achievement_average],
            [partner.cost_average, city.cost_average],
        ],
        axis_label=score_axis,
        maximum=SCORE_MAX,
        step=1,
        value_format=_score,
    )
    next_steps = bar_chart(
        id="chart-next-steps",
        title=_("Next step: evaluations by the step agreed"),
        description=_(
            "How many published evaluations agreed on each next step in their joint summary. The table holds the "
            "same numbers."
        ),
        category_label=_("Next step"),
        categories=[row.label for row in dashboard.next_steps],
        series=[Series(key="count", label=_("Number of evaluations"))],
        values=[[row.count] for row in dashboard.next_steps],
        axis_label=_("Number of evaluations"),
        integer=True,
    )
    years_with_cost = [row for row in dashboard.amounts if row.total is not None]
    amounts = None
    if years_with_cost:
        amounts = bar_chart(
            id="chart-amounts",
            title=_("Cost of the evaluated projects by fiscal year"),
            description=_(
                "The total of what the city spent, in each fiscal year, on the projects whose evaluation of that "
                "year is published (as recorded in the evaluation). The axis is in thousands of yen; the table "
                "holds the same numbers in yen."
            ),
            category_label=_("Fiscal year"),
            categories=[format_fiscal_year(row.fiscal_year) for row in years_with_cost],
            series=[Series(key="total", label=_("Total cost"))],
            values=[[row.total] for row in years_with_cost],
            axis_label=_("Thousand yen"),
            value_format=_yen,
            tick_format=_thousands,
            extra_columns=[
                (_("Evaluations with a cost"), [str(row.with_cost) for row in years_with_cost]),
            ],
        )
    return DashboardCharts(
        principles=principles, achievement=achievement, averages=averages, next_steps=next_steps, amounts=amounts
    )

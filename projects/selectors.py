"""Every non-trivial read of projects: the catalogue with its facets, a project page, related projects."""

from dataclasses import dataclass

import rules
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import QueryDict

from partners.models import Ward, departments_served_by
from projects.filters import AMOUNT_BUCKETS, CITYWIDE, ProjectFilter, fiscal_year_q
from projects.models import Project, ProjectParty
from projects.rules import is_project_admin

FACETS = ("ward", "form", "scheme", "field", "partner_type", "fy", "status", "amount")


@dataclass
class Catalogue:
    filterset: ProjectFilter
    projects: QuerySet
    facets: dict[str, dict[str, int]]


def published_project_count() -> int:
    return Project.objects.published().count()


def projects_of_partner(*, partner) -> list[Project]:
    """The published projects a partner takes part in, newest first."""
    return list(
        Project.objects.published()
        .filter(parties__partner=partner)
        .select_related("scheme")
        .order_by(F("fiscal_year_start").desc(nulls_last=True), "sort_key", "id")
    )


def published_fiscal_years() -> list[int]:
    bounds = Project.objects.published().aggregate(
        first=Min("fiscal_year_start"), last=Max(Coalesce("fiscal_year_end", "fiscal_year_start"))
    )
    if bounds["first"] is None:
        return []
    return list(range(bounds["first"], bounds["last"] + 1))


def project_catalogue(*, params: QueryDict) -> Catalogue:
    """The published projects the citizen's filters select, and per filter option how many it would leave."""
    fiscal_years = published_fiscal_years()
    wards = list(Ward.objects.select_related("municipality"))
    filterset = ProjectFilter(
        data=params or None, queryset=Project.objects.published(), wards=wards, fiscal_years=fiscal_years
    )
    projects = filterset.qs.with_list_relations()
    if not _cleaned(filterset).get("sort"):
        projects = projects.order_by(F("fiscal_year_start").desc(nulls_last=True), "sort_key", "id")
    facets = {name: _facet_counts(filterset, name, fiscal_years) for name in FACETS}
    return Catalogue(filterset=filterset, projects=projects, facets=facets)


def _cleaned(filterset: ProjectFilter) -> dict:
    """The valid filter values (an unbound filterset, the first visit, has none)."""
    if not filterset.is_bound:
        return {}
    filterset.is_valid()  # validates once; invalid values are left out of cleaned_data (and shown)
    return filterset.form.cleaned_data


def _filtered_without(filterset: ProjectFilter, skipped: str) -> QuerySet:
    """The published projects matching every valid filter except one (and without sorting)."""
    queryset = Project.objects.published()
    for name, value in _cleaned(filterset).items():
        if name in (skipped, "sort") or value in (None, ""):
            continue
        queryset = filterset.filters[name].filter(queryset, value)
    return queryset.order_by()


def _facet_counts(filterset: ProjectFilter, name: str, fiscal_years: list[int]) -> dict[str, int]:
    """Counts keyed by the option value as it appears in the URL; one query per facet (two for areas)."""
    matching = _filtered_without(filterset, name)
    ids = matching.values("pk")
    if name == "ward":
        counts = {
            str(row["ward_id"]): row["n"]
            for row in Project.wards.through.objects.filter(project_id__in=ids)
            .values("ward_id")
            .annotate(n=Count("project_id"))
        }
        counts[CITYWIDE] = matching.filter(is_citywide=True).count()
        return counts
    if name in ("form", "field"):
        through, column = {
            "form": (Project.forms.through, "collaborationform_id"),
            "field": (Project.fields.through, "activityfield_id"),
        }[name]
        rows = through.objects.filter(project_id__in=ids).values(column).annotate(n=Count("project_id"))
        return {str(row[column]): row["n"] for row in rows}
    if name == "scheme":
        return {str(row["scheme_id"]): row["n"] for row in matching.values("scheme_id").annotate(n=Count("pk"))}
    if name == "status":
        return {row["status"]: row["n"] for row in matching.values("status").annotate(n=Count("pk"))}
    if name == "partner_type":
        rows = (
            ProjectParty.objects.filter(project_id__in=ids)
            .values("partner__partner_type__code")
            .annotate(n=Count("project_id", distinct=True))
        )
        return {row["partner__partner_type__code"]: row["n"] for row in rows}
    if name == "fy":
        if not fiscal_years:
            return {}
        totals = matching.aggregate(**{f"fy{year}": Count("pk", filter=fiscal_year_q(year)) for year in fiscal_years})
        return {str(year): totals[f"fy{year}"] for year in fiscal_years}
    if name == "amount":
        totals = matching.aggregate(
            **{f"b{index}": Count("pk", filter=q) for index, (_label, q) in enumerate(AMOUNT_BUCKETS.values())}
        )
        return {key: totals[f"b{index}"] for index, key in enumerate(AMOUNT_BUCKETS)}
    raise ValueError(name)


def project_detail(*, user, pk: int) -> Project | None:
    """A project with everything its page shows, or None when it does not exist or the user may not see it."""
    project = (
        Project.objects.select_related(
            "scheme",
            "municipality",
            "responsible_department__parent",
            "agreement",
            # A project made from an adopted proposal shows the call it came from (None for the others).
            "proposal_agreement__proposal__call",
        )
        .prefetch_related(
            "forms",
            "fields",
            "wards",
            "other_municipalities",
            "indicators",
            "photos",
            "attachments",
            Prefetch(
                "parties",
                queryset=ProjectParty.objects.select_related("partner__partner_type", "partner__department"),
            ),
        )
        .filter(pk=pk)
        .first()
    )
    if project is None or not rules.test_rule("projects.view_project_page", user, project):
        return None
    return project


def related_projects(*, project: Project, limit: int = 4) -> list[Project]:
    """Published projects sharing a field or a form, those of other wards first, so good practice travels."""
    field_ids = [field.pk for field in project.fields.all()]
    form_ids = [form.pk for form in project.forms.all()]
    ward_ids = [ward.pk for ward in project.wards.all()]
    if not field_ids and not form_ids:
        return []
    same_ward = Project.wards.through.objects.filter(project_id=OuterRef("pk"), ward_id__in=ward_ids)
    candidates = (
        Project.objects.published()
        .exclude(pk=project.pk)
        .filter(Q(fields__in=field_ids) | Q(forms__in=form_ids))
        .annotate(
            shared_fields=Count("fields", filter=Q(fields__in=field_ids), distinct=True),
            shared_forms=Count("forms", filter=Q(forms__in=form_ids), distinct=True),
            in_same_ward=Exists(same_ward),
        )
        .order_by("in_same_ward", "-shared_fields", "-shared_forms", F("fiscal_year_start").desc(nulls_last=True), "id")
        .select_related("scheme")
        .prefetch_related("wards")
    )
    return list(candidates[:limit])


def projects_managed_by(*, user) -> QuerySet:
    """Drafts and published projects the user may edit: all for administrators, their departments' for staff."""
    projects = Project.objects.select_related("scheme", "responsible_department").order_by("-updated_at", "id")
    if is_project_admin(user):
        return projects
    return projects.filter(responsible_department__in=departments_served_by(user))

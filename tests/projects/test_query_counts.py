"""The catalogue, a project page and the staff list use a fixed number of queries, however many projects there are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.filters import AMOUNT_BUCKETS
from projects.models import Project, ProjectParty
from projects.services import projects_refresh_derived
from tests.factories import PartnerFactory

# Budgets as measured on SQLite (PostgreSQL issues the same queries). A query per row breaks the equality
# of the counts at 10 and at 500 projects; a new fixed query breaks the budget and should be a deliberate
# change here.
LIST_QUERIES = {
    # the fiscal-year bounds and the wards (the options), nine facet counts (two for areas), the result
    # count, the page with its forms, wards and parties, and the options of four select filters as rendered
    "plain": 20,
    # + the chosen form, field and partner type, looked up when the filters are validated
    "filters": 23,
    "keyword": 20,
    "keyword-and-filters": 23,
}
# the project; its forms, fields, wards, other municipalities, indicators, photos, attachments, parties;
# the related projects and their wards; the published evaluations and the external evaluators' comments
DETAIL_QUERIES = 13
# session, user, the permission check, the count and the page; an officer's rule and menu check their
# assignments, an administrator's menu once
MANAGE_QUERIES = {"officer": 6, "admin": 5}


@pytest.fixture
def add_projects(kawasaki, kawasaki_wards, activity_fields, collaboration_forms, schemes, partner_types, departments):
    """Create n more published projects like the catalogue holds: forms, fields, wards and two parties each."""
    wards = list(kawasaki_wards.values())
    fields = list(activity_fields.values())
    forms = list(collaboration_forms.values())
    scheme_list = list(schemes.values())
    types = [partner_types[code] for code in ("npo", "civic_group", "university", "company")]
    partners = [
        PartnerFactory(name=f"森の環境ネット{index:02d}", partner_type=types[index % 4], municipality=kawasaki)
        for index in range(12)
    ]
    responsible = [
        departments["中原区役所"],
        departments["中原区役所 生涯学習支援課"],
        departments["環境局 減量推進課"],
    ]
    statuses = list(Project.Status)
    made = []

    def add(n: int) -> list[Project]:
        start = len(made)
        projects = Project.objects.bulk_create(
            Project(
                title=f"森と環境の協働事業{index:04d}",
                municipality=kawasaki,
                scheme=scheme_list[index % len(scheme_list)],
                responsible_department=responsible[index % 3],
                problem="里山の手入れが足りない。",
                activities="市民と下草刈りをした。",
                is_citywide=index % 5 == 0,
                fiscal_year_start=2014 + index % 6,
                fiscal_year_end=2014 + index % 6 + index % 3 if index % 2 else None,
                amount=None if index % 7 == 0 else 50_000 * (index % 40),
                status=statuses[index % 3],
                is_published=index % 10 != 9,
            )
            for index in range(start, start + n)
        )
        Project.forms.through.objects.bulk_create(
            Project.forms.through(project_id=p.pk, collaborationform_id=forms[i % len(forms)].pk)
            for i, p in enumerate(projects, start)
        )
        Project.fields.through.objects.bulk_create(
            Project.fields.through(project_id=p.pk, activityfield_id=field.pk)
            for i, p in enumerate(projects, start)
            for field in {fields[6], fields[i % len(fields)]}
        )
        Project.wards.through.objects.bulk_create(
            Project.wards.through(project_id=p.pk, ward_id=ward.pk)
            for i, p in enumerate(projects, start)
            for ward in {wards[i % 7], wards[(i + 3) % 7]}
        )
        ProjectParty.objects.bulk_create(
            ProjectParty(project=p, partner=partner, role="下草刈りの指導", order=order)
            for i, p in enumerate(projects, start)
            for order, partner in enumerate((partners[i % 12], partners[(i + 5) % 12]))
        )
        projects_refresh_derived(
            projects=Project.objects.filter(pk__in=[p.pk for p in projects]).prefetch_related("parties__partner")
        )
        made.extend(projects)
        return made

    return add


def _count(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured)


def _list_params(project: Project, case: str) -> dict:
    """Filters that the given project matches, so that the page lists projects at 10 and at 500."""
    amount = project.amount
    bucket = next(
        key
        for key, (_label, condition) in AMOUNT_BUCKETS.items()
        if Project.objects.filter(condition, pk=project.pk).exists()
    )
    filters = {
        "ward": project.wards.first().pk,
        "form": project.forms.get().pk,
        "field": project.fields.order_by("-pk").first().pk,
        "partner_type": project.parties.first().partner.partner_type.code,
        "fy": str(project.fiscal_year_start),
        "amount": bucket if amount is not None else "none",
        "sort": "-amount",
    }
    return {
        "plain": {},
        "filters": filters,
        "keyword": {"q": "森 環境 下草刈り"},
        "keyword-and-filters": {"q": "森 環境 下草刈り", **filters},
    }[case]


@pytest.mark.parametrize("case", list(LIST_QUERIES))
def test_catalogue_query_count_does_not_grow(client, add_projects, django_assert_max_num_queries, case):
    first = add_projects(10)[1]
    params = _list_params(first, case)
    few = _count(client, reverse("projects:list"), params)
    add_projects(490)

    with django_assert_max_num_queries(LIST_QUERIES[case]):
        response = client.get(reverse("projects:list"), params)

    assert response.status_code == 200
    many = _count(client, reverse("projects:list"), params)
    assert many == few, f"{few} queries for 10 projects, {many} for 500"
    assert response.context["projects"]  # the page does list projects, the one the filters came from among them
    assert response.context["page"].paginator.object_list.filter(pk=first.pk).exists()


def test_project_page_query_count_does_not_grow(client, add_projects, django_assert_max_num_queries):
    projects = add_projects(10)
    project = next(p for p in projects if p.is_published)
    few = _count(client, project.get_absolute_url())
    add_projects(490)

    with django_assert_max_num_queries(DETAIL_QUERIES):
        response = client.get(project.get_absolute_url())

    assert len(response.context["related"]) == 4
    assert _count(client, project.get_absolute_url()) == few


@pytest.mark.parametrize("role", list(MANAGE_QUERIES))
def test_manage_list_query_count_does_not_grow(
    client_for, add_projects, nakahara_officer, admin_user, django_assert_max_num_queries, role
):
    client = client_for({"officer": nakahara_officer, "admin": admin_user}[role])
    add_projects(10)
    few = _count(client, reverse("projects:manage"))
    add_projects(490)

    with django_assert_max_num_queries(MANAGE_QUERIES[role]):
        response = client.get(reverse("projects:manage"))

    assert len(response.context["projects"]) == 20
    assert _count(client, reverse("projects:manage")) == few

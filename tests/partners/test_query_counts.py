"""Pages use a fixed number of queries, however many partners, fields and wards there are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partners.services import partner_verify
from tests.factories import PartnerFactory

# Budgets as measured on SQLite. A query per row breaks the equality of the two counts; a new fixed
# query breaks the budget and should be a deliberate change here.
DIRECTORY_QUERIES_LOGGED_IN = 10  # + session, user and the menu's staff check
DETAIL_QUERIES = 4  # partner with its relations, fields, wards; its published projects
HOME_QUERIES = 3  # partner counts, published projects, open calls
ADMIN_CHANGELIST_QUERIES = 9


@pytest.fixture
def add_partners(kawasaki_wards, activity_fields, partner_types, admin_user):
    """Create n more partners like the directory holds: each with fields, wards, some verified."""
    wards = list(kawasaki_wards.values())
    fields = list(activity_fields.values())
    created = []

    def add(n: int):
        start = len(created)
        for index in range(start, start + n):
            partner = PartnerFactory(
                name=f"森の環境ネット{index:03d}",
                municipality=wards[0].municipality,
                works_citywide=index % 3 == 0,
                wards=wards[index % 7 : index % 7 + 3],
                fields=[fields[6], fields[index % 20]],
            )
            if index % 2:
                partner_verify(partner=partner, user=admin_user)
            created.append(partner)
        return created

    return add


def _count(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured)


def _rows_shown(client, url, params) -> int:
    return len(client.get(url, params).context["partners"])


@pytest.mark.parametrize(
    ("case", "budget"),
    [
        # count, page, fields, wards, and the choices of the type, field and ward filters
        ("plain", 7),
        ("keyword-field-verified", 8),  # + the chosen field
        ("keyword-type-ward", 9),  # + the chosen type and ward
    ],
)
def test_directory_query_count_does_not_grow(
    client, add_partners, kawasaki_wards, activity_fields, django_assert_max_num_queries, case, budget
):
    params = {
        "plain": {},
        "keyword-field-verified": {
            "q": "森 環境",
            "field": activity_fields["環境の保全"].pk,
            "verified": "true",
            "sort": "-updated_at",
        },
        "keyword-type-ward": {"q": "環境ネット", "type": "civic_group", "ward": kawasaki_wards["中原区"].pk},
    }[case]
    add_partners(3)
    few = _count(client, reverse("partners:list"), params)
    add_partners(40)
    with django_assert_max_num_queries(budget):
        many = _count(client, reverse("partners:list"), params)
    assert many == few
    assert _rows_shown(client, reverse("partners:list"), params) > 3  # the filters do select rows


def test_directory_query_count_for_an_administrator(
    client_for, admin_user, add_partners, django_assert_max_num_queries
):
    client = client_for(admin_user)
    add_partners(3)
    few = _count(client, reverse("partners:list"), {"q": "森"})
    add_partners(40)
    with django_assert_max_num_queries(DIRECTORY_QUERIES_LOGGED_IN):
        many = _count(client, reverse("partners:list"), {"q": "森"})
    assert many == few


def test_detail_query_count_does_not_grow_with_fields_and_wards(
    client, kawasaki_wards, activity_fields, django_assert_max_num_queries
):
    small = PartnerFactory(
        municipality=next(iter(kawasaki_wards.values())).municipality,
        wards=list(kawasaki_wards.values())[:1],
        fields=list(activity_fields.values())[:1],
    )
    large = PartnerFactory(
        municipality=small.municipality, wards=list(kawasaki_wards.values()), fields=list(activity_fields.values())
    )
    few = _count(client, small.get_absolute_url())
    with django_assert_max_num_queries(DETAIL_QUERIES):
        many = _count(client, large.get_absolute_url())
    assert many == few


def test_home_query_count_does_not_grow(client, add_partners, django_assert_max_num_queries):
    add_partners(3)
    few = _count(client, reverse("home"))
    add_partners(40)
    with django_assert_max_num_queries(HOME_QUERIES):
        many = _count(client, reverse("home"))
    assert many == few


@pytest.mark.parametrize("params", [{}, {"q": "森", "verified": "yes"}], ids=["plain", "search-verified"])
def test_admin_changelist_query_count_does_not_grow(
    client_for, admin_user, add_partners, django_assert_max_num_queries, params
):
    client = client_for(admin_user)
    add_partners(3)
    few = _count(client, reverse("admin:partners_partner_changelist"), params)
    add_partners(40)
    with django_assert_max_num_queries(ADMIN_CHANGELIST_QUERIES):
        many = _count(client, reverse("admin:partners_partner_changelist"), params)
    assert many == few

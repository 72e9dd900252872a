"""The suite really runs on PostgreSQL when the tooling says so, and the search indexes serve queries."""

import os

import pytest
from django.db import connection

from tests.factories import PartnerFactory

ON_POSTGRES = os.environ.get("KYODO_TEST_POSTGRES") == "1"
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL-specific")


@pytest.mark.django_db
def test_runs_on_the_database_the_tooling_started():
    assert connection.vendor == ("postgresql" if ON_POSTGRES else "sqlite")
    if ON_POSTGRES:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version_num")
            assert int(cursor.fetchone()[0]) // 10000 == 15
            cursor.execute("SELECT extname FROM pg_extension WHERE extname = 'pg_trgm'")
            assert cursor.fetchone() is not None


def _plan(queryset) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            sql, params = queryset.query.sql_with_params()
            cursor.execute(f"EXPLAIN {sql}", params)
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("SET enable_seqscan = on")


@postgres_only
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "index"),
    [
        ("森", "partners_partner_search_grams"),
        ("環境", "partners_partner_search_grams"),
        ("リサイクル", "partners_partner_search_trgm"),
    ],
)
def test_partner_search_can_use_its_index(query, index):
    """1–2 character terms use the gram index, longer ones the trigram index (not a full-index scan)."""
    from kyodo_portal.search import apply_search
    from partners.models import Partner

    PartnerFactory(name="生ごみリサイクル環境の森")
    PartnerFactory.create_batch(30, name="ほかの団体")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE partners_partner")
    # Without ORDER BY: the plan question is how rows are found, not how they are sorted.
    queryset = apply_search(Partner.objects.order_by(), query)
    assert list(queryset.values_list("name", flat=True)) == ["生ごみリサイクル環境の森"]
    assert index in _plan(queryset)


@postgres_only
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "index"),
    [
        ("森", "projects_project_search_grams"),
        ("環境", "projects_project_search_grams"),
        ("リサイクル", "projects_project_search_trgm"),
    ],
)
def test_project_search_can_use_its_index(query, index, reference_data):
    from kyodo_portal.search import apply_search
    from projects.models import Project
    from tests.factories import ProjectFactory

    ProjectFactory(title="生ごみリサイクル環境の森")
    ProjectFactory.create_batch(30, title="ほかの事業")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE projects_project")
    queryset = apply_search(Project.objects.order_by(), query)
    assert list(queryset.values_list("title", flat=True)) == ["生ごみリサイクル環境の森"]
    assert index in _plan(queryset)

"""The synthetic benchmark data: counts, markings, search columns, deletion and the refusal without reference data."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from kyodo_portal.search import apply_search
from partners.models import Municipality, Partner, PartnerType
from partners.services import partners_refresh_derived
from projects.models import CollaborationForm, Project, ProjectParty, Scheme
from projects.services import projects_refresh_derived
from projects.synthetic import (
    FIRST_FISCAL_YEAR,
    LAST_FISCAL_YEAR,
    PARTNER_NAME_PREFIX,
    PROJECT_TITLE_PREFIX,
    SYNTHETIC_NOTE,
)
from tests.factories import PartnerFactory


def generate(*args: str, projects: int = 50, partners: int = 20) -> str:
    out = StringIO()
    call_command("generate_demo_data", "--projects", projects, "--partners", partners, "--batch", 16, *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def generated(reference_data) -> str:
    return generate("--seed", "3")


@pytest.fixture
def real_project(reference_data) -> Project:
    """A project entered by people, with a real partner as its party."""
    kawasaki = Municipality.objects.get(code="141305")
    partner = PartnerFactory(
        name="多摩川の森を守る会", municipality=kawasaki, partner_type=PartnerType.objects.get(code="civic_group")
    )
    project = Project.objects.create(
        title="多摩川の森の清掃とリサイクル",
        municipality=kawasaki,
        scheme=Scheme.objects.get(code="kyodo_gata"),
        problem="川辺のごみ",
        activities="清掃",
        is_published=True,
    )
    project.forms.add(CollaborationForm.objects.get(code="itaku"))
    project.wards.add(kawasaki.wards.first())
    ProjectParty.objects.create(project=project, partner=partner, is_lead=True)
    return project


def test_generates_the_counts_asked_for_in_batches(generated):
    assert Project.objects.filter(is_synthetic=True).count() == 50
    assert Partner.objects.filter(name__startswith=PARTNER_NAME_PREFIX).count() == 20
    assert "Generated 50 synthetic projects and 20 synthetic partners" in generated


def test_every_generated_row_is_marked_synthetic(generated):
    for project in Project.objects.all():
        assert project.is_synthetic
        assert project.is_published
        assert project.title.startswith(PROJECT_TITLE_PREFIX)
        assert project.source == SYNTHETIC_NOTE
    for partner in Partner.objects.all():
        assert partner.name.startswith(PARTNER_NAME_PREFIX)
        assert SYNTHETIC_NOTE in partner.description


def test_generated_projects_are_plausible(generated):
    kawasaki = Municipality.objects.get(code="141305")
    projects = Project.objects.prefetch_related("forms", "wards", "parties__partner").select_related(
        "responsible_department", "scheme"
    )
    for project in projects:
        assert project.municipality_id == kawasaki.pk
        assert project.scheme.municipality_id in (kawasaki.pk, None)
        assert 1 <= len(project.forms.all()) <= 2
        assert project.is_citywide != bool(project.wards.all())
        assert all(ward.municipality_id == kawasaki.pk for ward in project.wards.all())
        assert project.responsible_department is None or project.responsible_department.municipality_id == kawasaki.pk
        assert FIRST_FISCAL_YEAR <= project.fiscal_year_start <= project.fiscal_year_end <= LAST_FISCAL_YEAR
        assert project.amount is None or 10_000 <= project.amount <= 5_000_000
        parties = project.parties.all()
        assert parties and all(party.partner.name.startswith(PARTNER_NAME_PREFIX) for party in parties)
        assert [party.is_lead for party in parties] == [True] + [False] * (len(parties) - 1)
        project.full_clean()


def test_search_columns_are_those_the_services_compute(generated):
    # Nothing for the services to correct: a fixture load refreshes every row that differs.
    assert partners_refresh_derived() == 0
    assert projects_refresh_derived() == 0


@pytest.mark.parametrize("word", ["森", "環境", "リサイクル"])
def test_search_finds_generated_projects_by_short_and_long_words(generated, word):
    projects = Project.objects.all()
    expected = {project.pk for project in projects if word in project.search_document}
    assert expected, f"the data set should contain {word}"
    assert set(apply_search(projects, word).values_list("pk", flat=True)) == expected


def test_search_finds_a_partner_by_a_word_of_its_description(generated):
    partners = Partner.objects.all()
    expected = {partner.pk for partner in partners if "子育て" in partner.search_document}
    assert expected
    assert set(apply_search(partners, "子育て").values_list("pk", flat=True)) == expected


def test_the_same_seed_gives_the_same_data(reference_data):
    generate("--seed", "9", projects=20, partners=5)
    first = list(Project.objects.order_by("pk").values_list("title", "problem", "amount", "fiscal_year_start"))
    generate("--seed", "9", "--delete", projects=20, partners=5)
    second = list(Project.objects.order_by("pk").values_list("title", "problem", "amount", "fiscal_year_start"))
    assert first == second


def test_delete_removes_only_synthetic_rows(real_project, generated):
    synthetic_partner = Partner.objects.filter(name__startswith=PARTNER_NAME_PREFIX).first()
    ProjectParty.objects.create(project=real_project, partner=synthetic_partner, order=1)

    output = generate("--delete", projects=0, partners=0)

    assert list(Project.objects.all()) == [real_project]
    assert real_project.forms.count() == 1 and real_project.wards.count() == 1
    assert real_project.parties.count() == 2
    # The synthetic partner a real project names stays; the other synthetic partners go.
    assert set(Partner.objects.values_list("name", flat=True)) == {"多摩川の森を守る会", synthetic_partner.name}
    assert "Deleted 50 synthetic projects and 19 synthetic partners" in output
    assert "1 synthetic partners kept" in output
    assert not ProjectParty.objects.filter(project__is_synthetic=True).exists()
    assert not Project.forms.through.objects.exclude(project=real_project).exists()


def test_delete_then_generate_replaces_the_data_set(generated):
    generate("--delete", projects=10, partners=5)
    assert Project.objects.filter(is_synthetic=True).count() == 10
    assert Partner.objects.count() == 5


def test_refuses_without_reference_data(db):
    with pytest.raises(CommandError, match="load_portal_data"):
        generate(projects=5, partners=5)
    assert not Project.objects.exists() and not Partner.objects.exists()

"""A project's public page: its content, related projects, who may see a draft, and the demo data."""

import datetime
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from projects.models import OutcomeIndicator, Project
from tests.factories import PartnerFactory, ProjectFactory


def _text(html: str) -> str:
    """The page's text without tags, white space collapsed (to find values split over elements)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def forest_project(kawasaki, kawasaki_wards, partner_types, activity_fields, collaboration_forms, schemes, departments):
    npo = PartnerFactory(name="NPO法人かわさき森の会", partner_type=partner_types["npo"], municipality=kawasaki)
    hidden = PartnerFactory(name="非公開の協力者の会", municipality=kawasaki, is_public=False)
    project = ProjectFactory(
        title="海風の森「森の楽園」",
        municipality=kawasaki,
        scheme=schemes["kyodo_gata"],
        forms=[collaboration_forms["itaku"]],
        fields=[activity_fields["環境の保全"]],
        wards=[kawasaki_wards["中原区"]],
        responsible_department=departments["中原区役所 生涯学習支援課"],
        problem="臨海部に緑が少ない。",
        activities="市民と植樹を行った。\n苗木を育てた。",
        outcomes="約300本を植えた。",
        amount=1_835_000,
        amount_label="委託料",
        fiscal_year_start=2015,
        fiscal_year_end=2019,
        start_date=datetime.date(2015, 4, 1),
        end_date=datetime.date(2020, 3, 31),
        parties=[(npo, "植樹の企画と運営"), (hidden, "苗木の提供")],
    )
    project.parties.filter(partner=npo).update(is_lead=True)
    OutcomeIndicator.objects.create(
        project=project, name="参加者数", planned_value=Decimal(60), actual_value=Decimal(54), unit="名", order=1
    )
    OutcomeIndicator.objects.create(
        project=project, name="植樹本数", planned_value=Decimal(1200), actual_value=None, unit="本", order=2
    )
    return project


def test_a_published_project_page_shows_what_was_done(client, forest_project):
    response = client.get(forest_project.get_absolute_url())

    assert response.status_code == 200
    assert response.context["project"] == forest_project
    assert not response.context["can_edit"]
    html = response.content.decode()
    text = _text(html)
    for content in (
        "海風の森「森の楽園」",
        "臨海部に緑が少ない。",
        "市民と植樹を行った。",
        "苗木を育てた。",
        "約300本を植えた。",
    ):
        assert content in html
    # The indicators' table: planned and actual values with their unit, grouped; a missing value is a dash.
    assert "参加者数 60名 54名" in text
    assert "植樹本数 1,200本 —" in text
    # The amount in yen with grouping, and what it is.
    assert "委託料 1,835,000" in text
    # The responsible department under its ward office; the area.
    assert "中原区役所 生涯学習支援課" in text
    assert "中原区" in text
    assert "委託・請負" in text
    assert "環境の保全" in text


def test_the_division_of_roles_links_public_partners(client, forest_project):
    npo = forest_project.parties.get(is_lead=True).partner
    hidden = forest_project.parties.get(is_lead=False).partner

    html = client.get(forest_project.get_absolute_url()).content.decode()

    roles = html[html.index('id="roles-heading"') :]
    roles = roles[: roles.index("</table>")]
    assert f'<a href="{reverse("partners:detail", kwargs={"pk": npo.pk})}">{npo.name}</a>' in roles
    assert "植樹の企画と運営" in roles
    assert "lead-badge" in roles
    assert npo.partner_type.name in roles
    # A partner hidden from the directory is named, but not linked to a page that would be a 404.
    assert hidden.name in roles
    assert reverse("partners:detail", kwargs={"pk": hidden.pk}) not in html
    assert roles.index(npo.name) < roles.index(hidden.name)  # in the parties' order


def test_fiscal_years_are_shown_with_the_japanese_era(client, forest_project):
    text = _text(client.get(forest_project.get_absolute_url()).content.decode())

    assert "平成27" in text  # FY2015
    assert "令和元" in text  # FY2019, the first year of Reiwa (the era began on 2019-05-01)
    assert "2015" in text and "2019" in text


def test_the_english_page_gives_the_era_in_english(client_for, forest_project):
    client = client_for(None)
    client.cookies["django_language"] = "en"

    response = client.get(forest_project.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")

    text = _text(response.content.decode())
    assert "Heisei 27" in text
    assert "平成27" not in text
    assert "1,835,000" in text


def test_a_project_with_little_information_still_has_a_page(client, kawasaki, schemes):
    """No department (民民連携), no amount, no years, no indicators, no parties yet."""
    bare = ProjectFactory(municipality=kawasaki, scheme=schemes["kyodo_gata"], title="市民どうしの連携")

    response = client.get(bare.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="outcomes-heading"' not in html
    assert "円" not in _text(html[html.index('id="facts-heading"') :])


def test_a_missing_project_is_404(client, db):
    assert client.get(reverse("projects:detail", kwargs={"pk": 987654})).status_code == 404


# Related projects --------------------------------------------------------------------------------


@pytest.fixture
def related_setting(kawasaki, kawasaki_wards, activity_fields, collaboration_forms, schemes):
    """A 中原区 project on the environment by 委託, and projects sharing more or less with it."""
    nakahara, miyamae, takatsu = kawasaki_wards["中原区"], kawasaki_wards["宮前区"], kawasaki_wards["高津区"]
    environment, education = activity_fields["環境の保全"], activity_fields["社会教育"]
    itaku, josei = collaboration_forms["itaku"], collaboration_forms["josei"]

    def project(title, *, wards=(), fields=(), forms=(), **values):
        return ProjectFactory(
            title=title,
            municipality=kawasaki,
            wards=wards,
            fields=fields,
            forms=forms,
            scheme=schemes["kyodo_gata"],
            **values,
        )

    return {
        "base": project("基準の事業", wards=[nakahara], fields=[environment, education], forms=[itaku]),
        "same_ward_both_fields": project(
            "中原の環境講座", wards=[nakahara], fields=[environment, education], forms=[itaku]
        ),
        "other_ward_one_field": project(
            "宮前の森づくり", wards=[miyamae], fields=[environment], fiscal_year_start=2016
        ),
        "other_ward_form_only": project("高津の委託事業", wards=[takatsu], forms=[itaku]),
        "citywide_both_fields": project("全市の環境学習", is_citywide=True, fields=[environment, education]),
        "draft": project("下書きの環境事業", wards=[miyamae], fields=[environment, education], is_published=False),
        "unrelated": project("無関係の事業", wards=[miyamae], fields=[activity_fields["観光"]], forms=[josei]),
    }


def test_related_projects_put_other_wards_first(client, related_setting):
    base = related_setting["base"]

    related = client.get(base.get_absolute_url()).context["related"]

    # Other wards (and the whole city) before the same ward; then more shared fields, then shared forms.
    assert [project.title for project in related] == [
        "全市の環境学習",
        "宮前の森づくり",
        "高津の委託事業",
        "中原の環境講座",
    ]


def test_related_projects_never_include_the_project_itself_or_drafts(client, related_setting):
    shown = client.get(related_setting["base"].get_absolute_url())
    html = shown.content.decode()
    related_html = html[html.index('id="related-heading"') :]

    assert related_setting["base"] not in shown.context["related"]
    assert "下書きの環境事業" not in html
    assert "無関係の事業" not in html
    assert related_setting["other_ward_one_field"].get_absolute_url() in related_html


def test_related_projects_are_at_most_four(client, related_setting, kawasaki, activity_fields, schemes):
    for index in range(3):
        ProjectFactory(
            title=f"追加の環境事業{index}",
            municipality=kawasaki,
            scheme=schemes["kyodo_gata"],
            fields=[activity_fields["環境の保全"]],
        )

    related = client.get(related_setting["base"].get_absolute_url()).context["related"]

    assert len(related) == 4


@pytest.mark.parametrize(
    ("shared", "expected"),
    [
        # 宮前の森づくり shares the field but is in the same ward (宮前区): last
        ("fields", ["基準の事業", "中原の環境講座", "全市の環境学習", "宮前の森づくり"]),
        ("forms", ["基準の事業", "中原の環境講座", "高津の委託事業"]),
    ],
)
def test_related_projects_of_a_project_with_only_fields_or_only_forms(
    client, related_setting, kawasaki, kawasaki_wards, activity_fields, collaboration_forms, schemes, shared, expected
):
    values = (
        {"fields": [activity_fields["環境の保全"]]} if shared == "fields" else {"forms": [collaboration_forms["itaku"]]}
    )
    base = ProjectFactory(
        municipality=kawasaki, scheme=schemes["kyodo_gata"], wards=[kawasaki_wards["宮前区"]], **values
    )

    related = client.get(base.get_absolute_url()).context["related"]

    assert [project.title for project in related] == expected


def test_among_equally_related_projects_the_newest_comes_first(
    client, kawasaki, kawasaki_wards, activity_fields, schemes
):
    base = ProjectFactory(
        municipality=kawasaki,
        scheme=schemes["kyodo_gata"],
        wards=[kawasaki_wards["幸区"]],
        fields=[activity_fields["観光"]],
    )
    undated = ProjectFactory(
        title="年度不明の観光事業",
        municipality=kawasaki,
        scheme=schemes["kyodo_gata"],
        fields=[activity_fields["観光"]],
    )
    newest = ProjectFactory(
        title="2018年度の観光事業",
        municipality=kawasaki,
        scheme=schemes["kyodo_gata"],
        fields=[activity_fields["観光"]],
        fiscal_year_start=2018,
    )

    related = client.get(base.get_absolute_url()).context["related"]

    assert [project.pk for project in related] == [newest.pk, undated.pk]


def test_a_project_without_fields_or_forms_has_no_related_projects(client, related_setting, kawasaki, schemes):
    lonely = ProjectFactory(municipality=kawasaki, scheme=schemes["kyodo_gata"], wards=[])

    assert client.get(lonely.get_absolute_url()).context["related"] == []


# Drafts ------------------------------------------------------------------------------------------


@pytest.fixture
def draft(kawasaki, schemes, departments):
    return ProjectFactory(
        title="準備中の講座",
        municipality=kawasaki,
        scheme=schemes["shimin_jishu_gakkyu"],
        responsible_department=departments["中原区役所 生涯学習支援課"],
        is_published=False,
    )


@pytest.mark.parametrize(
    ("who", "status", "can_edit"),
    [
        ("anonymous", 404, None),
        ("citizen", 404, None),
        ("section_officer", 200, True),  # works in the responsible section
        ("nakahara_officer", 200, True),  # works for the ward office above it
        ("kankyo_officer", 404, None),  # city staff, but of another department
        ("miyamae_officer", 404, None),  # the same section name in another ward office
        ("staff_without_assignment", 404, None),
        ("admin_user", 200, True),
    ],
)
def test_a_draft_is_seen_only_by_its_officers_and_administrators(
    request, client_for, draft, departments, officer_of, who, status, can_edit
):
    users = {
        "anonymous": lambda: None,
        "section_officer": lambda: officer_of(departments["中原区役所 生涯学習支援課"]),
        "miyamae_officer": lambda: officer_of(departments["宮前区役所 生涯学習支援課"]),
    }
    user = users[who]() if who in users else request.getfixturevalue(who)

    response = client_for(user).get(draft.get_absolute_url())

    assert response.status_code == status
    if status == 200:
        assert response.context["can_edit"] is can_edit
        assert reverse("projects:manage_edit", kwargs={"pk": draft.pk}) in response.content.decode()


def test_an_officer_sees_the_edit_link_on_a_published_project_a_citizen_does_not(
    client_for, draft, nakahara_officer, citizen
):
    Project.objects.filter(pk=draft.pk).update(is_published=True)
    edit_url = reverse("projects:manage_edit", kwargs={"pk": draft.pk})

    assert edit_url in client_for(nakahara_officer).get(draft.get_absolute_url()).content.decode()
    citizen_page = client_for(citizen).get(draft.get_absolute_url())
    assert citizen_page.status_code == 200
    assert edit_url not in citizen_page.content.decode()


# The demo data ------------------------------------------------------------------------------------


@pytest.fixture
def demo_data(db, settings):
    settings.DEMO_ACCOUNTS_ALLOWED = True
    call_command("load_portal_data", "--demo", stdout=StringIO())


def test_every_demo_project_is_published_and_has_a_page(client, demo_data):
    projects = list(Project.objects.all())

    # The 16 cases of the seeds, and the two demo proposals whose agreement was signed.
    assert len(projects) == 18
    assert Project.objects.filter(proposal_agreement__isnull=False).count() == 2
    assert all(project.is_published for project in projects)
    assert client.get(reverse("projects:list")).context["page"].paginator.count == 18
    for project in projects:
        response = client.get(project.get_absolute_url())
        assert response.status_code == 200, project.title
        assert project.parties.exists(), project.title
        assert project.history.count() == 1, project.title  # one initial entry each


def test_the_demo_senior_project_shows_its_amount(client, demo_data):
    senior = Project.objects.get(title="シニアパワーアップ推進事業")

    text = _text(client.get(senior.get_absolute_url()).content.decode())

    assert "1,835,000" in text


def test_the_demo_projects_are_found_by_their_parties(client, demo_data):
    """The fixture rows carry no search text: loading the data computes it, party names included."""
    senior = Project.objects.get(title="シニアパワーアップ推進事業")
    party_name = senior.parties.select_related("partner").first().partner.name

    response = client.get(reverse("projects:list"), {"q": party_name})

    assert senior in response.context["page"].paginator.object_list


def test_a_partner_page_lists_its_published_projects_newest_first(client, kawasaki, schemes):
    partner = PartnerFactory(name="多摩川の森を守る会", municipality=kawasaki)
    other = PartnerFactory(municipality=kawasaki)

    def project(title, **values):
        return ProjectFactory(title=title, municipality=kawasaki, scheme=schemes["kyodo_gata"], **values)

    old = project("2014年度の清掃", parties=[partner], fiscal_year_start=2014)
    new = project("2019年度の清掃", parties=[other, partner], fiscal_year_start=2019)
    undated = project("年度不明の清掃", parties=[partner])
    project("下書きの清掃", parties=[partner], fiscal_year_start=2020, is_published=False)
    project("よその団体の事業", parties=[other], fiscal_year_start=2021)

    response = client.get(partner.get_absolute_url())

    assert response.status_code == 200
    assert response.context["projects"] == [new, old, undated]
    html = response.content.decode()
    assert "下書きの清掃" not in html
    assert new.get_absolute_url() in html


def test_text_entered_by_staff_is_escaped(client, kawasaki, schemes):
    partner = PartnerFactory(name="<b>太字の会</b>", municipality=kawasaki)
    project = ProjectFactory(
        title="<script>alert('題名')</script>",
        municipality=kawasaki,
        scheme=schemes["kyodo_gata"],
        problem="<img src=x onerror=alert(1)>",
        parties=[(partner, "<a href='javascript:alert(1)'>役割</a>")],
    )

    html = client.get(project.get_absolute_url()).content.decode()

    assert "<script>alert(" not in html
    assert "<img src=x" not in html
    assert "<b>太字の会</b>" not in html
    assert "<a href='javascript" not in html
    assert "&lt;script&gt;" in html
    assert "&lt;a href=" in html


def test_indicator_columns_are_values_not_the_planned_status(client, forest_project):
    """The word Planned is both a status (計画中) and an indicator column (計画値): contexts keep them apart."""
    OutcomeIndicator.objects.create(project=forest_project, name="参加者", actual_value=Decimal(54), unit="名")
    html = client.get(forest_project.get_absolute_url()).content.decode()
    assert '<th scope="col" class="text-end">計画値</th>' in html
    assert '<th scope="col" class="text-end">実績値</th>' in html

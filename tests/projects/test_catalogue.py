"""The public catalogue: only published projects, every filter, the facet counts, sorting, bad input, pages."""

import itertools
from dataclasses import dataclass

import pytest
from django.http import QueryDict
from django.urls import reverse

from partners.models import Ward, kana_sort_key
from projects.filters import ProjectFilter
from projects.models import Project
from projects.selectors import project_catalogue, published_fiscal_years
from tests.factories import PartnerFactory, ProjectFactory

LIST_URL = reverse("projects:list")


@dataclass
class Catalogue:
    """Five published projects and a draft that would match nearly every filter."""

    forest: Project
    environment: Project
    childcare: Project
    art: Project
    drill: Project
    draft: Project


@pytest.fixture
def catalogue(kawasaki, kawasaki_wards, partner_types, activity_fields, collaboration_forms, schemes) -> Catalogue:
    def partner(name, type_code):
        return PartnerFactory(name=name, partner_type=partner_types[type_code], municipality=kawasaki)

    npo = partner("NPO法人かわさき森の会", "npo")
    university = partner("多摩川大学", "university")
    school = partner("宮前の学び舎", "civic_group")
    art_club = partner("ｱｰﾄ倶楽部", "civic_group")  # half-width kana, as some records have it
    association = partner("小田町内会", "neighbourhood_association")

    def project(**values):
        return ProjectFactory(municipality=kawasaki, problem="課題の説明。", activities="取組の説明。", **values)

    return Catalogue(
        forest=project(
            title="多摩川の森の清掃",
            wards=[kawasaki_wards["中原区"]],
            forms=[collaboration_forms["itaku"]],
            scheme=schemes["kyodo_gata"],
            fields=[activity_fields["環境の保全"]],
            parties=[(npo, "清掃の指揮"), (university, "水質の調査")],
            fiscal_year_start=2015,
            fiscal_year_end=2017,
            status=Project.Status.RUNNING,
            amount=1_835_000,
        ),
        environment=project(
            title="環境学習講座",
            wards=[kawasaki_wards["宮前区"]],
            forms=[collaboration_forms["josei"]],
            scheme=schemes["shimin_jishu_gakkyu"],
            fields=[activity_fields["社会教育"], activity_fields["環境の保全"]],
            parties=[(school, "講座の企画")],
            fiscal_year_start=2016,
            status=Project.Status.FINISHED,
            amount=75_000,
        ),
        childcare=project(
            title="子育てサロンの運営",
            is_citywide=True,
            forms=[collaboration_forms["kyosai"], collaboration_forms["jinteki"]],
            scheme=schemes["kyodo_gata"],
            fields=[activity_fields["子どもの健全育成"]],
            parties=[(university, "効果の研究")],
            fiscal_year_start=2018,
            status=Project.Status.PLANNED,
            amount=None,
        ),
        art=project(
            title="ＡＢＣアート展",
            wards=[kawasaki_wards["中原区"], kawasaki_wards["高津区"]],
            forms=[collaboration_forms["itaku"]],
            scheme=schemes["ward_proposal"],
            fields=[activity_fields["学術・文化・芸術・スポーツ"]],
            parties=[(art_club, "展示")],
            status=Project.Status.RUNNING,
            amount=500_000,
        ),
        drill=project(
            title="地域の防災訓練",
            wards=[kawasaki_wards["川崎区"]],
            scheme=schemes["chonaikai_proposal"],
            fields=[activity_fields["災害救援"]],
            parties=[(association, "住民への呼びかけ")],
            fiscal_year_start=2017,
            fiscal_year_end=2018,
            status=Project.Status.FINISHED,
            amount=100_000,
        ),
        draft=project(
            title="森の環境ＡＢＣ多摩川の秘密事業",
            is_published=False,
            is_citywide=True,
            wards=[kawasaki_wards["中原区"], kawasaki_wards["宮前区"]],
            forms=[collaboration_forms["itaku"], collaboration_forms["josei"]],
            scheme=schemes["kyodo_gata"],
            fields=[activity_fields["環境の保全"]],
            parties=[(npo, "研究と展示"), (school, "")],
            fiscal_year_start=2010,
            fiscal_year_end=2018,
            status=Project.Status.RUNNING,
            amount=1_000_000,
        ),
    )


def _titles(response) -> set[str]:
    assert response.status_code == 200
    return {project.title for project in response.context["page"].paginator.object_list}


def _listed(params: dict) -> list[Project]:
    """The results the catalogue lists for these parameters (its filters alone, without the facets)."""
    query = QueryDict(mutable=True)
    query.update(params)
    filterset = ProjectFilter(
        data=query,
        queryset=Project.objects.published(),
        wards=list(Ward.objects.all()),
        fiscal_years=published_fiscal_years(),
    )
    return list(filterset.qs)


def test_only_published_projects_are_listed(client, catalogue):
    response = client.get(LIST_URL)

    assert _titles(response) == {
        "多摩川の森の清掃",
        "環境学習講座",
        "子育てサロンの運営",
        "ＡＢＣアート展",
        "地域の防災訓練",
    }
    assert catalogue.draft.title not in response.content.decode()
    assert response.context["page"].paginator.count == 5


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("森", {"forest"}),  # one character: the title and a party's name, not the draft
        ("環境", {"environment"}),  # two characters
        ("多摩川", {"forest", "childcare"}),  # a title, and a party's name
        ("学び舎", {"environment"}),  # a party's name only
        ("研究", {"childcare"}),  # a party's role only
        ("森 清掃", {"forest"}),  # every term must match
        ("森　講座", set()),  # an ideographic space separates terms too
        ("環境、講座", {"environment"}),
        ("abc", {"art"}),  # half-width finds full-width
        ("ＡＢＣ", {"art"}),
        ("ｱｰﾄ", {"art"}),  # half-width kana finds full-width kana
        ("アート倶楽部", {"art"}),  # and full-width finds the half-width party name
        ("秘密", set()),
    ],
)
def test_keyword_search(client, catalogue, query, expected):
    response = client.get(LIST_URL, {"q": query})

    assert _titles(response) == {getattr(catalogue, name).title for name in expected}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (lambda c: {"ward": c["wards"]["中原区"].pk}, {"forest", "art"}),
        (lambda c: {"ward": c["wards"]["宮前区"].pk}, {"environment"}),
        (lambda c: {"ward": c["wards"]["幸区"].pk}, set()),
        (lambda c: {"ward": "citywide"}, {"childcare"}),
        (lambda c: {"form": c["forms"]["itaku"].pk}, {"forest", "art"}),
        (lambda c: {"form": c["forms"]["jinteki"].pk}, {"childcare"}),
        (lambda c: {"scheme": c["schemes"]["kyodo_gata"].pk}, {"forest", "childcare"}),
        (lambda c: {"field": c["fields"]["環境の保全"].pk}, {"forest", "environment"}),
        (lambda c: {"partner_type": "npo"}, {"forest"}),
        (lambda c: {"partner_type": "university"}, {"forest", "childcare"}),
        (lambda c: {"partner_type": "civic_group"}, {"environment", "art"}),
        (lambda c: {"partner_type": "company"}, set()),
        (lambda c: {"fy": "2015"}, {"forest"}),
        (lambda c: {"fy": "2016"}, {"forest", "environment"}),  # FY2015–2017 runs in 2016
        (lambda c: {"fy": "2017"}, {"forest", "drill"}),  # a start year alone is that year only
        (lambda c: {"fy": "2018"}, {"childcare", "drill"}),
        (lambda c: {"status": "finished"}, {"environment", "drill"}),
        (lambda c: {"status": "planned"}, {"childcare"}),
        (lambda c: {"amount": "lt100k"}, {"environment"}),
        (lambda c: {"amount": "100k-500k"}, {"drill"}),  # 100,000 is in this bucket
        (lambda c: {"amount": "500k-1m"}, {"art"}),  # 500,000 is in this bucket
        (lambda c: {"amount": "1m+"}, {"forest"}),
        (lambda c: {"amount": "none"}, {"childcare"}),
        (lambda c: {"ward": c["wards"]["中原区"].pk, "form": c["forms"]["itaku"].pk, "q": "森"}, {"forest"}),
        (lambda c: {"field": c["fields"]["環境の保全"].pk, "fy": "2016", "status": "finished"}, {"environment"}),
    ],
)
def test_filters(client, catalogue, kawasaki_wards, collaboration_forms, schemes, activity_fields, filters, expected):
    params = filters(
        {"wards": kawasaki_wards, "forms": collaboration_forms, "schemes": schemes, "fields": activity_fields}
    )

    response = client.get(LIST_URL, params)

    assert _titles(response) == {getattr(catalogue, name).title for name in expected}
    assert not response.context["filter"].form.errors


def test_fiscal_year_options_span_the_published_projects(client, catalogue):
    """From the first to the last year any published project ran; the draft's FY2010 is not offered."""
    response = client.get(LIST_URL)

    values = [value for value, _label in response.context["filter"].form.fields["fy"].choices if value]
    assert values == ["2018", "2017", "2016", "2015"]
    assert response.context["facets"]["fy"] == {"2015": 1, "2016": 2, "2017": 2, "2018": 2}


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("", ["childcare", "drill", "environment", "forest", "art"]),  # newest first by default
        ("-fy", ["childcare", "drill", "environment", "forest", "art"]),
        ("fy", ["forest", "environment", "drill", "childcare", "art"]),  # no year: last either way
        ("-amount", ["forest", "art", "drill", "environment", "childcare"]),
        ("amount", ["environment", "drill", "art", "forest", "childcare"]),  # no amount: last either way
    ],
)
def test_sorting_puts_missing_values_last(client, catalogue, sort, expected):
    response = client.get(LIST_URL, {"sort": sort} if sort else {})

    assert [p.title for p in response.context["projects"]] == [getattr(catalogue, name).title for name in expected]


def test_sorting_by_title_follows_the_reading(client, catalogue, kawasaki):
    ProjectFactory(title="アオバの森", municipality=kawasaki)
    ProjectFactory(title="あおぞら広場", municipality=kawasaki)

    response = client.get(LIST_URL, {"sort": "title"})

    titles = [p.title for p in response.context["projects"]]
    assert titles == sorted(titles, key=kana_sort_key)
    # Katakana sorts with hiragana: アオバ is read あおば, after あおぞら (a codepoint sort would put it last).
    assert titles.index("あおぞら広場") < titles.index("アオバの森")


# Facet counts -------------------------------------------------------------------------------------


FILTER_COMBINATIONS = [
    lambda c: {},
    lambda c: {"q": "森"},
    lambda c: {"q": "多摩川"},
    lambda c: {"ward": c["wards"]["中原区"].pk},
    lambda c: {"ward": "citywide", "status": "planned"},
    lambda c: {"form": c["forms"]["itaku"].pk, "fy": "2016"},
    lambda c: {"partner_type": "university", "amount": "1m+"},
    lambda c: {"field": c["fields"]["環境の保全"].pk, "status": "finished", "sort": "amount"},
    lambda c: {"scheme": c["schemes"]["kyodo_gata"].pk, "fy": "2018", "q": "研究"},
    lambda c: {"amount": "none", "ward": c["wards"]["幸区"].pk},  # nothing matches
    lambda c: {"fy": "abc", "ward": c["wards"]["宮前区"].pk},  # an invalid value is left out
]


@pytest.mark.parametrize("combination", range(len(FILTER_COMBINATIONS)))
def test_each_option_count_is_what_choosing_it_would_show(
    catalogue, kawasaki_wards, collaboration_forms, schemes, activity_fields, combination
):
    """The definition of a facet count: the number of results after adding (or switching to) that option."""
    context = {"wards": kawasaki_wards, "forms": collaboration_forms, "schemes": schemes, "fields": activity_fields}
    current = {key: str(value) for key, value in FILTER_COMBINATIONS[combination](context).items()}
    query = QueryDict(mutable=True)
    query.update(current)
    result = project_catalogue(params=query)

    checked = 0
    for name, counts in result.facets.items():
        for value, _label in result.filterset.form.fields[name].choices:
            if str(value) == "":
                continue
            expected = len(_listed({**current, name: str(value)}))
            assert counts.get(str(value), 0) == expected, (name, str(value), current)
            checked += 1
    assert checked > 40  # every facet's options were compared (7 wards alone give 8)


def test_the_counts_are_shown_beside_the_options(client, catalogue, kawasaki_wards):
    response = client.get(LIST_URL, {"form": catalogue.forest.forms.get().pk})

    html = response.content.decode()
    nakahara = kawasaki_wards["中原区"]
    # With the form 委託・請負 chosen: both of its projects are in 中原区, none in 宮前区.
    assert response.context["facets"]["ward"][str(nakahara.pk)] == 2
    assert f'<option value="{nakahara.pk}">中原区（2）</option>' in html
    assert f'<option value="{kawasaki_wards["宮前区"].pk}">宮前区（0）</option>' in html


# Bad input ---------------------------------------------------------------------------------------


def test_invalid_values_are_shown_and_ignored(client, catalogue):
    response = client.get(
        LIST_URL, {"fy": "abc", "ward": "zz", "form": "x", "amount": "nope", "sort": "bad", "page": "999"}
    )

    assert response.status_code == 200
    errors = response.context["filter"].form.errors.as_data()
    assert set(errors) == {"fy", "ward", "form", "amount", "sort"}
    assert {error.code for field_errors in errors.values() for error in field_errors} == {"invalid_choice"}
    html = response.content.decode()
    for name in errors:
        assert f'id="id_{name}-error"' in html
        assert f'aria-describedby="id_{name}-error"' in html
    # The invalid filters are left out: every published project, on the last page there is.
    assert response.context["page"].paginator.count == 5
    assert response.context["page"].number == 1


@pytest.mark.parametrize(
    "params",
    [
        {"form": "99999999999999999999999"},
        {"scheme": "99999999999999999999999"},
        {"field": "-1"},
        {"ward": "99999999999999999999999"},
        {"fy": "99999999999999999999999"},
        {"fy": "2010"},  # a year only a draft has
        {"partner_type": "no-such-type"},
        {"page": "-1"},
        {"page": "abc"},
        {"q": "森" * 5000},
        {"q": "%_\\"},
        {"q": "' OR 1=1 --"},
    ],
)
def test_odd_input_never_fails(client, catalogue, params):
    response = client.get(LIST_URL, params)

    assert response.status_code == 200


def test_a_wildcard_in_the_keyword_matches_itself_only(client, catalogue, kawasaki):
    ProjectFactory(title="達成率100%の事業", municipality=kawasaki)

    assert _titles(client.get(LIST_URL, {"q": "%"})) == {"達成率100%の事業"}
    assert _titles(client.get(LIST_URL, {"q": "0%の"})) == {"達成率100%の事業"}
    assert _titles(client.get(LIST_URL, {"q": "_"})) == set()


# Pages and shareable URLs -------------------------------------------------------------------------


def test_pagination_keeps_the_filters(client, kawasaki, kawasaki_wards):
    nakahara = kawasaki_wards["中原区"]
    for index in range(23):
        ProjectFactory(title=f"中原の事業{index:02d}", municipality=kawasaki, wards=[nakahara], fiscal_year_start=2020)
    ProjectFactory(title="よその区の事業", municipality=kawasaki, wards=[kawasaki_wards["幸区"]])

    first = client.get(LIST_URL, {"ward": nakahara.pk, "q": "中原"})

    assert first.context["page"].paginator.count == 23
    assert len(first.context["projects"]) == 20
    html = first.content.decode()
    assert f'href="?ward={nakahara.pk}&amp;q=%E4%B8%AD%E5%8E%9F&amp;page=2"' in html

    second = client.get(LIST_URL, {"ward": nakahara.pk, "q": "中原", "page": 2})

    assert second.context["page"].number == 2
    assert len(second.context["projects"]) == 3
    shown = {p.title for p in first.context["projects"]} | {p.title for p in second.context["projects"]}
    assert shown == {f"中原の事業{index:02d}" for index in range(23)}
    assert f'href="?ward={nakahara.pk}&amp;q=%E4%B8%AD%E5%8E%9F&amp;page=1"' in second.content.decode()


def test_a_filtered_url_can_be_shared(client_for, catalogue, kawasaki_wards, citizen):
    """The filters are in the URL: someone else opening it sees the same results and the same choices."""
    nakahara = kawasaki_wards["中原区"]
    url = f"{LIST_URL}?q=%E5%A4%9A%E6%91%A9%E5%B7%9D&ward={nakahara.pk}&sort=-amount"

    mine = client_for(citizen).get(url)
    theirs = client_for(None).get(url)

    assert (
        [p.pk for p in mine.context["projects"]] == [p.pk for p in theirs.context["projects"]] == [catalogue.forest.pk]
    )
    html = theirs.content.decode()
    assert 'method="get"' in html
    assert f'<option value="{nakahara.pk}" selected>' in html
    assert 'value="多摩川"' in html
    assert '<option value="-amount" selected>' in html


def test_filters_combine_into_every_facet_consistently(catalogue, kawasaki_wards):
    """Every pair of single-option filters: the listed projects satisfy both, and both counts agree."""
    pairs = [
        ("ward", str(kawasaki_wards["中原区"].pk)),
        ("fy", "2016"),
        ("status", "running"),
        ("amount", "1m+"),
        ("partner_type", "university"),
    ]
    for (name_a, value_a), (name_b, value_b) in itertools.combinations(pairs, 2):
        both = {project.pk for project in _listed({name_a: value_a, name_b: value_b})}
        a_only = {project.pk for project in _listed({name_a: value_a})}
        b_only = {project.pk for project in _listed({name_b: value_b})}
        assert both == a_only & b_only, (name_a, name_b)

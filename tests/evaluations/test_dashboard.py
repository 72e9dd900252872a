"""The public dashboard of published evaluations: figures aggregated in the database, filters, accessible charts
with tables of the same numbers, and a number of queries that does not grow with the rounds."""

import re
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext as _

from evaluations import charts
from evaluations.dashboard import dashboard_for
from evaluations.models import EvaluationRound
from evaluations.workflow import NextStep, Side, Status
from partners.models import Municipality
from projects.models import CollaborationForm
from tests.evaluations.conftest import published_round
from tests.factories import PartnerFactory, ProjectFactory

pytestmark = pytest.mark.django_db

DASHBOARD_URL = "/evaluations/"
# The fiscal years and the wards (the options), the principles' averages, the sides' scores, the next steps,
# the amounts by year, the list's count, its page and the page's wards, and the options of the form and scheme
# selects as rendered. No session for an anonymous visitor.
DASHBOARD_QUERIES = 11
# + the chosen form and scheme, looked up when the filters are validated
FILTERED_QUERIES = 13


def _get(client, **params):
    query = QueryDict(mutable=True)
    query.update(params)
    return client.get(DASHBOARD_URL, query)


def _data(**params):
    query = QueryDict(mutable=True)
    query.update(params)
    return dashboard_for(params=query)


@pytest.fixture
def other_project(kawasaki, schemes, kawasaki_wards):
    """A citywide Kawasaki project of another scheme, in the form 委託・請負."""
    return ProjectFactory(
        title="多摩川の清掃活動",
        municipality=kawasaki,
        scheme=schemes["kyodo_gata"],
        is_citywide=True,
        wards=[kawasaki_wards["多摩区"]],
        forms=[CollaborationForm.objects.get(code="itaku")],
        parties=[PartnerFactory(name="多摩川の会", municipality=kawasaki)],
        amount=1_200_000,
        fiscal_year_start=2024,
        fiscal_year_end=2025,
    )


@pytest.fixture
def higashikurume_project(schemes):
    return ProjectFactory(
        title="黒目川の水辺づくり",
        municipality=Municipality.objects.get(code="132225"),
        scheme=schemes["higashikurume_kyodo"],
        is_citywide=True,
        amount=300_000,
        fiscal_year_start=2025,
    )


class Page(HTMLParser):
    """The elements of a page by id, and its tables' captions, headers and cells (enough to check charts)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.by_id: dict[str, dict] = {}
        self.svgs: list[dict] = []
        self.tables: list[dict] = []
        self._text_of: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        element = {"tag": tag, "attrs": attributes, "text": ""}
        if "id" in attributes:
            self.by_id[attributes["id"]] = element
        if tag == "svg":
            self.svgs.append(element)
        if tag == "table":
            self.tables.append({"caption": "", "headers": [], "rows": []})
        if tag in ("caption", "th", "td", "h3", "p", "title"):
            self._text_of.append(element)
        if tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])

    def handle_endtag(self, tag):
        if self._text_of and self._text_of[-1]["tag"] == tag:
            element = self._text_of.pop()
            element["text"] = element["text"].strip()
            if self.tables and tag == "caption":
                self.tables[-1]["caption"] = element["text"]
            if self.tables and tag in ("th", "td"):
                if tag == "th":
                    self.tables[-1]["headers"].append(element)
                self.tables[-1]["rows"][-1].append(element["text"])

    def handle_data(self, data):
        for element in self._text_of:
            element["text"] += data

    def table(self, caption_part: str) -> dict:
        return next(table for table in self.tables if caption_part in table["caption"])

    def row(self, caption_part: str, header: str) -> list[str]:
        return next(row for row in self.table(caption_part)["rows"] if row and row[0] == header)


# ----------------------------------------------------------------------------------------------------------
# The figures


def test_principle_averages_per_side_from_published_rounds_only(project, other_project, kawasaki):
    published_round(project, 2025, partner_scores={"mokuteki": 5, "taitou": 2}, city_scores=4)
    published_round(other_project, 2025, partner_scores={"mokuteki": 3}, city_scores={"mokuteki": 2})
    # Neither a round still being summarised nor the published round of a project withdrawn from the catalogue.
    draft = published_round(other_project, 2024, partner_scores=1, city_scores=1)
    EvaluationRound.objects.filter(pk=draft.pk).update(status=Status.SUMMARISING)
    hidden = ProjectFactory(municipality=kawasaki, is_published=False, fiscal_year_start=2025)
    published_round(hidden, 2025, partner_scores=1, city_scores=1)

    data = _data()

    assert data.count == 2
    [kawasaki_scores] = data.principles
    assert kawasaki_scores.municipality == "川崎市"
    by_name = {principle.name: principle for principle in kawasaki_scores.principles}
    assert list(by_name) == [
        "目的の共有",
        "対等の関係",
        "相互理解",
        "公開性・透明性",
        "役割分担と責任範囲の確認",
        "成果の振り返り",
    ]
    assert (by_name["目的の共有"].partner, by_name["目的の共有"].city) == (pytest.approx(4.0), pytest.approx(3.0))
    assert (by_name["対等の関係"].partner, by_name["対等の関係"].city) == (pytest.approx(2.5), pytest.approx(3.5))
    assert (by_name["相互理解"].partner, by_name["相互理解"].city) == (pytest.approx(3.0), pytest.approx(3.5))
    assert by_name["目的の共有"].evaluations == 2


def test_each_municipality_has_its_own_chart_of_its_own_principles(project, higashikurume_project, client_for):
    published_round(project, 2025)
    published_round(higashikurume_project, 2025, partner_scores=5, city_scores=2)

    data = _data()
    assert [group.municipality for group in data.principles] == ["川崎市", "東久留米市"]
    higashikurume = data.principles[1]
    assert len(higashikurume.principles) == 7
    assert {(p.partner, p.city) for p in higashikurume.principles} == {(5, 2)}

    page = Page(_get(client_for(None)).content.decode())
    kawasaki_id = f"chart-principles-{data.principles[0].municipality_id}"
    higashikurume_id = f"chart-principles-{higashikurume.municipality_id}"
    assert "川崎市" in page.by_id[f"{kawasaki_id}-title"]["text"]
    assert "東久留米市" in page.by_id[f"{higashikurume_id}-title"]["text"]
    assert page.row("東久留米市", "時限性")[1:] == ["5.0", "2.0", "1"]
    assert page.row("川崎市", "目的の共有")[1:] == ["4.0", "4.0", "1"]


def test_outcomes_next_steps_and_costs(project, other_project, higashikurume_project):
    published_round(project, 2024, partner_scores={"achievement": 5, "cost": 4}, city_scores=3, cost_amount=500_000)
    published_round(
        project, 2025, partner_scores={"achievement": 4, "cost": 2}, city_scores=3, next_step=NextStep.EXPAND
    )
    published_round(other_project, 2025, partner_scores=5, city_scores=2, next_step=NextStep.EXPAND, cost_amount=0)
    published_round(higashikurume_project, 2025, next_step=NextStep.EXIT, cost_amount=300_000)

    data = _data()

    partner, city = data.outcomes[Side.PARTNER], data.outcomes[Side.CITY]
    assert partner.achievement_counts == {1: 0, 2: 0, 3: 0, 4: 2, 5: 2}
    assert city.achievement_counts == {1: 0, 2: 1, 3: 2, 4: 1, 5: 0}
    assert partner.achievement_average == pytest.approx(4.5)
    assert partner.cost_average == pytest.approx((4 + 2 + 5 + 4) / 4)
    assert city.cost_average == pytest.approx((3 + 3 + 2 + 4) / 4)
    assert {row.key: row.count for row in data.next_steps} == {
        NextStep.CONTINUE: 1,
        NextStep.EXPAND: 2,
        NextStep.REVISE: 0,
        NextStep.END: 0,
        NextStep.EXIT: 1,
    }
    assert [(row.fiscal_year, row.evaluations, row.total) for row in data.amounts] == [
        (2024, 1, 500_000),
        (2025, 3, 600_000 + 0 + 300_000),
    ]


def test_the_page_shows_the_figures_in_tables_beside_the_charts(project, other_project, client_for):
    published_round(project, 2024, partner_scores={"achievement": 5}, city_scores=3, cost_amount=500_000)
    published_round(other_project, 2025, partner_scores=2, city_scores=4, next_step=NextStep.REVISE)

    page = Page(_get(client_for(None)).content.decode())

    assert page.row(_("Achievement of the outcomes: evaluations by score"), "5")[1:] == ["1", "0"]
    assert page.row(_("Achievement of the outcomes: evaluations by score"), "2")[1:] == ["1", "0"]
    assert page.row(_("Achievement and cost-effectiveness: average scores"), _("Cost-effectiveness"))[1:] == [
        "3.0",  # the partner side: 4 and 2
        "3.5",  # the city side: 3 and 4
    ]
    assert page.row(_("Next step: evaluations by the step agreed"), str(NextStep.REVISE.label))[1:] == ["1"]
    assert page.row(_("Cost of the evaluated projects by fiscal year"), "令和6年度（2024年度）")[1:] == [
        "500,000円",
        "1",
    ]
    assert page.row(_("Cost of the evaluated projects by fiscal year"), "令和7年度（2025年度）")[1] == "1,200,000円"


# ----------------------------------------------------------------------------------------------------------
# Charts: inline SVG, named, described, with a table of the same numbers


def test_every_chart_is_an_accessible_svg_with_a_table(project, other_project, client_for):
    published_round(project, 2025, partner_scores={"mokuteki": 5}, city_scores=2)
    published_round(other_project, 2024)

    html = _get(client_for(None)).content.decode()
    page = Page(html)

    assert len(page.svgs) == 5  # the principles of Kawasaki, achievement, averages, next steps, cost
    for svg in page.svgs:
        attrs = svg["attrs"]
        assert attrs["role"] == "img"
        title = page.by_id[attrs["aria-labelledby"]]
        assert title["tag"] == "h3" and title["text"]
        description = page.by_id[attrs["aria-describedby"]]
        assert description["tag"] == "p" and description["text"]
        chart_id = attrs["aria-labelledby"].removesuffix("-title")
        # The table beside it has a caption naming the chart, and column and row headers.
        table = page.table(title["text"])
        assert table["headers"]
        assert {header["attrs"].get("scope") for header in table["headers"]} == {"col", "row"}
        assert chart_id in html
    # No script, no chart library, nothing fetched for the charts.
    main = html[html.index("<main") : html.index("</main>")]
    assert "<script" not in main
    assert "<img" not in main


def test_the_series_differ_by_more_than_colour(project, client_for):
    published_round(project, 2025, partner_scores=4, city_scores=2)

    html = _get(client_for(None)).content.decode()

    # A legend and the series' name written on each bar, and the city's bars hatched with a pattern.
    # Six principles, and the averages of achievement and cost-effectiveness.
    assert html.count(f">{_('Partner side')} 4.0<") == 8
    assert html.count(f">{_('City side')} 2.0<") == 8
    assert html.count(f">{_('Partner side')}</text>") == html.count(f">{_('City side')}</text>") == 3  # legends
    assert re.search(r'<pattern id="chart-principles-\d+-city-hatch"', html)
    assert re.search(r'fill="url\(#chart-principles-\d+-city-hatch\)"', html)


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (int(colour[index : index + 2], 16) for index in (1, 3, 5))
    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_the_colours_keep_their_contrast():
    for bar in (charts.PARTNER_COLOUR, charts.CITY_COLOUR, charts.NEUTRAL_COLOUR, charts.AXIS_COLOUR):
        assert contrast(bar, charts.BACKGROUND) >= 3
    assert contrast(charts.TEXT_COLOUR, charts.BACKGROUND) >= 4.5


def test_the_chart_geometry_follows_the_numbers():
    chart = charts.bar_chart(
        id="test",
        title="原則",
        description="説明",
        category_label="原則",
        categories=["目的の共有", "対等の関係"],
        series=[charts.Series(key="a", label="団体側", short_label="団体側"), charts.Series(key="b", label="市側")],
        values=[[5, 2.5], [None, 0]],
        maximum=5,
        step=1,
    )
    full, half = chart.rows[0].bars
    assert full.width == charts.PLOT_WIDTH and half.width == charts.PLOT_WIDTH / 2
    assert full.text == "団体側 5" and half.text == "2.5"
    missing, zero = chart.rows[1].bars
    assert (missing.width, missing.text) == (0, "団体側 —")
    assert (zero.width, zero.text) == (0, "0")
    assert [tick.label for tick in chart.ticks] == ["0", "1", "2", "3", "4", "5"]
    assert chart.rows[0].cells == ["5", "2.5"] and chart.rows[1].cells == ["—", "0"]
    # Bars stay inside the drawing, under the legend and left of the values' labels.
    assert all(
        bar.y >= chart.plot_top and bar.y + bar.height <= chart.plot_bottom for row in chart.rows for bar in row.bars
    )
    assert chart.width >= max(bar.text_x + charts.text_width(bar.text) for row in chart.rows for bar in row.bars)


@pytest.mark.parametrize(
    ("largest", "step", "maximum"),
    [(7, 2, 8), (1, 1, 1), (0, 1, 1), (1_500_000, 500_000, 1_500_000), (2_300_000, 500_000, 2_500_000)],
)
def test_the_scale_is_rounded_up_to_a_nice_step(largest, step, maximum):
    chart = charts.bar_chart(
        id="test",
        title="t",
        description="d",
        category_label="c",
        categories=["x"],
        series=[charts.Series(key="n", label="n")],
        values=[[largest]],
        integer=True,
    )
    assert chart.ticks[1].label == f"{step:,}"
    assert chart.ticks[-1].label == f"{maximum:,}"


# ----------------------------------------------------------------------------------------------------------
# Filters


@pytest.fixture
def three_rounds(project, other_project, higashikurume_project):
    return {
        "nakahara": published_round(project, 2024),
        "citywide": published_round(other_project, 2025),
        "higashikurume": published_round(higashikurume_project, 2025),
    }


def _titles(response) -> list[str]:
    return sorted(round.project.title for round in response.context["rounds"])


def test_filter_by_fiscal_year(three_rounds, client_for):
    response = _get(client_for(None), fy="2025")
    assert _titles(response) == ["多摩川の清掃活動", "黒目川の水辺づくり"]
    assert response.context["dashboard"].count == 2
    # The option's label is the fiscal year in 和暦 and 西暦.
    assert '<option value="2025" selected>令和7年度（2025年度）</option>' in response.content.decode()


def test_filter_by_ward_and_the_whole_city(three_rounds, kawasaki_wards, client_for):
    client = client_for(None)
    assert _titles(_get(client, ward=str(kawasaki_wards["中原区"].pk))) == ["放課後の居場所づくり"]
    assert _titles(_get(client, ward=str(kawasaki_wards["多摩区"].pk))) == ["多摩川の清掃活動"]
    assert _titles(_get(client, ward="citywide")) == ["多摩川の清掃活動", "黒目川の水辺づくり"]
    assert _titles(_get(client, ward=str(kawasaki_wards["麻生区"].pk))) == []
    assert '<option value="citywide">市全域</option>' in _get(client).content.decode()


def test_filter_by_form_and_scheme(three_rounds, schemes, client_for):
    client = client_for(None)
    itaku = CollaborationForm.objects.get(code="itaku")
    assert _titles(_get(client, form=str(itaku.pk))) == ["多摩川の清掃活動"]
    assert _titles(_get(client, scheme=str(schemes["ward_proposal"].pk))) == ["放課後の居場所づくり"]
    response = _get(client, scheme=str(schemes["higashikurume_kyodo"].pk), fy="2025")
    assert _titles(response) == ["黒目川の水辺づくり"]
    # Every figure follows the filters: only Higashikurume's principles are charted.
    assert [group.municipality for group in response.context["dashboard"].principles] == ["東久留米市"]


def test_the_filters_narrow_the_figures_too(three_rounds, schemes):
    data = _data(scheme=str(schemes["ward_proposal"].pk))
    assert data.count == 1
    assert [(row.fiscal_year, row.total) for row in data.amounts] == [(2024, 600_000)]
    assert sum(row.count for row in data.next_steps) == 1


@pytest.mark.parametrize(
    "params",
    [
        {"fy": "abc"},
        {"fy": "1800"},
        {"ward": "99999"},
        {"ward": "-1"},
        {"form": "abc"},
        {"form": "99999999999999999999999"},
        {"scheme": "9223372036854775808"},
        {"scheme": "1.5", "fy": "2025\x00"},
        {"page": "abc"},
        {"page": "99999"},
    ],
)
def test_an_invalid_filter_is_named_and_left_out_not_an_error(three_rounds, client_for, params):
    response = _get(client_for(None), **params)

    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    if "page" not in params:
        assert dashboard.invalid
        page = response.content.decode()
        assert 'role="alert"' in page
        assert 'aria-invalid="true"' in page
        assert "正しく選択してください。" in page  # Django's own message, in Japanese
    assert dashboard.count == 3  # the invalid filter is left out


def test_an_empty_selection_says_so(three_rounds, kawasaki_wards, client_for):
    response = _get(client_for(None), ward=str(kawasaki_wards["麻生区"].pk))
    page = response.content.decode()
    assert response.context["charts"] is None
    assert "<svg" not in page
    assert _("No published evaluation matches these filters. Choose other filters, or clear them.") in page


def test_no_published_round_at_all(db, reference_data, client_for):
    response = _get(client_for(None))
    assert response.status_code == 200
    assert response.context["dashboard"].count == 0
    assert response.context["dashboard"].report_year is None
    assert "<svg" not in response.content.decode()


# ----------------------------------------------------------------------------------------------------------
# The list, the links, the menu


def test_the_list_links_each_round_to_its_report(project, client_for):
    round = published_round(project, 2025, next_step=NextStep.EXPAND)

    page = _get(client_for(None)).content.decode()

    assert f'<a href="{round.get_report_url()}">放課後の居場所づくり</a>' in page
    assert round.get_report_url() == reverse("evaluations:report", kwargs={"pk": round.pk})
    assert "<td>令和7年度（2025年度）</td>" in page
    assert "<td>中原区</td>" in page
    assert f"<td>{NextStep.EXPAND.label}</td>" in page


def test_the_list_is_paginated_with_the_filters_kept(project, kawasaki, schemes, client_for):
    for index in range(22):
        extra = ProjectFactory(
            title=f"協働事業{index:02d}", municipality=kawasaki, scheme=schemes["ward_proposal"], fiscal_year_start=2025
        )
        published_round(extra, 2025)

    response = _get(client_for(None), scheme=str(schemes["ward_proposal"].pk))
    assert len(response.context["rounds"]) == 20
    assert f"?scheme={schemes['ward_proposal'].pk}&amp;page=2" in response.content.decode()
    second = _get(client_for(None), scheme=str(schemes["ward_proposal"].pk), page="2")
    assert len(second.context["rounds"]) == 2


def test_the_dashboard_links_to_the_yearly_report_of_the_year_chosen_or_the_latest(three_rounds, client_for):
    client = client_for(None)
    assert reverse("evaluations:yearly_report", args=[2025]) in _get(client).content.decode()
    assert reverse("evaluations:yearly_report", args=[2024]) in _get(client, fy="2024").content.decode()


def test_the_main_menu_links_to_the_dashboard(db, reference_data, client_for):
    page = client_for(None).get("/").content.decode()
    assert f'<a href="{DASHBOARD_URL}">' in page
    current = _get(client_for(None)).content.decode()
    assert f'<a href="{DASHBOARD_URL}" aria-current="page">' in current


def test_the_page_is_in_japanese(three_rounds, client_for):
    page = _get(client_for(None)).content.decode()
    assert '<html lang="ja">' in page
    for text in ("年度", "区", "協働の形態", "制度", "すべての年度", "市全域", "目的の共有", "令和7年度（2025年度）"):
        assert text in page


# ----------------------------------------------------------------------------------------------------------
# Queries


def _rounds(project, kawasaki, schemes, kawasaki_wards, n: int) -> None:
    forms = list(CollaborationForm.objects.all())
    for index in range(n):
        extra = ProjectFactory(
            title=f"追加の協働事業{index:02d}",
            municipality=kawasaki,
            scheme=schemes["ward_proposal"],
            wards=list(kawasaki_wards.values())[index % 3 : index % 3 + 2],
            forms=forms[:2],
            fiscal_year_start=2023 + index % 3,
            fiscal_year_end=2025,
        )
        published_round(extra, 2023 + index % 3, partner_scores=1 + index % 5, cost_amount=100_000 * index)


@pytest.mark.parametrize("filtered", [False, True])
def test_the_dashboard_makes_a_fixed_number_of_queries(
    project, kawasaki, schemes, kawasaki_wards, client_for, django_assert_max_num_queries, filtered
):
    form = CollaborationForm.objects.first()
    project.forms.set([form])
    params = {"form": str(form.pk), "scheme": str(schemes["ward_proposal"].pk)} if filtered else {}
    budget = FILTERED_QUERIES if filtered else DASHBOARD_QUERIES
    client = client_for(None)
    published_round(project, 2025)
    with CaptureQueriesContext(connection) as one, django_assert_max_num_queries(budget):
        assert _get(client, **params).status_code == 200
    _rounds(project, kawasaki, schemes, kawasaki_wards, 8)
    with CaptureQueriesContext(connection) as nine, django_assert_max_num_queries(budget):
        response = _get(client, **params)
    assert response.context["dashboard"].count == 9
    assert len(nine) == len(one)


def test_the_english_interface_names_the_principles_in_english(project, client_for):
    published_round(project, 2025, cost_amount=1_234_567)
    client = client_for(None)
    client.cookies["django_language"] = "en"

    page = client.get(DASHBOARD_URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert '<html lang="en">' in page
    assert "Shared purpose" in page and "目的の共有" not in page
    # Coordinates are plain numbers whatever the language's number format.
    assert not re.search(r'(?:x|y|width|height)="[\d.]*,', page)

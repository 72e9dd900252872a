"""The yearly report 協働事業実施状況: the published projects of a fiscal year with that year's published evaluation,
as a printable page, a PDF with its Japanese fonts and a CSV that a spreadsheet opens safely."""

import csv
import io
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext as _

from evaluations import reports
from evaluations.models import EvaluationRound
from evaluations.workflow import NextStep, Status
from projects.models import CollaborationForm
from tests.evaluations.conftest import published_round
from tests.factories import PartnerFactory, ProjectFactory

pytestmark = pytest.mark.django_db

YEAR = 2025
# the projects, and their forms, wards, indicators, parties and published evaluations of the year
REPORT_QUERIES = 6


def _url(name: str, year: int = YEAR) -> str:
    return reverse(f"evaluations:{name}", kwargs={"fiscal_year": year})


@pytest.fixture
def year_projects(project, kawasaki, schemes, kawasaki_wards):
    """FY2025: the fixture's project (FY2024–2025, evaluated), a citywide one of 2025 only with a formula-like
    title and partner (not evaluated), one of 2023 only, a draft, and one whose evaluation is not published."""
    itaku = CollaborationForm.objects.get(code="itaku")
    project.forms.set([itaku])
    evaluated = published_round(project, YEAR, partner_scores={"mokuteki": 5}, city_scores=2, next_step=NextStep.EXPAND)
    published_round(project, YEAR - 1, partner_scores=1, city_scores=1)
    citywide = ProjectFactory(
        title='=HYPERLINK("http://example.com")の清掃',
        municipality=kawasaki,
        scheme=schemes["kyodo_gata"],
        is_citywide=True,
        parties=[PartnerFactory(name="+81 多摩川の会", municipality=kawasaki)],
        amount=1_200_000,
        amount_label="補助金",
        fiscal_year_start=YEAR,
    )
    old = ProjectFactory(title="昔の事業", municipality=kawasaki, amount=999, fiscal_year_start=2023)
    draft = ProjectFactory(
        title="下書きの事業", municipality=kawasaki, amount=999, fiscal_year_start=YEAR, is_published=False
    )
    pending = ProjectFactory(
        title="振り返り中の事業", municipality=kawasaki, fiscal_year_start=2024, fiscal_year_end=2026
    )
    writing = published_round(pending, YEAR)
    EvaluationRound.objects.filter(pk=writing.pk).update(status=Status.PROPOSED)
    return {"evaluated": evaluated, "citywide": citywide, "old": old, "draft": draft, "pending": pending}


# ----------------------------------------------------------------------------------------------------------
# What it holds


def test_the_report_holds_the_published_projects_of_the_year_and_their_evaluations(year_projects, project):
    report = reports.yearly_report(fiscal_year=YEAR)

    keys = [(row.project.sort_key, row.project.pk) for row in report.rows]
    assert keys == sorted(keys)  # in kana order
    assert {row.project.title for row in report.rows} == {
        "放課後の居場所づくり",
        '=HYPERLINK("http://example.com")の清掃',
        "振り返り中の事業",
    }
    by_title = {row.project.title: row for row in report.rows}
    evaluation = by_title["放課後の居場所づくり"].evaluation
    assert evaluation.pk == year_projects["evaluated"].pk  # this year's round, not last year's
    assert evaluation.partner_average == pytest.approx((5 + 3 * 5) / 6)
    assert evaluation.city_average == pytest.approx(2)
    assert by_title["振り返り中の事業"].evaluation is None  # proposed, not yet published
    assert by_title['=HYPERLINK("http://example.com")の清掃'].evaluation is None
    assert report.project_count == 3
    assert report.total_amount == 600_000 + 1_200_000
    assert report.without_amount == 1
    assert report.evaluated_count == 1


def test_a_project_is_in_the_report_of_a_year_it_has_a_published_evaluation_of(project, kawasaki):
    """Even where its record's years were later narrowed: the published evaluation is part of the year."""
    published_round(project, 2024)
    project.fiscal_year_start = 2025
    project.save()
    report = reports.yearly_report(fiscal_year=2024)
    assert [row.project.pk for row in report.rows] == [project.pk]
    assert report.evaluated_count == 1


def test_the_indicators_are_those_published_with_the_evaluation(year_projects, project):
    project.indicators.filter(name="参加児童").update(actual_value=999)
    rows = {row.project.pk: row for row in reports.yearly_report(fiscal_year=YEAR).rows}
    assert [(i.name, i.planned, i.actual) for i in rows[project.pk].figures.indicators] == [
        ("参加児童", 50, 60),
        ("開催回数", 40, 30),
    ]


def test_the_printable_page(year_projects, project, client_for):
    response = client_for(None).get(_url("yearly_report"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "令和7年度（2025年度）" in page
    assert '<th scope="row"><a href="/projects/' in page
    for text in ("放課後の居場所づくり", "中原区", "中原区役所 生涯学習支援課", "委託・請負", "区の市民提案型事業"):
        assert text in page
    assert "なかはら子ども応援団" in page and "+81 多摩川の会" in page
    assert "市全域" in page
    assert "600,000円" in page and "1,800,000円" in page  # the amount and the total
    assert "参加児童：50人／60人" in page
    assert "3.3" in page and "2.0" in page  # each side's average
    assert year_projects["evaluated"].get_report_url() in page
    assert "昔の事業" not in page and "下書きの事業" not in page
    # Links to the PDF, the CSV and the neighbouring years; print CSS hides the navigation and the tools.
    for name in ("yearly_report_pdf", "yearly_report_csv"):
        assert _url(name) in page
    assert _url("yearly_report", YEAR - 1) in page and _url("yearly_report", YEAR + 1) in page
    assert "@media print" in page and ".site-header" in page and ".report-tools" in page
    assert '<caption id="report-caption">' in page and '<th scope="col">' in page


def test_an_empty_year_says_so(db, reference_data, client_for):
    response = client_for(None).get(_url("yearly_report", 1990))
    assert response.status_code == 200
    assert _("No published collaboration project ran in this fiscal year.") in response.content.decode()
    assert "平成2年度（1990年度）" in response.content.decode()


@pytest.mark.parametrize("name", ["yearly_report", "yearly_report_pdf", "yearly_report_csv"])
@pytest.mark.parametrize("year", [0, 1949, 2101, 99999999999999999999])
def test_a_year_out_of_range_is_not_found(db, client_for, name, year):
    assert client_for(None).get(_url(name, year)).status_code == 404


@pytest.mark.parametrize(("year", "beyond", "inside"), [(1950, 1949, 1951), (2100, 2101, 2099)])
def test_the_first_and_last_years_are_reports_without_a_link_beyond(
    db, reference_data, client_for, year, beyond, inside
):
    response = client_for(None).get(_url("yearly_report", year))
    assert response.status_code == 200
    page = response.content.decode()
    assert f"/evaluations/report/{beyond}/" not in page
    assert _url("yearly_report", inside) in page


def test_the_report_makes_a_fixed_number_of_queries(
    year_projects, kawasaki, schemes, client_for, django_assert_max_num_queries
):
    client = client_for(None)
    with CaptureQueriesContext(connection) as few, django_assert_max_num_queries(REPORT_QUERIES):
        assert client.get(_url("yearly_report")).status_code == 200
    for index in range(6):
        extra = ProjectFactory(
            title=f"追加の事業{index}",
            municipality=kawasaki,
            scheme=schemes["ward_proposal"],
            parties=[PartnerFactory(municipality=kawasaki)],
            fiscal_year_start=YEAR,
        )
        published_round(extra, YEAR)
    with CaptureQueriesContext(connection) as many:
        assert client.get(_url("yearly_report")).status_code == 200
    assert len(many) == len(few)


# ----------------------------------------------------------------------------------------------------------
# CSV


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_csv_is_utf8_with_a_bom_and_japanese_headers(year_projects, client_for):
    response = client_for(None).get(_url("yearly_report_csv"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and 'filename="kyodo-report-2025.csv"' in disposition
    assert f"filename*=UTF-8''{quote('協働事業実施状況_2025年度.csv')}" in disposition
    rows = _csv_rows(response)
    assert rows[0] == reports.CSV_HEADERS
    assert rows[0][:3] == ["年度", "事業名", "区"]
    assert len(rows) == 1 + 3
    by_title = {row[1]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    evaluated = by_title["放課後の居場所づくり"]
    assert evaluated["区"] == "中原区"
    assert evaluated["所管課"] == "中原区役所 生涯学習支援課"
    assert evaluated["協働の形態"] == "委託・請負"
    assert evaluated["金額（円）"] == "600000"
    assert evaluated["成果指標（計画／実績）"] == "参加児童：計画 50人／実績 60人\n開催回数：計画 40回／実績 30回"
    assert evaluated["振り返り"] == "公表済み"
    assert (evaluated["団体側の平均点"], evaluated["市側の平均点"]) == ("3.3", "2.0")
    assert evaluated["振り返りのURL"] == "http://testserver" + year_projects["evaluated"].get_report_url()
    assert by_title["振り返り中の事業"]["振り返り"] == "なし"


def test_the_csv_keeps_formula_like_cells_text(year_projects, client_for):
    rows = _csv_rows(client_for(None).get(_url("yearly_report_csv")))
    citywide = next(row for row in rows if "HYPERLINK" in row[1])
    assert citywide[1] == '\'=HYPERLINK("http://example.com")の清掃'
    assert citywide[6] == "'+81 多摩川の会"
    assert citywide[2] == "市全域"
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_the_csv_is_japanese_in_the_english_interface(year_projects, client_for):
    client = client_for(None)
    client.cookies["django_language"] = "en"
    english = client.get(_url("yearly_report"), HTTP_ACCEPT_LANGUAGE="en")
    assert "The whole city" in english.content.decode()
    rows = _csv_rows(client.get(_url("yearly_report_csv"), HTTP_ACCEPT_LANGUAGE="en"))
    assert rows[0][0] == "年度"
    assert next(row for row in rows if "HYPERLINK" in row[1])[2] == "市全域"


# ----------------------------------------------------------------------------------------------------------
# PDF


def test_the_pdf_holds_the_report_with_its_japanese_fonts(year_projects, client_for, pdf_fonts):
    from pypdf import PdfReader

    response = client_for(None).get(_url("yearly_report_pdf"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline;") and 'filename="kyodo-report-2025.pdf"' in disposition
    assert f"filename*=UTF-8''{quote('協働事業実施状況_2025年度.pdf')}" in disposition
    reader = PdfReader(io.BytesIO(response.content))
    page = reader.pages[0]
    assert page.mediabox.width > page.mediabox.height  # A4 landscape
    text = "".join(page.extract_text() for page in reader.pages)
    for expected in ("令和7年度（2025年度）", "放課後の居場所づくり", "なかはら子ども応援団", "1,800,000円"):
        assert expected in text.replace("\n", "")
    descriptors = [
        descendant.get_object()["/FontDescriptor"].get_object()
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
        for descendant in font.get_object().get("/DescendantFonts", [])
    ]
    assert descriptors
    assert all("/FontFile2" in descriptor or "/FontFile3" in descriptor for descriptor in descriptors)


def test_without_a_font_the_pdf_points_to_the_printable_page(year_projects, client_for, settings):
    settings.PDF_FONTS = {"mincho": ["/nonexistent/ipaexm.ttf"], "gothic": ["/nonexistent/ipaexg.ttf"]}
    response = client_for(None).get(_url("yearly_report_pdf"))
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert _url("yearly_report") in response.content.decode()
    assert "PDFを作成できません" in response.content.decode()

"""The yearly report 協働事業実施状況: the published projects that ran in a fiscal year, with that year's published
evaluation where there is one; read for the printable page and the PDF, and written out as CSV."""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Prefetch, Q
from django.utils import translation
from django.utils.translation import gettext as _

from evaluations.models import EvaluationRound
from evaluations.services import Figures, IndicatorFigure, round_figures
from evaluations.workflow import Side
from partners.csv_io import safe_cell
from projects.filters import fiscal_year_q
from projects.models import Project, ProjectParty

FISCAL_YEAR_MIN = 1950
FISCAL_YEAR_MAX = 2100

DOCUMENT_TEMPLATE = "evaluations/yearly_report.html"
PAGE_LAYOUT = "base.html"
PDF_LAYOUT = "includes/pdf_layout.html"


@dataclass(frozen=True)
class ReportRow:
    project: Project
    # The year's published evaluation, annotated with partner_average and city_average; None if not evaluated.
    evaluation: EvaluationRound | None
    # The evaluation's figures as published, else the project's indicators as its record has them.
    figures: Figures

    @property
    def areas(self) -> list[str]:
        return area_names(self.project)

    @property
    def department(self) -> str:
        return department_name(self.project)


@dataclass(frozen=True)
class YearlyReport:
    fiscal_year: int
    rows: list[ReportRow]

    @property
    def project_count(self) -> int:
        return len(self.rows)

    @property
    def total_amount(self) -> int:
        return sum(row.project.amount for row in self.rows if row.project.amount is not None)

    @property
    def without_amount(self) -> int:
        return sum(1 for row in self.rows if row.project.amount is None)

    @property
    def evaluated_count(self) -> int:
        return sum(1 for row in self.rows if row.evaluation is not None)

    @property
    def previous_year(self) -> int | None:
        return self.fiscal_year - 1 if self.fiscal_year > FISCAL_YEAR_MIN else None

    @property
    def next_year(self) -> int | None:
        return self.fiscal_year + 1 if self.fiscal_year < FISCAL_YEAR_MAX else None


def fiscal_year_in_range(fiscal_year: int) -> bool:
    return FISCAL_YEAR_MIN <= fiscal_year <= FISCAL_YEAR_MAX


def area_names(project: Project) -> list[str]:
    """The project's wards, and the whole city where it covers it (from prefetched wards)."""
    names = [ward.display_name for ward in project.wards.all()]
    return [_("The whole city"), *names] if project.is_citywide else names


def yearly_report(*, fiscal_year: int) -> YearlyReport:
    """The published projects that ran in the fiscal year (or have a published evaluation of it), in kana
    order, with their forms, wards, parties, indicators and the year's published evaluation: six queries."""
    evaluations = (
        EvaluationRound.objects.published()
        .filter(fiscal_year=fiscal_year)
        .annotate(
            partner_average=Avg("sides__ratings__score", filter=Q(sides__side=Side.PARTNER)),
            city_average=Avg("sides__ratings__score", filter=Q(sides__side=Side.CITY)),
        )
        .order_by()
    )
    evaluated_projects = EvaluationRound.objects.published().filter(fiscal_year=fiscal_year).values("project_id")
    projects = (
        Project.objects.published()
        .filter(fiscal_year_q(fiscal_year) | Q(pk__in=evaluated_projects))
        .select_related("scheme", "responsible_department__parent")
        .prefetch_related(
            "forms",
            "wards",
            "indicators",
            Prefetch("parties", queryset=ProjectParty.objects.select_related("partner")),
            Prefetch("evaluation_rounds", queryset=evaluations, to_attr="year_evaluations"),
        )
        .order_by("sort_key", "pk")
    )
    rows = []
    for project in projects:
        evaluation = project.year_evaluations[0] if project.year_evaluations else None
        if evaluation is not None:
            figures = round_figures(evaluation, indicators=list(project.indicators.all()))
        else:
            figures = Figures.of_record(cost_amount=project.amount, indicators=list(project.indicators.all()))
        rows.append(ReportRow(project=project, evaluation=evaluation, figures=figures))
    return YearlyReport(fiscal_year=fiscal_year, rows=rows)


def department_name(project: Project) -> str:
    """中原区役所 生涯学習支援課: a section under its parent's name (two ward offices have the same sections)."""
    department = project.responsible_department
    if department is None:
        return ""
    if department.parent_id:
        return f"{department.parent.display_name} {department.display_name}"
    return department.display_name


# ----------------------------------------------------------------------------------------------------------
# CSV: UTF-8 with a BOM (Excel opens it as UTF-8), fixed Japanese headers (a file format, not interface text)


CSV_LANGUAGE = "ja"
CSV_HEADERS = [
    "年度",
    "事業名",
    "区",
    "所管課",
    "協働の形態",
    "制度",
    "協働の相手",
    "金額（円）",
    "金額の内容",
    "成果指標（計画／実績）",
    "振り返り",
    "今後の方向性",
    "団体側の平均点",
    "市側の平均点",
    "振り返りのURL",
]


def _number(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"


def _average(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def indicator_text(indicator: IndicatorFigure) -> str:
    planned = f"{_number(indicator.planned)}{indicator.unit}" if indicator.planned is not None else "—"
    actual = f"{_number(indicator.actual)}{indicator.unit}" if indicator.actual is not None else "—"
    return f"{indicator.name}：計画 {planned}／実績 {actual}"


def yearly_report_csv(report: YearlyReport, *, absolute_url: Callable[[str], str]) -> bytes:
    """The report as CSV bytes, in Japanese whatever the interface language: a row per project; cells that a
    spreadsheet would run as a formula are kept text."""
    with translation.override(CSV_LANGUAGE):
        return ("\ufeff" + _csv_text(report, absolute_url)).encode("utf-8")


def _csv_text(report: YearlyReport, absolute_url: Callable[[str], str]) -> str:
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\r\n")
    writer.writerow(CSV_HEADERS)
    for row in report.rows:
        project, evaluation = row.project, row.evaluation
        cells = [
            str(report.fiscal_year),
            project.title,
            "、".join(row.areas),
            row.department,
            "、".join(form.display_name for form in project.forms.all()),
            project.scheme.display_name,
            "、".join(party.partner.name for party in project.parties.all()),
            "" if project.amount is None else str(project.amount),
            project.amount_label,
            "\n".join(indicator_text(indicator) for indicator in row.figures.indicators),
            ("公表済み（デモ用の内容）" if evaluation.is_demo else "公表済み") if evaluation is not None else "なし",
            evaluation.get_next_step_display() if evaluation is not None else "",
            _average(evaluation.partner_average) if evaluation is not None else "",
            _average(evaluation.city_average) if evaluation is not None else "",
            absolute_url(evaluation.get_report_url()) if evaluation is not None else "",
        ]
        writer.writerow([safe_cell(cell) for cell in cells])
    return output.getvalue()


def yearly_report_filename(fiscal_year: int, extension: str) -> str:
    """協働事業実施状況_2025年度.pdf."""
    return f"協働事業実施状況_{fiscal_year}年度.{extension}"

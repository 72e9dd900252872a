"""Public pages of the evaluations: the dashboard of published rounds and the yearly report (page, PDF, CSV).

Thin: read through evaluations/dashboard.py and evaluations/reports.py, render.
"""

import logging

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from evaluations import reports
from evaluations.dashboard import dashboard_charts, dashboard_for
from kyodo_portal.pdf import PdfUnavailable, content_disposition, render_pdf

logger = logging.getLogger(__name__)

PAGE_SIZE = 20


@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    """Anyone: figures of the published evaluations the filters select, as charts and tables, and their list."""
    data = dashboard_for(params=request.GET)
    page = Paginator(data.rounds, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "evaluations/dashboard.html",
        {
            "dashboard": data,
            "filter": data.filterset,
            "charts": dashboard_charts(data) if data.count else None,
            "page": page,
            "rounds": page.object_list,
        },
    )


def _report(fiscal_year: int) -> reports.YearlyReport:
    if not reports.fiscal_year_in_range(fiscal_year):
        raise Http404
    return reports.yearly_report(fiscal_year=fiscal_year)


@require_safe
def yearly_report(request: HttpRequest, fiscal_year: int) -> HttpResponse:
    """Anyone: the published projects of a fiscal year and their evaluations, as a page to print."""
    context = {"report": _report(fiscal_year), "layout": reports.PAGE_LAYOUT}
    return render(request, reports.DOCUMENT_TEMPLATE, context)


@require_safe
def yearly_report_pdf(request: HttpRequest, fiscal_year: int) -> HttpResponse:
    """The same report as a PDF, or 503 with a pointer to the printable page where the server cannot make one."""
    report = _report(fiscal_year)
    try:
        pdf = render_pdf(reports.DOCUMENT_TEMPLATE, {"report": report, "layout": reports.PDF_LAYOUT})
    except PdfUnavailable as error:
        logger.warning("The PDF of the yearly report cannot be made: %s", error)
        return render(
            request, "evaluations/yearly_report_pdf_unavailable.html", {"fiscal_year": fiscal_year}, status=503
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition(
        reports.yearly_report_filename(fiscal_year, "pdf"), f"kyodo-report-{fiscal_year}.pdf"
    )
    return response


@require_safe
def yearly_report_csv(request: HttpRequest, fiscal_year: int) -> HttpResponse:
    """The same report as CSV (UTF-8 with a BOM, Japanese headers), a row per project."""
    report = _report(fiscal_year)
    response = HttpResponse(
        reports.yearly_report_csv(report, absolute_url=request.build_absolute_uri),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = content_disposition(
        reports.yearly_report_filename(fiscal_year, "csv"), f"kyodo-report-{fiscal_year}.csv", inline=False
    )
    return response

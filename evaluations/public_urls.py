"""Public pages of the evaluations: the dashboard and the yearly report (see public_views)."""

from django.urls import path

from evaluations import public_views

urlpatterns = [
    path("", public_views.dashboard, name="dashboard"),
    path("report/<int:fiscal_year>/", public_views.yearly_report, name="yearly_report"),
    path("report/<int:fiscal_year>/pdf/", public_views.yearly_report_pdf, name="yearly_report_pdf"),
    path("report/<int:fiscal_year>/csv/", public_views.yearly_report_csv, name="yearly_report_csv"),
]

"""Public pages of the evaluations: the dashboard and the yearly report (see public_views)."""

urlpatterns: list = []

from django.urls import path

from evaluations import external_urls, public_urls, views

app_name = "evaluations"

urlpatterns = [
    path("mine/", views.my_evaluations, name="mine"),
    path("<int:pk>/", views.round_report, name="report"),
    path("projects/<int:project_pk>/<int:fiscal_year>/start/", views.round_start, name="start"),
    path("rounds/<int:pk>/", views.round_page, name="round"),
    path("rounds/<int:pk>/side/", views.side_edit, name="side_edit"),
    path("rounds/<int:pk>/summary/", views.summary_edit, name="summary_edit"),
    path("rounds/<int:pk>/<slug:move>/", views.round_move, name="move"),
    *public_urls.urlpatterns,
    *external_urls.urlpatterns,
]

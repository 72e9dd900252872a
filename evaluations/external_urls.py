"""Pages of the external evaluation (外部評価) cycles (see external_views)."""

from django.urls import path

from evaluations import external_views

urlpatterns = [
    path("external/", external_views.external_list, name="external_list"),
    path("external/manage/", external_views.cycle_manage, name="external_manage"),
    path("external/<int:pk>/", external_views.cycle_page, name="cycle"),
    path("external/<int:pk>/members/", external_views.cycle_members, name="cycle_members"),
    path("external/<int:pk>/publish/", external_views.cycle_publish, name="cycle_publish"),
    path("external/<int:pk>/unpublish/", external_views.cycle_unpublish, name="cycle_unpublish"),
    path("external/<int:pk>/projects/<int:project_pk>/comment/", external_views.comment_edit, name="cycle_comment"),
]

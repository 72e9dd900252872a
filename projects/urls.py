from django.urls import path

from projects import views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("<int:pk>/", views.project_detail_page, name="detail"),
    path("manage/", views.manage_list, name="manage"),
    path("manage/new/", views.project_create, name="manage_create"),
    path("manage/<int:pk>/", views.project_edit, name="manage_edit"),
    path("manage/<int:pk>/publish/", views.project_publish, name="manage_publish"),
    path("manage/<int:pk>/unpublish/", views.project_unpublish, name="manage_unpublish"),
    path("manage/<int:pk>/photos/", views.photo_add, name="manage_photo_add"),
    path("manage/<int:pk>/photos/<int:photo_pk>/delete/", views.photo_delete, name="manage_photo_delete"),
    path("manage/<int:pk>/attachments/", views.attachment_add, name="manage_attachment_add"),
    path(
        "manage/<int:pk>/attachments/<int:attachment_pk>/delete/",
        views.attachment_delete,
        name="manage_attachment_delete",
    ),
    path("manage/<int:pk>/history/", views.project_history, name="manage_history"),
]

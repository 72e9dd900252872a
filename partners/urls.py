"""URLs of the partner directory, of registering organisations and of their members."""

from django.urls import path

from partners import views

app_name = "partners"

urlpatterns = [
    path("", views.partner_list, name="list"),
    path("new/", views.organisation_create, name="organisation_create"),
    path("<int:pk>/", views.partner_detail_page, name="detail"),
    path("<int:pk>/join/", views.membership_request_page, name="join"),
    path("<int:pk>/members/", views.members_page, name="members"),
    path("<int:pk>/members/<int:membership_pk>/approve/", views.membership_approve, name="membership_approve"),
    path("<int:pk>/members/<int:membership_pk>/decline/", views.membership_decline, name="membership_decline"),
    path("<int:pk>/members/<int:membership_pk>/role/", views.membership_change_role, name="membership_role"),
    path("<int:pk>/members/<int:membership_pk>/remove/", views.membership_remove, name="membership_remove"),
]

from django.urls import path

from proposals import views

app_name = "proposals"

urlpatterns = [
    path("calls/", views.call_list_page, name="call_list"),
    path("calls/<int:pk>/", views.call_detail_page, name="call_detail"),
    path("calls/<int:pk>/propose/", views.proposal_start, name="start"),
    path("calls/manage/", views.manage_calls, name="manage_calls"),
    path("calls/manage/new/", views.call_create, name="manage_call_create"),
    path("calls/manage/<int:pk>/", views.call_edit, name="manage_call_edit"),
    path("calls/manage/<int:pk>/publish/", views.call_publish, name="manage_call_publish"),
    path("calls/manage/<int:pk>/proposals/", views.call_proposals, name="manage_call_proposals"),
    path("proposals/", views.my_proposals, name="mine"),
    path("proposals/<uuid:public_id>/", views.proposal_detail_page, name="detail"),
    path("proposals/<uuid:public_id>/edit/", views.proposal_edit, name="edit"),
    path("proposals/<uuid:public_id>/submit/", views.proposal_confirm, name="confirm"),
    path("proposals/<uuid:public_id>/withdraw/", views.proposal_withdraw, name="withdraw"),
    path("proposals/<uuid:public_id>/delete/", views.proposal_delete, name="delete"),
    path("proposals/<uuid:public_id>/revisions/", views.revision_compare, name="revisions"),
    path(
        "proposals/<uuid:public_id>/attachments/<uuid:attachment_id>/",
        views.attachment_download,
        name="attachment",
    ),
]

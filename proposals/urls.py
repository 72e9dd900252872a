from django.urls import path

from proposals import review_views, views

app_name = "proposals"

urlpatterns = [
    path("calls/", views.call_list_page, name="call_list"),
    path("calls/<int:pk>/", views.call_detail_page, name="call_detail"),
    path("calls/<int:pk>/propose/", views.proposal_start, name="start"),
    path("calls/manage/", views.manage_calls, name="manage_calls"),
    path("calls/manage/new/", views.call_create, name="manage_call_create"),
    path("calls/manage/<int:pk>/", views.call_edit, name="manage_call_edit"),
    path("calls/manage/<int:pk>/publish/", views.call_publish, name="manage_call_publish"),
    path("calls/<int:pk>/results/", review_views.call_results, name="call_results"),
    path("calls/manage/approvals/", review_views.approvals, name="approvals"),
    path("calls/manage/<int:pk>/proposals/", review_views.call_queue, name="manage_call_proposals"),
    path("calls/manage/<int:pk>/proposals.csv", review_views.call_export, name="manage_call_export"),
    path("calls/manage/<int:pk>/reviewers/", review_views.call_reviewers, name="manage_call_reviewers"),
    path("calls/manage/<int:pk>/results/", review_views.call_publish_results, name="manage_call_publish_results"),
    path("reviews/", review_views.my_reviews, name="my_reviews"),
    path("proposals/<uuid:public_id>/manage/", review_views.manage_proposal, name="manage_proposal"),
    path("proposals/<uuid:public_id>/manage/<slug:action>/", review_views.proposal_move, name="move"),
    path("proposals/<uuid:public_id>/review/", review_views.review_proposal, name="review"),
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

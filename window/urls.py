from django.urls import path

from window import views

app_name = "window"

urlpatterns = [
    path("", views.home, name="home"),
    path("statistics/", views.statistics_page, name="statistics"),
    path("new/", views.start, name="start"),
    path("mine/", views.mine, name="mine"),
    path("manage/", views.queue, name="queue"),
    path("manage/overdue/", views.overdue, name="overdue"),
    path("referrals/", views.referrals, name="referrals"),
    path("referrals/<int:pk>/answer/", views.referral_action, {"action": "answer"}, name="answer"),
    path("referrals/<int:pk>/pass-on/", views.referral_action, {"action": "pass_on"}, name="pass_on"),
    path("referrals/<int:pk>/reply/", views.referral_action, {"action": "reply"}, name="reply"),
    path("referrals/<int:pk>/recall/", views.referral_action, {"action": "recall"}, name="recall"),
    path("referrals/<int:pk>/follow-up/", views.referral_action, {"action": "follow_up"}, name="follow_up"),
    path("<uuid:public_id>/", views.detail, name="detail"),
    path("<uuid:public_id>/edit/", views.edit, name="edit"),
    path("<uuid:public_id>/submit/", views.confirm, name="confirm"),
    path("<uuid:public_id>/delete/", views.delete, name="delete"),
    path("<uuid:public_id>/withdraw/", views.proposal_action, {"action": "withdraw"}, name="withdraw"),
    path("<uuid:public_id>/acknowledge/", views.proposal_action, {"action": "acknowledge"}, name="acknowledge"),
    path("<uuid:public_id>/route/", views.proposal_action, {"action": "route"}, name="route"),
    path("<uuid:public_id>/publication/", views.proposal_action, {"action": "withhold"}, name="withhold"),
    path("<uuid:public_id>/attachments/<uuid:attachment_id>/", views.attachment, name="attachment"),
]

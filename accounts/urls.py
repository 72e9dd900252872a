"""The portal's own account pages; sign-up, login and passwords are allauth's, under the same prefix."""

from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("mypage/", views.mypage, name="mypage"),
    path("mypage/inbox/", views.inbox, name="inbox"),
]

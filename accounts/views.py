"""The portal's own account page (マイページ); sign-up, login and passwords are allauth's views."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from partners.selectors import membership_requests_for, memberships_of


@login_required
@require_safe
def mypage(request: HttpRequest) -> HttpResponse:
    """The signed-in user: their organisations, the requests waiting for them, and their account."""
    return render(
        request,
        "accounts/mypage.html",
        {
            "memberships": memberships_of(user=request.user),
            "requests": membership_requests_for(user=request.user),
        },
    )

"""The portal's own account page (マイページ); sign-up, login and passwords are allauth's views."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from accounts.notifications import inbox_of, notifications_mark_read, unread_count
from partners.models import StaffAssignment
from partners.selectors import membership_requests_for, memberships_of


@login_required
@require_safe
def mypage(request: HttpRequest) -> HttpResponse:
    """The signed-in user: their organisations, the requests waiting for them, and their account."""
    staff_roles = set(request.user.staff_assignments.values_list("role", flat=True))
    return render(
        request,
        "accounts/mypage.html",
        {
            "memberships": memberships_of(user=request.user),
            "requests": membership_requests_for(user=request.user),
            "unread": unread_count(user=request.user),
            "is_reviewer": request.user.reviewer_of.exists(),
            "is_approver": StaffAssignment.Role.APPROVER in staff_roles or request.user.is_superuser,
            "is_city_staff": bool(staff_roles),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def inbox(request: HttpRequest) -> HttpResponse:
    """The signed-in user's notifications (お知らせ), newest first; "mark all as read" (POST) clears the new marks."""
    page = Paginator(inbox_of(user=request.user), 20).get_page(request.GET.get("page"))
    notifications = list(page.object_list)
    if request.method == "POST":
        notifications_mark_read(user=request.user)
        return redirect("accounts:inbox")
    return render(request, "accounts/inbox.html", {"page": page, "notifications": notifications})

"""Site-wide pages: the home page."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from partners.selectors import partner_counts
from projects.selectors import published_project_count
from proposals.selectors import open_call_count


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """Anyone: what the portal is for, and the way to projects, partners and open calls."""
    return render(
        request,
        "home.html",
        {
            "partner_counts": partner_counts(user=request.user),
            "project_count": published_project_count(),
            "open_call_count": open_call_count(),
        },
    )

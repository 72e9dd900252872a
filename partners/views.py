"""Public pages of the partner directory. Thin: scope through selectors, render."""

import rules
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from partners.selectors import partner_detail, partner_directory
from projects.selectors import projects_of_partner

PAGE_SIZE = 20


@require_safe
def partner_list(request: HttpRequest) -> HttpResponse:
    """Anyone: the public directory (administrators also see records hidden from the public)."""
    directory = partner_directory(user=request.user, params=request.GET)
    page = Paginator(directory.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "partners/partner_list.html",
        {"filter": directory, "page": page, "partners": page.object_list},
    )


@require_safe
def partner_detail_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Anyone, for a public partner; administrators for any. Private contacts only for administrators."""
    partner = partner_detail(user=request.user, pk=pk)
    return render(
        request,
        "partners/partner_detail.html",
        {
            "partner": partner,
            "show_private": rules.test_rule("partners.view_private_contact", request.user),
            "projects": projects_of_partner(partner=partner),
        },
    )

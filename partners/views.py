"""Pages of the partner directory and of organisations' members. Thin: check, call a service, render."""

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from partners import membership as membership_services
from partners.forms import MembershipRequestForm, MembershipRoleForm, OrganisationForm
from partners.models import Membership, Partner
from partners.selectors import members_of, membership_of, partner_detail, partner_directory
from projects.selectors import projects_of_partner

PAGE_SIZE = 20


def _base_url(request: HttpRequest) -> str:
    """The portal's address as this request reached it, for the links in the mails a change sends."""
    return request.build_absolute_uri("/").rstrip("/")


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
    """Anyone, for a public partner; its members and administrators for any. Private contacts only for
    administrators."""
    partner = partner_detail(user=request.user, pk=pk)
    user = request.user
    return render(
        request,
        "partners/partner_detail.html",
        {
            "partner": partner,
            "show_private": rules.test_rule("partners.view_private_contact", user),
            "projects": projects_of_partner(partner=partner),
            "membership": membership_of(user=user, partner=partner),
            "may_join": rules.test_rule("partners.request_membership", user, partner),
            "may_manage_members": user.is_authenticated and rules.test_rule("partners.manage_members", user, partner),
        },
    )


@login_required
def organisation_create(request: HttpRequest) -> HttpResponse:
    """Any signed-in person: register an organisation and become its representative (代表者)."""
    if not rules.test_rule("partners.create_organisation", request.user):
        raise PermissionDenied
    form = OrganisationForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                partner = membership_services.organisation_create(
                    form=form, user=request.user, base_url=_base_url(request)
                )
            except membership_services.OrganisationAlreadyRegistered as already:
                if already.is_member:
                    messages.warning(request, str(already))
                    return redirect(already.partner)
                form.add_error(
                    "name",
                    format_html('{} <a href="{}">{}</a>', already, already.partner.get_absolute_url(), _("Its page")),
                )
            else:
                messages.success(
                    request,
                    _(
                        "%(name)s is registered. The city checks new organisations before they appear in the "
                        "directory; until then only you and the city's staff see this page."
                    )
                    % {"name": partner.name},
                )
                return redirect(partner)
        messages.error(request, _("The organisation was not registered. Correct the fields marked below."))
    return render(request, "partners/organisation_form.html", {"form": form})


@login_required
def membership_request_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A signed-in person who is not yet a member: ask to join a public organisation."""
    partner = partner_detail(user=request.user, pk=pk)
    membership = membership_of(user=request.user, partner=partner)
    if membership is not None and membership.status != Membership.Status.DECLINED:
        if membership.is_active:
            messages.info(request, _("You are already a member of %(name)s.") % {"name": partner.name})
        else:
            messages.info(
                request, _("Your request to join %(name)s is already waiting for a decision.") % {"name": partner.name}
            )
        return redirect(partner)
    if not rules.test_rule("partners.request_membership", request.user, partner):
        raise PermissionDenied
    form = MembershipRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership_services.membership_request(
                partner=partner, user=request.user, message=form.cleaned_data["message"], base_url=_base_url(request)
            )
        except membership_services.MembershipError as error:
            messages.info(request, str(error))
        else:
            messages.success(
                request,
                _("Your request to join %(name)s was sent. You will get a mail when it has been decided.")
                % {"name": partner.name},
            )
        return redirect(partner)
    return render(request, "partners/membership_request.html", {"partner": partner, "form": form})


def _managed_partner(request: HttpRequest, pk: int) -> Partner:
    partner = Partner.objects.select_related("partner_type").filter(pk=pk).first()
    # Not found for those who may not see the organisation at all, so hidden ones stay unknown.
    if partner is None or not rules.test_rule("partners.view_partner_page", request.user, partner):
        raise Http404
    if not rules.test_rule("partners.manage_members", request.user, partner):
        raise PermissionDenied
    return partner


@login_required
@require_safe
def members_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The organisation's representatives, partner editors and administrators: members and requests."""
    partner = _managed_partner(request, pk)
    return render(
        request,
        "partners/members.html",
        {"partner": partner, **members_of(partner=partner), "roles": Membership.Role.choices},
    )


def _membership_action(request: HttpRequest, pk: int, membership_pk: int, action) -> HttpResponse:
    partner = _managed_partner(request, pk)
    membership = get_object_or_404(Membership.objects.select_related("user"), pk=membership_pk, partner=partner)
    try:
        success = action(membership)
    except membership_services.MembershipError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return redirect("partners:members", pk=partner.pk)


@login_required
@require_POST
def membership_approve(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    def approve(membership: Membership) -> str:
        membership_services.membership_approve(membership=membership, user=request.user, base_url=_base_url(request))
        return _("%(name)s is now a member.") % {"name": membership.user}

    return _membership_action(request, pk, membership_pk, approve)


@login_required
@require_POST
def membership_decline(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    def decline(membership: Membership) -> str:
        membership_services.membership_decline(membership=membership, user=request.user, base_url=_base_url(request))
        return _("The request of %(name)s was declined.") % {"name": membership.user}

    return _membership_action(request, pk, membership_pk, decline)


@login_required
@require_POST
def membership_change_role(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    def change_role(membership: Membership) -> str:
        form = MembershipRoleForm(request.POST)
        if not form.is_valid():
            raise membership_services.MembershipError(_("Choose a role from the list."))
        changed = membership_services.membership_change_role(
            membership=membership, role=form.cleaned_data["role"], user=request.user
        )
        return _("%(name)s is now %(role)s.") % {"name": changed.user, "role": changed.get_role_display()}

    return _membership_action(request, pk, membership_pk, change_role)


@login_required
@require_POST
def membership_remove(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    def remove(membership: Membership) -> str:
        membership_services.membership_remove(membership=membership, user=request.user)
        return _("%(name)s is no longer a member.") % {"name": membership.user}

    return _membership_action(request, pk, membership_pk, remove)

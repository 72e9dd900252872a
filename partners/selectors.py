"""Every non-trivial read of partners, scoped to what the user may see."""

import rules
from django.contrib.auth.models import Permission
from django.db import models
from django.db.models import Count, Q
from django.http import Http404, QueryDict

from accounts.models import User
from partners.filters import PartnerFilter
from partners.models import Membership, Partner, PartnerQuerySet


def partners_visible_to(*, user) -> PartnerQuerySet:
    partners = Partner.objects.all()
    if rules.test_rule("partners.view_hidden_partners", user):
        return partners
    return partners.public()


def partner_directory(*, user, params: QueryDict) -> PartnerFilter:
    """The filtered directory for a user; ``.qs`` is scoped and carries what the list page shows."""
    queryset = partners_visible_to(user=user).with_list_relations()
    # Invalid input (an unknown type, a ward id that is not a number) shows its message on the form
    # and the remaining valid filters still apply; it never fails the page.
    return PartnerFilter(data=params or None, queryset=queryset)


def partner_detail(*, user, pk: int) -> Partner:
    partner = (
        Partner.objects.select_related(
            "partner_type", "municipality", "department__parent", "represented_municipality", "verified_by"
        )
        .prefetch_related("fields", "wards")
        .filter(pk=pk)
        .first()
    )
    if partner is None or not rules.test_rule("partners.view_partner_page", user, partner):
        raise Http404
    return partner


def partner_counts(*, user) -> dict[str, int]:
    counts = partners_visible_to(user=user).aggregate(
        total=Count("id"), verified=Count("id", filter=Q(verified_at__isnull=False))
    )
    return {"total": counts["total"], "verified": counts["verified"]}


def memberships_of(*, user) -> "models.QuerySet[Membership]":
    """A user's memberships, every status, with the organisation."""
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(user=user).select_related("partner__partner_type").order_by("partner__sort_key")


def organisations_of(*, user) -> PartnerQuerySet:
    """The organisations a user is an active member of."""
    if not user.is_authenticated:
        return Partner.objects.none()
    return Partner.objects.filter(memberships__user=user, memberships__status=Membership.Status.ACTIVE).select_related(
        "partner_type"
    )


def membership_of(*, user, partner: Partner) -> Membership | None:
    """The user's membership of this organisation (any status), or None."""
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, partner=partner).first()


def members_of(*, partner: Partner) -> dict[str, "models.QuerySet[Membership]"]:
    """An organisation's active members (representatives first) and its open requests to join."""
    memberships = Membership.objects.filter(partner=partner).select_related("user").order_by("-role", "created_at")
    return {
        "active": memberships.filter(status=Membership.Status.ACTIVE),
        "pending": memberships.filter(status=Membership.Status.PENDING).order_by("created_at"),
    }


def membership_requests_for(*, user) -> "models.QuerySet[Membership]":
    """Requests to join that wait for this user: those of the organisations they represent."""
    if not user.is_authenticated:
        return Membership.objects.none()
    represented = Membership.objects.filter(
        user=user, status=Membership.Status.ACTIVE, role=Membership.Role.REPRESENTATIVE
    ).values("partner_id")
    return (
        Membership.objects.pending()
        .filter(partner_id__in=represented)
        .select_related("user", "partner")
        .order_by("created_at")
    )


def representatives_of(*, partner: Partner) -> "models.QuerySet[User]":
    return User.objects.filter(
        is_active=True,
        memberships__partner=partner,
        memberships__status=Membership.Status.ACTIVE,
        memberships__role=Membership.Role.REPRESENTATIVE,
    )


def partner_reviewers() -> "models.QuerySet[User]":
    """The people who check and publish partner records: administrators and partner editors."""
    permission = Permission.objects.filter(content_type__app_label="partners", codename="change_partner")
    can_change = Q(groups__permissions__in=permission) | Q(user_permissions__in=permission)
    return (
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | (Q(is_staff=True) & can_change))
        .exclude(email="")
        .distinct()
        .order_by("email")
    )

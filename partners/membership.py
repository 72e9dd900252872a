"""Every write to organisations and their members: registration, requests to join, decisions, roles."""

from functools import partial

import rules
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from kyodo_portal.text import normalize, tidy_line
from partners.forms import OrganisationForm
from partners.models import Membership, Partner
from partners.notifications import (
    membership_decided_notify,
    membership_requested_notify,
    organisation_registered_notify,
)
from partners.services import partner_save_from_form


class MembershipError(Exception):
    """A change to an organisation or its members that cannot be made, with a message for the user."""


class OrganisationAlreadyRegistered(MembershipError):
    """An organisation of that name is already registered in that municipality."""

    def __init__(self, message: str, *, partner: Partner, is_member: bool) -> None:
        super().__init__(message)
        self.partner = partner
        self.is_member = is_member


class MembershipAlreadyRequested(MembershipError):
    """The user's earlier request to join still waits for a decision; nothing new was sent."""


def _check(rule: str, user: User, partner: Partner) -> None:
    if not rules.test_rule(rule, user, partner):
        raise PermissionDenied


@transaction.atomic
def organisation_create(*, form: OrganisationForm, user: User, base_url: str = "") -> Partner:
    """Register an organisation from a validated form, with the user as its representative (代表者).

    The record stays hidden and unverified until an administrator checks it; the administrators
    and partner editors get a mail. A form submitted twice registers one organisation.
    """
    if not rules.test_rule("partners.create_organisation", user):
        raise PermissionDenied
    # Serialises one person's submissions, so that a double-submitted form finds the first organisation.
    User.objects.select_for_update().filter(pk=user.pk).first()
    name = tidy_line(form.cleaned_data["name"])
    municipality = form.cleaned_data["municipality"]
    same_name = Partner.objects.filter(name_key=normalize(name), municipality=municipality).first()
    if same_name is not None:
        is_member = same_name.memberships.filter(user=user, status=Membership.Status.ACTIVE).exists()
        message = (
            _("You have already registered %(name)s.")
            if is_member
            else _("%(name)s is already registered in %(municipality)s. Ask to join it instead.")
        )
        raise OrganisationAlreadyRegistered(
            message % {"name": same_name.name, "municipality": municipality.name},
            partner=same_name,
            is_member=is_member,
        )
    form.instance.is_public = False
    partner = partner_save_from_form(form=form, user=user, reason=_("Registered on the portal"))
    now = timezone.now()
    membership = Membership(
        user=user,
        partner=partner,
        role=Membership.Role.REPRESENTATIVE,
        status=Membership.Status.ACTIVE,
        decided_by=user,
        decided_at=now,
    )
    membership._history_user = user
    membership.save()
    transaction.on_commit(
        partial(organisation_registered_notify, partner=partner, creator=user, base_url=base_url), robust=True
    )
    return partner


@transaction.atomic
def membership_request(*, partner: Partner, user: User, message: str = "", base_url: str = "") -> Membership:
    """Ask to join an organisation; its representatives (or, without any, the city) get a mail.

    Asking again while a request waits changes nothing; after a refusal a new request may be made.
    """
    # Locking the organisation serialises requests, so that two at once make one membership row; only its
    # own row is locked, not the partner type that every organisation of that type shares.
    partner = Partner.objects.select_for_update(of=("self",)).select_related("partner_type").get(pk=partner.pk)
    _check("partners.request_membership", user, partner)
    membership = Membership.objects.filter(user=user, partner=partner).first()
    if membership is not None and membership.status == Membership.Status.ACTIVE:
        raise MembershipError(_("You are already a member of %(name)s.") % {"name": partner.name})
    if membership is not None and membership.status == Membership.Status.PENDING:
        raise MembershipAlreadyRequested(
            _("Your request to join %(name)s is already waiting for a decision.") % {"name": partner.name}
        )
    if membership is None:
        membership = Membership(user=user, partner=partner)
    membership.role = Membership.Role.STAFF
    membership.status = Membership.Status.PENDING
    membership.message = message.strip()
    membership.decided_by = None
    membership.decided_at = None
    membership.created_at = timezone.now()
    membership._history_user = user
    membership.save()
    transaction.on_commit(partial(membership_requested_notify, membership=membership, base_url=base_url), robust=True)
    return membership


def _locked(membership: Membership) -> Membership:
    return (
        Membership.objects.select_for_update(of=("self",))
        .select_related("partner__partner_type", "user")
        .get(pk=membership.pk)
    )


def _decide(*, membership: Membership, user: User, status: str, base_url: str) -> Membership:
    # Two representatives may decide the same request at once: the second finds it decided.
    membership = _locked(membership)
    _check("partners.manage_members", user, membership.partner)
    if membership.status != Membership.Status.PENDING:
        raise MembershipError(_("This request has already been decided."))
    membership.status = status
    membership.decided_by = user
    membership.decided_at = timezone.now()
    membership._history_user = user
    membership.save(update_fields=["status", "decided_by", "decided_at"])
    transaction.on_commit(partial(membership_decided_notify, membership=membership, base_url=base_url), robust=True)
    return membership


@transaction.atomic
def membership_approve(*, membership: Membership, user: User, base_url: str = "") -> Membership:
    """Accept a request to join as a member of staff (担当者); the person who asked gets a mail."""
    return _decide(membership=membership, user=user, status=Membership.Status.ACTIVE, base_url=base_url)


@transaction.atomic
def membership_decline(*, membership: Membership, user: User, base_url: str = "") -> Membership:
    """Refuse a request to join; the person who asked gets a mail and may ask again later."""
    return _decide(membership=membership, user=user, status=Membership.Status.DECLINED, base_url=base_url)


def _lock_members(membership: Membership, user: User) -> tuple[Membership, int]:
    """The membership and the organisation's number of representatives, with its active members locked.

    Locking every active member of the organisation means two representatives demoting or removing
    each other at the same time cannot leave it without one.
    """
    active = list(
        Membership.objects.select_for_update()
        .filter(partner_id=membership.partner_id, status=Membership.Status.ACTIVE)
        .order_by("pk")
    )
    membership = _locked(membership)
    _check("partners.manage_members", user, membership.partner)
    if membership.status != Membership.Status.ACTIVE:
        raise MembershipError(_("This person is not a member of the organisation."))
    representatives = sum(1 for other in active if other.role == Membership.Role.REPRESENTATIVE)
    return membership, representatives


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, user: User) -> Membership:
    """Make a member the organisation's representative (代表者) or a member of staff (担当者)."""
    if role not in Membership.Role.values:
        raise MembershipError(_("Choose a role from the list."))
    membership, representatives = _lock_members(membership, user)
    if membership.role == role:
        return membership
    if membership.role == Membership.Role.REPRESENTATIVE and representatives <= 1:
        raise MembershipError(
            _("%(name)s is the only representative. Make another member a representative first.")
            % {"name": membership.user}
        )
    membership.role = role
    membership._history_user = user
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, user: User) -> None:
    """Take a member out of the organisation; the last representative stays."""
    membership, representatives = _lock_members(membership, user)
    if membership.role == Membership.Role.REPRESENTATIVE and representatives <= 1:
        raise MembershipError(
            _("%(name)s is the only representative and cannot be removed. Make another member a representative first.")
            % {"name": membership.user}
        )
    membership._history_user = user
    membership.delete()

"""Mails about organisations and their members, sent after the change that causes them commits."""

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mass_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from accounts.models import User
from partners.models import Membership, Partner
from partners.selectors import partner_reviewers, representatives_of


def _send(*, template: str, context: dict, recipients: Iterable[str]) -> int:
    """One message per recipient, so that nobody sees the others' addresses."""
    recipients = sorted(set(recipients))
    if not recipients:
        return 0
    # Staff and representatives read the portal in Japanese; the mail does not depend on the language
    # the person who caused it happened to browse in.
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"partners/email/{template}_subject.txt", context)
        subject = f"[{gettext('Kyodo Portal')}] {' '.join(subject.split())}"
        body = render_to_string(f"partners/email/{template}_message.txt", context)
    return send_mass_mail([(subject, body, None, [address]) for address in recipients])


def organisation_registered_notify(*, partner: Partner, creator: User, base_url: str) -> int:
    """Tell the administrators and partner editors that a new organisation waits to be checked."""
    context = {
        "partner": partner,
        "creator": creator,
        "admin_url": base_url + reverse("admin:partners_partner_change", args=[partner.pk]),
        "page_url": base_url + partner.get_absolute_url(),
    }
    return _send(
        template="organisation_registered",
        context=context,
        recipients=partner_reviewers().values_list("email", flat=True),
    )


def membership_requested_notify(*, membership: Membership, base_url: str) -> int:
    """Tell the organisation's representatives (or, where it has none, the city) about a request to join."""
    partner = membership.partner
    recipients = list(representatives_of(partner=partner).values_list("email", flat=True))
    has_representative = bool(recipients)
    if not has_representative:
        recipients = list(partner_reviewers().values_list("email", flat=True))
    context = {
        "membership": membership,
        "partner": partner,
        "requester": membership.user,
        "has_representative": has_representative,
        "members_url": base_url + reverse("partners:members", args=[partner.pk]),
    }
    return _send(template="membership_requested", context=context, recipients=recipients)


def membership_decided_notify(*, membership: Membership, base_url: str) -> int:
    """Tell the person who asked to join whether the organisation accepted them."""
    template = "membership_approved" if membership.is_active else "membership_declined"
    context = {
        "membership": membership,
        "partner": membership.partner,
        "page_url": base_url + membership.partner.get_absolute_url(),
        "mypage_url": base_url + reverse("accounts:mypage"),
    }
    return _send(template=template, context=context, recipients=[membership.user.email])

"""The in-portal inbox and the e-mail that goes with each of its messages."""

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Notification, User

logger = logging.getLogger(__name__)


def notify(*, users: Iterable[User], subject: str, body: str, path: str = "", key: str = "") -> list[Notification]:
    """Put a message in each person's inbox now and mail it once the transaction commits.

    With a key, a person who already has a message with that key gets nothing new (reminders run
    daily and must not repeat). One mail per person, so nobody sees the others' addresses; a mail
    server that is down is logged, never the user's error: the message is in the inbox anyway.
    """
    people = {person.pk: person for person in users if person is not None and person.is_active}
    if key:
        done = set(Notification.objects.filter(key=key, user_id__in=people).values_list("user_id", flat=True))
        people = {pk: person for pk, person in people.items() if pk not in done}
    created = [
        Notification.objects.create(user=person, subject=subject, body=body, url=path, key=key)
        for person in sorted(people.values(), key=lambda person: person.email)
    ]
    if created:
        addresses = [(person.pk, person.email) for person in people.values() if person.email]
        link = f"{settings.PORTAL_BASE_URL}{path}" if path else ""
        text = f"{body}\n\n{link}\n" if link else body
        transaction.on_commit(lambda: _mail(subject, text, addresses), robust=True)
    return created


def _mail(subject: str, text: str, addresses: list[tuple[int, str]]) -> None:
    for user_id, address in sorted(addresses, key=lambda pair: pair[1]):
        try:
            send_mail(subject, text, None, [address])
        except Exception:
            logger.exception("Notification mail to user %s failed", user_id)


def inbox_of(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user)


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notifications_mark_read(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())

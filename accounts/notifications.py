"""The in-portal inbox (お知らせ) and the e-mail that goes with each of its messages."""

import logging
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Notification, User

logger = logging.getLogger(__name__)

# Mails and inbox messages are written in Japanese, whatever the language of the page that caused them.
MAIL_LANGUAGE = "ja"


def deliver(
    *, users: Iterable[User], subject: str, body: str | Callable[[User], str], path: str = "", key: str = ""
) -> int:
    """Put a message in each person's inbox and mail it to them; return how many were delivered.

    The body may depend on the person (a salutation). With a key, a person who already has a message
    with that key gets nothing new: reminders run daily and must not repeat. One mail per person, so
    nobody sees the others' addresses. A mail server that is down is logged, never the user's error:
    the message is in the inbox anyway.
    """
    people = {person.pk: person for person in users if person is not None and person.is_active}
    if key:
        done = Notification.objects.filter(key=key, user_id__in=people).values_list("user_id", flat=True)
        for user_id in set(done):
            people.pop(user_id)
    link = f"{settings.PORTAL_BASE_URL}{path}" if path else ""
    for person in sorted(people.values(), key=lambda person: person.email):
        text = body(person) if callable(body) else body
        Notification.objects.create(user=person, subject=subject, body=text, url=path, key=key)
        if not person.email:
            continue
        try:
            send_mail(subject, f"{text}\n\n{link}\n" if link and link not in text else text, None, [person.email])
        except Exception:
            logger.exception("Mail %r to user %s failed", subject, person.pk)
    return len(people)


def notify(**kwargs) -> None:
    """deliver() once the transaction that caused the message commits (nothing is sent for a rollback)."""
    transaction.on_commit(lambda: deliver(**kwargs), robust=True)


def inbox_of(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user)


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notifications_mark_read(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())

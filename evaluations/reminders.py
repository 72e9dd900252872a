"""Reminders of evaluations due: when a project's fiscal year has ended, and again once it is overdue."""

import datetime

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.notifications import MAIL_LANGUAGE, deliver
from evaluations.selectors import DueItem, evaluations_due
from evaluations.services import side_recipients


def evaluation_reminders_send(*, today: datetime.date | None = None) -> int:
    """Remind each side that has not submitted its evaluation of an ended year: once when the year is over,
    once more when the evaluation is overdue. Safe to run daily: each reminder goes to a person once."""
    today = today or timezone.localdate()
    sent = 0
    for item in evaluations_due(today=today):
        if not item.year_ended:
            continue
        for side in item.waiting_sides:
            sent += _remind(item, side, overdue=item.is_overdue)
    return sent


def _remind(item: DueItem, side: str, *, overdue: bool) -> int:
    stage = "overdue" if overdue else "due"
    path = item.round.get_absolute_url() if item.round else reverse("evaluations:mine")
    with translation.override(MAIL_LANGUAGE):
        subject = (
            _("[Kyodo Portal] Evaluation overdue: %(project)s (FY%(year)s)")
            if overdue
            else _("[Kyodo Portal] Evaluation due: %(project)s (FY%(year)s)")
        ) % {"project": item.project.title, "year": item.fiscal_year}
        return deliver(
            users=side_recipients(item.project, side),
            subject=subject,
            body=lambda person: render_to_string(
                "evaluations/mail/reminder.txt", {"item": item, "overdue": overdue, "recipient": person}
            ),
            path=path,
            key=f"evaluation-{stage}:{item.project.pk}:{item.fiscal_year}:{side}",
        )

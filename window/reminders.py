"""Reminders and escalation of the window's deadlines: run daily (``manage.py send_window_reminders``).

Each stage of each item is sent once (WindowReminder keeps the key: item, stage and the deadline it was
for, so a deadline moved by the proposer's reply is reminded again):

- a referral due within the window's reminder period (in working days): the department's staff;
- a referral past its deadline: the department's staff and the window's staff;
- a referral overdue for the escalation period (in working days): also the approvers of the department
  (and of the departments above it) and the window's approvers;
- an acknowledgement or a routing past its deadline: the window's staff; escalated, its approvers.
"""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.notifications import MAIL_LANGUAGE, deliver
from kyodo_portal.workdays import add_working_days, working_days_between
from partners.models import Department, StaffAssignment
from window.models import Referral, WindowProposal, WindowReminder
from window.services import proposer_recipients, staff_recipients, window_recipients
from window.workflow import ReferralStatus, Status

OFFICER = StaffAssignment.Role.OFFICER
APPROVER = StaffAssignment.Role.APPROVER


def _claim(key: str, proposal: WindowProposal) -> bool:
    """Record that this reminder goes out now; False when it went out before."""
    try:
        with transaction.atomic():
            WindowReminder.objects.create(key=key, proposal=proposal)
    except IntegrityError:
        return False
    return True


def _send(
    proposal: WindowProposal, people: list[User], *, stage: str, owner: Department, due_on, days_overdue=0
) -> int:
    with translation.override(MAIL_LANGUAGE):
        subjects = {
            "due_soon": _("Answer due soon"),
            "overdue": _("Answer overdue"),
            "escalated": _("Escalated: answer overdue"),
            "acknowledge": _("Acknowledgement overdue"),
            "route": _("Routing overdue"),
            "acknowledge_escalated": _("Escalated: acknowledgement overdue"),
            "route_escalated": _("Escalated: routing overdue"),
            "waiting": _("A department waits for your answer"),
        }
        subject = _("[Kyodo Portal] %(subject)s: %(number)s %(title)s") % {
            "subject": subjects[stage],
            "number": proposal.receipt_number,
            "title": proposal.title,
        }
        context = {
            "proposal": proposal,
            "stage": stage,
            "owner": owner,
            "due_on": due_on,
            "days_overdue": days_overdue,
            "url": f"{settings.PORTAL_BASE_URL}{proposal.get_absolute_url()}",
        }
        bodies = {
            person.pk: render_to_string("window/mail/reminder.txt", {**context, "recipient": person})
            for person in people
        }
    return deliver(
        users=people, subject=subject, body=lambda person: bodies[person.pk], path=proposal.get_absolute_url()
    )


def _unique(*groups: list[User]) -> list[User]:
    people = {}
    for group in groups:
        for person in group:
            people[person.pk] = person
    return list(people.values())


def window_reminders_send(*, today: datetime.date | None = None) -> int:
    """Send what is due today; return how many people were told."""
    today = today or timezone.localdate()
    sent = 0
    referrals = Referral.objects.filter(status=ReferralStatus.OPEN).select_related(
        "proposal__window__department__parent", "proposal__partner", "department__parent"
    )
    for referral in referrals:
        proposal, window = referral.proposal, referral.proposal.window
        stage = None
        if today > referral.due_on:
            late = working_days_between(referral.due_on, today)
            stage = "escalated" if late >= window.escalation_working_days else "overdue"
        elif add_working_days(today, window.reminder_working_days) >= referral.due_on:
            stage = "due_soon"
        if stage is None:
            continue
        stages = ["overdue", "escalated"] if stage == "escalated" else [stage]
        for current in stages:
            if not _claim(f"referral:{referral.pk}:{current}:{referral.due_on.isoformat()}", proposal):
                continue
            # Reminders go to the officers; only an escalation brings in the approvers (決裁者).
            people = staff_recipients(referral.department, proposal, OFFICER)
            if current != "due_soon":
                people = _unique(people, window_recipients(proposal, OFFICER))
            if current == "escalated":
                people = _unique(
                    people,
                    staff_recipients(referral.department, proposal, APPROVER),
                    window_recipients(proposal, APPROVER),
                )
            sent += _send(
                proposal,
                people,
                stage=current,
                owner=referral.department,
                due_on=referral.due_on,
                days_overdue=(today - referral.due_on).days,
            )
    waiting = WindowProposal.objects.filter(status__in=[Status.SUBMITTED, Status.ACKNOWLEDGED]).select_related(
        "window__department__parent", "partner"
    )
    for proposal in waiting:
        due = proposal.acknowledge_due if proposal.status == Status.SUBMITTED else proposal.route_due
        if due is None or today <= due:
            continue
        stage = "acknowledge" if proposal.status == Status.SUBMITTED else "route"
        escalated = working_days_between(due, today) >= proposal.window.escalation_working_days
        for level in ["late", "escalated"] if escalated else ["late"]:
            if not _claim(f"proposal:{proposal.pk}:{stage}:{level}:{due.isoformat()}", proposal):
                continue
            # The officers hear it is late; an escalation goes to the approvers, saying it is one.
            people = window_recipients(proposal, OFFICER if level == "late" else APPROVER)
            sent += _send(
                proposal,
                people,
                stage=stage if level == "late" else f"{stage}_escalated",
                owner=proposal.window.department,
                due_on=due,
                days_overdue=(today - due).days,
            )
    sent += _remind_proposers(today)
    return sent


def _remind_proposers(today: datetime.date) -> int:
    """A department's question unanswered for the window's reminder period (in working days): the proposer is
    reminded once (the department may also decline for want of an answer; the escalation list shows it)."""
    sent = 0
    waiting = Referral.objects.filter(status=ReferralStatus.INFO_REQUESTED, waiting_since__isnull=False).select_related(
        "proposal__window__department", "proposal__partner", "department__parent"
    )
    for referral in waiting:
        proposal = referral.proposal
        if working_days_between(referral.waiting_since, today) < proposal.window.reminder_working_days:
            continue
        if not _claim(f"referral:{referral.pk}:waiting:{referral.waiting_since.isoformat()}", proposal):
            continue
        sent += _send(
            proposal,
            proposer_recipients(proposal),
            stage="waiting",
            owner=referral.department,
            due_on=referral.waiting_since,
        )
    return sent

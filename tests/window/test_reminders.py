"""Reminders of the window's deadlines: due soon, overdue, escalated, and the window's own deadlines; each
stage once per deadline, again for a deadline the proposer's reply moved."""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from partners.models import StaffAssignment
from tests.factories import UserFactory
from window import services
from window.models import WindowReminder
from window.reminders import window_reminders_send
from window.workflow import ACCEPT, ASK_INFO

TOKYO = ZoneInfo("Asia/Tokyo")
D = datetime.date


def on(day: datetime.date, hour: int = 10):
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, hour, tzinfo=TOKYO), tick=False)


def recipients(mailoutbox) -> set[str]:
    return {address for message in mailoutbox for address in message.to}


def mails_to(mailoutbox, user) -> list:
    return [message for message in mailoutbox if message.to == [user.email]]


def approver_of(department, **fields):
    user = UserFactory(**fields)
    StaffAssignment.objects.create(user=user, department=department, role=StaffAssignment.Role.APPROVER)
    return user


@pytest.fixture
def referral(make_proposal, kenko_officer):
    with on(D(2026, 11, 24)):
        proposal = make_proposal("routed")
    referral = proposal.referrals.get()
    assert referral.due_on == D(2026, 12, 24)
    return referral


@pytest.fixture
def approvers(window, departments):
    return {
        "kenko": approver_of(departments["健康福祉局"], display_name="健康福祉局の決裁者"),
        "window": approver_of(window.department, display_name="自治推進部の決裁者"),
        "other": approver_of(departments["環境局"], display_name="環境局の決裁者"),
    }


# --- a department's deadline ---------------------------------------------------------------------------------


def test_nothing_is_sent_before_the_reminder_period(referral, mailoutbox):
    # Friday 12-18: three working days later is Wednesday 12-23, before the deadline
    assert window_reminders_send(today=D(2026, 12, 18)) == 0
    assert mailoutbox == []
    assert not WindowReminder.objects.exists()


def test_due_soon_goes_to_the_department_within_three_working_days(referral, kenko_officer, window_officer, mailoutbox):
    # Monday 12-21: 22, 23, 24 — the deadline is within three working days
    assert window_reminders_send(today=D(2026, 12, 21)) == 1
    (mail,) = mailoutbox
    assert mail.to == [kenko_officer.email]
    assert mail.subject.startswith("【協働ポータル】")
    assert referral.proposal.receipt_number in mail.subject
    assert "健康福祉局" in mail.body and "2026年12月24日" in mail.body
    # once: neither the same day again nor the days after before the deadline
    assert window_reminders_send(today=D(2026, 12, 21)) == 0
    assert window_reminders_send(today=D(2026, 12, 22)) == 0
    assert window_reminders_send(today=D(2026, 12, 24)) == 0
    assert len(mailoutbox) == 1


def test_overdue_goes_to_the_department_and_the_window(referral, kenko_officer, window_officer, mailoutbox):
    window_reminders_send(today=D(2026, 12, 21))
    mailoutbox.clear()
    assert window_reminders_send(today=D(2026, 12, 25)) == 2
    assert recipients(mailoutbox) == {kenko_officer.email, window_officer.email}
    for mail in mailoutbox:
        assert "2026年12月24日" in mail.body
    assert window_reminders_send(today=D(2026, 12, 28)) == 0


def test_escalation_after_five_working_days_overdue_reaches_the_approvers(
    referral, kenko_officer, window_officer, approvers, mailoutbox
):
    assert window_reminders_send(today=D(2026, 12, 25)) >= 2  # overdue, one working day late
    mailoutbox.clear()
    # 12-25, 12-28, (12/29–1/3 closed), 1-4, 1-5: four working days late — not yet escalated
    assert window_reminders_send(today=D(2027, 1, 5)) == 0
    assert mailoutbox == []
    # 1-6: the fifth working day late
    sent = window_reminders_send(today=D(2027, 1, 6))
    assert recipients(mailoutbox) == {
        kenko_officer.email,
        window_officer.email,
        approvers["kenko"].email,
        approvers["window"].email,
    }
    assert sent == 4
    assert approvers["other"].email not in recipients(mailoutbox)
    for mail in mailoutbox:
        assert "13日" in mail.body  # days late: 12-24 → 1-6
    mailoutbox.clear()
    assert window_reminders_send(today=D(2027, 1, 7)) == 0
    assert mailoutbox == []


def test_approvers_hear_of_an_answer_only_once_it_is_escalated(referral, approvers, mailoutbox):
    """The escalation is what brings the approvers (決裁者) in: the reminders before it go to the officers.

    Otherwise "escalated … also to the approvers" tells nobody new: the approvers would already have had
    the due-soon and overdue reminders as the department's (and the window's) staff.
    """
    window_reminders_send(today=D(2026, 12, 21))  # due soon
    window_reminders_send(today=D(2026, 12, 25))  # overdue
    before = recipients(mailoutbox)
    assert approvers["kenko"].email not in before
    assert approvers["window"].email not in before
    mailoutbox.clear()
    window_reminders_send(today=D(2027, 1, 6))  # escalated
    assert {approvers["kenko"].email, approvers["window"].email} <= recipients(mailoutbox)


def test_escalation_reaches_the_approvers_above_a_section(
    make_proposal, departments, window_officer, officer_of, mailoutbox
):
    section_officer = officer_of(departments["健康福祉局 高齢者在宅サービス課"])
    bureau_approver = approver_of(departments["健康福祉局"])
    with on(D(2026, 11, 24)):
        make_proposal("routed", to=("健康福祉局 高齢者在宅サービス課",))
    window_reminders_send(today=D(2027, 1, 6))
    escalated = [mail for mail in mailoutbox if bureau_approver.email in mail.to]
    assert escalated, recipients(mailoutbox)
    assert section_officer.email in recipients(mailoutbox)
    assert window_officer.email in recipients(mailoutbox)


def test_each_stage_is_sent_once_even_when_the_first_run_is_late(referral, kenko_officer, approvers, mailoutbox):
    """No run for weeks: the first one sends what is due now, the next sends nothing."""
    first = window_reminders_send(today=D(2027, 1, 12))
    assert first > 0
    assert approvers["kenko"].email in recipients(mailoutbox)
    keys = set(WindowReminder.objects.values_list("key", flat=True))
    assert f"referral:{referral.pk}:escalated:2026-12-24" in keys
    mailoutbox.clear()
    assert window_reminders_send(today=D(2027, 1, 13)) == 0
    assert mailoutbox == []


def test_while_waiting_only_the_proposer_is_reminded_and_nobody_once_answered(
    referral, proposer, kenko_officer, mailoutbox
):
    with on(D(2026, 12, 1)):
        services.referral_answer(referral=referral, user=kenko_officer, transition=ASK_INFO, text="人数は？")
    mailoutbox.clear()
    assert window_reminders_send(today=D(2026, 12, 3)) == 0  # two working days: not yet
    assert window_reminders_send(today=D(2027, 1, 12)) == 1  # the department's clock waits; the proposer is asked
    (mail,) = mailoutbox
    assert mail.to == [proposer.email]
    assert "回答" in mail.body
    assert window_reminders_send(today=D(2027, 1, 13)) == 0
    other = referral.proposal.referrals.get()
    with on(D(2027, 1, 14)):
        services.referral_answer(referral=other, user=kenko_officer, transition=ACCEPT, text="実施します。")
    mailoutbox.clear()
    assert window_reminders_send(today=D(2027, 2, 12)) == 0
    assert mailoutbox == []


def test_a_reply_moves_the_deadline_and_the_reminders_start_again(referral, proposer, kenko_officer, mailoutbox):
    assert window_reminders_send(today=D(2026, 12, 21)) == 1  # due soon for 12-24
    with on(D(2026, 12, 22)):
        services.referral_answer(referral=referral, user=kenko_officer, transition=ASK_INFO, text="人数は？")
    # Waiting: the department's old deadline passes unnoticed; the proposer is reminded of the question.
    mailoutbox.clear()
    assert window_reminders_send(today=D(2026, 12, 25)) == 1
    assert mailoutbox[0].to == [proposer.email]
    with on(D(2026, 12, 25)):
        services.referral_reply(referral=referral, user=proposer, text="20人です。")
    referral.refresh_from_db()
    assert referral.due_on == D(2026, 12, 28)  # 12-24 + 3 days waited = 12-27 (Sunday) → 12-28
    mailoutbox.clear()
    assert window_reminders_send(today=D(2026, 12, 25)) == 1
    (mail,) = mailoutbox
    assert mail.to == [kenko_officer.email]
    assert "2026年12月28日" in mail.body
    assert window_reminders_send(today=D(2026, 12, 25)) == 0
    assert window_reminders_send(today=D(2027, 1, 4)) == 2  # overdue for the new deadline: department and window


# --- the window's own deadlines ------------------------------------------------------------------------------


def test_an_unacknowledged_proposal_reminds_the_window(
    make_proposal, window_officer, kenko_officer, approvers, mailoutbox
):
    with on(D(2026, 11, 20)):
        proposal = make_proposal("submitted")
    assert proposal.acknowledge_due == D(2026, 11, 30)
    assert window_reminders_send(today=D(2026, 11, 30)) == 0
    assert window_reminders_send(today=D(2026, 12, 1)) >= 1
    (mail,) = mails_to(mailoutbox, window_officer)
    assert "2026年11月30日" in mail.body
    assert kenko_officer.email not in recipients(mailoutbox)
    assert approvers["other"].email not in recipients(mailoutbox)
    assert window_reminders_send(today=D(2026, 12, 4)) == 0  # four working days late
    mailoutbox.clear()
    window_reminders_send(today=D(2026, 12, 7))  # five: escalated to the window's approvers (officers were told)
    assert recipients(mailoutbox) == {approvers["window"].email}
    assert "エスカレーション" in mailoutbox[0].subject
    assert approvers["kenko"].email not in recipients(mailoutbox)
    assert kenko_officer.email not in recipients(mailoutbox)
    mailoutbox.clear()
    assert window_reminders_send(today=D(2026, 12, 8)) == 0


def test_an_unrouted_proposal_reminds_the_window(make_proposal, window_officer, mailoutbox):
    with on(D(2026, 11, 20)):
        proposal = make_proposal("submitted")
    with on(D(2026, 11, 24)):
        services.proposal_acknowledge(proposal=proposal, user=window_officer)
    proposal.refresh_from_db()
    assert proposal.route_due == D(2026, 12, 1)
    assert window_reminders_send(today=D(2026, 12, 1)) == 0
    assert window_reminders_send(today=D(2026, 12, 2)) == 1
    (mail,) = mailoutbox
    assert mail.to == [window_officer.email]
    assert "2026年12月1日" in mail.body
    assert WindowReminder.objects.filter(key=f"proposal:{proposal.pk}:route:late:2026-12-01").exists()


def test_an_acknowledged_proposal_is_no_longer_late_to_acknowledge(make_proposal, window_officer, mailoutbox):
    with on(D(2026, 11, 20)):
        proposal = make_proposal("submitted")
    with on(D(2026, 12, 2)):
        services.proposal_acknowledge(proposal=proposal, user=window_officer)
    # routed by 2026-12-09; on 12-03 neither the acknowledgement nor the routing is late
    assert window_reminders_send(today=D(2026, 12, 3)) == 0


def test_reminders_are_written_in_japanese(referral, make_proposal, mailoutbox):
    from django.utils import translation

    with on(D(2026, 11, 20)):
        make_proposal("submitted", title="受付待ち")
    with translation.override("en"):
        window_reminders_send(today=D(2027, 1, 12))
    assert len(mailoutbox) >= 3
    for mail in mailoutbox:
        assert mail.subject.startswith("【協働ポータル】"), mail.subject
        assert "Overdue" not in mail.body and "Reminder" not in mail.body and "Escalated" not in mail.body


# --- the command ---------------------------------------------------------------------------------------------


def test_the_command_sends_what_is_due_today(referral, kenko_officer, window_officer, mailoutbox):
    out = io.StringIO()
    with on(D(2026, 12, 25), hour=7):
        call_command("send_window_reminders", stdout=out)
    assert "Window reminders sent: 2" in out.getvalue()
    assert recipients(mailoutbox) == {kenko_officer.email, window_officer.email}
    out = io.StringIO()
    with on(D(2026, 12, 25), hour=8):
        call_command("send_window_reminders", stdout=out)
    assert "Window reminders sent: 0" in out.getvalue()

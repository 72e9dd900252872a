"""The window takes a referral back, a department's clock waits for the proposer exactly, nobody owns a proposal
only by belonging to the proposing organisation, follow-ups name only published work, the queue puts what waits
for the window first, and a long-unanswered question reaches the escalation list."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from tests.factories import MembershipFactory, ProjectFactory
from window import services
from window.models import Referral, WindowProposal
from window.selectors import overdue_items, window_queue
from window.workflow import ASK_INFO, DECLINE, ReferralStatus, Status

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


def on(year, month, day):
    return time_machine.travel(datetime.datetime(year, month, day, 10, tzinfo=TOKYO), tick=False)


def test_the_window_recalls_the_only_referral_and_owns_the_proposal_again(make_proposal, window_officer, mailoutbox):
    with on(2026, 6, 1):
        proposal = make_proposal("routed")
    referral = proposal.referrals.get()
    with on(2026, 6, 3):
        services.referral_recall(referral=referral, user=window_officer, reason="所管が異なるため取り消します。")
    referral.refresh_from_db()
    proposal = WindowProposal.objects.get(pk=proposal.pk)
    assert referral.status == ReferralStatus.RECALLED
    assert proposal.status == Status.ACKNOWLEDGED
    assert proposal.route_due == datetime.date(2026, 6, 10)  # five working days after 6-3
    actions = list(proposal.events.values_list("action", "actor_id"))
    assert actions[-2:] == [("recall", window_officer.pk), ("returned_to_window", window_officer.pk)]
    # Routed again: the department that was recalled may be chosen anew.
    (again,) = services.proposal_route(
        proposal=proposal, user=window_officer, departments=[referral.department], note="改めてお願いします。"
    )
    assert again.status == ReferralStatus.OPEN


def test_a_recall_beside_an_answer_leaves_the_proposal_answered(make_proposal, window_officer, departments):
    proposal = make_proposal("routed", to=("健康福祉局", "環境局"))
    health, environment = (proposal.referrals.get(department=departments[name]) for name in ("健康福祉局", "環境局"))
    staff = services.staff_recipients(departments["健康福祉局"], proposal)[0]
    services.referral_answer(referral=health, user=staff, transition=DECLINE, text="見送ります。")
    assert WindowProposal.objects.get(pk=proposal.pk).status == Status.ROUTED
    services.referral_recall(referral=environment, user=window_officer, reason="回付の誤りです。")
    assert WindowProposal.objects.get(pk=proposal.pk).status == Status.ANSWERED


def test_only_the_window_recalls(make_proposal, proposer, kenko_officer):
    proposal = make_proposal("routed")
    referral = proposal.referrals.get()
    for user in (proposer, kenko_officer):
        with pytest.raises(PermissionDenied):
            services.referral_recall(referral=referral, user=user, reason="理由")
    with pytest.raises(ValidationError):
        services.referral_recall(referral=referral, user=proposer, reason="  ")


def test_the_clock_waits_exactly_as_long_as_the_proposer(make_proposal, kenko_officer, proposer):
    """Routed Fri 2026-11-27: due 12-27 (Sunday) → 12-28. A one-day wait makes it 12-28 still, not past the
    year-end closure: the deadline is counted from the routing, with the days waited added once."""
    with on(2026, 11, 27):
        proposal = make_proposal("routed")
    referral = proposal.referrals.get()
    assert referral.due_on == datetime.date(2026, 12, 28)
    with on(2026, 12, 1):
        services.referral_answer(referral=referral, user=kenko_officer, transition=ASK_INFO, text="人数は？")
    with on(2026, 12, 2):
        services.referral_reply(referral=referral, user=proposer, text="20人です。")
    referral.refresh_from_db()
    assert referral.days_waited == 1
    assert referral.due_on == datetime.date(2026, 12, 28)
    with on(2026, 12, 3):
        services.referral_answer(referral=referral, user=kenko_officer, transition=ASK_INFO, text="日程は？")
    with on(2026, 12, 10):
        services.referral_reply(referral=referral, user=proposer, text="毎月第2土曜です。")
    referral.refresh_from_db()
    assert referral.days_waited == 8
    # 11-27 + 30 + 8 days = 1-4 (a working day after the year-end closure)
    assert referral.due_on == datetime.date(2027, 1, 4)


def test_a_department_whose_only_staff_belong_to_the_proposer_cannot_be_routed_to(
    make_proposal, window_officer, departments, officer_of, organisation
):
    proposal = make_proposal("acknowledged")
    department = departments["多摩区役所"]
    insider = officer_of(department)
    MembershipFactory(user=insider, partner=organisation, status="active")
    with pytest.raises(ValidationError):
        services.proposal_route(proposal=proposal, user=window_officer, departments=[department], note="ご検討を")
    assert not Referral.objects.filter(proposal=proposal).exists()


def test_a_follow_up_names_only_published_work(make_proposal, kenko_officer, departments, kawasaki):
    proposal = make_proposal("accepted")
    referral = proposal.referrals.get()
    draft = ProjectFactory(municipality=kawasaki, responsible_department=departments["健康福祉局"], is_published=False)
    with pytest.raises(ValidationError):
        services.referral_record_follow_up(referral=referral, user=kenko_officer, project=draft, call=None, text="")
    published = ProjectFactory(
        municipality=kawasaki, responsible_department=departments["健康福祉局"], is_published=True
    )
    services.referral_record_follow_up(referral=referral, user=kenko_officer, project=published, call=None, text="")
    referral.refresh_from_db()
    assert referral.project == published


def test_the_queue_puts_what_waits_for_the_window_first(make_proposal, window_officer):
    answered = make_proposal("accepted", title="回答済みの提案")
    routed = make_proposal("routed", title="回付済みの提案")
    acknowledged = make_proposal("acknowledged", title="受付確認済みの提案")
    submitted = make_proposal("submitted", title="受付待ちの提案")
    order = list(window_queue(user=window_officer).values_list("pk", flat=True))
    assert order == [submitted.pk, acknowledged.pk, routed.pk, answered.pk]


def test_a_question_long_unanswered_is_on_the_escalation_list(make_proposal, window_officer, kenko_officer):
    with on(2026, 6, 1):
        proposal = make_proposal("info_requested")
    referral = proposal.referrals.get()
    assert overdue_items(user=window_officer, today=datetime.date(2026, 7, 1)) == []
    items = overdue_items(user=kenko_officer, today=datetime.date(2026, 7, 3))
    assert [(item.referral, item.kind, item.owner) for item in items] == [(referral, "reply", referral.department)]


def test_the_recall_page_is_the_windows(make_proposal, window_officer, kenko_officer, proposer, client_for):
    proposal = make_proposal("routed")
    referral = proposal.referrals.get()
    url = f"/window/referrals/{referral.pk}/recall/"
    for user in (kenko_officer, proposer):
        assert client_for(user).post(url, {"comment": "取り消し"}).status_code == 403
    assert client_for(None).get(url).status_code == 302
    officer = client_for(window_officer)
    page = officer.get(url)
    assert page.status_code == 200
    empty = officer.post(url, {"comment": ""})
    assert empty.status_code == 200
    assert "入力してください" in empty.content.decode() or "必須" in empty.content.decode()
    done = officer.post(url, {"comment": "所管が異なるため"})
    assert done.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.RECALLED


def test_the_public_reads_a_pending_question_as_being_considered(make_proposal, client_for):
    proposal = make_proposal("info_requested")
    html = client_for(None).get(proposal.get_absolute_url()).content.decode()
    assert "検討中" in html
    assert "情報待ち" not in html
    listing = client_for(None).get("/window/").content.decode()
    assert proposal.title in listing
    assert "情報待ち" not in listing

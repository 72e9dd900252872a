"""The window's statistics, checked against figures worked out by hand from proposals placed on known dates."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from window import services
from window.models import Referral
from window.stats import window_statistics
from window.workflow import ACCEPT, ASK_INFO, DECLINE, ReferralStatus

TOKYO = ZoneInfo("Asia/Tokyo")
D = datetime.date


def at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TOKYO)


def on(day: datetime.date, hour: int = 10, minute: int = 0):
    return time_machine.travel(at(day, hour, minute), tick=False)


@pytest.fixture
def walk(make_proposal, proposer, window_officer, kenko_officer, kankyo_officer, departments):
    """Moves of one proposal, each on its own day."""
    officers = {"健康福祉局": kenko_officer, "環境局": kankyo_officer}

    class Walk:
        def __init__(self, title, submitted: datetime.date):
            self.proposal = make_proposal("draft", title=title)
            with on(submitted):
                services.proposal_submit(proposal=self.proposal, user=proposer)

        def acknowledge(self, day):
            with on(day):
                services.proposal_acknowledge(proposal=self.proposal, user=window_officer)
            return self

        def route(self, day, *names):
            with on(day):
                services.proposal_route(
                    proposal=self.proposal,
                    user=window_officer,
                    departments=[departments[name] for name in names],
                    note="ご検討ください。",
                )
            return self

        def referral(self, name) -> Referral:
            return self.proposal.referrals.exclude(status=ReferralStatus.PASSED_ON).get(department__name=name)

        def answer(self, day, name, transition, hour=10, minute=0):
            with on(day, hour, minute):
                services.referral_answer(
                    referral=self.referral(name), user=officers[name], transition=transition, text="回答です。"
                )
            return self

        def pass_on(self, day, name, to):
            with on(day):
                services.referral_pass_on(
                    referral=self.referral(name), user=officers[name], department=departments[to], note="所管です。"
                )
            return self

        def withdraw(self, day):
            with on(day):
                services.proposal_withdraw(proposal=self.proposal, user=proposer, reason="取り下げます。")
            return self

    return Walk


@pytest.fixture
def two_years(walk, make_proposal):
    """Proposals of FY2025 and FY2026; the statistics are read on 2026-07-20."""
    p1 = walk("P1", D(2025, 6, 2)).acknowledge(D(2025, 6, 3)).route(D(2025, 6, 4), "健康福祉局")
    p1.answer(D(2025, 6, 20), "健康福祉局", ACCEPT)  # due 07-04: in time, 16 days; the proposal 18 days

    p2 = walk("P2", D(2025, 9, 1)).acknowledge(D(2025, 9, 2)).route(D(2025, 9, 3), "健康福祉局", "環境局")
    p2.answer(D(2025, 9, 30), "健康福祉局", DECLINE)  # due 10-03: in time, 27 days
    p2.answer(D(2025, 10, 10), "環境局", ACCEPT)  # late, 37 days; the proposal 39 days, not in time

    walk("P3", D(2026, 2, 2)).withdraw(D(2026, 2, 10))  # FY2025, withdrawn before routing

    p4 = walk("P4", D(2026, 5, 11)).acknowledge(D(2026, 5, 12)).route(D(2026, 5, 13), "健康福祉局")
    p4.pass_on(D(2026, 5, 20), "健康福祉局", "環境局")  # 環境局 due 06-19
    p4.answer(D(2026, 6, 1), "環境局", ACCEPT)  # in time, 12 days; the proposal 21 days

    walk("P5", D(2026, 6, 1)).acknowledge(D(2026, 6, 2)).route(D(2026, 6, 3), "健康福祉局")  # due 07-03: overdue

    p6 = walk("P6", D(2026, 6, 15)).acknowledge(D(2026, 6, 15)).route(D(2026, 6, 16), "環境局")  # due 07-16
    p6.answer(D(2026, 6, 20), "環境局", ASK_INFO)  # waiting for the proposer: open, not overdue

    walk("P7", D(2026, 7, 1)).acknowledge(D(2026, 7, 1)).route(D(2026, 7, 2), "環境局", "健康福祉局").withdraw(
        D(2026, 7, 5)
    )
    walk("P8", D(2026, 7, 6)).acknowledge(D(2026, 7, 7))  # with the window
    make_proposal("draft", title="P9 下書き")  # never counted
    return {case.proposal.title: case.proposal for case in (p1, p2, p4, p6)}


def _year(statistics, fiscal_year):
    (row,) = [row for row in statistics.years if row.fiscal_year == fiscal_year]
    return row


def _departments(statistics) -> dict:
    return {row.department.name: row for row in statistics.departments}


def test_the_scenario_is_what_the_figures_assume(two_years, departments):
    p1, p2 = two_years["P1"], two_years["P2"]
    assert p1.referrals.get().due_on == D(2025, 7, 4)
    assert set(p2.referrals.values_list("due_on", flat=True)) == {D(2025, 10, 3)}
    passed = Referral.objects.get(passed_from__isnull=False)
    assert (passed.department.name, passed.due_on) == ("環境局", D(2026, 6, 19))
    assert Referral.objects.filter(status=ReferralStatus.WITHDRAWN).count() == 2


def test_years_count_received_answered_in_time_days_withdrawn_and_open(two_years):
    statistics = window_statistics(today=D(2026, 7, 20))
    assert [row.fiscal_year for row in statistics.years] == [2026, 2025]
    fy2025 = _year(statistics, 2025)
    assert (fy2025.received, fy2025.answered, fy2025.answered_in_time, fy2025.withdrawn, fy2025.open) == (3, 2, 1, 1, 0)
    assert sorted(fy2025.days) == [18, 39]
    assert fy2025.median_days == 28.5
    assert fy2025.in_time_rate == 50
    fy2026 = _year(statistics, 2026)
    assert (fy2026.received, fy2026.answered, fy2026.answered_in_time, fy2026.withdrawn, fy2026.open) == (5, 1, 1, 1, 3)
    assert fy2026.days == [21]
    assert fy2026.median_days == 21
    assert fy2026.in_time_rate == 100


def test_departments_count_their_own_answers(two_years):
    statistics = window_statistics(today=D(2026, 7, 20))
    assert [row.department.name for row in statistics.departments] == ["健康福祉局", "環境局"]
    rows = _departments(statistics)
    kenko = rows["健康福祉局"]
    # P1 accepted, P2 declined (both in time), P4 passed on, P5 open and overdue; P7 withdrawn is not counted
    assert (
        kenko.routed,
        kenko.answered,
        kenko.answered_in_time,
        kenko.accepted,
        kenko.declined,
        kenko.passed_on,
        kenko.open,
        kenko.overdue,
    ) == (4, 2, 2, 1, 1, 1, 1, 1)
    assert sorted(kenko.days) == [16, 27]
    assert kenko.median_days == 21.5
    assert kenko.in_time_rate == 100
    kankyo = rows["環境局"]
    # P2 accepted late, P4 (passed on to it) accepted in time, P6 waiting for the proposer; P7 withdrawn
    assert (
        kankyo.routed,
        kankyo.answered,
        kankyo.answered_in_time,
        kankyo.accepted,
        kankyo.declined,
        kankyo.passed_on,
        kankyo.open,
        kankyo.overdue,
    ) == (3, 2, 1, 2, 0, 0, 1, 0)
    assert sorted(kankyo.days) == [12, 37]
    assert kankyo.median_days == 24.5
    assert kankyo.in_time_rate == 50


def test_departments_of_one_fiscal_year(two_years):
    statistics = window_statistics(fiscal_year=2026, today=D(2026, 7, 20))
    assert statistics.fiscal_year == 2026
    # the years are not filtered
    assert [row.fiscal_year for row in statistics.years] == [2026, 2025]
    # a tie in routed (2 each) is broken by the city's order: 環境局 before 健康福祉局
    assert [row.department.name for row in statistics.departments] == ["環境局", "健康福祉局"]
    rows = _departments(statistics)
    kenko, kankyo = rows["健康福祉局"], rows["環境局"]
    assert (kenko.routed, kenko.answered, kenko.passed_on, kenko.open, kenko.overdue) == (2, 0, 1, 1, 1)
    assert kenko.median_days is None and kenko.in_time_rate is None
    assert (kankyo.routed, kankyo.answered, kankyo.answered_in_time, kankyo.accepted, kankyo.open) == (2, 1, 1, 1, 1)
    assert kankyo.days == [12]

    fy2025 = _departments(window_statistics(fiscal_year=2025, today=D(2026, 7, 20)))
    assert (fy2025["健康福祉局"].routed, fy2025["健康福祉局"].answered, fy2025["健康福祉局"].answered_in_time) == (
        2,
        2,
        2,
    )
    assert (fy2025["環境局"].routed, fy2025["環境局"].answered, fy2025["環境局"].answered_in_time) == (1, 1, 0)
    assert fy2025["環境局"].days == [37]

    assert window_statistics(fiscal_year=2024, today=D(2026, 7, 20)).departments == []


def test_overdue_depends_on_the_day_they_are_read(two_years):
    # P5 is due on 07-03: not yet overdue on that day, overdue the day after
    assert _departments(window_statistics(today=D(2026, 7, 3)))["健康福祉局"].overdue == 0
    assert _departments(window_statistics(today=D(2026, 7, 4)))["健康福祉局"].overdue == 1


def test_in_time_is_judged_on_the_day_in_japan(walk):
    """Answered at 23:30 on the due day in Tokyo is in time; 00:30 the next day (still the due day in UTC) is late."""
    first = walk("期限の日", D(2026, 5, 11)).acknowledge(D(2026, 5, 12)).route(D(2026, 5, 13), "健康福祉局")
    assert first.referral("健康福祉局").due_on == D(2026, 6, 12)
    first.answer(D(2026, 6, 12), "健康福祉局", ACCEPT, hour=23, minute=30)
    second = walk("翌日", D(2026, 5, 11)).acknowledge(D(2026, 5, 12)).route(D(2026, 5, 13), "環境局")
    second.answer(D(2026, 6, 13), "環境局", DECLINE, hour=0, minute=30)
    rows = _departments(window_statistics(today=D(2026, 7, 1)))
    assert (rows["健康福祉局"].answered_in_time, rows["健康福祉局"].days) == (1, [30])
    assert (rows["環境局"].answered_in_time, rows["環境局"].days) == (0, [31])
    year = _year(window_statistics(today=D(2026, 7, 1)), 2026)
    assert (year.answered, year.answered_in_time) == (2, 1)


def test_a_reply_moves_the_deadline_the_statistics_judge_by(walk, proposer):
    """Asked on 05-20, the proposer answered on 06-19 (30 days): due 06-12 + 30 = 07-12 (Sunday) → 07-13."""
    case = walk("質問あり", D(2026, 5, 11)).acknowledge(D(2026, 5, 12)).route(D(2026, 5, 13), "健康福祉局")
    case.answer(D(2026, 5, 20), "健康福祉局", ASK_INFO)
    with on(D(2026, 6, 19)):
        services.referral_reply(referral=case.referral("健康福祉局"), user=proposer, text="お答えします。")
    assert case.referral("健康福祉局").due_on == D(2026, 7, 13)
    case.answer(D(2026, 7, 10), "健康福祉局", ACCEPT)
    row = _departments(window_statistics(today=D(2026, 7, 20)))["健康福祉局"]
    assert (row.answered, row.answered_in_time, row.days) == (1, 1, [58])


def test_nothing_received_gives_empty_statistics(make_proposal):
    make_proposal("draft")
    statistics = window_statistics()
    assert statistics.years == [] and statistics.departments == []


def _queries(**kwargs) -> int:
    with CaptureQueriesContext(connection) as captured:
        window_statistics(**kwargs)
    return len(captured.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_proposals(
    make_proposal, kankyo_officer, django_assert_max_num_queries
):
    make_proposal("accepted", title="一件目")
    one = _queries()
    assert one <= 3
    for state in ("declined", "passed_on", "routed", "info_requested", "withdrawn", "submitted", "accepted"):
        make_proposal(state, title=state)
    make_proposal("routed", title="二局へ", to=("健康福祉局", "環境局"))
    with django_assert_max_num_queries(one):
        statistics = window_statistics()
    assert _queries(fiscal_year=statistics.years[0].fiscal_year) == one
    assert sum(row.received for row in statistics.years) == 9
    assert sum(row.answered for row in statistics.years) == 3

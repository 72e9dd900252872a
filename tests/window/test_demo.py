"""The window's demo content: every state of a proposal and of a referral, loaded once, without mail."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from kyodo_portal.dates import fiscal_year_of
from kyodo_portal.fixtures import DEMO_FIXTURES, REFERENCE_FIXTURES, fixtures_load_missing
from kyodo_portal.workdays import is_working_day
from partners.models import Partner
from window.demo import PROPOSALS, demo_window_ensure
from window.models import Referral, WindowEvent, WindowProposal
from window.stats import window_statistics
from window.workflow import ReferralStatus, Status

NOW = datetime.datetime(2026, 11, 24, 10, tzinfo=ZoneInfo("Asia/Tokyo"))


@pytest.fixture
def demo_partners(db):
    fixtures_load_missing(names=REFERENCE_FIXTURES + DEMO_FIXTURES)


@pytest.fixture
def loaded(demo_partners):
    with time_machine.travel(NOW, tick=False):
        titles = demo_window_ensure()
    return titles


def test_the_demo_loads_every_proposal_once(loaded):
    assert sorted(loaded) == sorted(demo.title for demo in PROPOSALS)
    assert WindowProposal.objects.count() == len(PROPOSALS)
    with time_machine.travel(NOW + datetime.timedelta(days=1), tick=False):
        assert demo_window_ensure() == []
    assert WindowProposal.objects.count() == len(PROPOSALS)
    assert WindowEvent.objects.filter(created_at__gte=NOW).count() == 0


def test_the_demo_has_a_proposal_in_every_status(loaded):
    statuses = set(WindowProposal.objects.values_list("status", flat=True))
    assert statuses == set(Status.values)


def test_the_demo_has_a_referral_in_every_status_but_withdrawn(loaded):
    statuses = set(Referral.objects.values_list("status", flat=True))
    assert statuses >= set(ReferralStatus.values) - {ReferralStatus.WITHDRAWN}


def test_the_demo_reads_as_it_happened(loaded):
    # every move was made in the past, at its own moment, through the services
    assert not WindowEvent.objects.filter(created_at__gt=NOW).exists()
    for proposal in WindowProposal.objects.exclude(status=Status.DRAFT):
        events = list(proposal.events.order_by("id"))
        assert [event.created_at for event in events] == sorted(event.created_at for event in events), proposal
        submit = proposal.events.get(action="submit")
        assert submit.created_at == proposal.submitted_at
        assert proposal.fiscal_year == fiscal_year_of(proposal.submitted_at)
        assert proposal.receipt_number.startswith(f"{proposal.fiscal_year}-W")
    for referral in Referral.objects.all():
        assert is_working_day(referral.due_on), referral
        assert referral.routed_at < NOW
    passed = Referral.objects.filter(status=ReferralStatus.PASSED_ON)
    assert passed.exists()
    for referral in passed:
        assert referral.passed_to.status in {ReferralStatus.OPEN, ReferralStatus.ACCEPTED, ReferralStatus.DECLINED}
    for proposal in WindowProposal.objects.filter(status=Status.ANSWERED):
        assert proposal.answered_at is not None
        assert not proposal.referrals.filter(status__in=[ReferralStatus.OPEN, ReferralStatus.INFO_REQUESTED]).exists()


def test_the_receipt_numbers_are_unique_and_restart_each_year(loaded):
    numbers = list(WindowProposal.objects.exclude(receipt_number=None).values_list("fiscal_year", "receipt_number"))
    assert len({number for _year, number in numbers}) == len(numbers)
    for year in {year for year, _number in numbers}:
        of_year = sorted(number for fiscal_year, number in numbers if fiscal_year == year)
        assert of_year == [f"{year}-W{n:04d}" for n in range(1, len(of_year) + 1)]


def test_the_demo_statistics_cover_more_than_one_fiscal_year(loaded):
    statistics = window_statistics(today=NOW.date())
    assert len(statistics.years) > 1
    assert [row.fiscal_year for row in statistics.years] == [2026, 2025]
    assert sum(row.received for row in statistics.years) == len(PROPOSALS) - 1  # the draft is not received
    assert sum(row.answered for row in statistics.years) == WindowProposal.objects.filter(status="answered").count()
    assert any(row.overdue for row in statistics.departments)
    assert any(row.passed_on for row in statistics.departments)


@pytest.mark.django_db(transaction=True)
def test_the_demo_sends_no_mail(demo_partners, mailoutbox):
    """Committed as loading it for real commits it: the mails of every move go nowhere."""
    with time_machine.travel(NOW, tick=False):
        assert demo_window_ensure()
    assert mailoutbox == []


def test_the_demo_needs_its_partners(db, reference_data):
    """Without the demo organisations the demo cannot load (and leaves nothing half-loaded)."""
    with pytest.raises(Partner.DoesNotExist):
        demo_window_ensure()
    assert not WindowProposal.objects.exists()

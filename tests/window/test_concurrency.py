"""Moves made at the same moment on one proposal take turns (PostgreSQL row locks): nothing is done twice,
nothing is lost, and the proposal's status agrees with its referrals."""

import pytest
from django.utils import timezone

from kyodo_portal.dates import fiscal_year_of
from tests.proposals.test_concurrency import _race, postgres_only
from window import services
from window.models import Referral, WindowEvent, WindowProposal
from window.workflow import ACCEPT, DECLINE, ReferralStatus, Status

pytestmark = [postgres_only, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _count(proposal, action) -> int:
    return WindowEvent.objects.filter(proposal=proposal, action=action).count()


def test_two_window_officers_routing_to_one_department_make_one_referral(
    make_proposal, window, window_officer, kenko_officer, departments, officer_of
):
    second_officer = officer_of(window.department)
    proposal = make_proposal("acknowledged")
    kenko = departments["健康福祉局"]
    results = _race(
        [
            lambda user=user: services.proposal_route(proposal=proposal, user=user, departments=[kenko], note="回付")
            for user in (window_officer, second_officer)
        ]
    )
    assert sum(isinstance(result, list) for result in results) == 1, results
    assert sum(isinstance(result, services.WindowServiceError) for result in results) == 1, results
    assert Referral.objects.filter(proposal=proposal, department=kenko).count() == 1
    assert _count(proposal, "route") == 1
    assert WindowProposal.objects.get(pk=proposal.pk).status == Status.ROUTED


def test_two_officers_answering_one_referral_one_wins(make_proposal, kenko_officer, departments, officer_of):
    colleague = officer_of(departments["健康福祉局"])
    proposal = make_proposal("routed")
    referral = proposal.referrals.get()
    results = _race(
        [
            lambda: services.referral_answer(referral=referral, user=kenko_officer, transition=ACCEPT, text="受けます"),
            lambda: services.referral_answer(referral=referral, user=colleague, transition=DECLINE, text="見送ります"),
        ]
    )
    winners = [result for result in results if isinstance(result, Referral)]
    assert len(winners) == 1, results
    assert sum(isinstance(result, services.TransitionNotAllowed) for result in results) == 1, results
    referral.refresh_from_db()
    assert referral.status == winners[0].status
    assert _count(proposal, "accept") + _count(proposal, "decline") == 1
    assert _count(proposal, "answered") == 1
    assert WindowProposal.objects.get(pk=proposal.pk).status == Status.ANSWERED


def test_two_departments_answering_at_once_both_land_and_the_proposal_is_answered_once(
    make_proposal, kenko_officer, kankyo_officer, departments
):
    proposal = make_proposal("routed", to=("健康福祉局", "環境局"))
    kenko = proposal.referrals.get(department=departments["健康福祉局"])
    kankyo = proposal.referrals.get(department=departments["環境局"])
    results = _race(
        [
            lambda: services.referral_answer(referral=kenko, user=kenko_officer, transition=ACCEPT, text="受けます"),
            lambda: services.referral_answer(referral=kankyo, user=kankyo_officer, transition=DECLINE, text="所管外"),
        ]
    )
    assert all(isinstance(result, Referral) for result in results), results
    statuses = dict(proposal.referrals.values_list("department__name", "status"))
    assert statuses == {"健康福祉局": ReferralStatus.ACCEPTED, "環境局": ReferralStatus.DECLINED}
    proposal = WindowProposal.objects.get(pk=proposal.pk)
    assert proposal.status == Status.ANSWERED
    assert proposal.answered_at is not None
    assert _count(proposal, "answered") == 1


def test_a_withdrawal_racing_an_answer_leaves_a_consistent_proposal(make_proposal, proposer, kenko_officer):
    for attempt in range(3):
        proposal = make_proposal("routed", title=f"競合{attempt}")
        referral = proposal.referrals.get()
        results = _race(
            [
                lambda proposal=proposal: services.proposal_withdraw(
                    proposal=proposal, user=proposer, reason="取り下げ"
                ),
                lambda referral=referral: services.referral_answer(
                    referral=referral, user=kenko_officer, transition=ACCEPT, text="受けます"
                ),
            ]
        )
        withdrawn, answered = results
        proposal = WindowProposal.objects.get(pk=proposal.pk)
        referral.refresh_from_db()
        if isinstance(withdrawn, WindowProposal):
            # the withdrawal came first: the department found nothing to answer
            assert isinstance(answered, services.TransitionNotAllowed), results
            assert proposal.status == Status.WITHDRAWN
            assert referral.status == ReferralStatus.WITHDRAWN
            assert referral.answered_at is None
            assert _count(proposal, "accept") == 0 and _count(proposal, "answered") == 0
        else:
            # the answer came first: every department had answered, so there was nothing left to withdraw
            assert isinstance(withdrawn, services.TransitionNotAllowed), results
            assert isinstance(answered, Referral), results
            assert proposal.status == Status.ANSWERED
            assert referral.status == ReferralStatus.ACCEPTED
            assert _count(proposal, "withdraw") == 0


def test_a_double_submit_issues_one_receipt_number(make_proposal, proposer):
    draft = make_proposal("draft")
    results = _race([lambda: services.proposal_submit(proposal=draft, user=proposer)] * 2)
    assert sum(isinstance(result, WindowProposal) for result in results) == 1, results
    assert sum(isinstance(result, services.TransitionNotAllowed) for result in results) == 1, results
    assert _count(draft, "submit") == 1
    year = fiscal_year_of(timezone.localdate())
    assert list(WindowProposal.objects.exclude(receipt_number=None).values_list("receipt_number", flat=True)) == [
        f"{year}-W0001"
    ]


def test_receipt_numbers_never_repeat_under_concurrent_submissions(make_proposal, proposer):
    drafts = [make_proposal("draft", title=f"同時提出{n}") for n in range(4)]
    results = _race([lambda draft=draft: services.proposal_submit(proposal=draft, user=proposer) for draft in drafts])
    assert all(isinstance(result, WindowProposal) for result in results), results
    year = fiscal_year_of(timezone.localdate())
    numbers = sorted(WindowProposal.objects.values_list("receipt_number", flat=True))
    assert numbers == [f"{year}-W{n:04d}" for n in range(1, 5)]

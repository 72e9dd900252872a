"""Two submissions at the same moment: one wins, receipts never repeat (PostgreSQL row locks)."""

import threading

import pytest
from django.db import connection, connections

from proposals import services
from proposals.models import Proposal, ProposalRevision
from tests.proposals.conftest import fill_complete

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")


def _race(actions) -> list:
    """Run the actions in threads that start together; each result is a value or the exception raised."""
    barrier = threading.Barrier(len(actions))
    results = [None] * len(actions)

    def run(index, action):
        try:
            barrier.wait()
            results[index] = action()
        except Exception as error:  # the test inspects what each thread got
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index, action)) for index, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_double_submit_from_two_tabs_records_one_submission(complete_draft, member):
    results = _race([lambda: services.proposal_submit(proposal=complete_draft, user=member)] * 2)
    assert sum(isinstance(result, Proposal) for result in results) == 1
    assert sum(isinstance(result, services.TransitionNotAllowed) for result in results) == 1
    assert ProposalRevision.objects.filter(proposal=complete_draft).count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_receipt_numbers_are_unique_under_concurrent_submissions(call, npo, member):
    proposals = [fill_complete(Proposal.objects.create(call=call, partner=npo, created_by=member)) for _ in range(4)]
    results = _race(
        [lambda proposal=proposal: services.proposal_submit(proposal=proposal, user=member) for proposal in proposals]
    )
    assert all(isinstance(result, Proposal) for result in results), results
    numbers = sorted(Proposal.objects.values_list("receipt_number", flat=True))
    assert numbers == [f"2027-{call.pk:03d}-{n:04d}" for n in range(1, 5)]

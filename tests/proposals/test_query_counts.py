"""The number of queries of each page stays the same however many calls, proposals and rows there are."""

import pytest

from proposals import services
from proposals.models import Proposal
from tests.proposals.conftest import fill_complete

pytestmark = pytest.mark.django_db


def _proposals(call, npo, member, count: int) -> list[Proposal]:
    proposals = []
    for _ in range(count):
        proposal = fill_complete(Proposal.objects.create(call=call, partner=npo, created_by=member))
        services.proposal_submit(proposal=proposal, user=member)
        proposals.append(proposal)
    return proposals


@pytest.mark.parametrize("count", [1, 8])
def test_the_call_list(make_call, client_for, django_assert_max_num_queries, count):
    for number in range(count):
        make_call(title=f"募集{number}")
    client = client_for(None)
    with django_assert_max_num_queries(6):
        assert client.get("/calls/").status_code == 200


@pytest.mark.parametrize("count", [1, 8])
def test_my_proposals(call, npo, member, client_for, django_assert_max_num_queries, count):
    _proposals(call, npo, member, count)
    client = client_for(member)
    with django_assert_max_num_queries(9):
        assert client.get("/proposals/").status_code == 200


@pytest.mark.parametrize("count", [1, 8])
def test_the_proposals_a_call_received(
    call, npo, member, nakahara_officer, client_for, django_assert_max_num_queries, count
):
    _proposals(call, npo, member, count)
    client = client_for(nakahara_officer)
    # The queue adds the counts per status, the overdue count and the scores (three queries) to the list.
    with django_assert_max_num_queries(16):
        assert client.get(f"/calls/manage/{call.pk}/proposals/").status_code == 200


@pytest.mark.parametrize("rows", [1, 6])
def test_a_proposal_and_its_edit_page(draft, member, client_for, django_assert_max_num_queries, rows):
    fill_complete(draft)
    for number in range(rows):
        draft.roles.create(task=f"項目{number}", organisation_part="団体", city_part="市", order=number + 2)
        draft.budget_lines.create(side="expense", item=f"費目{number}", amount=0, order=number + 2)
    client = client_for(member)
    with django_assert_max_num_queries(26):
        assert client.get(draft.get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(30):
        assert client.get(f"/proposals/{draft.public_id}/edit/?check=1").status_code == 200


@pytest.mark.parametrize("count", [1, 8])
def test_the_calls_staff_run(make_call, nakahara_officer, client_for, django_assert_max_num_queries, count):
    for number in range(count):
        make_call(title=f"募集{number}")
    client = client_for(nakahara_officer)
    with django_assert_max_num_queries(9):
        assert client.get("/calls/manage/").status_code == 200

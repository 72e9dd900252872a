"""Who may see and do what with proposals and calls: a matrix of roles × actions × scope."""

import pytest

from partners.models import Membership
from proposals import services
from proposals.models import ProposalAttachment
from tests.factories import AdminFactory, UserFactory
from tests.proposals.conftest import pdf_upload

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "citizen",
    "pending_member",
    "member",
    "representative",
    "other_organisation",
    "nakahara_officer",
    "nakahara_section_officer",
    "other_ward_officer",
    "admin",
]


@pytest.fixture
def people(npo, other_npo, member_of, member, representative, departments, officer_of):
    return {
        "anonymous": None,
        "citizen": UserFactory(),
        "pending_member": member_of(npo, status=Membership.Status.PENDING),
        "member": member,
        "representative": representative,
        "other_organisation": member_of(other_npo),
        "nakahara_officer": officer_of(departments["中原区役所"]),
        "nakahara_section_officer": officer_of(departments["中原区役所 生涯学習支援課"]),
        "other_ward_officer": officer_of(departments["宮前区役所"]),
        "admin": AdminFactory(),
    }


def _status(client, url):
    response = client.get(url)
    return response.status_code


# What each role gets for a draft's pages: drafts belong to the organisation alone.
DRAFT_PAGES = {
    "anonymous": 302,
    "citizen": 404,
    "pending_member": 404,
    "member": 200,
    "representative": 200,
    "other_organisation": 404,
    "nakahara_officer": 404,
    "nakahara_section_officer": 404,
    "other_ward_officer": 404,
    "admin": 404,
}

# A submitted proposal: the organisation, staff of the call's department (or above it), administrators.
SUBMITTED_PAGE = {
    **DRAFT_PAGES,
    "nakahara_officer": 200,
    "admin": 200,
}


@pytest.mark.parametrize("role", ROLES)
def test_a_draft_and_its_attachment_are_the_organisations_alone(role, people, draft, member, client_for):
    attachment = services.proposal_attachment_add(proposal=draft, user=member, upload=pdf_upload())
    client = client_for(people[role])
    expected = DRAFT_PAGES[role]
    assert _status(client, draft.get_absolute_url()) == expected
    assert _status(client, f"/proposals/{draft.public_id}/edit/") == expected
    assert _status(client, attachment.get_absolute_url()) == expected


@pytest.mark.parametrize("role", ROLES)
def test_a_submitted_proposal_is_seen_by_the_office_that_runs_the_call(
    role, people, complete_draft, member, client_for
):
    services.proposal_submit(proposal=complete_draft, user=member)
    client = client_for(people[role])
    assert _status(client, complete_draft.get_absolute_url()) == SUBMITTED_PAGE[role]


@pytest.mark.parametrize("role", ROLES)
def test_the_list_of_received_proposals_is_for_the_calls_office(role, people, call, client_for):
    expected = {"anonymous": 302, "nakahara_officer": 200, "admin": 200}.get(role, 403)
    assert _status(client_for(people[role]), f"/calls/manage/{call.pk}/proposals/") == expected


@pytest.mark.parametrize("role", ROLES)
def test_who_edits_a_call(role, people, call, client_for):
    expected = {"anonymous": 302, "nakahara_officer": 200, "admin": 200}.get(role, 403)
    assert _status(client_for(people[role]), f"/calls/manage/{call.pk}/") == expected


@pytest.mark.parametrize("role", ROLES)
def test_who_may_submit_and_withdraw(role, people, complete_draft, client_for):
    """Only active members of the organisation move their proposal; for everybody else nothing changes."""
    client = client_for(people[role])
    response = client.post(f"/proposals/{complete_draft.public_id}/submit/", {"edit_version": "0"})
    complete_draft.refresh_from_db()
    allowed = role in ("member", "representative")
    assert (complete_draft.status == "submitted") is allowed
    if not allowed:
        assert response.status_code in (302, 403, 404)
        return
    response = client.post(f"/proposals/{complete_draft.public_id}/withdraw/", {"reason": "理由"})
    complete_draft.refresh_from_db()
    assert complete_draft.status == "withdrawn"


@pytest.mark.parametrize("role", ["citizen", "pending_member", "other_organisation", "nakahara_officer", "admin"])
def test_outsiders_cannot_change_a_draft_or_its_files(role, people, draft, member, client_for):
    attachment = services.proposal_attachment_add(proposal=draft, user=member, upload=pdf_upload())
    client = client_for(people[role])
    client.post(
        f"/proposals/{draft.public_id}/edit/",
        {"title": "乗っ取り", "project_year": "1", "edit_version": "0", "delete_attachment": str(attachment.public_id)},
    )
    client.post(f"/proposals/{draft.public_id}/delete/")
    draft.refresh_from_db()
    assert draft.title == ""
    assert ProposalAttachment.objects.filter(pk=attachment.pk).exists()


def test_staff_lists_hold_only_their_own_calls(call, make_call, departments, people, client_for):
    other = make_call(title="宮前区の募集", department=departments["宮前区役所"])
    response = client_for(people["nakahara_officer"]).get("/calls/manage/")
    assert call.title in response.content.decode()
    assert other.title not in response.content.decode()
    response = client_for(people["other_ward_officer"]).get("/calls/manage/")
    assert other.title in response.content.decode()
    assert call.title not in response.content.decode()


def test_citizens_cannot_reach_staff_pages(people, client_for):
    assert client_for(people["citizen"]).get("/calls/manage/").status_code == 403
    assert client_for(people["citizen"]).get("/calls/manage/new/").status_code == 403


def test_an_unpublished_call_is_hidden_from_the_public(make_call, people, client_for):
    hidden = make_call(is_published=False)
    assert client_for(None).get(hidden.get_absolute_url()).status_code == 404
    assert client_for(people["member"]).get(hidden.get_absolute_url()).status_code == 404
    assert client_for(people["nakahara_officer"]).get(hidden.get_absolute_url()).status_code == 200

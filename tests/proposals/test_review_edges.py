"""The edges of the review found in review: what the applicant may learn before publication, staff who
belong to the applicant, a decision changed under the approver, reviewers taken off a call, a call
changed under its reviews, and proposals left returned past their deadline."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db.models import ProtectedError
from django.utils import timezone, translation

from partners.models import Membership
from proposals import review, services
from proposals.models import Call, CallCriterion, Review
from proposals.workflow import Status
from tests.proposals.conftest import make_move, publish_results


def test_the_applicant_may_withdraw_until_the_results_are_published(walk, member, nakahara_officer):
    adopted = walk("adopted")
    client_status = adopted.status_for_applicant
    assert client_status == Status.UNDER_REVIEW and adopted.can_be_withdrawn
    services.proposal_withdraw(proposal=adopted, user=member, reason="事情により")
    adopted.refresh_from_db()
    assert adopted.status == Status.WITHDRAWN
    other = walk("not_adopted")
    publish_results(other.call, nakahara_officer)
    other.refresh_from_db()
    assert not other.can_be_withdrawn
    with pytest.raises(services.TransitionNotAllowed):
        services.proposal_withdraw(proposal=other, user=member, reason="事情により")


def test_a_refusal_names_only_the_status_the_applicant_sees(walk, member):
    proposal = walk("not_adopted")
    Call.objects.filter(pk=proposal.call_id).update(results_published_at=None)
    with translation.override("ja"), pytest.raises(services.TransitionNotAllowed) as refused:
        services.proposal_submit(proposal=proposal, user=member)
    assert "審査中" in str(refused.value) and "不採択" not in str(refused.value)


def test_a_reviewer_sees_a_decision_only_once_published(walk, call, reviewer_of, client_for, nakahara_officer):
    reviewer = reviewer_of(call)
    proposal = walk("not_adopted")
    client = client_for(reviewer)
    with translation.override("ja"):
        page = client.get(proposal.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "不採択" not in page and "審査中" in page
    publish_results(call, nakahara_officer)
    page = client.get(proposal.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "不採択" in page


def test_staff_who_belong_to_the_applicant_neither_decide_nor_see_the_staff_side(
    walk, npo, nakahara_officer, nakahara_approver, client_for
):
    proposal = walk("under_review")
    Membership.objects.create(user=nakahara_officer, partner=npo, status=Membership.Status.ACTIVE)
    with pytest.raises(PermissionDenied):
        make_move("propose_decision", proposal, nakahara_officer, outcome="adopt")
    assert client_for(nakahara_officer).get(f"/proposals/{proposal.public_id}/manage/").status_code == 404
    proposal.refresh_from_db()
    assert proposal.status == Status.UNDER_REVIEW


def test_an_approver_does_not_approve_a_decision_proposed_again_since_they_read_it(
    walk, nakahara_officer, nakahara_approver, approver_of, departments
):
    proposal = walk("decision_proposed")
    read = review.decision_version(proposal.decision)
    other = approver_of(departments["中原区役所"])
    review.decision_send_back(proposal=proposal, user=other, comment="金額を見直してください。")
    make_move("propose_decision", proposal, nakahara_officer, outcome="not_adopt")
    with pytest.raises(review.DecisionChanged):
        review.decision_approve(proposal=proposal, user=nakahara_approver, version=read)
    proposal.refresh_from_db()
    assert proposal.status == Status.DECISION_PROPOSED
    proposal.decision.refresh_from_db()
    review.decision_approve(
        proposal=proposal, user=nakahara_approver, version=review.decision_version(proposal.decision)
    )
    proposal.refresh_from_db()
    assert proposal.status == Status.NOT_ADOPTED


def test_a_reviewer_who_stepped_aside_stays_on_the_call(walk, call, reviewer_of, nakahara_officer):
    reviewer = reviewer_of(call)
    proposal = walk("under_review")
    review.review_declare_conflict(proposal=proposal, reviewer=reviewer, note="団体の顧問をしています。")
    with pytest.raises(services.ProposalServiceError):
        review.call_reviewer_remove(call=call, user=nakahara_officer, reviewer_id=reviewer.pk)
    assert Review.objects.get(reviewer=reviewer).state == Review.State.CONFLICT


def test_a_removed_reviewer_can_no_longer_save(walk, call, reviewer_of, nakahara_officer):
    reviewer = reviewer_of(call)
    proposal = walk("under_review")
    review.call_reviewer_remove(call=call, user=nakahara_officer, reviewer_id=reviewer.pk)
    with pytest.raises(PermissionDenied):
        review.review_save(proposal=proposal, reviewer=reviewer, scores={}, recommendation="", comment="", submit=False)


@pytest.mark.parametrize("value", ["99999999999999999999999", "-1", "x", ""])
def test_a_bad_reviewer_id_is_a_message_not_an_error(call, nakahara_officer, client_for, value):
    response = client_for(nakahara_officer).post(
        f"/calls/manage/{call.pk}/reviewers/", {"action": "remove", "reviewer": value}
    )
    assert response.status_code == 400


def test_criteria_stay_once_scored(walk, call, reviewer_of):
    from proposals.forms import CallForm, call_formsets

    reviewer = reviewer_of(call)
    proposal = walk("under_review")
    criterion = call.criteria.get()
    review.review_save(
        proposal=proposal,
        reviewer=reviewer,
        scores={criterion.pk: (4, "")},
        recommendation="",
        comment="",
        submit=False,
    )
    unbound = call_formsets(None, instance=call)
    posted = {}
    for key, formset in unbound.items():
        rows = [criterion] if key == "criteria" else []
        posted[f"{formset.prefix}-TOTAL_FORMS"] = str(len(rows))
        posted[f"{formset.prefix}-INITIAL_FORMS"] = str(len(rows))
    prefix = unbound["criteria"].prefix
    posted |= {
        f"{prefix}-0-id": str(criterion.pk),
        f"{prefix}-0-name": criterion.name,
        f"{prefix}-0-weight": str(criterion.weight + 10),
    }
    formsets = call_formsets(posted, instance=call)
    assert formsets["criteria"].is_valid() and formsets["criteria"].has_changed()
    with pytest.raises(services.ProposalServiceError):
        services._check_call_change(call, CallForm(instance=call), formsets.values())
    # Nor can a criterion with scores be deleted behind the form's back.
    with pytest.raises(ProtectedError):
        CallCriterion.objects.filter(pk=criterion.pk).delete()


def test_a_proposal_not_resubmitted_by_its_deadline_does_not_hold_up_the_results(walk, call, nakahara_officer):
    walk("adopted")
    returned = walk("returned")
    assert review.undecided_count(call) == 1
    past = timezone.localdate() - datetime.timedelta(days=1)
    type(returned).objects.filter(pk=returned.pk).update(revision_due=past)
    assert review.undecided_count(call) == 0
    publish_results(call, nakahara_officer)
    assert call.results_published


def test_the_messages_of_the_moves_follow_the_language_of_the_request(walk, nakahara_officer, client_for):
    proposal = walk("submitted")
    client = client_for(nakahara_officer)
    client.cookies["django_language"] = "en"
    response = client.post(f"/proposals/{proposal.public_id}/manage/start_screening/", follow=True)
    assert "Screening has started" in response.content.decode()
    proposal = walk("submitted")
    client.cookies["django_language"] = "ja"
    response = client.post(f"/proposals/{proposal.public_id}/manage/start_screening/", follow=True)
    assert "形式審査を始めました" in response.content.decode()


def test_the_office_comments_stay_in_view_while_the_applicant_revises(walk, member, client_for):
    proposal = walk("returned")
    page = client_for(member).get(f"/proposals/{proposal.public_id}/edit/").content.decode()
    assert "収支計画を見直してください。" in page

"""Reviewers and their scores: assignment, exclusion and conflicts, what a reviewer sees, the summaries, CSV."""

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.utils import translation
from django.utils.translation import gettext

from accounts.models import Notification
from proposals import review, services
from proposals.models import CallCriterion, CallReviewer, Proposal, Review, ReviewScore
from proposals.scoring import call_score_summaries
from proposals.workflow import Outcome, Status
from tests.proposals.conftest import make_move

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_criterion(call) -> CallCriterion:
    """The call's criteria: 協働の必要性 (weight 20) and this one (weight 30): 50 points in all."""
    return CallCriterion.objects.create(call=call, name="事業の実現性", weight=30, order=2)


@pytest.fixture
def criteria(call, second_criterion) -> list[CallCriterion]:
    return list(call.criteria.all())


@pytest.fixture
def first_reviewer(call, reviewer_of):
    return reviewer_of(call, display_name="審査 一郎")


@pytest.fixture
def second_reviewer(call, reviewer_of):
    return reviewer_of(call, display_name="審査 二郎")


def _score(proposal, reviewer, criteria, scores, *, recommendation=Outcome.ADOPT, submit=True, comments=("", "")):
    return review.review_save(
        proposal=proposal,
        reviewer=reviewer,
        scores={c.pk: (score, note) for c, score, note in zip(criteria, scores, comments, strict=True)},
        recommendation=recommendation,
        comment="",
        submit=submit,
    )


# ----------------------------------------------------------------------------------------------------------
# Assigning reviewers


def test_a_reviewer_is_added_by_the_address_of_their_account_and_told(
    call, citizen, nakahara_officer, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        assignment = review.call_reviewer_add(call=call, user=nakahara_officer, email=f"  {citizen.email.upper()} ")
    assert (assignment.call, assignment.user, assignment.added_by) == (call, citizen, nakahara_officer)
    assert [message.to for message in mailoutbox] == [[citizen.email]]
    assert call.title in mailoutbox[0].body
    notification = Notification.objects.get(user=citizen)
    assert notification.url == "/reviews/"
    assert notification.subject == mailoutbox[0].subject


def test_an_unknown_address_or_a_second_assignment_is_refused(
    call, citizen, nakahara_officer, django_capture_on_commit_callbacks, mailoutbox
):
    with pytest.raises(ValidationError) as unknown:
        review.call_reviewer_add(call=call, user=nakahara_officer, email="nobody@example.jp")
    assert set(unknown.value.message_dict) == {"email"}
    review.call_reviewer_add(call=call, user=nakahara_officer, email=citizen.email)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as twice:
        review.call_reviewer_add(call=call, user=nakahara_officer, email=citizen.email)
    assert str(citizen) in twice.value.message_dict["email"][0]
    assert CallReviewer.objects.filter(call=call).count() == 1
    assert mailoutbox == []


def test_only_the_calls_officers_assign_reviewers(call, citizen, nakahara_approver, tama_officer):
    for user in (nakahara_approver, tama_officer, citizen):
        with pytest.raises(PermissionDenied):
            review.call_reviewer_add(call=call, user=user, email=citizen.email)
    assert not CallReviewer.objects.exists()


def test_the_reviewers_page_explains_an_unknown_address_and_keeps_it(call, nakahara_officer, client_for):
    response = client_for(nakahara_officer).post(
        f"/calls/manage/{call.pk}/reviewers/", {"action": "add", "email": "nobody@example.jp"}
    )
    page = response.content.decode()
    assert 'value="nobody@example.jp"' in page
    assert 'id="id_email-error"' in page
    assert not CallReviewer.objects.exists()


def test_the_reviewers_page_answers_400_to_refused_input(call, nakahara_officer, client_for):
    response = client_for(nakahara_officer).post(
        f"/calls/manage/{call.pk}/reviewers/", {"action": "add", "email": "nobody@example.jp"}
    )
    assert response.status_code == 400


# ----------------------------------------------------------------------------------------------------------
# A reviewer who belongs to the applicant


def test_a_reviewer_who_is_a_member_of_the_applicant_is_excluded_from_its_proposal(
    call,
    walk,
    npo,
    member_of,
    reviewer_of,
    first_reviewer,
    nakahara_officer,
    client_for,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    insider = reviewer_of(call, member_of(npo, display_name="団体の会員で審査委員"))
    proposal = walk("screening")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        make_move("pass_screening", proposal, nakahara_officer)
    mailed = {message.to[0] for message in mailoutbox}
    assert first_reviewer.email in mailed
    assert insider.email not in mailed

    review_url = f"/proposals/{proposal.public_id}/review/"
    assert client_for(insider).get(review_url).status_code == 404
    assert client_for(first_reviewer).get(review_url).status_code == 200
    listing = client_for(insider).get("/reviews/")
    assert listing.status_code == 200
    assert review_url not in listing.content.decode()
    assert review_url in client_for(first_reviewer).get("/reviews/").content.decode()
    assert proposal not in review.reviews_waiting_for(reviewer=insider)
    with pytest.raises(PermissionDenied):
        review.review_save(proposal=proposal, reviewer=insider, scores={}, recommendation="", comment="", submit=False)
    assert not Review.objects.filter(reviewer=insider).exists()


# ----------------------------------------------------------------------------------------------------------
# Conflicts of interest


def test_a_declared_conflict_removes_the_reviewers_scores(walk, criteria, first_reviewer):
    proposal = walk("under_review")
    _score(proposal, first_reviewer, criteria, (5, 5), submit=False)
    assert ReviewScore.objects.count() == 2
    with pytest.raises(ValidationError):
        review.review_declare_conflict(proposal=proposal, reviewer=first_reviewer, note="  ")
    declared = review.review_declare_conflict(proposal=proposal, reviewer=first_reviewer, note="団体の顧問をしている")
    assert (declared.state, declared.conflict_note) == (Review.State.CONFLICT, "団体の顧問をしている")
    assert not ReviewScore.objects.exists()
    assert proposal.events.filter(action="conflict_declared", actor=first_reviewer).count() == 1
    assert proposal.pk not in call_score_summaries(proposal.call)
    with pytest.raises(services.ProposalServiceError):
        _score(proposal, first_reviewer, criteria, (5, 5))


def test_the_conflict_form_of_the_review_page(walk, first_reviewer, client_for):
    proposal = walk("under_review")
    client = client_for(first_reviewer)
    url = f"/proposals/{proposal.public_id}/review/"
    refused = client.post(url, {"action": "conflict", "conflict-note": ""})
    assert refused.status_code == 400
    response = client.post(url, {"action": "conflict", "conflict-note": "親族が理事"})
    assert response.status_code == 302 and response.url == "/reviews/"
    assert Review.objects.get(proposal=proposal, reviewer=first_reviewer).state == Review.State.CONFLICT


# ----------------------------------------------------------------------------------------------------------
# What a reviewer sees, and what a submission needs


def test_a_reviewer_sees_the_others_scores_only_after_submitting(
    walk, criteria, first_reviewer, second_reviewer, client_for
):
    proposal = walk("under_review")
    url = f"/proposals/{proposal.public_id}/review/"
    _score(proposal, second_reviewer, criteria, (4, 3), comments=("二郎の講評", ""))
    _score(proposal, first_reviewer, criteria, (2, 2), submit=False, comments=("一郎の下書き", ""))

    first_page = client_for(first_reviewer).get(url).content.decode()
    assert "二郎の講評" not in first_page
    assert 'id="others-heading"' not in first_page
    second_page = client_for(second_reviewer).get(url).content.decode()
    assert 'id="others-heading"' in second_page
    assert "一郎の下書き" not in second_page  # a review in progress is nobody else's business

    _score(proposal, first_reviewer, criteria, (2, 2), comments=("一郎の講評", ""))
    first_page = client_for(first_reviewer).get(url).content.decode()
    assert "二郎の講評" in first_page
    assert "審査 二郎" in first_page
    assert "一郎の講評" in client_for(second_reviewer).get(url).content.decode()


@pytest.mark.parametrize(
    ("scores", "recommendation"), [((4, None), Outcome.ADOPT), ((None, None), Outcome.ADOPT), ((4, 4), "")]
)
def test_a_submission_needs_every_criterion_and_a_recommendation(
    walk, criteria, first_reviewer, scores, recommendation
):
    proposal = walk("under_review")
    with pytest.raises(ValidationError):
        _score(proposal, first_reviewer, criteria, scores, recommendation=recommendation)
    assert not Review.objects.filter(state=Review.State.SUBMITTED).exists()
    assert not proposal.events.filter(action="review_submitted").exists()
    # Saving what there is, without submitting, is fine.
    saved = _score(proposal, first_reviewer, criteria, scores, recommendation=recommendation, submit=False)
    assert saved.state == Review.State.IN_PROGRESS


def test_the_review_page_refuses_an_incomplete_submission_and_keeps_the_input(
    walk, criteria, first_reviewer, client_for
):
    proposal = walk("under_review")
    first, _second = criteria
    response = client_for(first_reviewer).post(
        f"/proposals/{proposal.public_id}/review/",
        {
            "action": "submit",
            f"score_{first.pk}": "4",
            f"comment_{first.pk}": "地域の声をよく聞いている",
            "comment": "",
        },
    )
    assert response.status_code == 400
    assert "地域の声をよく聞いている" in response.content.decode()
    assert not Review.objects.filter(state=Review.State.SUBMITTED).exists()


def test_the_review_page_saves_and_submits_the_scores(walk, criteria, first_reviewer, client_for):
    proposal = walk("under_review")
    first, second = criteria
    url = f"/proposals/{proposal.public_id}/review/"
    data = {
        f"score_{first.pk}": "4",
        f"comment_{first.pk}": "具体的",
        f"score_{second.pk}": "2",
        "recommendation": "adopt",
    }
    client = client_for(first_reviewer)
    assert client.post(url, {**data, "action": "save"}).status_code == 302
    assert sorted(ReviewScore.objects.values_list("criterion__name", "score", "comment")) == [
        ("事業の実現性", 2, ""),
        ("協働の必要性", 4, "具体的"),
    ]
    assert client.post(url, {**data, "action": "submit"}).status_code == 302
    assert Review.objects.get(proposal=proposal, reviewer=first_reviewer).state == Review.State.SUBMITTED


@pytest.mark.parametrize("score", ["0", "6", "-1", "x"])
def test_scores_run_from_1_to_5_on_the_page(walk, criteria, first_reviewer, client_for, score):
    proposal = walk("under_review")
    first, second = criteria
    response = client_for(first_reviewer).post(
        f"/proposals/{proposal.public_id}/review/",
        {"action": "save", f"score_{first.pk}": score, f"score_{second.pk}": "3", "recommendation": "adopt"},
    )
    assert response.status_code == 400
    assert not ReviewScore.objects.exists()


@pytest.mark.parametrize("score", [0, 6])
def test_the_service_keeps_scores_from_1_to_5(walk, criteria, first_reviewer, score):
    proposal = walk("under_review")
    with pytest.raises(ValidationError):
        _score(proposal, first_reviewer, criteria, (score, 3), submit=False)
    assert not ReviewScore.objects.exists()


@pytest.mark.parametrize("score", [0, 6])
def test_the_database_keeps_scores_from_1_to_5(walk, criteria, first_reviewer, score):
    review_row = Review.objects.create(proposal=walk("under_review"), reviewer=first_reviewer)
    with pytest.raises(IntegrityError):
        ReviewScore.objects.create(review=review_row, criterion=criteria[0], score=score)


def test_scores_of_1_and_5_are_taken(walk, criteria, first_reviewer):
    proposal = walk("under_review")
    _score(proposal, first_reviewer, criteria, (1, 5))
    assert sorted(ReviewScore.objects.values_list("score", flat=True)) == [1, 5]


def test_reviews_are_taken_only_while_the_proposal_is_under_review(walk, criteria, first_reviewer):
    for status in (Status.SCREENING, Status.DECISION_PROPOSED, Status.ADOPTED):
        proposal = walk(status)
        with pytest.raises((PermissionDenied, services.ProposalServiceError)):
            _score(proposal, first_reviewer, criteria, (3, 3))
    assert not Review.objects.exists()


# ----------------------------------------------------------------------------------------------------------
# Summaries, ranking and the CSV


@pytest.fixture
def scored(walk, criteria, first_reviewer, second_reviewer):
    """Five proposals scored on 協働の必要性 (20) and 事業の実現性 (30).

    ties: 3.5 → 14.0 and 4.5 → 27.0 = 41.0 each; third: 2 → 8.0 + 12.0 = 20.0 (the second reviewer's
    unsubmitted 5s do not count); conflicted: nothing; last: 1 → 4.0 + 6.0 = 10.0.
    """
    proposals = {
        name: walk("under_review", title=f"提案{name}") for name in ("tie1", "tie2", "third", "conflict", "last")
    }
    _score(proposals["tie1"], first_reviewer, criteria, (5, 4), comments=("とても良い", ""))
    _score(proposals["tie1"], second_reviewer, criteria, (2, 5))
    _score(proposals["tie2"], first_reviewer, criteria, (4, 5))
    _score(proposals["tie2"], second_reviewer, criteria, (3, 4), recommendation=Outcome.ADOPT_WITH_CONDITIONS)
    _score(proposals["third"], first_reviewer, criteria, (2, 2), recommendation=Outcome.NOT_ADOPT)
    _score(proposals["third"], second_reviewer, criteria, (5, 5), submit=False)
    _score(proposals["conflict"], first_reviewer, criteria, (5, 5), submit=False)
    review.review_declare_conflict(proposal=proposals["conflict"], reviewer=first_reviewer, note="理事を務めている")
    _score(proposals["last"], second_reviewer, criteria, (1, 1), recommendation=Outcome.NOT_ADOPT)
    return proposals


def test_summaries_average_weight_and_rank_with_ties(call, scored):
    summaries = call_score_summaries(call)
    assert scored["conflict"].pk not in summaries
    table = {
        name: (
            [score.average for score in summaries[proposal.pk].criteria],
            [score.points for score in summaries[proposal.pk].criteria],
            summaries[proposal.pk].total,
            summaries[proposal.pk].rank,
            summaries[proposal.pk].reviews,
            summaries[proposal.pk].recommendations,
        )
        for name, proposal in scored.items()
        if name != "conflict"
    }
    assert table == {
        "tie1": ([3.5, 4.5], [14.0, 27.0], 41.0, 1, 2, {"adopt": 2}),
        "tie2": ([3.5, 4.5], [14.0, 27.0], 41.0, 1, 2, {"adopt": 1, "conditional": 1}),
        "third": ([2.0, 2.0], [8.0, 12.0], 20.0, 3, 1, {"not_adopt": 1}),
        "last": ([1.0, 1.0], [4.0, 6.0], 10.0, 4, 1, {"not_adopt": 1}),
    }
    assert {summary.full_points for summary in summaries.values()} == {50}


def test_a_summary_can_be_limited_to_some_proposals_without_changing_their_rank(call, scored):
    only = call_score_summaries(call, [scored["third"].pk])
    assert list(only) == [scored["third"].pk]
    assert only[scored["third"].pk].total == 20.0


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_csv_of_the_proposals_and_their_scores(call, scored, criteria, nakahara_officer, client_for):
    Proposal.objects.filter(pk=scored["tie1"].pk).update(title='=HYPERLINK("http://example.com","押す")')
    response = client_for(nakahara_officer).get(f"/calls/manage/{call.pk}/proposals.csv")
    assert response["Content-Disposition"] == f'attachment; filename="call-{call.pk}-proposals.csv"'
    rows = _rows(response)
    with translation.override("ja"):
        header = [
            gettext(text) for text in ("Receipt number", "Proposal", "Organisation", "Status", "Asked of the city")
        ]
        header += [criterion.name for criterion in criteria]
        header += [gettext(text) for text in ("Weighted total", "Rank", "Reviews", "Decision", "Amount granted (yen)")]
        under_review = str(Status.UNDER_REVIEW.label)
    assert rows[0] == header
    by_receipt = {row[0]: row for row in rows[1:]}
    assert len(by_receipt) == 5
    tie1 = by_receipt[scored["tie1"].receipt_number]
    assert tie1[1] == '\'=HYPERLINK("http://example.com","押す")'
    assert tie1[2:] == ["NPO法人なかはら子ども応援団", under_review, "600000", "3.5", "4.5", "41.0", "1", "2", "", ""]
    assert by_receipt[scored["conflict"].receipt_number][5:10] == ["", "", "", "", "0"]


def test_the_csv_of_every_reviewers_scores(call, scored, first_reviewer, second_reviewer, nakahara_officer, client_for):
    response = client_for(nakahara_officer).get(f"/calls/manage/{call.pk}/proposals.csv?kind=scores")
    assert response["Content-Disposition"] == f'attachment; filename="call-{call.pk}-scores.csv"'
    rows = _rows(response)
    assert len(rows[0]) == 6
    body = sorted((row[1], row[2], row[3], row[4], row[5]) for row in rows[1:])
    # Submitted reviews only: not the second reviewer's draft of "third", nothing of the conflict.
    assert body == sorted(
        [
            ("提案tie1", "審査 一郎", "協働の必要性", "5", "とても良い"),
            ("提案tie1", "審査 一郎", "事業の実現性", "4", ""),
            ("提案tie1", "審査 二郎", "協働の必要性", "2", ""),
            ("提案tie1", "審査 二郎", "事業の実現性", "5", ""),
            ("提案tie2", "審査 一郎", "協働の必要性", "4", ""),
            ("提案tie2", "審査 一郎", "事業の実現性", "5", ""),
            ("提案tie2", "審査 二郎", "協働の必要性", "3", ""),
            ("提案tie2", "審査 二郎", "事業の実現性", "4", ""),
            ("提案third", "審査 一郎", "協働の必要性", "2", ""),
            ("提案third", "審査 一郎", "事業の実現性", "2", ""),
            ("提案last", "審査 二郎", "協働の必要性", "1", ""),
            ("提案last", "審査 二郎", "事業の実現性", "1", ""),
        ]
    )


@pytest.mark.parametrize("kind", ["", "?kind=scores"])
def test_the_csv_is_for_the_calls_staff(
    call, scored, nakahara_approver, tama_officer, kankyo_officer, first_reviewer, member, citizen, client_for, kind
):
    url = f"/calls/manage/{call.pk}/proposals.csv{kind}"
    assert client_for(nakahara_approver).get(url).status_code == 200
    for outsider in (tama_officer, kankyo_officer, first_reviewer, member, citizen):
        assert client_for(outsider).get(url).status_code == 403
    assert client_for(None).get(url).status_code == 302

"""Two people acting on one round at the same moment: the round's row lock makes them take turns
(PostgreSQL, real threads)."""

import pytest

from evaluations import services
from evaluations.models import EvaluationEvent, EvaluationRound, SideEvaluation
from evaluations.workflow import Side, Status
from partners.models import Membership
from tests.evaluations.conftest import FISCAL_YEAR, fill_side, side_of
from tests.factories import MembershipFactory, UserFactory
from tests.proposals.test_concurrency import _race, postgres_only

pytestmark = [postgres_only, pytest.mark.django_db(transaction=True)]


def _count(results, kind) -> int:
    return sum(isinstance(result, kind) for result in results)


def _chain_is_whole(round: EvaluationRound) -> None:
    """Every event starts where the one before ended, and the last ends at the round's status."""
    current = ""
    for event in round.events.order_by("id"):
        assert event.from_status == current, event.action
        current = event.to_status
    assert current == round.status


@pytest.fixture
def second_member(partner):
    """Another member of the partner organisation (a member of staff)."""
    return MembershipFactory(
        partner=partner, role=Membership.Role.STAFF, user=UserFactory(display_name="団体の担当者")
    ).user


def test_both_sides_submitting_at_once_start_the_summary(make_round, member, officer):
    round = make_round(Status.WRITING)
    fill_side(side_of(round, Side.PARTNER), member)
    fill_side(side_of(round, Side.CITY), officer)
    results = _race(
        [
            lambda: services.side_submit(side=side_of(round, Side.PARTNER), user=member),
            lambda: services.side_submit(side=side_of(round, Side.CITY), user=officer),
        ]
    )
    assert _count(results, EvaluationRound) == 2, results
    round.refresh_from_db()
    assert round.status == Status.SUMMARISING
    assert SideEvaluation.objects.filter(round=round, submitted_at__isnull=False).count() == 2
    submissions = list(round.events.filter(action="submit_side").order_by("id").values_list("side", "to_status"))
    assert sorted(side for side, _status in submissions) == sorted(Side.values)
    # The first leaves the round being written; the second, seeing the first, ends the writing.
    assert [status for _side, status in submissions] == [Status.WRITING, Status.SUMMARISING]
    _chain_is_whole(round)


def test_an_agreement_and_a_request_for_changes_at_once(make_round, member, second_member, officer):
    """The city proposed; two members of the partner answer at the same moment: one answer counts."""
    round = make_round(Status.PROPOSED)  # by the partner, which takes it back for the city to propose
    services.summary_withdraw(round=round, user=member)
    services.summary_propose(round=round, user=officer)
    results = _race(
        [
            lambda: services.summary_agree(round=round, user=member),
            lambda: services.summary_request_changes(round=round, user=second_member, comment="数字の説明を足して"),
        ]
    )
    assert _count(results, EvaluationRound) == 1, results
    assert _count(results, services.TransitionNotAllowed) == 1, results
    round.refresh_from_db()
    answers = list(round.events.filter(action__in=["agree", "request_changes"]).values_list("action", flat=True))
    if isinstance(results[0], EvaluationRound):
        assert round.status == Status.PUBLISHED and round.agreed_by == member and round.published_at
        assert answers == ["agree"]
    else:
        assert round.status == Status.SUMMARISING and round.agreed_by is None and round.published_at is None
        assert answers == ["request_changes"]
    _chain_is_whole(round)


def test_two_starts_of_the_same_year_at_once_open_one_round(project, member, officer):
    results = _race(
        [
            lambda user=user: services.round_start(project=project, fiscal_year=FISCAL_YEAR, user=user)
            for user in (member, officer)
        ]
    )
    assert _count(results, EvaluationRound) == 2, results
    round = EvaluationRound.objects.get(project=project, fiscal_year=FISCAL_YEAR)
    assert {result.pk for result in results} == {round.pk}
    assert sorted(round.sides.values_list("side", flat=True)) == sorted(Side.values)
    assert EvaluationEvent.objects.filter(round=round, action="start").count() == 1
    principles = project.municipality.principles.filter(is_active=True).count()
    for side in round.sides.all():
        assert side.ratings.count() == principles


def test_two_saves_of_the_same_version_keep_one_and_refuse_the_other(make_round, member, second_member):
    round = make_round(Status.WRITING)
    evaluation = side_of(round, Side.PARTNER)
    version = evaluation.version

    def save(user, text):
        return lambda: services.side_save(
            side=evaluation,
            user=user,
            data={"achievement_score": 3, "overall_comment": text},
            ratings={},
            version=version,
        )

    results = _race([save(member, "代表者の下書き"), save(second_member, "担当者の下書き")])
    assert _count(results, SideEvaluation) == 1, results
    assert _count(results, services.EditConflict) == 1, results
    winner = next(result for result in results if isinstance(result, SideEvaluation))
    evaluation.refresh_from_db()
    assert evaluation.version == version + 1
    assert evaluation.overall_comment == winner.overall_comment
    assert evaluation.updated_by_id == winner.updated_by_id
    assert round.events.filter(action="save_side").count() == 1

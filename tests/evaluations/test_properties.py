"""Random sequences of writes and moves by random people on one round: the workflow's invariants always hold."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from evaluations import services
from evaluations.models import EvaluationEvent, EvaluationRound, SideEvaluation
from evaluations.rules import sides_of
from evaluations.workflow import BOTH_SUBMITTED, TRANSITIONS, NextStep, Side, Status
from tests.evaluations.conftest import FISCAL_YEAR, side_of

pytestmark = pytest.mark.django_db

MOVES = (
    "save_partner",
    "save_city",
    "submit_partner",
    "submit_city",
    "reopen_partner",
    "reopen_city",
    "summary_save",
    "propose",
    "agree",
    "request_changes",
    "withdraw",
    "reopen",
)
ACTORS = ("member", "officer", "outsider", "admin")
NOBODY = {"outsider", "admin"}  # neither side: every write of theirs is refused
# The transition each move makes (the saves make none).
TRANSITION_OF = {
    "submit_partner": "submit_side",
    "submit_city": "submit_side",
    "reopen_partner": "reopen_side",
    "reopen_city": "reopen_side",
    "propose": "propose_summary",
    "agree": "agree",
    "request_changes": "request_changes",
    "withdraw": "withdraw_summary",
    "reopen": "reopen",
}
# Half the steps take a move open from the round's status by someone of the right side ("next", "proper"):
# without them, random steps would seldom get past the writing to the summary and its publication.
step = st.tuples(
    st.sampled_from(("next",) * len(MOVES) + MOVES),
    st.sampled_from(("proper",) * len(ACTORS) + ACTORS),
    st.integers(min_value=0, max_value=5),
)
WRITER = {Side.PARTNER: "member", Side.CITY: "officer"}


def _side_save(round: EvaluationRound, side: str, user, variant: int) -> None:
    """A complete draft, except variant 4 (no overall comment: submitting it is refused); variant 5 saves over
    a version that is not the latest (refused as an edit conflict). The city's scores vary, making gaps."""
    evaluation = side_of(round, side)
    score = 4 if side == Side.PARTNER else variant % 5 + 1
    services.side_save(
        side=evaluation,
        user=user,
        data={
            "achievement_score": score,
            "achievement_comment": f"{side} {variant} の成果",
            "cost_score": score,
            "cost_comment": f"{side} {variant} の費用",
            "overall_comment": "" if variant == 4 else f"{side} {variant} の振り返り",
        },
        ratings={rating.principle_id: (score, f"{side} {variant}") for rating in evaluation.ratings.all()},
        version=evaluation.version + 1 if variant == 5 else evaluation.version,
        cost_amount=600_000 + variant,
    )


def _summary_save(round: EvaluationRound, user, variant: int) -> None:
    gaps = services.principle_gaps(list(round.sides.prefetch_related("ratings__principle")))
    services.summary_save(
        round=round,
        user=user,
        data={
            "summary": "" if variant == 4 else f"まとめ {variant}",
            "next_step": NextStep.CONTINUE,
            "next_step_reasons": "需要がある。",
            "independence_year": FISCAL_YEAR + 2,
            "cost_share_change": "委託料を減らす。",
        },
        gap_notes={gap.principle.pk: "受け止め方が違った。" for gap in gaps},
        version=round.summary_version + 1 if variant == 5 else round.summary_version,
    )


def _act(move: str, round: EvaluationRound, user, variant: int) -> None:
    if move.startswith("save_"):
        _side_save(round, move.removeprefix("save_"), user, variant)
    elif move.startswith("submit_"):
        services.side_submit(side=side_of(round, move.removeprefix("submit_")), user=user)
    elif move.startswith("reopen_"):
        services.side_reopen(side=side_of(round, move.removeprefix("reopen_")), user=user)
    elif move == "summary_save":
        _summary_save(round, user, variant)
    elif move == "propose":
        services.summary_propose(round=round, user=user)
    elif move == "agree":
        services.summary_agree(round=round, user=user)
    elif move == "request_changes":
        services.summary_request_changes(round=round, user=user, comment="" if variant == 4 else "直してほしい")
    elif move == "withdraw":
        services.summary_withdraw(round=round, user=user)
    elif move == "reopen":
        services.round_reopen(round=round, user=user, comment="" if variant == 4 else "誤記を直す")
    else:
        raise AssertionError(move)


def _next_move(round: EvaluationRound, variant: int) -> str:
    """A move open from the round's status, on the way to publication (and, once published, its reopening):
    a side's draft is saved until it is complete, then submitted; the summary likewise, then proposed."""
    if round.status == Status.WRITING:
        choices = [
            f"{'save' if services.side_problems(side) else 'submit'}_{side.side}"
            for side in round.sides.all()
            if side.submitted_at is None
        ]
        return choices[variant % len(choices)]
    if round.status == Status.SUMMARISING:
        return "summary_save" if services.summary_problems(round) else "propose"
    return {Status.PROPOSED: "agree", Status.PUBLISHED: "reopen"}[round.status]


def _proper_actor(move: str, round: EvaluationRound, variant: int) -> str:
    if move.endswith(("_partner", "_city")):
        return WRITER[move.rsplit("_", 1)[1]]
    if move in ("agree", "request_changes"):
        return WRITER[Side.CITY if round.proposed_side == Side.PARTNER else Side.PARTNER]
    if move == "withdraw":
        return WRITER.get(round.proposed_side, "member")
    if move == "reopen":
        return "officer"
    return ("member", "officer")[variant % 2]


def _content(side: SideEvaluation) -> tuple:
    ratings = tuple(side.ratings.order_by("principle_id").values_list("principle_id", "score", "comment"))
    fields = tuple(getattr(side, name) for name in services.SIDE_FIELDS)
    return fields, ratings


def _state(round: EvaluationRound) -> tuple:
    round = EvaluationRound.objects.get(pk=round.pk)
    sides = tuple((side.side, side.version, side.submitted_at, _content(side)) for side in round.sides.order_by("side"))
    return round.status, round.summary_version, round.summary, round.proposed_side, sides, round.events.count()


def _check_invariants(round: EvaluationRound, snapshots: dict, project) -> None:
    round = EvaluationRound.objects.get(pk=round.pk)
    sides = {side.side: side for side in round.sides.all()}
    assert round.status in Status.values

    # The audit trail tells the whole story of the status: each event starts where the one before ended.
    events = list(EvaluationEvent.objects.filter(round=round).select_related("actor").order_by("id"))
    assert events[0].action == "start" and events[0].from_status == ""
    current = ""
    for row in events:
        assert row.from_status == current, (row.action, row.from_status, current)
        current = row.to_status
    assert current == round.status

    # The sides read each other's evaluation exactly when both have submitted.
    both = all(side.submitted_at is not None for side in sides.values())
    assert (round.status in BOTH_SUBMITTED) is both, (round.status, both)

    if round.status == Status.PUBLISHED:
        assert round.published_at is not None and round.figures and round.figures["indicators"]
        assert round.agreed_by_id is not None
    else:
        assert round.published_at is None
    if round.status == Status.PROPOSED:
        assert round.proposed_side in Side.values and round.proposed_by_id and round.proposed_at

    # A submitted evaluation does not change (until its side takes it back, while the other has not submitted).
    for name, side in sides.items():
        if side.submitted_at is None:
            snapshots.pop(name, None)
            continue
        content = (side.submitted_at, _content(side))
        assert snapshots.setdefault(name, content) == content, name

    # Everyone who wrote anything writes for the side recorded; nobody else wrote.
    for row in events[1:]:
        assert sides_of(row.actor, project) == {row.side}, (row.action, row.actor, row.side)

    # Publication takes both sides: every agreement answers the other side's latest proposal.
    proposed_by = None
    for row in events:
        if row.action == "propose_summary":
            proposed_by = row.side
        elif row.action == "agree":
            assert proposed_by is not None and row.side != proposed_by, (row.side, proposed_by)
            assert row.to_status == Status.PUBLISHED
        if row.to_status == Status.PUBLISHED and row.from_status != Status.PUBLISHED:
            assert row.action == "agree"


@pytest.fixture
def people(member, officer, outsider, admin_user):
    return {"member": member, "officer": officer, "outsider": outsider, "admin": admin_user}


@settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=10, max_size=30))
def test_random_moves_keep_the_round_consistent(project, people, steps):
    # Each example starts afresh: its round lives in a savepoint that is rolled back at the end.
    with transaction.atomic():
        round = services.round_start(project=project, fiscal_year=FISCAL_YEAR, user=people["officer"])
        snapshots: dict = {}
        _check_invariants(round, snapshots, project)
        for move, actor, variant in steps:
            round = EvaluationRound.objects.select_related("project").get(pk=round.pk)
            if move == "next":
                move = _next_move(round, variant)
                variant %= 4  # a complete draft, saved over the latest version
            if actor == "proper":
                actor = _proper_actor(move, round, variant)
            before = _state(round)
            try:
                _act(move, round, people[actor], variant)
            except (PermissionDenied, services.EvaluationServiceError) as refused:
                # A refused step changes nothing, and says why in the right terms.
                assert _state(round) == before, (move, actor)
                if actor in NOBODY:
                    assert type(refused) is PermissionDenied, (move, actor, refused)
                # A side's reopening is also refused from the writing, when the side has not submitted.
                side_reopening = move.startswith("reopen_")
                if isinstance(refused, services.TransitionNotAllowed) and move in TRANSITION_OF and not side_reopening:
                    assert before[0] not in TRANSITIONS[TRANSITION_OF[move]].sources, (move, before[0])
                event(f"refused: {type(refused).__name__}")
            else:
                assert actor not in NOBODY, (move, actor)
                after = _state(round)
                assert after[-1] == before[-1] + 1, "one audit row per write"
                if move in TRANSITION_OF:
                    transition = TRANSITIONS[TRANSITION_OF[move]]
                    assert before[0] in transition.sources, (move, before[0])
                    assert transition.target in (None, after[0]), (move, after[0])
                else:
                    assert after[0] == before[0], move
            _check_invariants(round, snapshots, project)
        event(f"ends {EvaluationRound.objects.get(pk=round.pk).status}")
        transaction.set_rollback(True)

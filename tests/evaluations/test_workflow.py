"""The evaluation round's workflow through its services: opening, each side's evaluation, the joint summary,
the moves, the figures, the audit trail and the mails."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from evaluations import services
from evaluations.models import EvaluationEvent, EvaluationRound, GapNote, Principle
from evaluations.workflow import (
    BOTH_SUBMITTED,
    CONTINUING,
    SIDES_EDITABLE,
    SUMMARY_EDITABLE,
    TRANSITIONS,
    NextStep,
    Side,
    Status,
)
from tests.evaluations.conftest import FISCAL_YEAR, fill_side, side_of

pytestmark = pytest.mark.django_db


def test_the_transition_table_is_the_documented_workflow():
    table = {
        name: (sorted(transition.sources), transition.target, sorted(transition.sides))
        for name, transition in TRANSITIONS.items()
    }
    both = sorted([Side.PARTNER, Side.CITY])
    assert table == {
        "submit_side": ([Status.WRITING], None, both),
        "reopen_side": ([Status.WRITING], Status.WRITING, both),
        "propose_summary": ([Status.SUMMARISING], Status.PROPOSED, both),
        "agree": ([Status.PROPOSED], Status.PUBLISHED, both),
        "request_changes": ([Status.PROPOSED], Status.SUMMARISING, both),
        "withdraw_summary": ([Status.PROPOSED], Status.SUMMARISING, both),
        "reopen": ([Status.PUBLISHED], Status.SUMMARISING, [Side.CITY]),
    }
    assert {name for name, transition in TRANSITIONS.items() if transition.other_side_only} == {
        "agree",
        "request_changes",
    }
    assert {Status.WRITING} == SIDES_EDITABLE
    assert {Status.SUMMARISING} == SUMMARY_EDITABLE
    assert {Status.SUMMARISING, Status.PROPOSED, Status.PUBLISHED} == BOTH_SUBMITTED
    assert {NextStep.CONTINUE, NextStep.EXPAND, NextStep.REVISE} == CONTINUING


def test_principles_are_data_per_municipality(reference_data):
    kawasaki = list(Principle.objects.filter(municipality__code="141305").values_list("name", flat=True))
    higashikurume = list(Principle.objects.filter(municipality__code="132225").values_list("name", flat=True))
    assert kawasaki == [
        "目的の共有",
        "対等の関係",
        "相互理解",
        "公開性・透明性",
        "役割分担と責任範囲の確認",
        "成果の振り返り",
    ]
    assert higashikurume == ["目的共有", "対等", "相互認識・理解", "自主性尊重", "情報公開", "自立", "時限性"]


def test_opening_a_round_makes_both_sides_with_the_municipalitys_principles_in_use(project, officer):
    Principle.objects.filter(municipality=project.municipality, code="jigen").delete()  # Higashikurume's only
    retired = Principle.objects.get(municipality=project.municipality, code="furikaeri")
    retired.is_active = False
    retired.save()
    round = services.round_start(project=project, fiscal_year=FISCAL_YEAR, user=officer)
    assert round.status == Status.WRITING
    assert round.cost_amount == 600_000
    for side in Side.values:
        names = [rating.principle.name for rating in side_of(round, side).ratings.select_related("principle")]
        assert names == ["目的の共有", "対等の関係", "相互理解", "公開性・透明性", "役割分担と責任範囲の確認"]
    event = round.events.get()
    assert (event.action, event.from_status, event.to_status, event.actor) == ("start", "", Status.WRITING, officer)


def test_opening_twice_gives_the_same_round(project, officer, member):
    first = services.round_start(project=project, fiscal_year=FISCAL_YEAR, user=officer)
    second = services.round_start(project=project, fiscal_year=FISCAL_YEAR, user=member)
    assert first.pk == second.pk
    assert EvaluationRound.objects.count() == 1


@pytest.mark.parametrize("year", [2023, 2027, 1949])
def test_a_year_the_project_did_not_run_or_has_not_begun_is_refused(project, officer, year):
    with pytest.raises(services.EvaluationServiceError):
        services.round_start(project=project, fiscal_year=year, user=officer)
    assert not EvaluationRound.objects.exists()


def test_a_draft_project_is_not_evaluated(project, officer):
    project.is_published = False
    project.save()
    with pytest.raises(services.EvaluationServiceError):
        services.round_start(project=project, fiscal_year=FISCAL_YEAR, user=officer)


def test_a_project_without_years_may_be_evaluated_for_any_past_year(project, officer):
    project.fiscal_year_start = project.fiscal_year_end = None
    project.save()
    assert services.round_start(project=project, fiscal_year=2014, user=officer).fiscal_year == 2014


def test_someone_outside_the_project_cannot_open_a_round(project, outsider):
    with pytest.raises(PermissionDenied):
        services.round_start(project=project, fiscal_year=FISCAL_YEAR, user=outsider)


def test_a_side_saves_drafts_and_submits_once_complete(make_round, member):
    round = make_round()
    side = side_of(round, Side.PARTNER)
    with pytest.raises(services.Incomplete) as refused:
        services.side_submit(side=side, user=member)
    assert {"achievement_score", "cost_score", "overall_comment"} <= set(refused.value.problems)
    assert sum(key.startswith("score_") for key in refused.value.problems) == 6
    fill_side(side, member)
    round = services.side_submit(side=side, user=member)
    assert round.status == Status.WRITING  # the city has not submitted
    side.refresh_from_db()
    assert side.submitted_by == member and side.submitted_at is not None
    with pytest.raises(services.EvaluationServiceError):
        fill_side(side, member)


def test_the_second_submission_ends_the_writing(make_round, member, officer):
    round = make_round()
    fill_side(side_of(round, Side.CITY), officer)
    services.side_submit(side=side_of(round, Side.CITY), user=officer)
    fill_side(side_of(round, Side.PARTNER), member)
    round = services.side_submit(side=side_of(round, Side.PARTNER), user=member)
    assert round.status == Status.SUMMARISING
    assert list(round.events.values_list("action", "from_status", "to_status")) == [
        ("start", "", Status.WRITING),
        ("save_side", Status.WRITING, Status.WRITING),
        ("submit_side", Status.WRITING, Status.WRITING),
        ("save_side", Status.WRITING, Status.WRITING),
        ("submit_side", Status.WRITING, Status.SUMMARISING),
    ]


def test_a_side_takes_its_evaluation_back_until_the_other_side_submits(make_round, member, officer):
    round = make_round()
    partner = side_of(round, Side.PARTNER)
    fill_side(partner, member)
    services.side_submit(side=partner, user=member)
    services.side_reopen(side=partner, user=member)
    partner.refresh_from_db()
    assert partner.submitted_at is None
    fill_side(partner, member, score=5)
    services.side_submit(side=partner, user=member)
    fill_side(side_of(round, Side.CITY), officer)
    services.side_submit(side=side_of(round, Side.CITY), user=officer)
    with pytest.raises(services.TransitionNotAllowed):
        services.side_reopen(side=partner, user=member)


def test_each_side_writes_only_its_own_evaluation(make_round, member, officer):
    round = make_round()
    with pytest.raises(PermissionDenied):
        fill_side(side_of(round, Side.CITY), member)
    with pytest.raises(PermissionDenied):
        fill_side(side_of(round, Side.PARTNER), officer)


def test_a_save_over_a_newer_version_is_refused(make_round, member):
    round = make_round()
    side = side_of(round, Side.PARTNER)
    fill_side(side, member)
    with pytest.raises(services.EditConflict):
        services.side_save(side=side, user=member, data={"overall_comment": "古い画面から"}, ratings={}, version=0)
    side.refresh_from_db()
    assert side.overall_comment == "双方で役割を果たした。"


def test_only_the_city_side_sets_the_years_cost(make_round, member, officer):
    round = make_round()
    services.side_save(side=side_of(round, Side.PARTNER), user=member, data={}, ratings={}, cost_amount=1)
    round.refresh_from_db()
    assert round.cost_amount == 600_000
    services.side_save(side=side_of(round, Side.CITY), user=officer, data={}, ratings={}, cost_amount=480_000)
    round.refresh_from_db()
    assert round.cost_amount == 480_000


def test_differences_of_two_points_or_more_are_gaps(make_round):
    round = make_round(
        Status.SUMMARISING,
        partner_scores={"taitou": 5, "rikai": 4, "koukai": 2},
        city_scores={"taitou": 3, "rikai": 3, "koukai": 5},
    )
    gaps = services.principle_gaps(list(round.sides.prefetch_related("ratings__principle")))
    assert [(gap.principle.code, gap.partner_score, gap.city_score, gap.difference) for gap in gaps] == [
        ("taitou", 5, 3, 2),
        ("koukai", 2, 5, 3),
    ]


def test_the_summary_asks_a_word_on_each_gap_and_on_the_next_step(make_round, member):
    round = make_round(Status.SUMMARISING, partner_scores={"taitou": 5}, city_scores={"taitou": 2})
    with pytest.raises(services.Incomplete) as refused:
        services.summary_propose(round=round, user=member)
    taitou = Principle.objects.get(municipality=round.project.municipality, code="taitou")
    assert set(refused.value.problems) == {"summary", "next_step", "next_step_reasons", f"gap_{taitou.pk}"}
    services.summary_save(
        round=round,
        user=member,
        data={"summary": "まとめ", "next_step": NextStep.EXPAND, "next_step_reasons": "需要がある"},
        gap_notes={taitou.pk: "打合せの進め方に差があった"},
    )
    with pytest.raises(services.Incomplete) as refused:
        services.summary_propose(round=round, user=member)
    # Expanding is continuing: the year of independence and the change of the cost share are asked for.
    assert set(refused.value.problems) == {"independence_year", "cost_share_change"}


def test_ending_a_project_needs_no_year_of_independence(make_round, officer):
    round = make_round(Status.SUMMARISING)
    services.summary_save(
        round=round,
        user=officer,
        data={"summary": "まとめ", "next_step": NextStep.END, "next_step_reasons": "目的を達した"},
        gap_notes={},
    )
    assert services.summary_propose(round=round, user=officer).status == Status.PROPOSED


def test_a_year_of_independence_before_the_year_evaluated_is_refused(make_round, officer):
    round = make_round(Status.SUMMARISING)
    services.summary_save(
        round=round,
        user=officer,
        data={
            "summary": "まとめ",
            "next_step": NextStep.CONTINUE,
            "next_step_reasons": "続ける",
            "independence_year": FISCAL_YEAR - 1,
            "cost_share_change": "団体の負担を増やす",
        },
        gap_notes={},
    )
    with pytest.raises(services.Incomplete) as refused:
        services.summary_propose(round=round, user=officer)
    assert set(refused.value.problems) == {"independence_year"}


def test_an_empty_note_removes_it(make_round, member):
    round = make_round(Status.SUMMARISING, partner_scores={"taitou": 5}, city_scores={"taitou": 2})
    taitou = Principle.objects.get(municipality=round.project.municipality, code="taitou")
    services.summary_save(round=round, user=member, data={}, gap_notes={taitou.pk: "差がある"})
    assert GapNote.objects.filter(round=round).count() == 1
    services.summary_save(round=round, user=member, data={}, gap_notes={taitou.pk: "  "})
    assert not GapNote.objects.filter(round=round).exists()


def test_the_other_side_agrees_and_the_round_is_published_with_its_figures(make_round, member, officer):
    round = make_round(Status.PROPOSED)
    assert round.proposed_side == Side.PARTNER
    with pytest.raises(services.EvaluationServiceError):
        services.summary_agree(round=round, user=member)  # the proposer does not agree to itself
    round = services.summary_agree(round=round, user=officer, version=round.summary_version)
    assert round.status == Status.PUBLISHED and round.agreed_by == officer and round.published_at
    assert round.figures == {
        "cost_amount": 600_000,
        "indicators": [
            {"name": "参加児童", "unit": "人", "note": "", "planned": "50", "actual": "60"},
            {"name": "開催回数", "unit": "回", "note": "", "planned": "40", "actual": "30"},
        ],
    }
    # The published figures stay as they were when the project's record changes later.
    round.project.indicators.update(actual_value=1)
    figures = services.round_figures(EvaluationRound.objects.get(pk=round.pk))
    assert [row.actual for row in figures.indicators] == [Decimal(60), Decimal(30)]


def test_agreeing_to_a_summary_changed_since_it_was_read_is_refused(make_round, member, officer):
    round = make_round(Status.PROPOSED)
    read_version = round.summary_version
    services.summary_withdraw(round=round, user=member)
    fields = {name: getattr(round, name) for name in services.SUMMARY_FIELDS}
    services.summary_save(round=round, user=member, data={**fields, "summary": "書き直した"}, gap_notes={})
    services.summary_propose(round=round, user=member)
    with pytest.raises(services.EditConflict):
        services.summary_agree(round=round, user=officer, version=read_version)


def test_asking_for_changes_sends_the_summary_back_with_a_reason(make_round, member, officer):
    round = make_round(Status.PROPOSED)
    with pytest.raises(services.EvaluationServiceError):
        services.summary_request_changes(round=round, user=officer, comment="  ")
    round = services.summary_request_changes(round=round, user=officer, comment="数値の出典を書いてください")
    assert round.status == Status.SUMMARISING
    event = round.events.last()
    assert (event.action, event.side, event.comment) == ("request_changes", Side.CITY, "数値の出典を書いてください")


def test_only_the_proposer_takes_the_proposal_back(make_round, member, officer):
    round = make_round(Status.PROPOSED)
    with pytest.raises(services.EvaluationServiceError):
        services.summary_withdraw(round=round, user=officer)
    assert services.summary_withdraw(round=round, user=member).status == Status.SUMMARISING


def test_the_city_withdraws_a_published_round_to_correct_it(make_round, member, officer):
    round = make_round(Status.PUBLISHED)
    with pytest.raises(PermissionDenied):
        services.round_reopen(round=round, user=member, comment="直したい")
    round = services.round_reopen(round=round, user=officer, comment="数値の誤り")
    assert round.status == Status.SUMMARISING and round.published_at is None
    assert not EvaluationRound.objects.published().exists()


def test_figures_give_achievement_rates_and_cost_per_unit():
    figures = services.Figures(
        cost_amount=1_835_000,
        indicators=[
            services.IndicatorFigure("講座の受講者", "名", "", planned=Decimal(50), actual=Decimal(54)),
            services.IndicatorFigure("参加", "参加", "", planned=None, actual=Decimal(163)),
            services.IndicatorFigure("未実施", "回", "", planned=Decimal(0), actual=Decimal(0)),
        ],
    )
    assert [(row.achievement_rate, per_unit) for row, per_unit in figures.rows()] == [
        (Decimal(108), 33_981),
        (None, 11_258),
        (None, None),
    ]
    assert services.Figures.from_json(figures.as_json()) == figures


def test_mails_tell_the_other_side_without_the_content(
    make_round, member, officer, mailoutbox, django_capture_on_commit_callbacks
):
    round = make_round()
    fill_side(side_of(round, Side.PARTNER), member)
    with django_capture_on_commit_callbacks(execute=True):
        services.side_submit(side=side_of(round, Side.PARTNER), user=member)
    assert [mail.to for mail in mailoutbox] == [[officer.email]]
    assert "双方で役割を果たした" not in mailoutbox[0].body  # the partner's words stay with the partner
    fill_side(side_of(round, Side.CITY), officer)
    with django_capture_on_commit_callbacks(execute=True):
        services.side_submit(side=side_of(round, Side.CITY), user=officer)
    assert sorted(mail.to[0] for mail in mailoutbox[1:]) == sorted([member.email, officer.email])


def test_every_move_leaves_an_audit_row(make_round, officer):
    round = make_round(Status.PUBLISHED)
    services.round_reopen(round=round, user=officer, comment="訂正")
    chain = list(EvaluationEvent.objects.filter(round=round).order_by("created_at", "id"))
    for before, after in itertools.pairwise(chain):
        assert after.from_status == before.to_status
    assert chain[-1].to_status == Status.SUMMARISING
    assert [event.action for event in chain if event.action in TRANSITIONS] == [
        "submit_side",
        "submit_side",
        "propose_summary",
        "agree",
        "reopen",
    ]


def test_due_dates_fall_three_months_after_the_year(settings):
    from evaluations.selectors import evaluation_due_date

    assert evaluation_due_date(2025) == datetime.date(2026, 6, 30)
    settings.EVALUATION_DUE_DAYS = 30
    assert evaluation_due_date(2025) == datetime.date(2026, 4, 30)


def test_the_cost_is_fixed_once_the_partner_has_scored_against_it(make_round, member, officer):
    round = make_round()
    fill_side(side_of(round, Side.PARTNER), member)
    services.side_submit(side=side_of(round, Side.PARTNER), user=member)
    with pytest.raises(services.EvaluationServiceError):
        services.side_save(side=side_of(round, Side.CITY), user=officer, data={}, ratings={}, cost_amount=1)
    round.refresh_from_db()
    assert round.cost_amount == 600_000
    services.side_reopen(side=side_of(round, Side.PARTNER), user=member)
    services.side_save(side=side_of(round, Side.CITY), user=officer, data={}, ratings={}, cost_amount=1)
    round.refresh_from_db()
    assert round.cost_amount == 1

"""Fixtures of the evaluation tests: a Kawasaki project in 中原区 with a partner organisation, its
member, its officer, and rounds made through the services (or, for read-side tests, straight away)."""

import datetime

import pytest
from django.utils import timezone

from evaluations import services
from evaluations.models import EvaluationRound, PrincipleRating, SideEvaluation
from evaluations.workflow import NextStep, Side, Status
from partners.models import Membership
from projects.models import OutcomeIndicator
from tests.factories import MembershipFactory, PartnerFactory, ProjectFactory, UserFactory

FISCAL_YEAR = 2025


@pytest.fixture
def partner(kawasaki):
    return PartnerFactory(name="なかはら子ども応援団", municipality=kawasaki)


@pytest.fixture
def project(kawasaki, departments, kawasaki_wards, schemes, partner):
    """A published 中原区 project of FY2024–FY2025 with two indicators and 600,000 yen."""
    project = ProjectFactory(
        title="放課後の居場所づくり",
        municipality=kawasaki,
        scheme=schemes["ward_proposal"],
        responsible_department=departments["中原区役所 生涯学習支援課"],
        wards=[kawasaki_wards["中原区"]],
        parties=[(partner, "居場所の運営")],
        amount=600_000,
        fiscal_year_start=2024,
        fiscal_year_end=2025,
    )
    OutcomeIndicator.objects.create(project=project, name="参加児童", planned_value=50, actual_value=60, unit="人")
    OutcomeIndicator.objects.create(project=project, name="開催回数", planned_value=40, actual_value=30, unit="回")
    return project


@pytest.fixture
def member(partner):
    """The representative of the partner organisation."""
    return MembershipFactory(partner=partner, role=Membership.Role.REPRESENTATIVE).user


@pytest.fixture
def officer(nakahara_officer):
    return nakahara_officer


def fill_side(side: SideEvaluation, user, score: int = 4, scores: dict[str, int] | None = None) -> SideEvaluation:
    """Save a complete evaluation through the service: every principle scored `score` unless `scores`
    (by principle code) says otherwise."""
    ratings = {
        rating.principle_id: ((scores or {}).get(rating.principle.code, score), f"{rating.principle.name}について")
        for rating in side.ratings.select_related("principle")
    }
    data = {
        "achievement_score": score,
        "achievement_comment": "目標をおおむね達成した。",
        "cost_score": score,
        "cost_comment": "費用に見合った成果があった。",
        "overall_comment": "双方で役割を果たした。",
    }
    return services.side_save(side=side, user=user, data=data, ratings=ratings, cost_amount=side.round.cost_amount)


def side_of(round: EvaluationRound, side: str) -> SideEvaluation:
    return round.sides.get(side=side)


def walk(round: EvaluationRound, member, officer, until: str, partner_scores=None, city_scores=None):
    """Take a round through the services up to a status, the partner proposing the summary."""
    if until == Status.WRITING:
        return round
    fill_side(side_of(round, Side.PARTNER), member, scores=partner_scores)
    services.side_submit(side=side_of(round, Side.PARTNER), user=member)
    fill_side(side_of(round, Side.CITY), officer, scores=city_scores)
    services.side_submit(side=side_of(round, Side.CITY), user=officer)
    round.refresh_from_db()
    if until == Status.SUMMARISING:
        return round
    gaps = services.principle_gaps(list(round.sides.prefetch_related("ratings__principle")))
    services.summary_save(
        round=round,
        user=member,
        data={
            "summary": "参加者は目標を上回り、開催回数は下回った。",
            "next_step": NextStep.CONTINUE,
            "next_step_reasons": "需要があり、担い手も育っている。",
            "independence_year": round.fiscal_year + 2,
            "cost_share_change": "委託料を毎年2割ずつ減らし、団体の自主財源に置き換える。",
        },
        gap_notes={gap.principle.pk: "受け止め方に違いがあった。" for gap in gaps},
    )
    services.summary_propose(round=round, user=member)
    round.refresh_from_db()
    if until == Status.PROPOSED:
        return round
    services.summary_agree(round=round, user=officer)
    round.refresh_from_db()
    return round


@pytest.fixture
def make_round(project, member, officer):
    """A round of the project (FY2025 unless told) taken through the services up to a status."""

    def make(until: str = Status.WRITING, fiscal_year: int = FISCAL_YEAR, **scores) -> EvaluationRound:
        round = services.round_start(project=project, fiscal_year=fiscal_year, user=officer)
        return walk(round, member, officer, until, **scores)

    return make


def published_round(
    project,
    fiscal_year: int,
    partner_scores: dict[str, int] | int = 4,
    city_scores: dict[str, int] | int = 4,
    next_step: str = NextStep.CONTINUE,
    cost_amount: int | None = None,
) -> EvaluationRound:
    """A published round written straight to the database (for the read side: dashboards, reports):
    scores by principle code, or one score for all."""
    from evaluations.models import Principle

    round = EvaluationRound.objects.create(
        project=project,
        fiscal_year=fiscal_year,
        status=Status.PUBLISHED,
        cost_amount=cost_amount if cost_amount is not None else project.amount,
        summary="合同の振り返り",
        next_step=next_step,
        next_step_reasons="理由",
        published_at=timezone.now() - datetime.timedelta(days=1),
    )
    round.figures = services.round_figures(round).as_json()
    round.save(update_fields=["figures"])
    principles = list(Principle.objects.filter(municipality_id=project.municipality_id, is_active=True))
    for side, scores in ((Side.PARTNER, partner_scores), (Side.CITY, city_scores)):
        score_of = (lambda code, scores=scores: scores) if isinstance(scores, int) else scores.get
        evaluation = SideEvaluation.objects.create(
            round=round,
            side=side,
            achievement_score=score_of("achievement") or 4,
            cost_score=score_of("cost") or 4,
            overall_comment="振り返り",
            submitted_at=timezone.now() - datetime.timedelta(days=3),
        )
        PrincipleRating.objects.bulk_create(
            PrincipleRating(side=evaluation, principle=principle, score=score_of(principle.code) or 3)
            for principle in principles
        )
    return round


@pytest.fixture
def outsider(db):
    return UserFactory(display_name="関係のない市民")

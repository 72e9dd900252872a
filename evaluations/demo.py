"""Demo evaluations for development: published rounds of two seed cases whose figures the city's case study
gives (シニアパワーアップ推進事業, みやまえ文化魂2014), and a round under way on a project made from a demo
proposal. Everything is made through the services by demo accounts; scores, comments and the fiscal year
of the seed cases are demo content and marked as such (the seeds give figures, not an evaluation).
"""

from dataclasses import dataclass

from django.db import transaction
from django.test.utils import override_settings

from accounts.models import User
from accounts.services import DEMO_EMAIL_DOMAIN, demo_member_of, demo_staff_of
from evaluations import external, services
from evaluations.models import EvaluationRound, ExternalReviewCycle
from evaluations.rules import organisation_parties_q, sides_of
from evaluations.workflow import NextStep, Side
from kyodo_portal.dates import fiscal_year_of
from partners.models import Department
from projects.models import Project


@dataclass(frozen=True)
class DemoEvaluation:
    project: str
    fiscal_year: int
    partner_scores: tuple[int, ...]  # achievement, cost, then the principles in order
    city_scores: tuple[int, ...]
    partner_comment: str
    city_comment: str
    summary: str = ""
    next_step: str = ""
    reasons: str = ""
    independence_year: int | None = None
    cost_share: str = ""
    publish: bool = True


DEMO_NOTE = "（デモ用の記述です）"

PUBLISHED = (
    DemoEvaluation(
        "シニアパワーアップ推進事業",
        2014,
        (4, 4, 5, 4, 4, 5, 4, 4),
        (4, 3, 5, 4, 4, 3, 4, 4),
        "講演会・パネル展示に163の参加があり、パソコン講座（延35回、54名受講）と傾聴講座（全8回、22名受講）を"
        "予定どおり実施できた。講師の調整は団体の人脈が生きた。" + DEMO_NOTE,
        "会場の確保と広報を担い、講座は定員に近い受講があった。関係機関との連絡調整に時間がかかった。" + DEMO_NOTE,
        "参加者数・受講者数から、シニアの社会参加のきっかけづくりという目的はおおむね達成された。"
        "公開性・透明性については、団体側は市の広報で十分と見たが、市側は講座の成果を市民に伝えきれていないと見た。"
        + DEMO_NOTE,
        NextStep.CONTINUE,
        "受講後に地域活動へ参加する人が出ており、講座の需要も続いている。" + DEMO_NOTE,
        2017,
        "委託料を段階的に減らし、受講料と協賛で団体の自主財源を増やす。" + DEMO_NOTE,
    ),
    DemoEvaluation(
        "みやまえ文化魂2014",
        2014,
        (5, 5, 5, 5, 5, 4, 4, 5),
        (5, 4, 5, 4, 4, 4, 2, 5),
        "9団体約80人の中学生・高校生が出演し、約600人が来場した。企画から運営まで中高生が担った。" + DEMO_NOTE,
        "委託料150,000円で約600人が来場し、費用対効果は高い。役割分担の確認が口頭にとどまった。" + DEMO_NOTE,
        "中高生が主体となった文化祭が世代間交流の入り口となった。役割分担と責任範囲の確認は、"
        "市側が文書化の不足を課題とした。" + DEMO_NOTE,
        NextStep.EXIT,
        "中高生の実行委員会が自ら続ける体制ができつつあり、市民自主企画事業として自立した開催に移す。" + DEMO_NOTE,
    ),
)

# The round under way: the city side has submitted; the partner's draft is started.
UNDER_WAY = DemoEvaluation(
    "海風の森 みどりの体験プログラム",
    0,  # the project's (the demo call's) fiscal year
    (4, 4, 4, 4, 3, 4, 4, 4),
    (4, 3, 4, 4, 4, 3, 4, 4),
    "植樹・観察会を年4回開き、親子の参加があった。" + DEMO_NOTE,
    "区の広報と学校を通じた呼びかけで参加が広がった。" + DEMO_NOTE,
    publish=False,
)


def _user(name: str) -> User:
    return User.objects.get(email=f"{name}{DEMO_EMAIL_DOMAIN}")


def _partner_user(project: Project) -> User:
    party = project.parties.filter(organisation_parties_q()).select_related("partner").order_by("order", "id").first()
    return demo_member_of(party.partner)


def _city_user(project: Project) -> User:
    for name in ("kenko-officer", "nakahara-officer", "kankyo-officer"):
        user = User.objects.filter(email=f"{name}{DEMO_EMAIL_DOMAIN}").first()
        if user is not None and sides_of(user, project) == {Side.CITY}:
            return user
    return demo_staff_of(project.responsible_department)


def _fill(round: EvaluationRound, side: str, user: User, scores: tuple[int, ...], comment: str, submit: bool) -> None:
    evaluation = round.sides.get(side=side)
    ratings = list(evaluation.ratings.select_related("principle"))
    services.side_save(
        side=evaluation,
        user=user,
        data={
            "achievement_score": scores[0],
            "achievement_comment": comment,
            "cost_score": scores[1],
            "cost_comment": "",
            "overall_comment": comment,
        },
        ratings={rating.principle_id: (score, "") for rating, score in zip(ratings, scores[2:], strict=False)},
        cost_amount=round.cost_amount,
    )
    if submit:
        services.side_submit(side=evaluation, user=user)


def _load(demo: DemoEvaluation, project: Project) -> EvaluationRound:
    partner_user, city_user = _partner_user(project), _city_user(project)
    fiscal_year = demo.fiscal_year or project.fiscal_year_start
    round = services.round_start(project=project, fiscal_year=fiscal_year, user=city_user)
    EvaluationRound.objects.filter(pk=round.pk).update(is_demo=True)
    _fill(round, Side.CITY, city_user, demo.city_scores, demo.city_comment, submit=True)
    _fill(round, Side.PARTNER, partner_user, demo.partner_scores, demo.partner_comment, submit=demo.publish)
    if not demo.publish:
        return round
    round.refresh_from_db()
    gaps = services.principle_gaps(list(round.sides.prefetch_related("ratings__principle")))
    services.summary_save(
        round=round,
        user=city_user,
        data={
            "summary": demo.summary,
            "next_step": demo.next_step,
            "next_step_reasons": demo.reasons,
            "independence_year": demo.independence_year,
            "cost_share_change": demo.cost_share,
        },
        gap_notes={
            gap.principle.pk: "両者で受け止め方が異なった。次年度の打合せで確認する。" + DEMO_NOTE for gap in gaps
        },
    )
    services.summary_propose(round=round, user=city_user)
    services.summary_agree(round=round, user=partner_user)
    return round


EXTERNAL_TITLE = "中原区 協働事業の外部評価（デモ）"
EXTERNAL_COMMENTS = {
    "海風の森 みどりの体験プログラム": "親子で参加できる体験が地域の森への関心を広げている。学校との連携を続け、"
    "担い手の育成につなげてほしい。" + DEMO_NOTE,
    "子育て世代のための防災ワークショップ": "保育付きの工夫で参加の壁が下がった。町内会の防災訓練と"
    "つなぐ道筋を示すとよい。" + DEMO_NOTE,
}


def _external_ensure() -> bool:
    """A published external evaluation of 中原区役所's recent projects, commented on by the demo reviewer."""
    department = Department.objects.filter(name="中原区役所", parent__isnull=True).first()
    if department is None or ExternalReviewCycle.objects.filter(title=EXTERNAL_TITLE).exists():
        return False
    officer, member = _user("nakahara-officer"), _user("reviewer")
    year = fiscal_year_of()
    with transaction.atomic():
        cycle = external.cycle_create(
            user=officer, department=department, title=EXTERNAL_TITLE, fiscal_year_start=year - 1, fiscal_year_end=year
        )
        ExternalReviewCycle.objects.filter(pk=cycle.pk).update(is_demo=True)
        external.cycle_member_add(cycle=cycle, user=officer, email=member.email)
        commented = False
        for project in external.cycle_projects(cycle=cycle).filter(title__in=EXTERNAL_COMMENTS):
            external.external_comment_save(
                cycle=cycle, project=project, user=member, body=EXTERNAL_COMMENTS[project.title]
            )
            commented = True
        if commented:
            external.cycle_publish(cycle=cycle, user=officer)
    return True


def demo_evaluations_ensure() -> list[str]:
    """Load each demo evaluation whose project exists and has no round yet, and the demo external
    evaluation; mails go nowhere."""
    loaded = []
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        for demo in (*PUBLISHED, UNDER_WAY):
            projects = Project.objects.published().filter(responsible_department__isnull=False)
            project = projects.filter(title=demo.project).first()
            if project is None or project.evaluation_rounds.exists():
                continue
            with transaction.atomic():
                _load(demo, project)
            loaded.append(demo.project)
        if _external_ensure():
            loaded.append(EXTERNAL_TITLE)
    return loaded

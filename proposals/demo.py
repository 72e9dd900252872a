"""Demo open calls for development: one open call for each scheme that runs calls, and one closed call.

Their dates are set from the day they are created, so a fresh `make run` always has calls open.
The wording follows the schemes described in the seeds; the caps and dates are examples, and the
calls say so.
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from kyodo_portal.dates import fiscal_year_of
from partners.models import Department, PartnerType
from projects.models import Scheme
from proposals.models import Call, CallCriterion, CallDocument, CallMilestone

DEMO_NOTE = "※ 開発用のデモの募集です。金額・日程は例示であり、実際の募集ではありません。"

CRITERIA = (
    ("地域課題の把握", 20, "地域の課題を具体的に把握し、事業の目的と結びついているか。"),
    ("協働の必要性", 20, "団体と市がそれぞれの強みを生かし、協働することでより効果が上がるか。"),
    ("事業の実現性", 20, "実施体制・スケジュール・役割分担が具体的で、実現できる計画か。"),
    ("経費の妥当性", 20, "収支計画が事業内容に見合い、経費の積算が適切か。"),
    ("発展性・継続性", 20, "事業終了後の展開（出口戦略）が考えられているか。"),
)
DOCUMENTS = (
    ("団体の規約・会則", "", True),
    ("役員名簿", "", True),
    ("前年度の事業報告書・決算書", "設立1年未満の団体は不要です。", False),
)


@dataclass(frozen=True)
class DemoCall:
    title: str
    scheme: str
    department: tuple[str, ...]  # names from the top department down
    purpose: str
    themes: str
    types: tuple[str, ...]
    amount_cap: int | None
    first_year_cap: int | None = None
    max_years: int = 1
    verified_only: bool = False
    consultation_required: bool = False
    consultation_note: str = ""
    opens_days: int = -21  # relative to today
    closes_days: int = 30
    year_shift: int = 0  # the call of the year before says -1
    # Days after the deadline.
    milestones: tuple[tuple[str, int], ...] = field(
        default=(("書類審査", 14), ("公開プレゼンテーション", 35), ("決定", 50), ("協定締結", 80))
    )


CIVIC = ("npo", "civic_group", "neighbourhood_association", "territorial_group", "intermediary", "network")

DEMO_CALLS = (
    DemoCall(
        title="中原区市民提案型協働事業 企画提案募集",
        scheme="ward_proposal",
        department=("中原区役所",),
        purpose=(
            "中原区の地域課題の解決に向けて、市民活動団体等から協働事業の企画を募集します。"
            "採択された企画は、区と団体が役割を分担し、委託により実施します。"
        ),
        themes="子育て・子どもの居場所づくり\n高齢者の見守り・地域の支え合い\n多文化共生",
        types=CIVIC,
        amount_cap=500_000,
        first_year_cap=700_000,
        max_years=3,
        consultation_required=True,
        consultation_note="提出前に、中原区役所 地域振興課へ事前相談をしてください（締切の1週間前まで）。",
    ),
    DemoCall(
        title="協働型事業 提案募集（健康福祉局）",
        scheme="kyodo_gata",
        department=("健康福祉局", "高齢者在宅サービス課"),
        purpose=(
            "「川崎市協働型事業のルール」に基づき、高齢者の社会参加や介護予防に取り組む"
            "市民活動団体と協働で行う事業の企画を募集します。"
        ),
        themes="シニアの社会参加\n介護予防・健康づくり",
        types=("npo", "civic_group"),
        amount_cap=2_000_000,
        max_years=3,
        verified_only=True,
        closes_days=45,
    ),
    DemoCall(
        title="市民自主学級 企画募集",
        scheme="shimin_jishu_gakkyu",
        department=("宮前区役所", "生涯学習支援課"),
        purpose="市民館で、受講者を公募して連続講座形式で学ぶ市民自主学級の企画を募集します。",
        themes="地域の歴史と文化\n子育て・家庭教育\n障害のある人とともに学ぶ",
        types=(),
        amount_cap=100_000,
        closes_days=20,
    ),
    DemoCall(
        title="市民自主企画事業 企画募集",
        scheme="shimin_jishu_kikaku",
        department=("中原区役所", "生涯学習支援課"),
        purpose="交流会、シンポジウム、地域マップ作成、調査研究など、自由な形で学ぶ市民自主企画事業を募集します。",
        themes="地域の魅力の発見・発信\n世代間交流",
        types=(),
        amount_cap=150_000,
        closes_days=25,
    ),
    DemoCall(
        title="麻生区町内会事業提案制度 提案募集",
        scheme="chonaikai_proposal",
        department=("麻生区役所",),
        purpose=(
            "地域住民のつながりや地域課題解決力の強化を目的に、町内会・自治会から事業の提案を募集します。"
            "審査会で認定された事業は、町内会・自治会への委託契約により実施します。"
        ),
        themes="地域の交流・世代間交流\n防災・防犯\n地域の美化・花壇づくり",
        types=("neighbourhood_association",),
        amount_cap=300_000,
        closes_days=40,
    ),
    DemoCall(
        title="中原区地域の居場所づくり協働事業 提案募集",
        scheme="ward_proposal",
        department=("中原区役所",),
        purpose="子ども・高齢者・子育て世代が気軽に集える地域の居場所づくりを、区と協働で進める事業を募集しました"
        "（締切済み・審査中）。",
        themes="子どもの居場所づくり\n多世代交流\n地域の見守り",
        types=CIVIC,
        amount_cap=500_000,
        first_year_cap=700_000,
        max_years=3,
        opens_days=-60,
        closes_days=-10,
    ),
    DemoCall(
        title="中原区市民提案型協働事業 企画提案募集（前年度）",
        scheme="ward_proposal",
        department=("中原区役所",),
        purpose="前年度の中原区市民提案型協働事業の募集です（締切済み。閲覧のみできます）。",
        themes="子育て・子どもの居場所づくり\n地域の防災力の向上",
        types=CIVIC,
        amount_cap=500_000,
        first_year_cap=700_000,
        max_years=3,
        consultation_required=True,
        opens_days=-420,
        closes_days=-365,
        year_shift=-1,
    ),
)


def _department(path: tuple[str, ...]) -> Department:
    department = Department.objects.get(name=path[0], parent__isnull=True)
    for name in path[1:]:
        department = department.children.get(name=name)
    return department


def _at(today: datetime.date, days: int, hour: int, minute: int = 0, second: int = 0) -> datetime.datetime:
    day = today + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute, second)))


@transaction.atomic
def demo_calls_ensure() -> list[str]:
    """Create the demo calls that are missing (by title); calls already there are left as they are."""
    today = timezone.localdate()
    created = []
    for demo in DEMO_CALLS:
        if Call.objects.filter(title=demo.title).exists():
            continue
        closes = _at(today, demo.closes_days, 23, 59, 59)
        call = Call.objects.create(
            title=demo.title,
            scheme=Scheme.objects.get(code=demo.scheme),
            department=_department(demo.department),
            fiscal_year=fiscal_year_of(today) + 1 + demo.year_shift,
            purpose=demo.purpose,
            themes=demo.themes,
            verified_only=demo.verified_only,
            amount_cap=demo.amount_cap,
            first_year_cap=demo.first_year_cap,
            max_years=demo.max_years,
            opens_at=_at(today, demo.opens_days, 9),
            closes_at=closes,
            consultation_required=demo.consultation_required,
            consultation_note=demo.consultation_note,
            contact=f"{' '.join(demo.department)}（デモ）\n{DEMO_NOTE}",
            is_published=True,
            published_at=_at(today, demo.opens_days, 9),
        )
        call.eligible_types.set(PartnerType.objects.filter(code__in=demo.types))
        CallCriterion.objects.bulk_create(
            CallCriterion(call=call, name=name, weight=weight, description=description, order=order)
            for order, (name, weight, description) in enumerate(CRITERIA, start=1)
        )
        CallDocument.objects.bulk_create(
            CallDocument(call=call, name=name, description=description, is_required=required, order=order)
            for order, (name, description, required) in enumerate(DOCUMENTS, start=1)
        )
        CallMilestone.objects.bulk_create(
            CallMilestone(call=call, name=name, date=closes.date() + datetime.timedelta(days=days), order=order)
            for order, (name, days) in enumerate(demo.milestones, start=1)
        )
        created.append(call.title)
    return created

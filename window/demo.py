"""Demo proposals to the city-wide window, one or more in every state, for development.

The cases come from the committee's own words (seeds 000/001): a company asking which department to
approach, an idea spanning several wards (子どもの学習支援, 空き店舗), dementia prevention as a city-wide
goal (認知症の予防), environmental education in schools (環境教育を小学校に), and a group working for
people with disabilities whose consultation a bureau passed to 自治推進部, which then took it on (as in the
ピープルデザイン研究所 case the secretariat describes). The organisations are the demo partners; the texts
are demo content and say so.

Every step goes through the services, each at its own moment in the past: the demo sets the clock the
services read (``django.utils.timezone.now``) for the duration of a step, so deadlines, the trail and the
statistics read as they would have. Mails go nowhere.
"""

import datetime
from contextlib import contextmanager
from dataclasses import dataclass, field
from unittest import mock

from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import User
from accounts.services import DEMO_EMAIL_DOMAIN, demo_member_of, demo_staff_of
from partners.models import ActivityField, Department, Partner, Ward
from window import services
from window.models import Window, WindowProposal
from window.workflow import ACCEPT, ASK_INFO, DECLINE, Kind

DEMO_NOTE = "（デモ用の記述です）"
WINDOW_OFFICER = f"window-officer{DEMO_EMAIL_DOMAIN}"


@dataclass(frozen=True)
class Step:
    """One move, some days before today: (days ago, move, department, text, other department)."""

    days_ago: int
    move: str  # submit, acknowledge, route, recall, accept, decline, ask_info, reply, pass_on, withdraw
    department: str = ""
    text: str = ""
    to: str = ""


@dataclass(frozen=True)
class DemoProposal:
    partner: str
    title: str
    problem: str
    offer: str
    ask: str
    kind: str = Kind.PROPOSAL
    wards: tuple[str, ...] = ()
    citywide: bool = False
    fields: tuple[str, ...] = ()
    consent: bool = True
    steps: tuple[Step, ...] = field(default_factory=tuple)


PROPOSALS = (
    DemoProposal(
        "NPO法人かわさき創造プロジェクト",
        "多世代が集える地域の居場所マップづくり",
        "子育て世代や高齢者が気軽に立ち寄れる場所の情報が区ごとに分かれていて、探しにくい。" + DEMO_NOTE,
        "各区の居場所を歩いて調べ、写真付きのマップと冊子にまとめる。" + DEMO_NOTE,
        "区役所の広報紙での告知と、公共施設への冊子の設置。" + DEMO_NOTE,
        citywide=True,
        fields=("子どもの健全育成", "保健・医療・福祉"),
    ),
    DemoProposal(
        "株式会社東芝",
        "社員のプロボノによる市民活動団体のIT支援",
        "市民活動団体の多くは会計や広報のIT化が進まず、少数の担い手に負担が集中している。" + DEMO_NOTE,
        "社員がプロボノとして団体の業務改善とウェブ発信を半年間支援する。" + DEMO_NOTE,
        "支援を受けたい団体の紹介と、どの部署と組めばよいかの助言。" + DEMO_NOTE,
        kind=Kind.CONSULTATION,
        citywide=True,
        steps=(Step(1, "submit"),),
    ),
    DemoProposal(
        "宮前区まちづくり協議会",
        "区を越えた活動団体の人材マッチング",
        "区内だけでは得意な人材が見つからない活動が多い。隣の区には同じ悩みと逆の強みを持つ団体がある。" + DEMO_NOTE,
        "協議会の約200団体の「得意なこと」の一覧を持ち寄り、他区の協議会と交換会を開く。" + DEMO_NOTE,
        "複数の区にまたがるため、全市で調整する部署の関与と会場の提供。" + DEMO_NOTE,
        wards=("宮前区", "多摩区", "高津区"),
        steps=(Step(16, "submit"),),
    ),
    DemoProposal(
        "明治大学",
        "大学生による子どもの学習支援を複数区で",
        "子どもの貧困と学習支援は区ごとの取組にとどまり、大学生ボランティアの力が生かし切れていない。" + DEMO_NOTE,
        "教職課程の学生が週1回、放課後の学習支援に入る。研修と安全管理は大学が担う。" + DEMO_NOTE,
        "会場となる公共施設の確保と、支援が必要な家庭への案内。" + DEMO_NOTE,
        wards=("多摩区", "麻生区", "宮前区"),
        fields=("子どもの健全育成", "社会教育"),
        steps=(
            Step(6, "submit"),
            Step(4, "acknowledge", text="自治推進部の担当が窓口になります。関係部署と調整します。"),
        ),
    ),
    DemoProposal(
        "イオン株式会社",
        "店舗を会場にした認知症予防の体操教室",
        "認知症の予防は全市の課題だが、体操教室の会場が足りず、買い物のついでに通える場所がない。" + DEMO_NOTE,
        "市内店舗の催事スペースを週1回無償で提供し、従業員が受付を担う。" + DEMO_NOTE,
        "体操の指導者の派遣と、地域包括支援センターとのつなぎ。" + DEMO_NOTE,
        citywide=True,
        fields=("保健・医療・福祉",),
        steps=(
            Step(12, "submit"),
            Step(11, "acknowledge"),
            Step(
                9, "route", "健康福祉局", "認知症予防の全市的な取組と重なります。指導者派遣の可否を検討してください。"
            ),
        ),
    ),
    DemoProposal(
        "NPO法人かわさき創造プロジェクト",
        "災害時に外国人住民へ情報を届ける多言語ボランティア",
        "災害時の避難情報が日本語だけで届き、外国人住民が取り残される。" + DEMO_NOTE,
        "多言語ボランティアを育て、避難所での通訳と情報の翻訳を担う。" + DEMO_NOTE,
        "避難所運営への参加の位置付けと、訓練の場の提供。" + DEMO_NOTE,
        wards=("中原区", "川崎区"),
        fields=("災害救援", "国際協力"),
        steps=(
            Step(20, "submit"),
            Step(19, "acknowledge"),
            Step(17, "route", "健康福祉局", "避難所での要配慮者支援の観点から検討をお願いします。"),
            Step(10, "ask_info", "健康福祉局", "対応できる言語と、現在のボランティアの人数を教えてください。"),
        ),
    ),
    DemoProposal(
        "海風の森をMAZUつくる会",
        "小学校での環境教育プログラムを毎年続ける仕組み",
        "環境教育の出前授業は予算がつく年だけで終わり、学校が継続して受け入れる窓口がない。" + DEMO_NOTE,
        "干潟と森の観察を中心とした授業案と講師を提供する。" + DEMO_NOTE,
        "学校・教育委員会との調整と、毎年の実施の仕組みづくり。" + DEMO_NOTE,
        wards=("川崎区",),
        fields=("環境の保全", "子どもの健全育成"),
        steps=(
            Step(50, "submit"),
            Step(48, "acknowledge"),
            Step(46, "route", "環境局", "環境教育の継続的な受け入れについて、環境局で所管の整理をお願いします。"),
        ),
    ),
    DemoProposal(
        "文化魂2014",
        "区の文化祭を隣の区と合同で開く",
        "区の文化祭の出演団体が固定化し、来場者も広がらない。" + DEMO_NOTE,
        "実行委員会の運営ノウハウと出演団体のネットワーク。" + DEMO_NOTE,
        "合同開催に向けた区役所どうしの調整。" + DEMO_NOTE,
        wards=("宮前区", "中原区"),
        fields=("学術・文化・芸術・スポーツ",),
        steps=(
            Step(25, "submit"),
            Step(24, "acknowledge"),
            Step(22, "route", "市民・こども局", "区をまたぐ文化事業として検討をお願いします。"),
            Step(
                8,
                "pass_on",
                "市民・こども局",
                "区の文化祭の所管は区役所のため、中原区役所にお願いします。",
                "中原区役所",
            ),
        ),
    ),
    DemoProposal(
        "ひまわり ～ノーマワールドの会～",
        "障害のある人もない人も混ざり合うまちのイベント",
        "障害のある人とない人が出会う機会が少なく、互いを知らないまま暮らしている。" + DEMO_NOTE,
        "当事者と家族のネットワーク、これまでのイベント運営の経験。" + DEMO_NOTE,
        "全市での開催に向けた協定と、関係部署の横断的な協力。" + DEMO_NOTE,
        kind=Kind.CONSULTATION,
        citywide=True,
        fields=("保健・医療・福祉", "人権・平和"),
        steps=(
            Step(70, "submit"),
            Step(69, "acknowledge"),
            Step(67, "route", "健康福祉局", "障害福祉の観点から検討をお願いします。"),
            Step(
                60,
                "pass_on",
                "健康福祉局",
                "複数の局にまたがるため、全市の協働を所管する自治推進部にお願いします。",
                "自治推進部",
            ),
            Step(
                40,
                "accept",
                "自治推進部",
                "自治推進部が窓口となり、市と協定を結んで全市で取り組みます。来年度の開催に向けて関係局と調整します。",
            ),
        ),
    ),
    DemoProposal(
        "多摩区商店街連合会",
        "商店街の空き店舗を市民活動の拠点に",
        "空き店舗が増える一方、市民活動団体は活動場所の確保に苦労している。" + DEMO_NOTE,
        "空き店舗の所有者との交渉と、改装時の職人の手配。" + DEMO_NOTE,
        "家賃の一部補助の制度と、入居団体の募集への協力。" + DEMO_NOTE,
        wards=("多摩区",),
        fields=("まちづくり", "経済活動の活性化"),
        steps=(
            Step(90, "submit"),
            Step(88, "acknowledge"),
            Step(86, "route", "市民・こども局", "市民活動の拠点づくりとして検討をお願いします。"),
            Step(86, "route", "多摩区役所", "区内の商店街の取組として検討をお願いします。"),
            Step(86, "route", "環境局", "空き店舗の省エネ改修の観点からも検討をお願いします。"),
            Step(84, "recall", "環境局", "改修は提案の中心ではないため、環境局への回付は取り消します。"),
            Step(
                70,
                "decline",
                "市民・こども局",
                "全市一律の家賃補助制度は、現行の市民活動支援の枠組みでは設けられないため見送ります。区の取組としては多摩区役所が検討しています。",
            ),
            Step(55, "accept", "多摩区役所", "区の地域課題対応事業として、来年度の協働事業の募集の対象に含めます。"),
        ),
    ),
    DemoProposal(
        "和光大学",
        "学生による地域の歴史の聞き書き",
        "地域の歴史を知る世代が少なくなっている。" + DEMO_NOTE,
        "ゼミの学生が聞き書きを行い、冊子にまとめる。" + DEMO_NOTE,
        "話し手の紹介と、区の図書館での公開。" + DEMO_NOTE,
        wards=("麻生区",),
        consent=False,
        steps=(
            Step(30, "submit"),
            Step(29, "acknowledge"),
            Step(20, "withdraw", text="ゼミの計画が変わり、今年度は実施できなくなったため。"),
        ),
    ),
    DemoProposal(
        "富士通株式会社",
        "ICTを活用した高齢者の見守り",
        "一人暮らしの高齢者が増え、見守りの担い手が足りない。" + DEMO_NOTE,
        "包括協定に基づき、見守りの仕組みと機器を試行で提供する。" + DEMO_NOTE,
        "試行に協力する地域と、福祉の担当部署との調整。" + DEMO_NOTE,
        citywide=True,
        fields=("保健・医療・福祉",),
        steps=(
            Step(400, "submit"),
            Step(395, "acknowledge"),
            Step(393, "route", "健康福祉局", "包括協定の取組として検討をお願いします。"),
            Step(350, "accept", "健康福祉局", "高齢者在宅サービス課で試行の地域を選び、翌年度に実施します。"),
        ),
    ),
    DemoProposal(
        "多摩区3大学協議会",
        "大学の公開講座を市民活動の担い手づくりに",
        "市民活動の担い手が高齢化し、新しい人が入ってこない。" + DEMO_NOTE,
        "3大学の公開講座に市民活動入門の回を設ける。" + DEMO_NOTE,
        "市民活動センターとの共催と広報。" + DEMO_NOTE,
        wards=("多摩区",),
        fields=("社会教育",),
        steps=(
            Step(380, "submit"),
            Step(372, "acknowledge"),
            Step(370, "route", "市民・こども局", "市民活動の担い手育成として検討をお願いします。"),
            Step(
                320,
                "decline",
                "市民・こども局",
                "同じ趣旨の講座を市民活動センターが今年度から始めており、重複するため見送ります。センターの講座への講師としての参加を歓迎します。",
            ),
        ),
    ),
)


@contextmanager
def _clock(moment: datetime.datetime):
    """The services read the time through django.utils.timezone.now: run a step at a past moment."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def _department(name: str) -> Department:
    return Department.objects.get(name=name, municipality__code="141305")


def _window_officer(window: Window) -> User:
    return User.objects.filter(email=WINDOW_OFFICER).first() or demo_staff_of(window.department)


def _create(demo: DemoProposal, window: Window, member: User, moment: datetime.datetime) -> WindowProposal:
    partner = Partner.objects.get(name=demo.partner)
    with _clock(moment):
        proposal = services.proposal_create(window=window, partner=partner, user=member)
    proposal.kind = demo.kind
    proposal.title = demo.title
    proposal.problem, proposal.offer, proposal.ask = demo.problem, demo.offer, demo.ask
    proposal.citywide = demo.citywide
    proposal.public_consent = demo.consent
    proposal.contact_phone = "044-000-0000"
    services.refresh_search(proposal)
    proposal.save()
    proposal.wards.set(Ward.objects.filter(name__in=demo.wards, municipality_id=window.municipality_id))
    proposal.activity_fields.set(ActivityField.objects.filter(name__in=demo.fields))
    WindowProposal.objects.filter(pk=proposal.pk).update(created_at=moment, updated_at=moment)
    return proposal


def _run(step: Step, proposal: WindowProposal, member: User, officer: User, moment: datetime.datetime) -> None:
    with _clock(moment):
        proposal.refresh_from_db()
        if step.move == "submit":
            services.proposal_submit(proposal=proposal, user=member)
        elif step.move == "acknowledge":
            services.proposal_acknowledge(proposal=proposal, user=officer, comment=step.text)
        elif step.move == "route":
            department = _department(step.department)
            demo_staff_of(department)
            services.proposal_route(proposal=proposal, user=officer, departments=[department], note=step.text)
        elif step.move == "recall":
            referral = proposal.referrals.get(department__name=step.department, status="open")
            services.referral_recall(referral=referral, user=officer, reason=step.text)
        elif step.move == "withdraw":
            services.proposal_withdraw(proposal=proposal, user=member, reason=step.text)
        else:
            referral = proposal.referrals.get(department__name=step.department, status__in=["open", "info_requested"])
            staff = demo_staff_of(referral.department)
            if step.move == "pass_on":
                target = _department(step.to)
                demo_staff_of(target)
                services.referral_pass_on(referral=referral, user=staff, department=target, note=step.text)
            elif step.move == "reply":
                services.referral_reply(referral=referral, user=member, text=step.text)
            else:
                transition = {"accept": ACCEPT, "decline": DECLINE, "ask_info": ASK_INFO}[step.move]
                services.referral_answer(referral=referral, user=staff, transition=transition, text=step.text)


def demo_window_ensure() -> list[str]:
    """Load the demo proposals once (when the window has none); return their titles. Mails go nowhere."""
    window = Window.objects.select_related("department", "municipality").order_by("pk").first()
    if window is None or window.proposals.exists():
        return []
    now = timezone.now()
    loaded = []
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"), transaction.atomic():
        officer = _window_officer(window)
        # In the order they were received, so that the receipt numbers follow the dates.
        for demo in sorted(PROPOSALS, key=lambda demo: -max((step.days_ago for step in demo.steps), default=0)):
            member = demo_member_of(Partner.objects.get(name=demo.partner))
            first = max((step.days_ago for step in demo.steps), default=0)
            proposal = _create(demo, window, member, now - datetime.timedelta(days=first + 1, hours=3))
            for position, step in enumerate(demo.steps):
                moment = now - datetime.timedelta(days=step.days_ago, hours=2, minutes=-position * 7)
                _run(step, proposal, member, officer, moment)
            loaded.append(demo.title)
    return loaded

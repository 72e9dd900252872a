"""Demo proposals in every stage of the review, for development: `make run` loads them once.

Two calls of 中原区役所 get proposals: the call of the year before, decided and published (adopted
ones with their agreement, one signed and running as a project), and a call that closed ten days
ago, under review (submitted, in screening, returned, with the reviewers, awaiting approval, decided
but not yet published). Everything is done through the services, by the demo accounts of the README,
so the records (receipt numbers, revisions, events, scores, inbox) are those the portal would make.
The texts are examples written after the cases in the seeds, and say so.
"""

import datetime
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import F
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import User
from accounts.services import DEMO_EMAIL_DOMAIN, demo_member_of
from partners.models import Partner
from proposals import review, services
from proposals.agreement import agreement_prepare, agreement_sign
from proposals.models import (
    BudgetLine,
    Call,
    CallReviewer,
    Decision,
    Proposal,
    ProposalEvent,
    ProposalRevision,
    Review,
    StaffNote,
)
from proposals.workflow import Outcome, Status

DEMO_NOTE = "（開発用のデモ提案です。内容・金額は例示です。）"
REVIEW_CALL = "中原区地域の居場所づくり協働事業 提案募集"
PUBLISHED_CALL = "中原区市民提案型協働事業 企画提案募集（前年度）"
MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass(frozen=True)
class DemoProposal:
    partner: str
    title: str
    problem: str
    activities: str
    stage: str  # a Status value, or "signed": adopted with the agreement signed
    from_city: int
    score: int = 3  # the reviewers' scores centre on this
    named: bool = False


REVIEW_PROPOSALS = (
    DemoProposal(
        "NPO法人かわさき創造プロジェクト",
        "放課後の子どもの居場所「なかはらベース」",
        "共働き世帯の増加で、放課後に一人で過ごす小学生が増えている。",
        "週2回、地域の集会所で学習支援と遊びの場を開き、地域の大人が見守る。",
        Status.RETURNED,
        600_000,
    ),
    DemoProposal(
        "海風の森をMAZUつくる会",
        "多世代で育てる地域の花壇",
        "公園の花壇の担い手が高齢化し、世代間の交流の機会も少ない。",
        "親子と高齢者が一緒に季節の花壇をつくり、月1回の手入れ会を開く。",
        Status.SUBMITTED,
        300_000,
    ),
    DemoProposal(
        "ひまわり ～ノーマワールドの会～",
        "障がいのある人もない人も集うカフェ",
        "障がいのある人が地域の人と出会う場が少ない。",
        "月2回、区民館でインクルーシブカフェを開き、交流と就労体験の場にする。",
        Status.SCREENING,
        450_000,
    ),
    DemoProposal(
        "文化魂2014",
        "商店街の空き店舗を使った多世代サロン",
        "商店街の空き店舗が増え、高齢者が日中に立ち寄れる場所がない。",
        "空き店舗を借りて週3回サロンを開き、体操・茶話会・子ども向け工作を行う。",
        Status.UNDER_REVIEW,
        500_000,
        score=4,
    ),
    DemoProposal(
        "宮前区まちづくり協議会",
        "見守りを兼ねた地域食堂",
        "一人暮らしの高齢者の孤立と、子どもの孤食が地域の課題になっている。",
        "月2回、地域食堂を開き、民生委員と連携して気になる人に声をかける。",
        Status.DECISION_PROPOSED,
        650_000,
        score=4,
    ),
    DemoProposal(
        "かわさき市民活動センター",
        "居場所づくり担い手講座",
        "居場所を始めたい人はいるが、運営のノウハウを学ぶ機会がない。",
        "全6回の講座で、居場所の立ち上げ・運営・広報を学び、修了生の活動を支える。",
        Status.ADOPTED,
        400_000,
        score=5,
    ),
)

PUBLISHED_PROPOSALS = (
    DemoProposal(
        "海風の森をMAZUつくる会",
        "海風の森 みどりの体験プログラム",
        "臨海部に森をつくる活動を知る区民が少なく、担い手も限られている。",
        "年4回、親子向けの植樹・観察会を開き、区の広報と学校を通じて参加を呼びかける。",
        "signed",
        500_000,
        score=5,
    ),
    DemoProposal(
        "NPO法人かわさき創造プロジェクト",
        "子育て世代のための防災ワークショップ",
        "子育て世代が地域の防災訓練に参加しにくく、備えが進んでいない。",
        "保育付きの防災ワークショップを年3回開き、家庭の備えと避難の方法を学ぶ。",
        "signed",
        450_000,
        score=4,
    ),
    DemoProposal(
        "ひまわり ～ノーマワールドの会～",
        "地域で支える就労体験プログラム",
        "障がいのある若者が地域で働く経験を積む場が足りない。",
        "商店街の協力店で就労体験を行い、振り返りの会で本人と店の声を集める。",
        Status.CONDITIONALLY_ADOPTED,
        500_000,
        score=4,
    ),
    DemoProposal(
        "文化魂2014",
        "区民がつくる文化祭",
        "区民の文化活動の発表の場が限られ、団体同士のつながりも弱い。",
        "区内の文化団体が企画・運営する文化祭を開き、約600人の来場を目指す。",
        Status.NOT_ADOPTED,
        600_000,
        score=2,
        named=True,
    ),
    DemoProposal(
        "宮前区まちづくり協議会",
        "まちの歴史散歩マップ",
        "地域の歴史を知る機会が少なく、新しい住民が地域に親しみにくい。",
        "歴史散歩マップを作り、年2回のまち歩きを開く。",
        Status.NOT_ADOPTED,
        300_000,
        score=2,
    ),
    DemoProposal(
        "かわさき市民活動センター",
        "市民活動の情報発信講座",
        "市民活動団体の情報発信が弱く、参加者が広がらない。",
        "SNSと広報紙の使い方の講座を開く。",
        Status.WITHDRAWN,
        200_000,
    ),
)


def _user(name: str) -> User:
    return User.objects.get(email=f"{name}{DEMO_EMAIL_DOMAIN}")


def _write(call: Call, demo: DemoProposal) -> tuple[Proposal, User]:
    partner = Partner.objects.get(name=demo.partner)
    user = demo_member_of(partner)
    proposal = services.proposal_create(call=call, partner=partner, user=user)
    proposal.title = demo.title
    proposal.problem = demo.problem
    proposal.purpose = f"{demo.problem}この課題に、団体と区が協働して取り組む。{DEMO_NOTE}"
    proposal.activities = demo.activities
    proposal.beneficiaries = "区内の住民（子ども・子育て世代・高齢者）"
    proposal.period = f"{call.fiscal_year}年4月〜{call.fiscal_year + 1}年3月"
    proposal.venue = "中原区内の集会所・区民館"
    proposal.expected_effects = "参加者同士のつながりができ、地域の担い手が増える。"
    proposal.collaboration_need = "団体の現場の力と、区の広報・施設・関係機関とのつながりを合わせることで効果が高まる。"
    proposal.exit_strategy = "3年目までに参加費と協賛で運営できる体制をつくり、自主事業として続ける。"
    proposal.contact_name = user.display_name or partner.name
    proposal.contact_phone = "044-000-0000"
    proposal.agrees_to_be_named = demo.named
    if call.consultation_required:
        proposal.consulted_on = timezone.localdate(call.opens_at)
        proposal.consultation_note = "中原区役所 地域振興課"
    proposal.save()
    proposal.roles.create(
        task="広報・参加者募集",
        organisation_part="チラシの作成と配布",
        city_part="区の広報紙・ホームページへの掲載",
        order=1,
    )
    proposal.roles.create(task="会場", organisation_part="当日の運営", city_part="区の施設の利用調整", order=2)
    proposal.schedule_items.create(when="4月〜5月", what="準備・参加者募集", order=1)
    proposal.schedule_items.create(when="6月〜翌年2月", what="活動の実施", order=2)
    proposal.schedule_items.create(when="3月", what="振り返りと報告", order=3)
    proposal.indicators.create(name="参加者数（延べ）", target=300, unit="人", order=1)
    proposal.indicators.create(name="開催回数", target=20, unit="回", order=2)
    own = 50_000
    proposal.budget_lines.create(
        side=BudgetLine.Side.INCOME, source=BudgetLine.Source.CITY, item="委託料", amount=demo.from_city, order=1
    )
    proposal.budget_lines.create(
        side=BudgetLine.Side.INCOME, source=BudgetLine.Source.OWN, item="自己資金", amount=own, order=2
    )
    proposal.budget_lines.create(
        side=BudgetLine.Side.EXPENSE, item="講師謝礼", note="10,000円×20回", amount=200_000, order=3
    )
    proposal.budget_lines.create(
        side=BudgetLine.Side.EXPENSE, item="会場費・消耗品費", amount=demo.from_city + own - 200_000, order=4
    )
    for document in call.documents.filter(is_required=True):
        upload = SimpleUploadedFile(f"{document.name}.pdf", MINIMAL_PDF, content_type="application/pdf")
        services.proposal_attachment_add(proposal=proposal, user=user, upload=upload, document=document)
    return proposal, user


def _score_all(proposal: Proposal, reviewers: list[User], base: int) -> None:
    criteria = list(proposal.call.criteria.all())
    for offset, reviewer in enumerate(reviewers):
        scores = {
            criterion.pk: (max(1, min(5, base + (index + offset) % 2 - (1 if index == 3 else 0))), "")
            for index, criterion in enumerate(criteria)
        }
        scores[criteria[0].pk] = (scores[criteria[0].pk][0], "地域の課題がよく把握されている。")
        recommendation = (
            Outcome.ADOPT if base >= 4 else Outcome.NOT_ADOPT if base <= 2 else Outcome.ADOPT_WITH_CONDITIONS
        )
        review.review_save(
            proposal=proposal,
            reviewer=reviewer,
            scores=scores,
            recommendation=recommendation,
            comment="（デモの講評）実施体制は具体的。",
            submit=True,
        )


REASONS = {
    Outcome.ADOPT: "地域の課題を的確にとらえ、団体と区の役割分担が明確で、実現性が高いと評価しました。",
    Outcome.ADOPT_WITH_CONDITIONS: "内容は高く評価しましたが、来年度予算の成立を条件として採択します。",
    Outcome.NOT_ADOPT: "課題設定は評価しましたが、事業の実現性と経費の積算に課題があり、今回は不採択としました。",
}
OUTCOME_OF_STAGE = {
    Status.ADOPTED: Outcome.ADOPT,
    "signed": Outcome.ADOPT,
    Status.CONDITIONALLY_ADOPTED: Outcome.ADOPT_WITH_CONDITIONS,
    Status.NOT_ADOPTED: Outcome.NOT_ADOPT,
    Status.DECISION_PROPOSED: Outcome.ADOPT,
}


def _walk(proposal: Proposal, applicant: User, demo: DemoProposal, staff: dict[str, User]) -> None:
    """Take a submitted proposal to its demo stage through the services, by the demo accounts."""
    officer, approver = staff["officer"], staff["approver"]
    stage = demo.stage
    if stage == Status.WITHDRAWN:
        services.proposal_withdraw(proposal=proposal, user=applicant, reason="団体内の体制が整わなかったため。")
        return
    if stage == Status.SUBMITTED:
        return
    review.proposal_start_screening(proposal=proposal, user=officer)
    if stage == Status.SCREENING:
        return
    if stage == Status.RETURNED:
        review.proposal_return(
            proposal=proposal,
            user=officer,
            comment="収支計画の会場費の内訳を記入してください。また、役割分担の「区が行うこと」を具体的にしてください。",
            due=timezone.localdate() + datetime.timedelta(days=7),
        )
        return
    checklist = review.screening_checklist(proposal=proposal)
    review.proposal_pass_screening(proposal=proposal, user=officer, confirmed={item.key for item in checklist})
    if stage == Status.UNDER_REVIEW:
        _score_all(proposal, [staff["staff_reviewer"]], demo.score)
        review.staff_note_add(proposal=proposal, user=officer, body="公開プレゼンテーションの日程を調整中。")
        return
    _score_all(proposal, [staff["staff_reviewer"], staff["reviewer"]], demo.score)
    review.presentation_record(
        proposal=proposal,
        user=officer,
        held_on=timezone.localdate(proposal.call.closes_at) + datetime.timedelta(days=5),
        result="区民審査員を交えた公開プレゼンテーションを実施。質疑では継続性について説明があった。",
    )
    outcome = OUTCOME_OF_STAGE[stage]
    review.decision_propose(
        proposal=proposal,
        user=officer,
        outcome=outcome,
        public_reasons=REASONS[outcome],
        conditions="来年度予算の成立" if outcome == Outcome.ADOPT_WITH_CONDITIONS else "",
        amount=None if outcome == Outcome.NOT_ADOPT else demo.from_city,
        internal_note="審査委員会の評価どおり。",
    )
    if stage == Status.DECISION_PROPOSED:
        return
    review.decision_approve(proposal=proposal, user=approver, comment="")


def _backdate(call: Call, proposals: list[Proposal]) -> None:
    """The proposals were submitted while the call was open: their records say so."""
    for days, proposal in enumerate(proposals, start=1):
        moment = call.closes_at - datetime.timedelta(days=days, hours=3)
        Proposal.objects.filter(pk=proposal.pk).update(first_submitted_at=moment, submitted_at=moment)
        ProposalRevision.objects.filter(proposal=proposal).update(submitted_at=moment)
        ProposalEvent.objects.filter(proposal=proposal, action__in=["create", "submit"]).update(created_at=moment)


def _load(call: Call, plan: tuple[DemoProposal, ...], staff: dict[str, User]) -> list[Proposal]:
    for person in (staff["reviewer"], staff["staff_reviewer"]):
        CallReviewer.objects.get_or_create(call=call, user=person, defaults={"added_by": staff["officer"]})
    window = (call.opens_at, call.closes_at)
    now = timezone.now()
    # Submitted while the call is open (the service checks it), then the call's dates are put back.
    Call.objects.filter(pk=call.pk).update(
        opens_at=now - datetime.timedelta(days=1), closes_at=now + datetime.timedelta(days=1)
    )
    call.refresh_from_db()
    written = []
    for demo in plan:
        proposal, applicant = _write(call, demo)
        services.proposal_submit(proposal=proposal, user=applicant)
        written.append((proposal, applicant, demo))
    Call.objects.filter(pk=call.pk).update(opens_at=window[0], closes_at=window[1])
    call.refresh_from_db()
    _backdate(call, [proposal for proposal, _applicant, _demo in written])
    for proposal, applicant, demo in written:
        proposal.refresh_from_db()
        _walk(proposal, applicant, demo, staff)
    return [proposal for proposal, _applicant, _demo in written]


def demo_review_ensure() -> list[str]:
    """Load the demo proposals of the two calls where a call has none yet; mails go nowhere."""
    staff = {
        "officer": _user("nakahara-officer"),
        "approver": _user("nakahara-approver"),
        "reviewer": _user("reviewer"),
        "staff_reviewer": _user("kankyo-officer"),
    }
    loaded = []
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        for title, plan, publish in (
            (REVIEW_CALL, REVIEW_PROPOSALS, False),
            (PUBLISHED_CALL, PUBLISHED_PROPOSALS, True),
        ):
            call = Call.objects.filter(title=title).first()
            if call is None or call.proposals.exists():
                continue
            with transaction.atomic():
                proposals = _load(call, plan, staff)
                if publish:
                    _publish(call, proposals, plan, staff)
            loaded.append(title)
    return loaded


def _publish(call: Call, proposals: list[Proposal], plan: tuple[DemoProposal, ...], staff: dict[str, User]) -> None:
    """Publish the results of the year before, dated as they happened: the review after the deadline."""
    started = timezone.now() - datetime.timedelta(minutes=5)
    review.call_publish_results(call=call, user=staff["officer"])
    shift = timezone.now() - (call.closes_at + datetime.timedelta(days=40))
    ProposalEvent.objects.filter(proposal__call=call, created_at__gte=started).update(
        created_at=F("created_at") - shift
    )
    Decision.objects.filter(proposal__call=call).update(
        proposed_at=F("proposed_at") - shift, approved_at=F("approved_at") - shift
    )
    Review.objects.filter(proposal__call=call).update(submitted_at=F("submitted_at") - shift)
    StaffNote.objects.filter(proposal__call=call).update(created_at=F("created_at") - shift)
    Call.objects.filter(pk=call.pk).update(results_published_at=call.closes_at + datetime.timedelta(days=50))
    call.refresh_from_db()
    signed_on = timezone.localdate(call.closes_at) + datetime.timedelta(days=80)
    for proposal, demo in zip(proposals, plan, strict=True):
        proposal.refresh_from_db()
        if proposal.status != Status.ADOPTED:
            continue
        agreement = agreement_prepare(proposal=proposal, user=staff["officer"])
        if demo.stage == "signed":
            agreement_sign(agreement=agreement, user=staff["officer"], signed_on=signed_on)
        moment = timezone.make_aware(datetime.datetime.combine(signed_on, datetime.time(10)))
        ProposalEvent.objects.filter(proposal=proposal, action__startswith="agreement_").update(created_at=moment)

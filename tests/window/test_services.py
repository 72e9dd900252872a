"""Every move of the window's workflow through its services: who may make it, from which status, what it
saves, the audit row it writes and the mails it sends (in Japanese, after the commit)."""

import datetime
import re
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from kyodo_portal.workdays import add_working_days, deadline_after_days
from partners.models import Municipality, StaffAssignment
from tests.factories import DepartmentFactory, MembershipFactory, ProjectFactory, UserFactory
from window import services
from window.forms import WindowProposalForm
from window.models import Referral, Window, WindowEvent, WindowProposal
from window.workflow import ACCEPT, ASK_INFO, DECLINE, REPLY, ReferralStatus, Status

TOKYO = ZoneInfo("Asia/Tokyo")
D = datetime.date


def at(year, month, day, hour=10) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, tzinfo=TOKYO)


def travel(year, month, day, hour=10):
    return time_machine.travel(at(year, month, day, hour), tick=False)


def mails_to(mailoutbox, user) -> list:
    return [message for message in mailoutbox if message.to == [user.email]]


def fresh(proposal) -> WindowProposal:
    return WindowProposal.objects.select_related("window__department", "partner").get(pk=proposal.pk)


def events(proposal) -> list[tuple]:
    return [
        (event.action, event.from_status, event.to_status, event.actor_id, event.comment)
        for event in WindowEvent.objects.filter(proposal=proposal).order_by("id")
    ]


def actions(proposal) -> list[str]:
    return list(WindowEvent.objects.filter(proposal=proposal).order_by("id").values_list("action", flat=True))


def assert_japanese(message) -> None:
    """Subject and body in Japanese: no English word in them (the link and receipt number aside)."""
    assert message.subject.startswith("【協働ポータル】"), message.subject
    assert not re.search(r"[A-Za-z]{4,}", message.subject), message.subject
    body = re.sub(r"https?://\S+", "", message.body)
    assert not re.search(r"[A-Za-z]{4,}", body), message.body


# --- create ------------------------------------------------------------------------------------------------


def test_create_starts_a_draft_with_the_member_as_contact_and_an_event(window, organisation, proposer):
    proposal = services.proposal_create(window=window, partner=organisation, user=proposer)
    assert proposal.status == Status.DRAFT
    assert proposal.created_by == proposer
    assert proposal.contact_name == "提案団体の代表"
    assert proposal.receipt_number is None
    assert events(proposal) == [("create", "", "draft", proposer.pk, "")]


def test_create_twice_with_one_token_finds_the_first_draft(window, organisation, proposer):
    token = uuid.uuid4()
    first = services.proposal_create(window=window, partner=organisation, user=proposer, creation_token=token)
    with pytest.raises(services.AlreadyCreated) as again:
        services.proposal_create(window=window, partner=organisation, user=proposer, creation_token=token)
    assert again.value.obj.pk == first.pk
    assert WindowProposal.objects.count() == 1
    assert WindowEvent.objects.filter(action="create").count() == 1


def test_only_an_active_member_may_start_a_draft(window, organisation, citizen):
    with pytest.raises(PermissionDenied):
        services.proposal_create(window=window, partner=organisation, user=citizen)
    pending = MembershipFactory(partner=organisation, status="pending").user
    with pytest.raises(PermissionDenied):
        services.proposal_create(window=window, partner=organisation, user=pending)
    assert not WindowProposal.objects.exists()


def test_a_closed_window_takes_no_new_draft(window, organisation, proposer):
    Window.objects.filter(pk=window.pk).update(is_open=False)
    window.refresh_from_db()
    with pytest.raises(services.WindowServiceError):
        services.proposal_create(window=window, partner=organisation, user=proposer)
    assert not WindowProposal.objects.exists()


# --- drafts ------------------------------------------------------------------------------------------------


def _form(proposal, **changes):
    data = {
        "kind": "proposal",
        "title": "商店街の空き店舗を活用する",
        "problem": "空き店舗が増えている。",
        "offer": "改装を手伝う。",
        "ask": "所有者の紹介。",
        "citywide": "on",
        "contact_name": "窓口 太郎",
        "contact_phone": "044-000-0000",
        **changes,
    }
    form = WindowProposalForm(data, instance=proposal)
    assert form.is_valid(), form.errors
    return form


def test_save_draft_saves_and_counts_the_version(make_proposal, proposer):
    proposal = make_proposal("draft")
    saved = services.proposal_save_draft(proposal=proposal, user=proposer, form=_form(proposal), edit_version=0)
    assert saved.edit_version == 1
    proposal.refresh_from_db()
    assert proposal.title == "商店街の空き店舗を活用する"
    assert proposal.contact_name == "窓口 太郎"
    assert "空き店舗" in proposal.search_document


def test_save_draft_over_a_newer_save_is_an_edit_conflict(make_proposal, proposer):
    proposal = make_proposal("draft")
    services.proposal_save_draft(proposal=proposal, user=proposer, form=_form(proposal), edit_version=0)
    stale = WindowProposal.objects.get(pk=proposal.pk)
    with pytest.raises(services.EditConflict):
        services.proposal_save_draft(
            proposal=stale, user=proposer, form=_form(stale, title="古い画面からの保存"), edit_version=0
        )
    proposal.refresh_from_db()
    assert proposal.title == "商店街の空き店舗を活用する"
    assert proposal.edit_version == 1


def test_only_a_member_saves_and_only_a_draft(make_proposal, citizen, proposer):
    proposal = make_proposal("draft")
    with pytest.raises(PermissionDenied):
        services.proposal_save_draft(proposal=proposal, user=citizen, form=_form(proposal), edit_version=0)
    submitted = make_proposal("submitted")
    with pytest.raises(services.WindowServiceError):
        services.proposal_save_draft(
            proposal=submitted, user=proposer, form=_form(submitted, title="提出後の書き換え"), edit_version=0
        )
    assert fresh(submitted).title == "公園の花壇を地域で育てる"


def test_delete_draft_removes_it_but_not_a_submitted_one(make_proposal, proposer):
    draft = make_proposal("draft")
    services.proposal_delete_draft(proposal=draft, user=proposer)
    assert not WindowProposal.objects.filter(pk=draft.pk).exists()
    submitted = make_proposal("submitted")
    with pytest.raises(services.WindowServiceError):
        services.proposal_delete_draft(proposal=submitted, user=proposer)
    assert WindowProposal.objects.filter(pk=submitted.pk).exists()


# --- what keeps a draft from being submitted ----------------------------------------------------------------


def test_a_new_draft_lacks_every_required_field_and_the_wards(window, organisation, proposer):
    proposal = services.proposal_create(window=window, partner=organisation, user=proposer)
    problems = services.proposal_problems(proposal=proposal)
    assert set(problems) == {"title", "problem", "offer", "ask", "wards"}  # contact_name is filled in


def test_blank_text_counts_as_missing_and_the_contact_is_required(window, organisation, proposer):
    proposal = services.proposal_create(window=window, partner=organisation, user=proposer)
    proposal.title, proposal.problem, proposal.offer, proposal.ask = "  ", "課題", "提供", "依頼"
    proposal.contact_name = ""
    proposal.citywide = True
    proposal.save()
    assert set(services.proposal_problems(proposal=proposal)) == {"title", "contact_name"}


def test_wards_or_the_whole_city(make_proposal, kawasaki_wards):
    proposal = make_proposal("draft")
    assert services.proposal_problems(proposal=proposal) == {}
    proposal.citywide = False
    proposal.save()
    assert set(services.proposal_problems(proposal=proposal)) == {"wards"}
    proposal.wards.add(kawasaki_wards["中原区"])
    assert services.proposal_problems(proposal=proposal) == {}


def test_a_closed_window_is_a_problem_of_the_whole_proposal(make_proposal, window):
    proposal = make_proposal("draft")
    Window.objects.filter(pk=window.pk).update(is_open=False)
    proposal = fresh(proposal)
    assert set(services.proposal_problems(proposal=proposal)) == {None}


def test_an_incomplete_draft_is_not_submitted_and_gets_no_number(window, organisation, proposer):
    proposal = services.proposal_create(window=window, partner=organisation, user=proposer)
    with pytest.raises(services.Incomplete) as refused:
        services.proposal_submit(proposal=proposal, user=proposer)
    assert "title" in refused.value.problems
    proposal = fresh(proposal)
    assert proposal.status == Status.DRAFT
    assert proposal.receipt_number is None
    assert proposal.fiscal_year is None


# --- submit --------------------------------------------------------------------------------------------------


def test_submit_issues_a_receipt_number_and_the_acknowledgement_deadline(make_proposal, proposer):
    draft = make_proposal("draft")
    with travel(2026, 11, 20):  # a Friday; Monday 11-23 is the Labour Thanksgiving Day
        services.proposal_submit(proposal=draft, user=proposer, edit_version=0)
    proposal = fresh(draft)
    assert proposal.status == Status.SUBMITTED
    assert proposal.receipt_number == "2026-W0001"
    assert proposal.fiscal_year == 2026
    assert proposal.submitted_at == at(2026, 11, 20)
    assert proposal.acknowledge_due == D(2026, 11, 30)
    assert events(proposal)[-1] == ("submit", "draft", "submitted", proposer.pk, "")


def test_numbers_follow_each_other_and_start_again_each_fiscal_year(make_proposal, proposer):
    drafts = [make_proposal("draft", title=f"提案{n}") for n in range(4)]
    with travel(2026, 4, 1, hour=0):
        services.proposal_submit(proposal=drafts[0], user=proposer)
    with travel(2027, 3, 31, hour=23):
        services.proposal_submit(proposal=drafts[1], user=proposer)
    with travel(2027, 4, 1, hour=0):
        services.proposal_submit(proposal=drafts[2], user=proposer)
    with travel(2027, 4, 2):
        services.proposal_submit(proposal=drafts[3], user=proposer)
    numbers = [(fresh(draft).receipt_number, fresh(draft).fiscal_year) for draft in drafts]
    assert numbers == [("2026-W0001", 2026), ("2026-W0002", 2026), ("2027-W0001", 2027), ("2027-W0002", 2027)]


def test_a_second_submit_is_refused_and_recorded_once(make_proposal, proposer, window):
    proposal = make_proposal("submitted")
    number = proposal.receipt_number
    with pytest.raises(services.TransitionNotAllowed):
        services.proposal_submit(proposal=proposal, user=proposer)
    assert fresh(proposal).receipt_number == number
    assert actions(proposal).count("submit") == 1
    assert WindowProposal.objects.filter(receipt_number__isnull=False).count() == 1


def test_a_stale_page_cannot_submit(make_proposal, proposer):
    proposal = make_proposal("draft")
    with pytest.raises(services.EditConflict):
        services.proposal_submit(proposal=proposal, user=proposer, edit_version=3)
    assert fresh(proposal).status == Status.DRAFT


def test_only_a_member_submits(make_proposal, window_officer, citizen):
    proposal = make_proposal("draft")
    for user in (window_officer, citizen):
        with pytest.raises(PermissionDenied):
            services.proposal_submit(proposal=proposal, user=user)
    assert fresh(proposal).status == Status.DRAFT


def test_submit_tells_the_proposer_and_the_window(
    make_proposal, organisation, proposer, window_officer, kenko_officer, mailoutbox, django_capture_on_commit_callbacks
):
    submitter = MembershipFactory(partner=organisation, user=UserFactory(display_name="担当の会員")).user
    bystander = MembershipFactory(partner=organisation).user
    draft = make_proposal("draft")
    with travel(2026, 11, 20), django_capture_on_commit_callbacks(execute=True):
        services.proposal_submit(proposal=draft, user=submitter)
    assert {tuple(message.to) for message in mailoutbox} == {
        (proposer.email,),
        (submitter.email,),
        (window_officer.email,),
    }
    assert not mails_to(mailoutbox, bystander) and not mails_to(mailoutbox, kenko_officer)
    (received,) = mails_to(mailoutbox, submitter)
    assert "2026-W0001" in received.subject and "公園の花壇を地域で育てる" in received.subject
    assert received.body.startswith("担当の会員 様")
    assert "2026-W0001" in received.body
    assert "2026年11月30日" in received.body  # the acknowledgement deadline
    assert "自治推進部" in received.body
    (new,) = mails_to(mailoutbox, window_officer)
    assert "2026年11月30日" in new.body and "NPO法人テスト窓口の会" in new.body
    assert new.body != received.body


def test_no_mail_leaves_before_the_commit(make_proposal, proposer, mailoutbox):
    draft = make_proposal("draft")
    services.proposal_submit(proposal=draft, user=proposer)
    assert mailoutbox == []


# --- acknowledge -------------------------------------------------------------------------------------------


def test_acknowledge_sets_the_routing_deadline_and_tells_the_proposer(
    make_proposal, proposer, window_officer, mailoutbox, django_capture_on_commit_callbacks
):
    with travel(2026, 11, 20):
        proposal = make_proposal("submitted")
    with travel(2026, 11, 24), django_capture_on_commit_callbacks(execute=True):
        services.proposal_acknowledge(proposal=proposal, user=window_officer, comment="  担当は窓口の山田です。 ")
    proposal = fresh(proposal)
    assert proposal.status == Status.ACKNOWLEDGED
    assert proposal.acknowledged_at == at(2026, 11, 24)
    assert proposal.route_due == D(2026, 12, 1)  # 25, 26, 27, 30, 1
    assert events(proposal)[-1] == (
        "acknowledge",
        "submitted",
        "acknowledged",
        window_officer.pk,
        "担当は窓口の山田です。",
    )
    (mail,) = mails_to(mailoutbox, proposer)
    assert "担当は窓口の山田です。" in mail.body
    assert len(mailoutbox) == 1


def test_only_the_window_acknowledges_and_only_once(make_proposal, proposer, kenko_officer, window_officer):
    proposal = make_proposal("submitted")
    for user in (proposer, kenko_officer):
        with pytest.raises(PermissionDenied):
            services.proposal_acknowledge(proposal=proposal, user=user)
    services.proposal_acknowledge(proposal=proposal, user=window_officer)
    with pytest.raises(services.TransitionNotAllowed):
        services.proposal_acknowledge(proposal=proposal, user=window_officer)
    assert actions(proposal).count("acknowledge") == 1


def test_staff_above_the_window_and_administrators_act_as_the_window(
    make_proposal, officer_of, departments, admin_user
):
    above = officer_of(departments["総合企画局"])
    first, second = make_proposal("submitted", title="一"), make_proposal("submitted", title="二")
    services.proposal_acknowledge(proposal=first, user=above)
    services.proposal_acknowledge(proposal=second, user=admin_user)
    assert fresh(first).status == fresh(second).status == Status.ACKNOWLEDGED


def test_nobody_acts_as_the_window_on_a_draft(make_proposal, window_officer):
    proposal = make_proposal("draft")
    with pytest.raises(PermissionDenied):
        services.proposal_acknowledge(proposal=proposal, user=window_officer)


# --- route ---------------------------------------------------------------------------------------------------


def test_route_gives_the_department_a_deadline_30_days_later(make_proposal, window_officer, kenko_officer, departments):
    proposal = make_proposal("acknowledged")
    with travel(2026, 11, 24):
        (referral,) = services.proposal_route(
            proposal=proposal, user=window_officer, departments=[departments["健康福祉局"]], note="ご検討ください。"
        )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.OPEN
    assert referral.department == departments["健康福祉局"]
    assert referral.due_on == D(2026, 12, 24)
    assert referral.routed_at == at(2026, 11, 24)
    assert referral.routed_by == window_officer
    assert referral.note == "ご検討ください。"
    proposal = fresh(proposal)
    assert proposal.status == Status.ROUTED
    assert proposal.routed_at == at(2026, 11, 24)
    event = WindowEvent.objects.filter(proposal=proposal).order_by("id").last()
    assert (event.action, event.from_status, event.to_status, event.actor, event.comment) == (
        "route",
        "acknowledged",
        "routed",
        window_officer,
        "ご検討ください。",
    )
    assert event.details == {"departments": ["健康福祉局"]}


@pytest.mark.parametrize(
    ("routed_on", "due_on"),
    [
        (D(2026, 10, 24), D(2026, 11, 24)),  # 30 days later is the Labour Thanksgiving Day
        (D(2026, 11, 30), D(2027, 1, 4)),  # 30 days later is 12-30, in the year-end closure
        (D(2026, 4, 5), D(2026, 5, 7)),  # 30 days later is 5-5, Golden Week
    ],
)
def test_a_deadline_on_a_closed_day_rolls_to_the_next_working_day(
    make_proposal, window_officer, kenko_officer, departments, routed_on, due_on
):
    proposal = make_proposal("acknowledged")
    with travel(routed_on.year, routed_on.month, routed_on.day):
        (referral,) = services.proposal_route(
            proposal=proposal, user=window_officer, departments=[departments["健康福祉局"]], note="ご検討ください。"
        )
    assert referral.due_on == due_on == deadline_after_days(routed_on, 30)


def test_route_to_several_departments_at_once(
    make_proposal, window_officer, kenko_officer, kankyo_officer, departments
):
    proposal = make_proposal("acknowledged")
    targets = [departments["健康福祉局"], departments["環境局"], departments["健康福祉局"]]  # a double pick counts once
    referrals = services.proposal_route(proposal=proposal, user=window_officer, departments=targets, note="両局で")
    assert sorted(referral.department.name for referral in referrals) == ["健康福祉局", "環境局"]
    assert Referral.objects.filter(proposal=proposal, status=ReferralStatus.OPEN).count() == 2
    assert actions(proposal).count("route") == 1
    assert WindowEvent.objects.get(proposal=proposal, action="route").details == {
        "departments": ["健康福祉局", "環境局"]
    }


def test_a_section_is_owned_by_the_staff_of_its_bureau(make_proposal, window_officer, kenko_officer, departments):
    proposal = make_proposal("acknowledged")
    section = departments["健康福祉局 高齢者在宅サービス課"]
    (referral,) = services.proposal_route(proposal=proposal, user=window_officer, departments=[section], note="課で")
    services.referral_answer(referral=referral, user=kenko_officer, transition=ACCEPT, text="課で実施します。")
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.ACCEPTED


def test_nothing_is_routed_to_a_department_without_an_owner(make_proposal, window_officer, kenko_officer, departments):
    proposal = make_proposal("acknowledged")
    nobody = departments["川崎区役所"]
    with pytest.raises(ValidationError) as refused:
        services.proposal_route(
            proposal=proposal, user=window_officer, departments=[departments["健康福祉局"], nobody], note="両方へ"
        )
    assert "departments" in refused.value.message_dict
    assert "川崎区役所" in refused.value.message_dict["departments"][0]
    # all or nothing: the staffed department got nothing either
    assert not Referral.objects.filter(proposal=proposal).exists()
    assert fresh(proposal).status == Status.ACKNOWLEDGED
    assert "route" not in actions(proposal)


def test_a_department_of_another_city_is_refused(make_proposal, window_officer, officer_of):
    elsewhere = DepartmentFactory()
    officer_of(elsewhere)
    proposal = make_proposal("acknowledged")
    with pytest.raises(ValidationError) as refused:
        services.proposal_route(proposal=proposal, user=window_officer, departments=[elsewhere], note="他市へ")
    assert elsewhere.name in refused.value.message_dict["departments"][0]
    assert not Referral.objects.filter(proposal=proposal).exists()


def test_a_department_holding_the_proposal_is_not_routed_it_again(make_proposal, window_officer, departments):
    proposal = make_proposal("routed")
    with pytest.raises(services.WindowServiceError):
        services.proposal_route(
            proposal=proposal, user=window_officer, departments=[departments["健康福祉局"]], note="もう一度"
        )
    assert Referral.objects.filter(proposal=proposal).count() == 1
    assert actions(proposal).count("route") == 1


def test_a_note_and_a_department_are_required(make_proposal, window_officer, kenko_officer, departments):
    proposal = make_proposal("acknowledged")
    with pytest.raises(ValidationError):
        services.proposal_route(
            proposal=proposal, user=window_officer, departments=[departments["健康福祉局"]], note=" "
        )
    with pytest.raises(ValidationError):
        services.proposal_route(proposal=proposal, user=window_officer, departments=[], note="どこへ")
    assert fresh(proposal).status == Status.ACKNOWLEDGED


def test_only_the_window_routes(make_proposal, proposer, kenko_officer, departments):
    proposal = make_proposal("acknowledged")
    for user in (proposer, kenko_officer):
        with pytest.raises(PermissionDenied):
            services.proposal_route(proposal=proposal, user=user, departments=[departments["健康福祉局"]], note="回付")


def test_a_submitted_proposal_is_acknowledged_before_it_is_routed(
    make_proposal, window_officer, kenko_officer, departments
):
    proposal = make_proposal("submitted")
    with pytest.raises(services.TransitionNotAllowed):
        services.proposal_route(
            proposal=proposal, user=window_officer, departments=[departments["健康福祉局"]], note="回付"
        )


def test_the_window_adds_a_department_while_routed(make_proposal, window_officer, kankyo_officer, departments):
    with travel(2026, 11, 24):
        proposal = make_proposal("routed")
    with travel(2026, 11, 26):
        (added,) = services.proposal_route(
            proposal=proposal, user=window_officer, departments=[departments["環境局"]], note="環境局にも"
        )
    proposal = fresh(proposal)
    assert proposal.status == Status.ROUTED
    assert proposal.routed_at == at(2026, 11, 24)  # the first routing
    assert added.due_on == D(2026, 12, 28)
    assert [event[:3] for event in events(proposal) if event[0] == "route"] == [
        ("route", "acknowledged", "routed"),
        ("route", "routed", "routed"),
    ]


def test_route_tells_the_departments_the_note_but_not_the_proposer(
    make_proposal,
    proposer,
    window_officer,
    kenko_officer,
    kankyo_officer,
    departments,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    proposal = make_proposal("acknowledged")
    with travel(2026, 11, 24), django_capture_on_commit_callbacks(execute=True):
        services.proposal_route(
            proposal=proposal,
            user=window_officer,
            departments=[departments["健康福祉局"], departments["環境局"]],
            note="内部メモ：予算の見込みを確認してください。",
        )
    for officer, department in ((kenko_officer, "健康福祉局"), (kankyo_officer, "環境局")):
        (mail,) = mails_to(mailoutbox, officer)
        assert "内部メモ：予算の見込みを確認してください。" in mail.body
        assert department in mail.body
        assert "2026年12月24日" in mail.body
    (told,) = mails_to(mailoutbox, proposer)
    assert "内部メモ" not in told.body
    assert "健康福祉局" in told.body and "環境局" in told.body and "2026年12月24日" in told.body
    assert not mails_to(mailoutbox, window_officer)
    assert len(mailoutbox) == 3


# --- answers -----------------------------------------------------------------------------------------------


def test_accept_answers_and_the_proposal_is_answered(make_proposal, kenko_officer):
    with travel(2026, 11, 24):
        proposal = make_proposal("routed")
    referral = proposal.referrals.get()
    with travel(2026, 12, 10):
        services.referral_answer(
            referral=referral, user=kenko_officer, transition=ACCEPT, text=" 来年度に実施します。 "
        )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    assert referral.answer == "来年度に実施します。"
    assert referral.answered_at == at(2026, 12, 10)
    assert referral.answered_by == kenko_officer
    assert referral.answered_in_time is True
    proposal = fresh(proposal)
    assert proposal.status == Status.ANSWERED
    assert proposal.answered_at == at(2026, 12, 10)
    assert events(proposal)[-2:] == [
        ("accept", "open", "accepted", kenko_officer.pk, "来年度に実施します。"),
        ("answered", "routed", "answered", kenko_officer.pk, ""),
    ]
    assert WindowEvent.objects.get(proposal=proposal, action="accept").referral_id == referral.pk


@pytest.mark.parametrize("transition", [ACCEPT, DECLINE, ASK_INFO])
def test_an_answer_needs_its_text(make_proposal, kenko_officer, transition):
    proposal = make_proposal("routed")
    referral = proposal.referrals.get()
    with pytest.raises(ValidationError) as refused:
        services.referral_answer(referral=referral, user=kenko_officer, transition=transition, text="  ")
    assert "comment" in refused.value.message_dict
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.OPEN


def test_a_text_beyond_the_limit_is_refused(make_proposal, kenko_officer):
    referral = make_proposal("routed").referrals.get()
    with pytest.raises(ValidationError):
        services.referral_answer(referral=referral, user=kenko_officer, transition=DECLINE, text="あ" * 4001)


def test_the_proposal_stays_routed_while_another_department_has_it(
    make_proposal, kenko_officer, kankyo_officer, departments
):
    with travel(2026, 11, 24):
        proposal = make_proposal("routed", to=("健康福祉局", "環境局"))
    kenko = proposal.referrals.get(department=departments["健康福祉局"])
    kankyo = proposal.referrals.get(department=departments["環境局"])
    with travel(2026, 12, 1):
        services.referral_answer(referral=kenko, user=kenko_officer, transition=ACCEPT, text="実施します。")
    assert fresh(proposal).status == Status.ROUTED
    assert fresh(proposal).answered_at is None
    assert "answered" not in actions(proposal)
    with travel(2026, 12, 3):
        services.referral_answer(referral=kankyo, user=kankyo_officer, transition=DECLINE, text="所管外です。")
    proposal = fresh(proposal)
    assert proposal.status == Status.ANSWERED
    assert proposal.answered_at == at(2026, 12, 3)
    assert actions(proposal).count("answered") == 1


def test_a_question_keeps_the_proposal_routed(make_proposal, kenko_officer):
    with travel(2026, 11, 24):
        proposal = make_proposal("routed")
    referral = proposal.referrals.get()
    with travel(2026, 12, 1):
        services.referral_answer(referral=referral, user=kenko_officer, transition=ASK_INFO, text="人数は？")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.INFO_REQUESTED
    assert referral.waiting_since == D(2026, 12, 1)
    assert referral.answered_at is None and referral.answer == ""
    assert fresh(proposal).status == Status.ROUTED
    assert events(proposal)[-1] == ("ask_info", "open", "info_requested", kenko_officer.pk, "人数は？")


def test_answers_tell_the_proposer_and_the_window_but_a_question_only_the_proposer(
    make_proposal, proposer, window_officer, kenko_officer, mailoutbox, django_capture_on_commit_callbacks
):
    proposal = make_proposal("routed")
    referral = proposal.referrals.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_answer(
            referral=referral, user=kenko_officer, transition=ASK_INFO, text="参加人数を教えてください。"
        )
    (question,) = mailoutbox
    assert question.to == [proposer.email]
    assert "参加人数を教えてください。" in question.body and "健康福祉局" in question.subject
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_answer(referral=referral, user=kenko_officer, transition=DECLINE, text="予算がありません。")
    assert sorted(message.to[0] for message in mailoutbox) == sorted([proposer.email, window_officer.email])
    for message in mailoutbox:
        assert "予算がありません。" in message.body


def test_only_the_department_answers(make_proposal, proposer, window_officer, kankyo_officer, officer_of, departments):
    referral = make_proposal("routed").referrals.get()
    section_officer = officer_of(departments["健康福祉局 高齢者在宅サービス課"])  # below the bureau: not its owner
    for user in (proposer, window_officer, kankyo_officer, section_officer):
        with pytest.raises(PermissionDenied):
            services.referral_answer(referral=referral, user=user, transition=ACCEPT, text="受けます。")
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.OPEN


def test_an_answered_referral_is_not_answered_again(make_proposal, kenko_officer):
    proposal = make_proposal("declined")
    referral = proposal.referrals.get()
    with pytest.raises(services.TransitionNotAllowed):
        services.referral_answer(referral=referral, user=kenko_officer, transition=ACCEPT, text="やはり受けます。")
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.DECLINED
    assert actions(proposal).count("decline") == 1 and "accept" not in actions(proposal)


def test_a_question_while_waiting_is_refused_but_a_final_answer_is_not(make_proposal, kenko_officer):
    with travel(2026, 11, 24):
        proposal = make_proposal("routed")
    referral = proposal.referrals.get()
    with travel(2026, 12, 1):
        services.referral_answer(referral=referral, user=kenko_officer, transition=ASK_INFO, text="人数は？")
    with pytest.raises(services.TransitionNotAllowed):
        services.referral_answer(referral=referral, user=kenko_officer, transition=ASK_INFO, text="もう一つ")
    with travel(2026, 12, 11):
        services.referral_answer(
            referral=referral, user=kenko_officer, transition=DECLINE, text="回答がないため見送ります。"
        )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DECLINED
    assert referral.waiting_since is None
    assert referral.due_on == D(2027, 1, 4)  # 12-24 + 10 days waited = 01-03, closed → 01-04
    assert fresh(proposal).status == Status.ANSWERED


def test_referral_answer_takes_only_the_departments_answers(make_proposal, kenko_officer):
    referral = make_proposal("routed").referrals.get()
    with pytest.raises(ValueError):
        services.referral_answer(referral=referral, user=kenko_officer, transition=REPLY, text="返事")


# --- the proposer's reply ----------------------------------------------------------------------------------


def test_reply_reopens_the_referral_and_adds_the_days_waited(
    make_proposal, proposer, kenko_officer, mailoutbox, django_capture_on_commit_callbacks
):
    with travel(2026, 11, 24):
        proposal = make_proposal("routed")  # due 12-24
    referral = proposal.referrals.get()
    with travel(2026, 12, 1):
        services.referral_answer(referral=referral, user=kenko_officer, transition=ASK_INFO, text="人数は？")
    with travel(2026, 12, 8), django_capture_on_commit_callbacks(execute=True):
        services.referral_reply(referral=referral, user=proposer, text="20人です。")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.OPEN
    assert referral.waiting_since is None
    assert referral.due_on == D(2027, 1, 4)  # 12-24 + 7 = 12-31, closed → 2027-01-04
    reply = WindowEvent.objects.filter(proposal=proposal).order_by("id").last()
    assert (reply.action, reply.from_status, reply.to_status, reply.actor, reply.comment) == (
        "reply",
        "info_requested",
        "open",
        proposer,
        "20人です。",
    )
    assert reply.details == {"department": "健康福祉局", "due_on": "2027-01-04"}
    (mail,) = mails_to(mailoutbox, kenko_officer)
    assert "20人です。" in mail.body and "2027年1月4日" in mail.body
    assert len(mailoutbox) == 1


def test_a_reply_on_the_same_day_keeps_the_deadline(make_proposal, proposer, kenko_officer):
    with travel(2026, 11, 24):
        proposal = make_proposal("routed")
    referral = proposal.referrals.get()
    with travel(2026, 12, 1, hour=9):
        services.referral_answer(referral=referral, user=kenko_officer, transition=ASK_INFO, text="人数は？")
    with travel(2026, 12, 1, hour=15):
        services.referral_reply(referral=referral, user=proposer, text="20人です。")
    assert Referral.objects.get(pk=referral.pk).due_on == D(2026, 12, 24)


def test_any_member_replies_but_nobody_else(make_proposal, organisation, kenko_officer, window_officer, citizen):
    referral = make_proposal("info_requested").referrals.get()
    for user in (kenko_officer, window_officer, citizen):
        with pytest.raises(PermissionDenied):
            services.referral_reply(referral=referral, user=user, text="代わりに答えます。")
    member = MembershipFactory(partner=organisation).user
    services.referral_reply(referral=referral, user=member, text="20人です。")
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.OPEN


def test_a_reply_needs_a_question_and_a_text(make_proposal, proposer):
    referral = make_proposal("routed").referrals.get()
    with pytest.raises(services.TransitionNotAllowed):
        services.referral_reply(referral=referral, user=proposer, text="聞かれていません。")
    waiting = make_proposal("info_requested", title="質問あり").referrals.get()
    with pytest.raises(ValidationError):
        services.referral_reply(referral=waiting, user=proposer, text="")


# --- pass on -----------------------------------------------------------------------------------------------


def test_pass_on_closes_this_referral_and_opens_one_with_a_fresh_deadline(
    make_proposal, kenko_officer, kankyo_officer, departments
):
    with travel(2026, 11, 24):
        proposal = make_proposal("routed")
    old = proposal.referrals.get()
    with travel(2026, 12, 1):
        new = services.referral_pass_on(
            referral=old, user=kenko_officer, department=departments["環境局"], note="環境局の所管です。"
        )
    old.refresh_from_db()
    assert old.status == ReferralStatus.PASSED_ON
    assert (old.answered_at, old.answered_by, old.answer) == (at(2026, 12, 1), kenko_officer, "環境局の所管です。")
    assert old.answered_in_time is None  # passing on is no answer
    new.refresh_from_db()
    assert new.status == ReferralStatus.OPEN
    assert new.department == departments["環境局"]
    assert new.passed_from == old
    assert new.routed_by == kenko_officer
    assert new.routed_at == at(2026, 12, 1)
    assert new.due_on == D(2027, 1, 4)  # 12-01 + 30 = 12-31 → 01-04
    assert new.note == "環境局の所管です。"
    assert fresh(proposal).status == Status.ROUTED
    event = WindowEvent.objects.filter(proposal=proposal).order_by("id").last()
    assert (event.action, event.from_status, event.to_status, event.referral_id, event.actor) == (
        "pass_on",
        "open",
        "passed_on",
        old.pk,
        kenko_officer,
    )
    assert event.details == {"department": "健康福祉局", "to": "環境局"}
    # the new department answers; the one that passed it on no longer can
    services.referral_answer(referral=new, user=kankyo_officer, transition=ACCEPT, text="引き受けます。")
    assert fresh(proposal).status == Status.ANSWERED


def test_pass_on_tells_the_new_department_the_window_and_the_proposer(
    make_proposal,
    proposer,
    window_officer,
    kenko_officer,
    kankyo_officer,
    departments,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    with travel(2026, 11, 24):
        proposal = make_proposal("routed")
    with travel(2026, 12, 1), django_capture_on_commit_callbacks(execute=True):
        services.referral_pass_on(
            referral=proposal.referrals.get(),
            user=kenko_officer,
            department=departments["環境局"],
            note="内部メモ：ごみ減量の事業です。",
        )
    (to_kankyo,) = mails_to(mailoutbox, kankyo_officer)
    assert "内部メモ：ごみ減量の事業です。" in to_kankyo.body and "2027年1月4日" in to_kankyo.body
    (to_window,) = mails_to(mailoutbox, window_officer)
    assert "健康福祉局" in to_window.body and "環境局" in to_window.body
    (to_proposer,) = mails_to(mailoutbox, proposer)
    assert "内部メモ" not in to_proposer.body and "環境局" in to_proposer.body
    assert not mails_to(mailoutbox, kenko_officer)


def test_pass_on_to_the_own_department_is_refused(make_proposal, kenko_officer, departments):
    proposal = make_proposal("routed")
    referral = proposal.referrals.get()
    with pytest.raises(ValidationError):
        services.referral_pass_on(
            referral=referral, user=kenko_officer, department=departments["健康福祉局"], note="自分へ"
        )
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.OPEN
    assert Referral.objects.filter(proposal=proposal).count() == 1


def test_pass_on_to_a_department_already_holding_it_changes_nothing(
    make_proposal, kenko_officer, kankyo_officer, departments
):
    proposal = make_proposal("routed", to=("健康福祉局", "環境局"))
    referral = proposal.referrals.get(department=departments["健康福祉局"])
    with pytest.raises(services.WindowServiceError):
        services.referral_pass_on(
            referral=referral, user=kenko_officer, department=departments["環境局"], note="環境局へ"
        )
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.OPEN
    assert Referral.objects.filter(proposal=proposal).count() == 2
    assert "pass_on" not in actions(proposal)


def test_pass_on_to_a_department_without_an_owner_keeps_it_here(make_proposal, kenko_officer, departments):
    proposal = make_proposal("routed")
    referral = proposal.referrals.get()
    with pytest.raises(ValidationError):
        services.referral_pass_on(
            referral=referral, user=kenko_officer, department=departments["川崎区役所"], note="区へ"
        )
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.OPEN
    assert Referral.objects.filter(proposal=proposal).count() == 1


def test_pass_on_needs_a_note_an_open_referral_and_its_department(
    make_proposal, kenko_officer, kankyo_officer, window_officer, departments
):
    referral = make_proposal("routed").referrals.get()
    with pytest.raises(ValidationError):
        services.referral_pass_on(referral=referral, user=kenko_officer, department=departments["環境局"], note="")
    with pytest.raises(PermissionDenied):
        services.referral_pass_on(
            referral=referral, user=window_officer, department=departments["環境局"], note="環境局へ"
        )
    waiting = make_proposal("info_requested", title="質問中").referrals.get()
    with pytest.raises(services.TransitionNotAllowed):
        services.referral_pass_on(
            referral=waiting, user=kenko_officer, department=departments["環境局"], note="環境局へ"
        )


# --- withdraw ----------------------------------------------------------------------------------------------


def test_withdraw_closes_the_active_referrals_and_tells_their_departments(
    make_proposal,
    proposer,
    window_officer,
    kenko_officer,
    kankyo_officer,
    officer_of,
    departments,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    nakahara = officer_of(departments["中原区役所"])
    proposal = make_proposal("routed", to=("健康福祉局", "環境局", "中原区役所"))
    kenko = proposal.referrals.get(department=departments["健康福祉局"])
    kankyo = proposal.referrals.get(department=departments["環境局"])
    nakahara_referral = proposal.referrals.get(department=departments["中原区役所"])
    services.referral_answer(referral=kenko, user=kenko_officer, transition=ACCEPT, text="実施します。")
    services.referral_answer(referral=kankyo, user=kankyo_officer, transition=ASK_INFO, text="人数は？")
    with travel(2026, 12, 2), django_capture_on_commit_callbacks(execute=True):
        services.proposal_withdraw(proposal=proposal, user=proposer, reason=" 団体の都合により。 ")
    proposal = fresh(proposal)
    assert proposal.status == Status.WITHDRAWN
    assert proposal.withdrawn_at == at(2026, 12, 2)
    statuses = dict(proposal.referrals.values_list("department__name", "status"))
    assert statuses == {"健康福祉局": "accepted", "環境局": "withdrawn", "中原区役所": "withdrawn"}
    assert Referral.objects.get(pk=kankyo.pk).waiting_since is None
    assert Referral.objects.get(pk=nakahara_referral.pk).status == ReferralStatus.WITHDRAWN
    assert events(proposal)[-1] == ("withdraw", "routed", "withdrawn", proposer.pk, "団体の都合により。")
    told = {message.to[0] for message in mailoutbox}
    assert told == {window_officer.email, kankyo_officer.email, nakahara.email}
    for message in mailoutbox:
        assert "団体の都合により。" in message.body


def test_withdraw_needs_a_reason_and_the_proposer(make_proposal, proposer, window_officer):
    proposal = make_proposal("submitted")
    with pytest.raises(ValidationError):
        services.proposal_withdraw(proposal=proposal, user=proposer, reason=" ")
    with pytest.raises(PermissionDenied):
        services.proposal_withdraw(proposal=proposal, user=window_officer, reason="代わりに")
    assert fresh(proposal).status == Status.SUBMITTED


@pytest.mark.parametrize("state", ["draft", "accepted", "withdrawn"])
def test_withdraw_is_refused_for_a_draft_an_answered_or_a_withdrawn_proposal(make_proposal, proposer, state):
    proposal = make_proposal(state)
    before = proposal.status
    with pytest.raises(services.TransitionNotAllowed):
        services.proposal_withdraw(proposal=proposal, user=proposer, reason="取り下げます。")
    assert fresh(proposal).status == before


@pytest.mark.parametrize("state", ["submitted", "acknowledged"])
def test_withdraw_before_routing(make_proposal, proposer, state):
    proposal = make_proposal(state)
    services.proposal_withdraw(proposal=proposal, user=proposer, reason="取り下げます。")
    assert fresh(proposal).status == Status.WITHDRAWN
    assert events(proposal)[-1][:3] == ("withdraw", state, "withdrawn")


def test_nothing_is_answered_on_a_withdrawn_proposal(make_proposal, proposer, kenko_officer):
    proposal = make_proposal("routed")
    referral = proposal.referrals.get()
    services.proposal_withdraw(proposal=proposal, user=proposer, reason="取り下げます。")
    with pytest.raises(services.TransitionNotAllowed):
        services.referral_answer(referral=referral, user=kenko_officer, transition=ACCEPT, text="受けます。")


# --- withhold and release ------------------------------------------------------------------------------------


def test_the_window_withholds_and_releases_a_proposal(make_proposal, window_officer):
    proposal = make_proposal("acknowledged")
    assert WindowProposal.objects.public().filter(pk=proposal.pk).exists()
    services.proposal_set_withheld(proposal=proposal, user=window_officer, withheld=True, reason="個人名が含まれる。")
    proposal = fresh(proposal)
    assert proposal.withheld and proposal.withheld_reason == "個人名が含まれる。"
    assert not WindowProposal.objects.public().filter(pk=proposal.pk).exists()
    services.proposal_set_withheld(proposal=proposal, user=window_officer, withheld=False)
    proposal = fresh(proposal)
    assert not proposal.withheld and proposal.withheld_reason == ""
    assert WindowProposal.objects.public().filter(pk=proposal.pk).exists()
    assert events(proposal)[-2:] == [
        ("withhold", "acknowledged", "acknowledged", window_officer.pk, "個人名が含まれる。"),
        ("release", "acknowledged", "acknowledged", window_officer.pk, ""),
    ]


def test_withholding_needs_a_reason_and_the_window(make_proposal, proposer, kenko_officer, window_officer):
    proposal = make_proposal("routed")
    with pytest.raises(ValidationError):
        services.proposal_set_withheld(proposal=proposal, user=window_officer, withheld=True, reason="")
    for user in (proposer, kenko_officer):
        with pytest.raises(PermissionDenied):
            services.proposal_set_withheld(proposal=proposal, user=user, withheld=True, reason="理由")
    assert not fresh(proposal).withheld
    draft = make_proposal("draft", title="下書き")
    with pytest.raises(PermissionDenied):
        services.proposal_set_withheld(proposal=draft, user=window_officer, withheld=True, reason="理由")


# --- follow-up -----------------------------------------------------------------------------------------------


def test_the_department_records_what_an_accepted_proposal_became(make_proposal, kenko_officer, kawasaki, departments):
    proposal = make_proposal("accepted")
    referral = proposal.referrals.get()
    project = ProjectFactory(
        municipality=kawasaki,
        title="花壇の協働事業",
        responsible_department=departments["健康福祉局 高齢者在宅サービス課"],
    )
    services.referral_record_follow_up(
        referral=referral, user=kenko_officer, project=project, call=None, text=" 協定を結んだ。 "
    )
    referral.refresh_from_db()
    assert (referral.project, referral.call, referral.follow_up) == (project, None, "協定を結んだ。")
    event = WindowEvent.objects.filter(proposal=proposal).order_by("id").last()
    assert (event.action, event.from_status, event.to_status, event.actor, event.comment) == (
        "link",
        "accepted",
        "accepted",
        kenko_officer,
        "協定を結んだ。",
    )
    assert event.details == {"department": "健康福祉局", "project": "花壇の協働事業", "call": ""}


def test_a_follow_up_needs_something_an_accepted_referral_and_its_department(
    make_proposal, kenko_officer, window_officer, proposer, kawasaki, departments
):
    accepted = make_proposal("accepted").referrals.get()
    with pytest.raises(ValidationError):
        services.referral_record_follow_up(referral=accepted, user=kenko_officer, project=None, call=None, text=" ")
    for user in (window_officer, proposer):
        with pytest.raises(PermissionDenied):
            services.referral_record_follow_up(referral=accepted, user=user, project=None, call=None, text="事業化")
    elsewhere = ProjectFactory(municipality=kawasaki, responsible_department=departments["環境局"])
    with pytest.raises(ValidationError) as refused:
        services.referral_record_follow_up(referral=accepted, user=kenko_officer, project=elsewhere, call=None, text="")
    assert "project" in refused.value.message_dict
    declined = make_proposal("declined", title="見送り").referrals.get()
    with pytest.raises(services.TransitionNotAllowed):
        services.referral_record_follow_up(
            referral=declined, user=kenko_officer, project=None, call=None, text="事業化"
        )
    assert not WindowEvent.objects.filter(action="link").exists()


# --- staff who belong to the proposing organisation ----------------------------------------------------------


def test_window_staff_who_are_members_act_only_as_the_proposer(
    make_proposal, organisation, window_officer, departments
):
    proposal = make_proposal("submitted")
    MembershipFactory(user=window_officer, partner=organisation)
    with pytest.raises(PermissionDenied):
        services.proposal_acknowledge(proposal=proposal, user=window_officer)
    with pytest.raises(PermissionDenied):
        services.proposal_set_withheld(proposal=proposal, user=window_officer, withheld=True, reason="理由")
    assert fresh(proposal).status == Status.SUBMITTED


def test_an_administrator_who_is_a_member_does_not_act_as_the_window(make_proposal, organisation, admin_user):
    proposal = make_proposal("submitted")
    MembershipFactory(user=admin_user, partner=organisation)
    with pytest.raises(PermissionDenied):
        services.proposal_acknowledge(proposal=proposal, user=admin_user)


def test_department_staff_who_are_members_do_not_answer(make_proposal, organisation, kenko_officer, departments):
    proposal = make_proposal("routed")
    referral = proposal.referrals.get()
    MembershipFactory(user=kenko_officer, partner=organisation)
    with pytest.raises(PermissionDenied):
        services.referral_answer(
            referral=referral, user=kenko_officer, transition=ACCEPT, text="自分の団体の提案を採択"
        )
    with pytest.raises(PermissionDenied):
        services.referral_pass_on(
            referral=referral, user=kenko_officer, department=departments["環境局"], note="環境局へ"
        )
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.OPEN


def test_an_administrator_does_not_answer_for_a_department(make_proposal, admin_user):
    referral = make_proposal("routed").referrals.get()
    with pytest.raises(PermissionDenied):
        services.referral_answer(referral=referral, user=admin_user, transition=ACCEPT, text="受けます。")


# --- the audit trail -----------------------------------------------------------------------------------------


def test_every_move_writes_its_event(make_proposal, proposer, window_officer, kenko_officer, departments):
    proposal = make_proposal("draft")
    services.proposal_submit(proposal=proposal, user=proposer)
    services.proposal_acknowledge(proposal=proposal, user=window_officer, comment="受け付けました。")
    (referral,) = services.proposal_route(
        proposal=proposal, user=window_officer, departments=[departments["健康福祉局"]], note="ご検討ください。"
    )
    services.referral_answer(referral=referral, user=kenko_officer, transition=ASK_INFO, text="人数は？")
    services.referral_reply(referral=referral, user=proposer, text="20人です。")
    services.referral_answer(referral=referral, user=kenko_officer, transition=ACCEPT, text="実施します。")
    services.referral_record_follow_up(referral=referral, user=kenko_officer, project=None, call=None, text="協定")
    assert events(proposal) == [
        ("create", "", "draft", proposer.pk, ""),
        ("submit", "draft", "submitted", proposer.pk, ""),
        ("acknowledge", "submitted", "acknowledged", window_officer.pk, "受け付けました。"),
        ("route", "acknowledged", "routed", window_officer.pk, "ご検討ください。"),
        ("ask_info", "open", "info_requested", kenko_officer.pk, "人数は？"),
        ("reply", "info_requested", "open", proposer.pk, "20人です。"),
        ("accept", "open", "accepted", kenko_officer.pk, "実施します。"),
        ("answered", "routed", "answered", kenko_officer.pk, ""),
        ("link", "accepted", "accepted", kenko_officer.pk, "協定"),
    ]
    referral_events = WindowEvent.objects.filter(proposal=proposal, referral=referral).values_list("action", flat=True)
    assert sorted(referral_events) == ["accept", "ask_info", "link", "reply"]


def test_a_refused_move_writes_no_event(make_proposal, proposer, window_officer):
    proposal = make_proposal("submitted")
    before = events(proposal)
    with pytest.raises(PermissionDenied):
        services.proposal_acknowledge(proposal=proposal, user=proposer)
    with pytest.raises(services.TransitionNotAllowed):
        services.proposal_submit(proposal=proposal, user=proposer)
    assert events(proposal) == before


# --- mails are Japanese whatever the page's language ------------------------------------------------------


def test_mails_are_written_in_japanese_even_from_an_english_page(
    make_proposal,
    proposer,
    window_officer,
    kenko_officer,
    kankyo_officer,
    departments,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    draft = make_proposal("draft")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        services.proposal_submit(proposal=draft, user=proposer)
        services.proposal_acknowledge(proposal=draft, user=window_officer, comment="受け付けました。")
        (referral,) = services.proposal_route(
            proposal=draft, user=window_officer, departments=[departments["健康福祉局"]], note="ご検討ください。"
        )
        services.referral_answer(referral=referral, user=kenko_officer, transition=ASK_INFO, text="人数は？")
        services.referral_reply(referral=referral, user=proposer, text="20人です。")
        services.referral_pass_on(
            referral=referral, user=kenko_officer, department=departments["環境局"], note="環境局へ"
        )
        services.proposal_withdraw(proposal=draft, user=proposer, reason="取り下げます。")
    assert len(mailoutbox) >= 10
    for message in mailoutbox:
        assert_japanese(message)


def test_acknowledge_due_follows_the_window_setting(make_proposal, proposer, window):
    Window.objects.filter(pk=window.pk).update(acknowledge_working_days=2, route_working_days=1)
    with travel(2026, 12, 25):  # Friday before the year end
        proposal = make_proposal("acknowledged")
    assert proposal.acknowledge_due == D(2027, 1, 4) == add_working_days(D(2026, 12, 25), 2)
    assert proposal.route_due == D(2026, 12, 28)


def test_the_service_times_are_the_local_day(make_proposal, proposer):
    """Submitted at 00:30 in Tokyo on April 1st (still March 31st in UTC): the new fiscal year."""
    draft = make_proposal("draft")
    with time_machine.travel(datetime.datetime(2027, 4, 1, 0, 30, tzinfo=TOKYO), tick=False):
        services.proposal_submit(proposal=draft, user=proposer)
        assert timezone.localdate() == D(2027, 4, 1)
    proposal = fresh(draft)
    assert proposal.fiscal_year == 2027 and proposal.receipt_number == "2027-W0001"
    assert proposal.acknowledge_due == D(2027, 4, 8)


def test_an_approver_of_the_department_answers_too(make_proposal, departments):
    approver = UserFactory()
    StaffAssignment.objects.create(user=approver, department=departments["健康福祉局"], role="approver")
    referral = make_proposal("routed").referrals.get()
    services.referral_answer(referral=referral, user=approver, transition=DECLINE, text="見送ります。")
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.DECLINED


def test_each_window_numbers_its_own_receipts(make_proposal, organisation, proposer):
    """Windows are one per municipality and each numbers its receipts; a second window's first number of the
    year may repeat the first window's, and the number is unique within a window."""
    other_city = Municipality.objects.get(code="132225")
    other_window = Window.objects.create(municipality=other_city, department=DepartmentFactory(municipality=other_city))
    with travel(2026, 6, 1):
        make_proposal("submitted")
        draft = services.proposal_create(window=other_window, partner=organisation, user=proposer)
        draft.title, draft.problem, draft.offer, draft.ask, draft.citywide = "題", "課題", "提供", "依頼", True
        draft.save()
        services.proposal_submit(proposal=draft, user=proposer)
    numbers = set(WindowProposal.objects.values_list("window_id", "receipt_number"))
    assert {number for _window, number in numbers} == {"2026-W0001"}
    assert len(numbers) == 2

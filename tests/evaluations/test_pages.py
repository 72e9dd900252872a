"""The evaluation pages: each side's form (drafts, submission, conflicts), the joint summary's form, the moves,
the public report and the project page's section, the evaluations due with their reminders, the demo data,
and the number of queries each page makes."""

import datetime
import io
import re

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from evaluations import services
from evaluations.models import EvaluationRound, Principle
from evaluations.reminders import evaluation_reminders_send
from evaluations.selectors import evaluations_due_for
from evaluations.workflow import NextStep, Side, Status
from partners.models import Membership
from tests.evaluations.conftest import FISCAL_YEAR, fill_side, published_round, side_of
from tests.factories import MembershipFactory, PartnerFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def side_data(round: EvaluationRound, side: str, score: str = "4", **changes) -> dict:
    evaluation = side_of(round, side)
    data = {
        "version": str(evaluation.version),
        "achievement_score": score,
        "achievement_comment": "参加者が増えた",
        "cost_score": score,
        "cost_comment": "",
        "overall_comment": "よい一年だった",
        "cost_amount": "600000",
    }
    for rating in evaluation.ratings.all():
        data[f"score_{rating.principle_id}"] = score
        data[f"comment_{rating.principle_id}"] = ""
    data.update(changes)
    return data


def test_a_side_saves_a_draft_then_submits(make_round, member, client_for):
    round = make_round()
    client = client_for(member)
    url = reverse("evaluations:side_edit", args=[round.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "参加児童" in page.content.decode()  # the figures are beside the form
    response = client.post(url, side_data(round, Side.PARTNER, score="", overall_comment="下書きです"))
    assert response.status_code == 302 and response.url == url
    partner = side_of(round, Side.PARTNER)
    assert partner.overall_comment == "下書きです" and partner.submitted_at is None
    response = client.post(url, {**side_data(round, Side.PARTNER, score=""), "action": "submit"})
    assert response.status_code == 200  # saved, but not submitted: the scores are wanting
    assert side_of(round, Side.PARTNER).submitted_at is None
    assert 'aria-invalid="true"' in response.content.decode()
    response = client.post(url, {**side_data(round, Side.PARTNER), "action": "submit"})
    assert response.status_code == 302 and response.url == round.get_absolute_url()
    assert side_of(round, Side.PARTNER).submitted_at is not None
    assert client.get(url).status_code == 302  # no longer editable


def test_a_form_sent_from_an_old_page_keeps_what_was_typed_and_shows_the_saved_version(make_round, member, client_for):
    round = make_round()
    other_member = MembershipFactory(partner=member.memberships.get().partner).user
    url = reverse("evaluations:side_edit", args=[round.pk])
    stale = side_data(round, Side.PARTNER, overall_comment="私の書いた文章")
    client_for(other_member).post(url, side_data(round, Side.PARTNER, overall_comment="同僚の文章"))
    response = client_for(member).post(url, stale)
    assert response.status_code == 409
    html = response.content.decode()
    assert "私の書いた文章" in html and "同僚の文章" in html
    version = re.search(r'name="version" value="(\d+)"', html).group(1)
    assert int(version) == side_of(round, Side.PARTNER).version  # a second save goes through
    assert client_for(member).post(url, {**stale, "version": version}).status_code == 302
    assert side_of(round, Side.PARTNER).overall_comment == "私の書いた文章"


@pytest.mark.parametrize(
    ("field", "value"),
    [("achievement_score", "9"), ("cost_amount", "-1"), ("cost_amount", "1e99"), ("version", "x")],
)
def test_bad_input_is_a_message_not_an_error(make_round, officer, client_for, field, value):
    round = make_round()
    url = reverse("evaluations:side_edit", args=[round.pk])
    response = client_for(officer).post(url, side_data(round, Side.CITY, **{field: value}))
    assert response.status_code == 200
    assert 'class="alert alert-danger"' in response.content.decode() or "invalid-feedback" in response.content.decode()
    assert side_of(round, Side.CITY).version == 0


def test_the_summary_form_asks_a_word_on_each_gap(make_round, member, officer, client_for):
    round = make_round(Status.SUMMARISING, partner_scores={"taitou": 5}, city_scores={"taitou": 2})
    taitou = Principle.objects.get(municipality=round.project.municipality, code="taitou")
    url = reverse("evaluations:summary_edit", args=[round.pk])
    page = client_for(officer).get(url)
    assert f'name="gap_{taitou.pk}"' in page.content.decode()
    data = {
        "version": "0",
        "summary": "一緒にまとめた",
        "next_step": NextStep.REVISE,
        "next_step_reasons": "進め方を見直す",
        "independence_year": str(FISCAL_YEAR + 2),
        "cost_share_change": "市の負担を減らす",
        "action": "propose",
    }
    response = client_for(officer).post(url, data)
    assert response.status_code == 200  # saved, not proposed: the gap needs a word
    assert f"id_gap_{taitou.pk}-error" in response.content.decode()
    round.refresh_from_db()
    assert round.status == Status.SUMMARISING and round.summary == "一緒にまとめた"
    data.update({"version": str(round.summary_version), f"gap_{taitou.pk}": "会議の持ち方に差があった"})
    assert client_for(officer).post(url, data).status_code == 302
    round.refresh_from_db()
    assert round.status == Status.PROPOSED and round.proposed_side == Side.CITY
    response = client_for(member).post(
        reverse("evaluations:move", args=[round.pk, "agree"]), {"version": str(round.summary_version)}
    )
    assert response.status_code == 302
    round.refresh_from_db()
    assert round.status == Status.PUBLISHED


def test_moves_through_the_round_page(make_round, member, officer, client_for):
    round = make_round(Status.PROPOSED)
    move = reverse("evaluations:move", args=[round.pk, "request_changes"])
    client_for(officer).post(move, {"changes-comment": ""})
    round.refresh_from_db()
    assert round.status == Status.PROPOSED  # a reason is required
    client_for(officer).post(move, {"changes-comment": "出典を追記してください"})
    round.refresh_from_db()
    assert round.status == Status.SUMMARISING
    assert client_for(officer).post(reverse("evaluations:move", args=[round.pk, "nonsense"])).status_code == 404


def test_the_public_report_and_the_project_page(make_round, client_for, django_assert_max_num_queries):
    round = make_round(Status.PUBLISHED, partner_scores={"taitou": 5}, city_scores={"taitou": 2})
    report = client_for(None).get(round.get_report_url())
    html = report.content.decode()
    assert report.status_code == 200
    assert "受け止め方に違いがあった。" in html  # the word on the gap
    assert "需要があり、担い手も育っている。" in html
    assert "10,000円" in html  # cost per participant: 600,000 yen / 60
    project_page = client_for(None).get(round.project.get_absolute_url()).content.decode()
    assert round.get_report_url() in project_page
    anonymous = client_for(None)
    with django_assert_max_num_queries(12):
        anonymous.get(round.get_report_url())


def test_an_unpublished_round_has_no_public_report(make_round, client_for):
    round = make_round(Status.PROPOSED)
    assert client_for(None).get(round.get_report_url()).status_code == 404
    assert round.get_report_url() not in client_for(None).get(round.project.get_absolute_url()).content.decode()


def test_demo_rounds_say_they_are_demo_content(project, client_for):
    round = published_round(project, FISCAL_YEAR)
    EvaluationRound.objects.filter(pk=round.pk).update(is_demo=True)
    assert 'role="note"' in client_for(None).get(round.get_report_url()).content.decode()


def test_due_evaluations_are_listed_for_both_sides(project, member, officer, outsider, client_for):
    with time_machine.travel(datetime.datetime(2026, 5, 1, 9, tzinfo=datetime.UTC), tick=False):
        for user, side in ((member, Side.PARTNER), (officer, Side.CITY)):
            items = evaluations_due_for(user=user)
            assert [(item.fiscal_year, item.my_side, item.round) for item in items] == [
                (2024, side, None),  # FY2024 ended 2025-03-31: due 2025-06-30, overdue now
                (2025, side, None),  # due 2026-06-30
            ]
            assert [item.is_overdue for item in items] == [True, False]
        assert evaluations_due_for(user=outsider) == []
        page = client_for(member).get(reverse("evaluations:mine"))
        assert page.status_code == 200
        assert reverse("evaluations:start", args=[project.pk, 2025]) in page.content.decode()
        response = client_for(member).post(reverse("evaluations:start", args=[project.pk, 2025]))
        round = EvaluationRound.objects.get()
        assert response.status_code == 302 and response.url == round.get_absolute_url()


def test_published_years_and_old_years_are_no_longer_due(project, member, settings):
    published_round(project, 2025)
    with time_machine.travel(datetime.datetime(2026, 5, 1, 9, tzinfo=datetime.UTC), tick=False):
        assert [item.fiscal_year for item in evaluations_due_for(user=member)] == [2024]
        settings.EVALUATION_DUE_YEARS_BACK = 1
        assert [item.fiscal_year for item in evaluations_due_for(user=member)] == []


def test_reminders_go_once_when_due_and_once_when_overdue(
    make_round, project, member, officer, mailoutbox, django_capture_on_commit_callbacks
):
    round = make_round()
    fill_side(side_of(round, Side.CITY), officer)
    services.side_submit(side=side_of(round, Side.CITY), user=officer)
    mailoutbox.clear()
    april = datetime.datetime(2026, 4, 10, 9, tzinfo=datetime.UTC)
    with time_machine.travel(april, tick=False):
        # FY2025: only the partner is waiting; FY2024 (never opened, already overdue): both sides.
        assert evaluation_reminders_send() == 3
        assert evaluation_reminders_send() == 0
    subjects = sorted(mail.subject for mail in mailoutbox)
    assert len(subjects) == 3
    with time_machine.travel(datetime.datetime(2026, 7, 2, 9, tzinfo=datetime.UTC), tick=False):
        assert evaluation_reminders_send() == 1  # FY2025 now overdue: the partner once more
        assert evaluation_reminders_send() == 0
    assert mailoutbox[-1].to == [member.email]


def test_the_reminder_command_runs(project):
    out = io.StringIO()
    call_command("send_evaluation_reminders", stdout=out)
    assert "reminders sent" in out.getvalue()


def test_my_evaluations_query_count_does_not_grow(
    kawasaki, departments, schemes, member, officer, client_for, django_assert_max_num_queries
):
    partner = member.memberships.get().partner

    def add_projects(count: int) -> None:
        for _ in range(count):
            project = ProjectFactory(
                municipality=kawasaki,
                scheme=schemes["ward_proposal"],
                responsible_department=departments["中原区役所 生涯学習支援課"],
                parties=[partner],
                fiscal_year_start=2025,
                fiscal_year_end=2025,
            )
            services.round_start(project=project, fiscal_year=2025, user=officer)

    client = client_for(member)
    add_projects(1)
    with django_assert_max_num_queries(12) as one:
        assert client.get(reverse("evaluations:mine")).status_code == 200
    add_projects(7)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(reverse("evaluations:mine")).status_code == 200


def test_round_page_query_count_does_not_grow_with_principles_or_events(
    make_round, officer, client_for, django_assert_max_num_queries
):
    round = make_round(Status.SUMMARISING)
    client = client_for(officer)
    with django_assert_max_num_queries(25) as first:
        assert client.get(round.get_absolute_url()).status_code == 200
    for _ in range(5):
        services.summary_save(round=round, user=officer, data={"summary": "追記"}, gap_notes={})
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get(round.get_absolute_url()).status_code == 200


def test_pending_members_are_not_a_side(make_round, partner, client_for):
    round = make_round()
    pending = MembershipFactory(partner=partner, status=Membership.Status.PENDING).user
    assert client_for(pending).get(round.get_absolute_url()).status_code == 404


def test_demo_data_loads_the_seed_cases_evaluations_once(settings, mailoutbox):
    settings.DEMO_ACCOUNTS_ALLOWED = True
    call_command("load_portal_data", "--demo", stdout=io.StringIO())
    published = EvaluationRound.objects.published()
    titles = set(published.values_list("project__title", flat=True))
    assert titles == {"シニアパワーアップ推進事業", "みやまえ文化魂2014"}
    assert all(published.values_list("is_demo", flat=True))
    senior = published.get(project__title="シニアパワーアップ推進事業")
    assert [row["actual"] for row in senior.figures["indicators"]] == ["163", "54", "22"]
    assert senior.figures["cost_amount"] == 1_835_000
    assert senior.gap_notes.exists()  # the two sides differ on a principle, and the summary says so
    assert EvaluationRound.objects.filter(status=Status.WRITING, is_demo=True).count() == 1
    count = EvaluationRound.objects.count()
    call_command("load_portal_data", "--demo", stdout=io.StringIO())
    assert EvaluationRound.objects.count() == count
    assert mailoutbox == []


def test_projects_of_other_organisations_are_not_mine(kawasaki, departments, schemes, member, officer):
    other = PartnerFactory(municipality=kawasaki)
    ProjectFactory(
        municipality=kawasaki,
        scheme=schemes["ward_proposal"],
        responsible_department=departments["中原区役所 生涯学習支援課"],
        parties=[other],
        fiscal_year_start=timezone.localdate().year - 1,
    )
    assert evaluations_due_for(user=member) == []
    assert len(evaluations_due_for(user=officer)) == 1


def test_the_admin_lists_principles_and_shows_rounds_and_cycles_read_only(make_round, admin_user, client_for):
    from evaluations.models import ExternalReviewCycle

    round = make_round(Status.PUBLISHED)
    cycle = ExternalReviewCycle.objects.create(
        department=round.project.responsible_department.parent,
        title="外部評価",
        fiscal_year_start=2024,
        fiscal_year_end=2025,
    )
    client = client_for(admin_user)
    for url in (
        reverse("admin:evaluations_principle_changelist"),
        reverse("admin:evaluations_evaluationround_changelist"),
        reverse("admin:evaluations_evaluationround_change", args=[round.pk]),
        reverse("admin:evaluations_externalreviewcycle_change", args=[cycle.pk]),
    ):
        assert client.get(url).status_code == 200, url
    assert client.post(reverse("admin:evaluations_evaluationround_change", args=[round.pk]), {}).status_code == 403


def test_a_summary_refused_for_what_it_lacks_saves_again_without_a_conflict(make_round, officer, client_for):
    round = make_round(Status.SUMMARISING)
    url = reverse("evaluations:summary_edit", args=[round.pk])
    client = client_for(officer)
    response = client.post(url, {"version": "0", "summary": "途中まで", "action": "propose"})
    assert response.status_code == 200
    version = re.search(r'name="version" value="(\d+)"', response.content.decode()).group(1)
    round.refresh_from_db()
    assert int(version) == round.summary_version
    assert client.post(url, {"version": version, "summary": "書き足した", "action": "save"}).status_code == 302


def test_someone_who_is_neither_side_is_sent_to_the_report(make_round, outsider, client_for):
    round = make_round(Status.PUBLISHED)
    response = client_for(outsider).get(round.get_absolute_url())
    assert response.status_code == 302 and response.url == round.get_report_url()
    assert client_for(outsider).get(reverse("evaluations:side_edit", args=[round.pk])).status_code == 404


def test_the_history_never_shows_an_address(make_round, member, officer, client_for):
    round = make_round(Status.SUMMARISING)
    member.display_name = ""
    member.save()
    assert member.email not in client_for(officer).get(round.get_absolute_url()).content.decode()


def test_demo_rounds_are_marked_on_the_dashboard_and_in_the_yearly_report(project, client_for):
    round = published_round(project, FISCAL_YEAR)
    client = client_for(None)
    assert 'role="note"' not in client.get(reverse("evaluations:dashboard")).content.decode()
    EvaluationRound.objects.filter(pk=round.pk).update(is_demo=True)
    assert 'role="note"' in client.get(reverse("evaluations:dashboard")).content.decode()
    report = client.get(reverse("evaluations:yearly_report", args=[FISCAL_YEAR])).content.decode()
    assert "text-bg-warning" in report
    csv_text = client.get(reverse("evaluations:yearly_report_csv", args=[FISCAL_YEAR])).content.decode("utf-8-sig")
    assert "公表済み（デモ用の内容）" in csv_text


def test_a_rated_principle_keeps_its_municipality_and_code_in_the_admin(make_round, admin_user, client_for):
    make_round(Status.SUMMARISING)
    rated = Principle.objects.filter(ratings__isnull=False).first()
    unrated = Principle.objects.filter(ratings__isnull=True).first()
    client = client_for(admin_user)
    page = client.get(reverse("admin:evaluations_principle_change", args=[rated.pk])).content.decode()
    assert 'name="code"' not in page and 'name="name"' in page
    page = client.get(reverse("admin:evaluations_principle_change", args=[unrated.pk])).content.decode()
    assert 'name="code"' in page

"""Evaluations in a browser, by the demo accounts of the README: the NPO's representative and the 中原区
officer complete a round of the demo project made from an adopted proposal — each side on its own, the joint
summary proposed by the city and agreed by the NPO, the published report on the project page — and a
visitor reads the demo evaluations of the seed cases, the dashboard and the yearly report. Every page is
checked with axe, charts included.
"""

from playwright.sync_api import expect

from evaluations.models import EvaluationRound
from evaluations.workflow import Side, Status
from kyodo_portal.dates import fiscal_year_of
from projects.models import Project
from tests.browser.test_proposals import NPO_MEMBER, OFFICER, _log_in

PROJECT = "子育て世代のための防災ワークショップ"


def _log_out(page, base_url: str) -> None:
    page.context.clear_cookies()
    page.goto(base_url + "/")


def _submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.locator(selector).first.click()


def _write_our_evaluation(page, assert_accessible, score: str, words: str) -> None:
    page.get_by_role("link", name="自分たちの振り返りを書く").click()
    expect(page.locator("h1")).to_contain_text(PROJECT)
    assert_accessible(page)
    page.locator("#id_achievement_score").select_option(score)
    page.locator("#id_cost_score").select_option(score)
    for select in page.locator("select[name^=score_]").all():
        select.select_option(score)
    page.locator("#id_overall_comment").fill(words)
    _submit(page, "button[name=action][value=submit]")


def test_a_partner_and_an_officer_complete_an_evaluation_round(demo_site, page, assert_accessible):
    base = demo_site.url
    year = fiscal_year_of()
    project = Project.objects.get(title=PROJECT)

    # The NPO's representative finds the evaluation on My page and opens the round.
    _log_in(page, base, *NPO_MEMBER)
    page.get_by_role("link", name="担当する振り返り").click()
    assert_accessible(page)
    _submit(page, f"form[action$='/evaluations/projects/{project.pk}/{year}/start/'] button")
    round = EvaluationRound.objects.get(project=project, fiscal_year=year)
    assert page.url.endswith(round.get_absolute_url())
    assert_accessible(page)
    _write_our_evaluation(page, assert_accessible, "4", "保育付きで参加しやすかったと好評だった。")
    expect(page.locator(".alert-success")).to_be_visible()
    assert_accessible(page)
    assert round.sides.get(side=Side.PARTNER).submitted_at is not None

    # The officer writes the city's evaluation without seeing the NPO's; once both are in, both read both.
    _log_out(page, base)
    _log_in(page, base, *OFFICER)
    page.goto(base + round.get_absolute_url())
    expect(page.locator("main")).not_to_contain_text("保育付きで参加しやすかった")
    _write_our_evaluation(page, assert_accessible, "3", "会場の確保が毎回の課題だった。")
    round.refresh_from_db()
    assert round.status == Status.SUMMARISING
    expect(page.locator("main")).to_contain_text("保育付きで参加しやすかった")
    assert_accessible(page)

    # The officer drafts and proposes the joint summary.
    page.get_by_role("link", name="合同の振り返りを書く").click()
    assert_accessible(page)
    page.locator("#id_summary").fill("参加者の満足度は高く、会場の確保に課題が残った。")
    page.locator("#id_next_step").select_option("continue")
    page.locator("#id_next_step_reasons").fill("子育て世代の参加が定着しつつある。")
    page.locator("#id_independence_year").fill(str(year + 2))
    page.locator("#id_cost_share_change").fill("会場費を団体の負担に移していく。")
    _submit(page, "button[name=action][value=propose]")
    round.refresh_from_db()
    assert round.status == Status.PROPOSED
    assert_accessible(page)

    # The NPO agrees: the evaluation is published on the project's page.
    _log_out(page, base)
    _log_in(page, base, *NPO_MEMBER)
    page.goto(base + round.get_absolute_url())
    _submit(page, "form[action$='/agree/'] button")
    round.refresh_from_db()
    assert round.status == Status.PUBLISHED
    _log_out(page, base)
    page.goto(base + project.get_absolute_url())
    assert_accessible(page)
    page.locator(f"a[href='{round.get_report_url()}']").click()
    expect(page.locator("main")).to_contain_text("会場費を団体の負担に移していく。")
    assert_accessible(page)


def test_a_visitor_reads_the_demo_evaluations(demo_site, page, assert_accessible):
    base = demo_site.url
    senior = EvaluationRound.objects.published().get(project__title="シニアパワーアップ推進事業")
    page.goto(base + senior.project.get_absolute_url())
    assert_accessible(page)
    page.goto(base + senior.get_report_url())
    expect(page.locator("[role=note]")).to_be_visible()  # demo content, said so
    expect(page.locator("main")).to_contain_text("163")
    assert_accessible(page)


def test_a_visitor_reads_the_dashboard_the_yearly_report_and_the_external_evaluation(
    demo_site, page, assert_accessible
):
    base = demo_site.url
    page.goto(base + "/")
    page.get_by_role("link", name="振り返り（評価）").first.click()
    expect(page.locator("svg[role=img]").first).to_be_visible()
    assert_accessible(page)
    page.goto(base + "/evaluations/?fy=2014")
    expect(page.locator("main")).to_contain_text("シニアパワーアップ推進事業")
    assert_accessible(page)
    page.goto(base + "/evaluations/?ward=not-a-ward")
    assert_accessible(page)
    page.goto(base + "/evaluations/report/2014/")
    expect(page.locator("main")).to_contain_text("みやまえ文化魂2014")
    assert_accessible(page)
    page.goto(base + "/evaluations/external/")
    expect(page.locator("main")).to_contain_text("中原区 協働事業の外部評価（デモ）")
    assert_accessible(page)


def test_the_staff_pages_of_the_external_evaluation(demo_site, page, assert_accessible):
    base = demo_site.url
    _log_in(page, base, *OFFICER)
    page.goto(base + "/evaluations/external/manage/")
    assert_accessible(page)
    page.get_by_role("link", name="中原区 協働事業の外部評価（デモ）").first.click()
    expect(page.locator("h1")).to_contain_text("外部評価")
    assert_accessible(page)
    page.goto(page.url + "members/")
    assert_accessible(page)
    page.goto(base + "/evaluations/mine/")
    assert_accessible(page)

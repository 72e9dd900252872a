"""The city-wide collaboration window in a browser, by the demo accounts of the README: the NPO's
representative sends a proposal, the window's officer (自治推進部) acknowledges and routes it to 健康福祉局,
the 健康福祉局 officer asks a question, the NPO answers it, the officer accepts, and everyone — the NPO,
the window and a visitor — reads the trail. Every page is checked with axe, with JavaScript off as well.
"""

from playwright.sync_api import expect

from tests.browser.test_proposals import NPO_MEMBER, _log_in
from window.models import Referral, WindowProposal
from window.workflow import ReferralStatus, Status

WINDOW_OFFICER = ("window-officer@demo.kyodo-portal.invalid", "kyodo-window-2026")
KENKO_OFFICER = ("kenko-officer@demo.kyodo-portal.invalid", "kyodo-kenko-2026")
TITLE = "商店街と子ども食堂をつなぐ多世代交流"
NOTE = "健康福祉局の地域福祉の観点から検討をお願いします（窓口の内部メモ）。"
QUESTION = "子ども食堂の開催頻度と、協力する商店の数を教えてください。"
ANSWER = "来年度、地域福祉の協働事業として具体化します。"


def _log_out(page, base_url: str) -> None:
    page.context.clear_cookies()
    page.goto(base_url + "/")


def _submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.locator(selector).first.click()


def _open_proposal(page, assert_accessible, proposal: WindowProposal) -> None:
    page.locator(f"a[href='{proposal.get_absolute_url()}']").first.click()
    expect(page.locator("h1")).to_have_text(TITLE)
    assert_accessible(page)


def test_a_proposal_is_caught_routed_and_answered(demo_site, page, assert_accessible):
    base = demo_site.url

    # The NPO's representative starts a proposal from the window's page, saves a draft and submits it.
    _log_in(page, base, *NPO_MEMBER)
    page.goto(base + "/window/")
    assert_accessible(page)
    page.locator("a[href='/window/new/']").first.click()
    assert_accessible(page)
    _submit(page, "main form button[type=submit]")
    assert page.url.endswith("/edit/")
    assert_accessible(page)
    page.locator("#id_title").fill(TITLE)
    page.locator("#id_problem").fill("子ども食堂の担い手が足りず、商店街は人通りが減っている。")
    page.locator("#id_offer").fill("子ども食堂の運営経験と、ボランティアの募集。")
    page.locator("#id_ask").fill("商店街と福祉の部署をつないでほしい。")
    page.locator("#id_citywide").check()
    page.locator("#id_public_consent").check()
    _submit(page, "button[name=action][value=save]:not(.visually-hidden)")
    expect(page.locator("#id_title")).to_have_value(TITLE)
    _submit(page, "button[name=action][value=check]")
    assert page.url.endswith("/submit/")
    assert_accessible(page)
    _submit(page, "main form button[type=submit]")
    proposal = WindowProposal.objects.get(title=TITLE)
    assert proposal.status == Status.SUBMITTED
    assert page.url.endswith(proposal.get_absolute_url())
    expect(page.locator("main")).to_contain_text(proposal.receipt_number)
    assert_accessible(page)

    # The window's officer finds it in the queue, acknowledges it and routes it to 健康福祉局 with a note.
    _log_out(page, base)
    _log_in(page, base, *WINDOW_OFFICER)
    page.goto(base + "/window/manage/")
    assert_accessible(page)
    _open_proposal(page, assert_accessible, proposal)
    _submit(page, f"form[action='/window/{proposal.public_id}/acknowledge/'] button")
    proposal.refresh_from_db()
    assert proposal.status == Status.ACKNOWLEDGED
    page.locator(f"a[href='/window/{proposal.public_id}/route/']").click()
    assert_accessible(page)
    page.get_by_label("健康福祉局", exact=True).check()
    page.locator("#id_comment").fill(NOTE)
    _submit(page, "main form button[type=submit]")
    proposal.refresh_from_db()
    assert proposal.status == Status.ROUTED
    referral = Referral.objects.get(proposal=proposal)
    assert referral.department.name == "健康福祉局"
    expect(page.locator("main")).to_contain_text(NOTE)
    assert_accessible(page)

    # The 健康福祉局 officer sees it among the department's referrals and asks the proposer a question.
    _log_out(page, base)
    _log_in(page, base, *KENKO_OFFICER)
    page.goto(base + "/window/referrals/")
    assert_accessible(page)
    _open_proposal(page, assert_accessible, proposal)
    page.locator(f"a[href='/window/referrals/{referral.pk}/answer/']").click()
    assert_accessible(page)
    page.locator("input[name=answer][value=ask_info]").check()
    page.locator("#id_comment").fill(QUESTION)
    _submit(page, "main form button[type=submit]")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.INFO_REQUESTED

    # The NPO reads the question on its proposal's page (not the window's internal note) and answers.
    _log_out(page, base)
    _log_in(page, base, *NPO_MEMBER)
    page.goto(base + "/window/mine/")
    assert_accessible(page)
    _open_proposal(page, assert_accessible, proposal)
    expect(page.locator("main")).to_contain_text(QUESTION)
    expect(page.locator("main")).not_to_contain_text(NOTE)
    page.locator(f"a[href='/window/referrals/{referral.pk}/reply/']").click()
    assert_accessible(page)
    page.locator("#id_comment").fill("月2回、協力する商店は5店です。")
    _submit(page, "main form button[type=submit]")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.OPEN

    # The officer accepts; the proposal is answered.
    _log_out(page, base)
    _log_in(page, base, *KENKO_OFFICER)
    page.goto(base + f"/window/referrals/{referral.pk}/answer/")
    page.locator("input[name=answer][value=accept]").check()
    page.locator("#id_comment").fill(ANSWER)
    _submit(page, "main form button[type=submit]")
    proposal.refresh_from_db()
    assert proposal.status == Status.ANSWERED
    assert_accessible(page)

    # The NPO sees the whole trail and the answer.
    _log_out(page, base)
    _log_in(page, base, *NPO_MEMBER)
    page.goto(base + proposal.get_absolute_url())
    main = page.locator("main")
    expect(main).to_contain_text(ANSWER)
    expect(main).to_contain_text("月2回、協力する商店は5店です。")
    expect(main).not_to_contain_text(NOTE)
    assert page.locator("table").last.locator("tbody tr").count() >= 7
    assert_accessible(page)

    # A visitor finds it on the public list and reads the answer, without the internal note or the exchange.
    _log_out(page, base)
    page.goto(base + "/window/?q=子ども食堂")
    assert_accessible(page)
    _open_proposal(page, assert_accessible, proposal)
    expect(main).to_contain_text(ANSWER)
    expect(main).not_to_contain_text(NOTE)
    expect(main).not_to_contain_text(QUESTION)


def test_a_visitor_reads_the_window_and_its_statistics(demo_site, page, assert_accessible):
    base = demo_site.url
    page.goto(base + "/")
    page.locator("main a[href='/window/']").first.click()
    assert_accessible(page)
    assert WindowProposal.objects.public().count() > 3
    for path in ["/window/?q=認知症", "/window/?status=answered", "/window/?ward=abc&fiscal_year=x", "/window/?q=森"]:
        page.goto(base + path)
        assert page.locator("h1").count() == 1
        assert_accessible(page)
    page.goto(base + "/window/statistics/")
    assert page.locator("main table").count() == 2
    assert_accessible(page)
    for proposal in WindowProposal.objects.public().order_by("pk"):
        page.goto(base + proposal.get_absolute_url())
        expect(page.locator("h1")).to_have_text(proposal.title)
        assert_accessible(page)


def test_the_window_works_without_javascript(demo_site, no_js_page):
    """Searching, filtering and choosing a year are plain forms (axe needs JavaScript, so it runs above)."""
    base = demo_site.url
    page = no_js_page
    page.goto(base + "/window/")
    page.locator("#id_q").fill("認知症")
    _submit(page, "main form[method=get] button[type=submit]")
    assert "q=" in page.url
    expect(page.locator("main article")).to_have_count(1)
    expect(page.locator("main article")).to_contain_text("認知症")
    page.goto(base + "/window/statistics/")
    page.locator("#id_year").select_option(index=1)
    _submit(page, "main form button[type=submit]")
    assert "year=" in page.url
    assert page.locator("main table").count() == 2


def test_staff_pages_of_the_window_are_accessible(demo_site, page, assert_accessible):
    base = demo_site.url
    _log_in(page, base, *WINDOW_OFFICER)
    for path in ["/window/manage/", "/window/manage/?overdue=on", "/window/manage/overdue/", "/window/referrals/"]:
        page.goto(base + path)
        assert page.locator("h1").count() == 1
        assert_accessible(page)
    # The escalation list shows the demo's overdue items: a late acknowledgement and 環境局's late answer.
    page.goto(base + "/window/manage/overdue/")
    expect(page.locator("main table")).to_contain_text("環境局")
    for proposal in WindowProposal.objects.exclude(status=Status.DRAFT).order_by("pk"):
        page.goto(base + proposal.get_absolute_url())
        assert_accessible(page)
    waiting = WindowProposal.objects.filter(status=Status.ACKNOWLEDGED).first()
    page.goto(base + f"/window/{waiting.public_id}/route/")
    _submit(page, "main form button[type=submit]")  # nothing chosen: the form says so
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    assert_accessible(page)
    page.goto(base + "/")
    page.select_option("#language-select", "en")
    page.get_by_role("button", name="切り替え").click()
    for path in ["/window/", "/window/statistics/", "/window/manage/", f"/window/{waiting.public_id}/"]:
        page.goto(base + path)
        assert page.locator("html").get_attribute("lang") == "en"
        assert_accessible(page)

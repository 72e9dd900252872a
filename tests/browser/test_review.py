"""The review in a browser, by the demo accounts of the README: from a submitted proposal to a published
project — screening, a return for revision and the resubmission, a reviewer's scores, the decision and
its approval, the published results, the agreement and the project. Every page is checked with axe.
"""

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from proposals import review, services
from proposals.models import Call, Proposal
from proposals.review_demo import REVIEW_CALL
from proposals.workflow import DECIDED, Outcome, Status
from tests.browser.test_proposals import NPO_MEMBER, OFFICER, _log_in

APPROVER = ("nakahara-approver@demo.kyodo-portal.invalid", "kyodo-approver-2026")
REVIEWER = ("reviewer@demo.kyodo-portal.invalid", "kyodo-reviewer-2026")
RETURNED_TITLE = "放課後の子どもの居場所「なかはらベース」"


def _log_out(page, base_url: str) -> None:
    page.context.clear_cookies()
    page.goto(base_url + "/")


def _move(page, action: str) -> None:
    """Press a move's button and wait for the page it leads to (the message of the last move is gone)."""
    with page.expect_navigation():
        page.locator(f"form[action$='/manage/{action}/'] button[type=submit]").first.click()


def _decide_the_others(call: Call, keep: Proposal) -> None:
    """The call's other proposals are decided (not adopted) off-screen, so that its results can be published."""
    officer = User.objects.get(email=OFFICER[0])
    approver = User.objects.get(email=APPROVER[0])
    for proposal in call.proposals.exclude(pk=keep.pk).exclude(status__in=[Status.WITHDRAWN, *DECIDED]):
        if proposal.status == Status.RETURNED:
            member = proposal.partner.memberships.filter(status="active").first().user
            services.proposal_withdraw(proposal=proposal, user=member, reason="体制が整わないため。")
            continue
        if proposal.status == Status.SUBMITTED:
            review.proposal_start_screening(proposal=proposal, user=officer)
        if proposal.status in (Status.SUBMITTED, Status.SCREENING):
            proposal.refresh_from_db()
            keys = {item.key for item in review.screening_checklist(proposal=proposal)}
            review.proposal_pass_screening(proposal=proposal, user=officer, confirmed=keys)
        proposal.refresh_from_db()
        if proposal.status == Status.UNDER_REVIEW:
            review.decision_propose(
                proposal=proposal, user=officer, outcome=Outcome.NOT_ADOPT, public_reasons="今回は見送ります。"
            )
        review.decision_approve(proposal=proposal, user=approver)


def test_from_a_submitted_proposal_to_published_results(demo_site, page, assert_accessible):
    base = demo_site.url
    call = Call.objects.get(title=REVIEW_CALL)
    submitted = call.proposals.get(status=Status.SUBMITTED)
    mine = call.proposals.get(title=RETURNED_TITLE)

    # The officer: the queue, then screening of a new proposal, returned for revision.
    _log_in(page, base, *OFFICER)
    page.goto(f"{base}/calls/manage/{call.pk}/proposals/")
    expect(page.locator("#counts-heading")).to_be_visible()
    assert_accessible(page)
    page.locator("#id_status").select_option(value="submitted")
    page.locator("form[method=get] button[type=submit]").click()
    page.get_by_role("link", name=submitted.title).click()
    expect(page.locator("h1")).to_have_text(submitted.title)
    assert_accessible(page)
    _move(page, "start_screening")
    expect(page.locator(".alert-success")).to_be_visible()
    assert_accessible(page)
    page.locator("#id_return-comment").fill("収支計画の内訳を記入してください。")
    page.locator("#id_return-due").fill((timezone.localdate() + datetime.timedelta(days=5)).isoformat())
    _move(page, "return")
    expect(page.locator(".alert-success")).to_be_visible()
    submitted.refresh_from_db()
    assert submitted.status == Status.RETURNED and submitted.events.filter(action="return").count() == 1

    # The applicant reads the office's comments, revises and resubmits.
    _log_out(page, base)
    _log_in(page, base, *NPO_MEMBER)
    page.goto(base + mine.get_absolute_url())
    expect(page.get_by_role("note")).to_contain_text("会場費の内訳")
    assert_accessible(page)
    page.locator(f"a[href='/proposals/{mine.public_id}/edit/']").first.click()
    page.locator("#id_venue").fill("中原区内の集会所（小杉・丸子）")
    page.get_by_role("button", name="保存して提出へ進む").click()
    expect(page.locator("h1")).to_have_text("確認して提出")
    assert_accessible(page)
    page.locator("main form[method=post] button[type=submit]").first.click()
    expect(page.locator(".alert-success")).to_be_visible()
    mine.refresh_from_db()
    assert mine.status == Status.SUBMITTED and mine.revisions.count() == 2
    page.goto(f"{base}/proposals/{mine.public_id}/revisions/")
    expect(page.locator("main ins").first).to_contain_text("小杉")
    assert_accessible(page)

    # The officer screens it again and passes it to the reviewers.
    _log_out(page, base)
    _log_in(page, base, *OFFICER)
    page.goto(f"{base}/proposals/{mine.public_id}/manage/")
    _move(page, "start_screening")
    expect(page.locator(".alert-success")).to_be_visible()
    for box in page.locator("input[name^='screen-check_']").all():
        box.check()
    assert_accessible(page)
    _move(page, "pass_screening")
    expect(page.locator(".alert-success")).to_be_visible()
    mine.refresh_from_db()
    assert mine.status == Status.UNDER_REVIEW

    # The external reviewer scores it; the others' scores show after submitting.
    _log_out(page, base)
    _log_in(page, base, *REVIEWER)
    page.goto(base + "/reviews/")
    assert_accessible(page)
    page.get_by_role("link", name=RETURNED_TITLE).click()
    assert_accessible(page)
    for criterion in call.criteria.all():
        page.locator(f"#id_score_{criterion.pk}").select_option("4")
    page.locator("#id_recommendation").select_option(Outcome.ADOPT)
    page.locator("button[name=action][value=submit]").click()
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator("#others-heading")).to_be_visible()
    assert_accessible(page)

    # The officer proposes to adopt; the approver approves.
    _log_out(page, base)
    _log_in(page, base, *OFFICER)
    page.goto(f"{base}/proposals/{mine.public_id}/manage/")
    expect(page.locator("#reviews-heading")).to_be_visible()
    page.locator("#id_decision-outcome").select_option(Outcome.ADOPT)
    page.locator("#id_decision-public_reasons").fill("放課後の居場所の必要性が高く、実施体制も具体的です。")
    page.locator("#id_decision-amount").fill("600000")
    _move(page, "propose_decision")
    expect(page.locator(".alert-success")).to_be_visible()
    assert_accessible(page)
    _log_out(page, base)
    _log_in(page, base, *APPROVER)
    page.goto(base + "/calls/manage/approvals/")
    assert_accessible(page)
    page.get_by_role("link", name=RETURNED_TITLE).click()
    assert_accessible(page)
    _move(page, "approve")
    expect(page.locator(".alert-success")).to_be_visible()
    mine.refresh_from_db()
    assert mine.status == Status.ADOPTED and mine.decision.approved_by.email == APPROVER[0]

    # The officer publishes the call's results; anyone reads them; the applicant sees the decision.
    _decide_the_others(call, keep=mine)
    _log_out(page, base)
    _log_in(page, base, *OFFICER)
    page.goto(f"{base}/calls/manage/{call.pk}/proposals/")
    page.locator(f"form[action$='/calls/manage/{call.pk}/results/'] button").click()
    expect(page.locator(".alert-success")).to_be_visible()
    _log_out(page, base)
    page.goto(f"{base}/calls/{call.pk}/results/")
    expect(page.locator("main")).to_contain_text(RETURNED_TITLE)
    assert_accessible(page)
    _log_in(page, base, *NPO_MEMBER)
    page.goto(base + mine.get_absolute_url())
    expect(page.locator("#result-heading")).to_be_visible()
    expect(page.locator("main")).to_contain_text("放課後の居場所の必要性が高く")
    assert_accessible(page)
    page.goto(base + "/accounts/mypage/inbox/")
    expect(page.locator("main")).to_contain_text(RETURNED_TITLE)
    assert_accessible(page)


def test_demo_review_pages_are_accessible(demo_site, page, assert_accessible):
    """Every stage the demo data shows, on the staff pages and the public results."""
    base = demo_site.url
    _log_in(page, base, *OFFICER)
    for call in Call.objects.filter(proposals__isnull=False).distinct():
        page.goto(f"{base}/calls/manage/{call.pk}/proposals/")
        assert_accessible(page)
        page.goto(f"{base}/calls/manage/{call.pk}/reviewers/")
        assert_accessible(page)
        for proposal in call.proposals.exclude(status=Status.DRAFT):
            page.goto(f"{base}/proposals/{proposal.public_id}/manage/")
            expect(page.locator("h1")).to_have_text(proposal.title)
            assert_accessible(page)
        if call.results_published:
            page.goto(f"{base}/calls/{call.pk}/results/")
            assert_accessible(page)

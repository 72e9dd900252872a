"""The agreement (協定書) of an adopted proposal in a browser: the officer's page and the printable page, axe-clean."""

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from partners.models import Partner
from projects.models import Project
from proposals import review, services
from proposals.models import Call, Proposal
from proposals.workflow import Outcome
from tests.browser.test_proposals import NPO_MEMBER, OFFICER, _log_in
from tests.proposals.conftest import fill_complete, publish_results

NAKAHARA_CALL = "中原区市民提案型協働事業 企画提案募集"
APPROVER_EMAIL = "nakahara-approver@demo.kyodo-portal.invalid"
TITLE = "水辺の自然教室で子どもの居場所づくり"


def _adopted_demo_proposal() -> Proposal:
    """A demo organisation's proposal to the ward's open call, adopted and published by the real moves."""
    call = Call.objects.get(title=NAKAHARA_CALL)
    member = User.objects.get(email=NPO_MEMBER[0])
    officer = User.objects.get(email=OFFICER[0])
    partner = Partner.objects.get(name="NPO法人かわさき創造プロジェクト")
    proposal = fill_complete(Proposal.objects.create(call=call, partner=partner, created_by=member))
    proposal.title = TITLE
    proposal.consulted_on = timezone.localdate() - datetime.timedelta(days=7)
    proposal.save()
    services.proposal_submit(proposal=proposal, user=member)
    review.proposal_start_screening(proposal=proposal, user=officer)
    proposal.refresh_from_db()
    confirmed = {item.key for item in review.screening_checklist(proposal=proposal)}
    review.proposal_pass_screening(proposal=proposal, user=officer, confirmed=confirmed)
    review.decision_propose(
        proposal=proposal, user=officer, outcome=Outcome.ADOPT, public_reasons="地域に根ざした提案。", amount=600_000
    )
    review.decision_approve(proposal=proposal, user=User.objects.get(email=APPROVER_EMAIL))
    publish_results(call, officer)
    proposal.refresh_from_db()
    return proposal


def test_the_officer_draws_up_and_signs_the_agreement_on_accessible_pages(demo_site, page, assert_accessible):
    proposal = _adopted_demo_proposal()
    edit_url = f"{demo_site.url}/proposals/{proposal.public_id}/agreement/"
    print_url = f"{demo_site.url}/proposals/{proposal.public_id}/agreement/print/"
    _log_in(page, demo_site.url, *OFFICER)

    page.goto(edit_url)
    prepare = page.locator("form[action$='/agreement/prepare/'] button[type=submit]")
    expect(prepare).to_be_visible()
    assert_accessible(page)
    prepare.click()
    expect(page.locator("#id_city_party")).to_have_value("川崎市中原区長")
    expect(page.locator("#id_partner_party")).to_have_value(
        "NPO法人かわさき創造プロジェクト\u3000代表者\u3000デモ NPO代表者"
    )
    assert_accessible(page)

    # The text is changed and saved; a signing date in the future is refused next to its field.
    page.locator("#id_city_party").fill("川崎市中原区長　中原 一郎")
    page.locator("form[action$='/agreement/'] button[type=submit]").click()
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator("#id_city_party")).to_have_value("川崎市中原区長　中原 一郎")
    future = timezone.localdate() + datetime.timedelta(days=3)
    page.locator("#id_signed_on").fill(future.isoformat())
    page.locator("form[action$='/agreement/sign/'] button[type=submit]").click()
    expect(page.locator("#id_signed_on")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_signed_on-error")).to_be_visible()
    assert_accessible(page)

    page.goto(print_url)
    expect(page.locator("article.agreement-document h1")).to_have_text("協定書（案）")
    expect(page.locator("article.agreement-document")).to_contain_text("第3条（役割分担）")
    assert_accessible(page)

    page.goto(edit_url)
    page.locator("#id_signed_on").fill(timezone.localdate().isoformat())
    page.locator("form[action$='/agreement/sign/'] button[type=submit]").click()
    project = Project.objects.get(title=TITLE)
    expect(page).to_have_url(f"{demo_site.url}/projects/{project.pk}/")
    expect(page.locator("h1")).to_have_text(TITLE)
    expect(page.locator(f"a[href='/calls/{proposal.call.pk}/']").first).to_be_visible()
    assert_accessible(page)

    page.goto(edit_url)
    expect(page.locator("#id_city_party")).to_have_count(0)
    assert_accessible(page)
    page.goto(print_url)
    expect(page.locator("article.agreement-document h1")).to_have_text("協定書")
    assert_accessible(page)


def test_the_applicant_reads_the_printable_page(demo_site, page, assert_accessible):
    from proposals.agreement import agreement_prepare

    proposal = _adopted_demo_proposal()
    agreement_prepare(proposal=proposal, user=User.objects.get(email=OFFICER[0]))
    _log_in(page, demo_site.url, *NPO_MEMBER)
    assert page.goto(f"{demo_site.url}/proposals/{proposal.public_id}/agreement/").status == 404
    assert page.goto(f"{demo_site.url}/proposals/{proposal.public_id}/agreement/print/").status == 200
    expect(page.locator("article.agreement-document")).to_contain_text("NPO法人かわさき創造プロジェクト")
    assert_accessible(page)

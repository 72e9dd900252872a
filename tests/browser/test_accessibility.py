"""Every page passes axe-core's WCAG 2.0 A and AA rules (JIS X 8341-3:2016 level AA)."""

import pytest

from accounts.models import User
from partners.models import Partner
from tests.factories import AdminFactory

PUBLIC_PATHS = [
    "/",
    "/partners/",
    "/partners/?q=森",
    "/partners/?q=該当なしの言葉",
    "/partners/?type=university&sort=-created_at",
    "/partners/?ward=abc&type=nope&q=%00",
    "/partners/?page=2",
    "/no-such-page/",
]


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_public_page_is_accessible(demo_site, page, assert_accessible, path):
    response = page.goto(demo_site.url + path)
    assert response.status in (200, 404)
    assert page.locator("html").get_attribute("lang") == "ja"
    assert_accessible(page)


def test_every_partner_page_is_accessible(demo_site, page, assert_accessible):
    for partner in Partner.objects.filter(is_public=True).order_by("pk")[:60]:
        page.goto(f"{demo_site.url}/partners/{partner.pk}/")
        assert page.locator("h1").inner_text() == partner.name
        assert_accessible(page)


def test_english_pages_are_accessible(demo_site, page, assert_accessible):
    page.goto(demo_site.url + "/")
    page.select_option("#language-select", "en")
    page.get_by_role("button", name="切り替え").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert_accessible(page)
    page.goto(demo_site.url + "/partners/?q=環境")
    assert page.locator("h1").inner_text() == "Partner directory"
    assert_accessible(page)


def test_admin_pages_are_accessible(demo_site, page, assert_accessible):
    AdminFactory(email="a11y-admin@example.jp")
    page.goto(demo_site.url + "/admin/login/")
    assert_accessible(page)
    page.fill("#id_username", "a11y-admin@example.jp")
    page.fill("#id_password", "correct-horse-battery")
    page.click("input[type=submit]")
    partner = Partner.objects.order_by("pk").first()
    approver = User.objects.get(email="nakahara-approver@demo.kyodo-portal.invalid")
    for path in [
        f"/admin/accounts/user/{approver.pk}/change/",  # with its staff assignments
        "/admin/",
        "/admin/partners/partner/",
        f"/admin/partners/partner/{partner.pk}/change/",
        f"/admin/partners/partner/{partner.pk}/history/",
        "/admin/partners/partner/import-csv/",
    ]:
        page.goto(demo_site.url + path)
        assert_accessible(page)


ACCOUNT_PATHS = [
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/accounts/password/reset/done/",
    "/accounts/confirm-email/",
    "/accounts/confirm-email/not-a-key/",
    "/accounts/password/reset/key/bad-key/",
]


@pytest.mark.parametrize("path", ACCOUNT_PATHS)
def test_account_page_is_accessible(demo_site, page, assert_accessible, path):
    response = page.goto(demo_site.url + path)
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.locator("h1").count() == 1
    assert_accessible(page)


def test_signed_in_pages_are_accessible(demo_site, page, assert_accessible):
    """My page, the organisation form, the join form and the members page of the demo representative."""
    page.goto(demo_site.url + "/accounts/login/")
    page.locator("#id_login").fill("npo-member@demo.kyodo-portal.invalid")
    page.locator("#id_password").fill("kyodo-npo-2026")
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/accounts/mypage/")
    npo = Partner.objects.get(name="NPO法人かわさき創造プロジェクト")
    other = Partner.objects.get(name="海風の森をMAZUつくる会")
    for path in [
        "/accounts/mypage/",
        "/partners/new/",
        f"/partners/{other.pk}/",
        f"/partners/{other.pk}/join/",
        f"/partners/{npo.pk}/",
        f"/partners/{npo.pk}/members/",
        "/accounts/password/change/",
        "/accounts/email/",
    ]:
        assert page.goto(demo_site.url + path).status == 200, path
        assert page.locator("h1").count() == 1, path
        assert_accessible(page)


def test_every_call_page_is_accessible_in_both_languages(demo_site, page, assert_accessible):
    from proposals.models import Call

    for path in ["/calls/", "/calls/?state=closed", "/calls/?state=all&scheme=nope"]:
        page.goto(demo_site.url + path)
        assert_accessible(page)
    for call in Call.objects.filter(is_published=True).order_by("pk"):
        page.goto(f"{demo_site.url}/calls/{call.pk}/")
        assert page.locator("h1").inner_text() == call.title
        assert_accessible(page)
    page.select_option("#language-select", "en")
    page.get_by_role("button", name="切り替え").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert_accessible(page)
    page.goto(demo_site.url + "/calls/")
    assert page.locator("h1").inner_text() == "Open calls"
    assert_accessible(page)

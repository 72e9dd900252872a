"""Sign-up, confirmation, login, passwords, organisations and members in a real browser, each page axe-clean."""

import re

from django.utils import translation
from playwright.sync_api import expect

from accounts.models import User
from partners.models import Membership, Partner

NPO = "NPO法人かわさき創造プロジェクト"
NPO_MEMBER = ("npo-member@demo.kyodo-portal.invalid", "kyodo-npo-2026")
CITIZEN = ("citizen@demo.kyodo-portal.invalid", "kyodo-citizen-2026")


def ja(msgid: str) -> str:
    """A portal string as Japanese visitors read it (English until `make messages` adds this branch's strings)."""
    with translation.override("ja"):
        return translation.gettext(msgid)


def _link_in(message, pattern: str) -> str:
    match = re.search(rf"https?://\S+(/accounts/{pattern}/\S+)", message.body)
    assert match, message.body
    return match.group(1)


def _log_in(page, base_url: str, email: str, password: str) -> None:
    page.goto(base_url + "/accounts/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="ログイン").click()
    expect(page.locator("h1")).to_have_text(ja("My page"))


def test_sign_up_confirm_log_in_and_register_an_organisation(demo_site, page, assert_accessible, mailoutbox):
    page.goto(demo_site.url + "/")
    page.get_by_role("link", name=ja("Sign up"), exact=True).click()
    expect(page.locator("h1")).to_have_text(ja("Sign up"))
    assert_accessible(page)

    # A first try with mistakes: the errors are tied to their fields, and the page stays accessible.
    page.locator("#id_email").fill("not-an-address")
    page.locator("#id_password1").fill("kawasaki-river-2026")
    page.locator("#id_password2").fill("something-else")
    page.get_by_role("button", name=ja("Sign up"), exact=True).click()
    expect(page.locator("#id_email")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_email")).to_have_attribute("aria-describedby", re.compile("id_email_error"))
    expect(page.locator("#id_email_error")).to_contain_text("有効なメールアドレスを入力してください。")
    expect(page.locator("#id_password2_error")).to_contain_text("同じパスワードを入力してください。")
    assert_accessible(page)

    page.locator("#id_email").fill("hanako@example.jp")
    page.locator("#id_display_name").fill("川崎 花子")
    page.locator("#id_password1").fill("kawasaki-river-2026")
    page.locator("#id_password2").fill("kawasaki-river-2026")
    page.get_by_role("button", name=ja("Sign up"), exact=True).click()
    expect(page.locator("h1")).to_have_text("メールアドレスを確認してください")
    assert_accessible(page)

    # Not before the address is confirmed.
    page.goto(demo_site.url + "/accounts/login/")
    page.locator("#id_login").fill("hanako@example.jp")
    page.locator("#id_password").fill("kawasaki-river-2026")
    page.get_by_role("button", name="ログイン").click()
    expect(page.locator("h1")).to_have_text("メールアドレスを確認してください")

    confirmations = [message for message in mailoutbox if message.to == ["hanako@example.jp"]]
    assert confirmations
    page.goto(demo_site.url + _link_in(confirmations[-1], "confirm-email"))
    expect(page.locator("h1")).to_have_text("メールアドレスの確認")
    assert_accessible(page)
    page.get_by_role("button", name="確認する").click()

    expect(page.locator("h1")).to_have_text("ログイン")
    assert_accessible(page)
    page.locator("#id_login").fill("hanako@example.jp")
    page.locator("#id_password").fill("kawasaki-river-2026")
    page.get_by_role("button", name="ログイン").click()
    expect(page.locator("h1")).to_have_text(ja("My page"))
    assert_accessible(page)

    page.get_by_role("link", name=ja("Register a new organisation")).click()
    expect(page.locator("h1")).to_have_text(ja("Register a new organisation"))
    assert_accessible(page)
    page.locator("#id_name").fill("かわさき里山の会")
    page.locator("#id_corporate_number").fill("123")
    page.get_by_role("button", name=ja("Register the organisation")).click()
    expect(page.locator("#id_partner_type")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_corporate_number_error")).to_contain_text("法人番号は13桁です。")
    assert_accessible(page)
    page.locator("#id_corporate_number").fill("")
    page.locator("#id_name_kana").fill("カワサキサトヤマノカイ")
    page.locator("#id_partner_type").select_option(label="任意団体（市民活動団体）")
    page.get_by_label("麻生区").check()
    page.get_by_label("環境の保全").check()
    page.locator("#id_description").fill("里山の保全に取り組みます。")
    page.get_by_role("button", name=ja("Register the organisation")).click()
    expect(page.locator("h1")).to_have_text("かわさき里山の会")
    expect(page.locator(".alert-warning")).to_be_visible()
    assert_accessible(page)

    partner = Partner.objects.get(name="かわさき里山の会")
    assert not partner.is_public and not partner.is_verified
    membership = Membership.objects.get(partner=partner)
    assert membership.user == User.objects.get(email="hanako@example.jp")
    assert membership.is_representative
    reviewers = {message.to[0] for message in mailoutbox if "かわさき里山の会" in message.subject}
    assert {"admin@demo.kyodo-portal.invalid", "partner-editor@demo.kyodo-portal.invalid"} <= reviewers


def test_password_reset_in_the_browser(demo_site, page, assert_accessible, mailoutbox):
    page.goto(demo_site.url + "/accounts/login/")
    page.get_by_role("link", name="パスワードをお忘れですか?").click()
    expect(page.locator("h1")).to_have_text("パスワードの再設定")
    assert_accessible(page)
    page.locator("#id_email").fill(CITIZEN[0])
    page.get_by_role("button", name="パスワードを再設定する").click()
    expect(page.locator("h1")).to_have_text("パスワードの再設定")
    assert_accessible(page)
    page.goto(demo_site.url + _link_in(mailoutbox[-1], "password/reset/key"))
    expect(page.locator("h1")).to_have_text("パスワード変更")
    assert_accessible(page)
    page.locator("#id_password1").fill("tamagawa-breeze-2026")
    page.locator("#id_password2").fill("tamagawa-breeze-2026")
    page.get_by_role("button", name="パスワード変更").click()
    expect(page.locator("main")).to_contain_text("パスワードを変更しました。")
    assert_accessible(page)
    _log_in(page, demo_site.url, CITIZEN[0], "tamagawa-breeze-2026")


def test_ask_to_join_and_the_representative_approves(demo_site, page, browser, assert_accessible, mailoutbox):
    npo = Partner.objects.get(name=NPO)
    _log_in(page, demo_site.url, *CITIZEN)
    page.goto(demo_site.url + npo.get_absolute_url())
    page.get_by_role("link", name=ja("Ask to join this organisation")).click()
    expect(page.locator("h1")).to_contain_text(NPO)
    assert_accessible(page)
    page.locator("#id_message").fill("広報を担当しています。")
    page.get_by_role("button", name=ja("Send the request")).click()
    expect(page.locator("h1")).to_have_text(NPO)
    expect(page.locator("#membership-heading")).to_be_visible()
    assert [message.to for message in mailoutbox] == [[NPO_MEMBER[0]]]

    representative = browser.new_context(locale="ja-JP").new_page()
    _log_in(representative, demo_site.url, *NPO_MEMBER)
    expect(representative.locator("main")).to_contain_text("デモ 市民")
    assert_accessible(representative)
    representative.get_by_role("link", name=re.compile(ja("Decide"))).click()
    expect(representative.locator("main")).to_contain_text("広報を担当しています。")
    assert_accessible(representative)
    representative.get_by_role("button", name=re.compile(ja("Approve"))).click()
    expect(representative.locator(".alert-success")).to_be_visible()
    assert_accessible(representative)
    # The last representative cannot step down: the page says why.
    own = Membership.objects.get(partner=npo, user__email=NPO_MEMBER[0])
    representative.locator(f"#role-{own.pk}").select_option("staff")
    representative.locator(f"form[action$='/members/{own.pk}/role/'] button").click()
    expect(representative.locator(".alert-danger")).to_be_visible()
    assert_accessible(representative)
    representative.context.close()
    assert Membership.objects.get(partner=npo, user__email=CITIZEN[0]).is_active
    assert mailoutbox[-1].to == [CITIZEN[0]]


def test_account_management_pages_are_accessible(demo_site, page, assert_accessible):
    _log_in(page, demo_site.url, *NPO_MEMBER)
    for path in ["/accounts/password/change/", "/accounts/email/", "/accounts/logout/"]:
        page.goto(demo_site.url + path)
        expect(page.locator("h1")).to_have_count(1)
        assert_accessible(page)
    page.goto(demo_site.url + "/accounts/password/change/")
    page.locator("#id_oldpassword").fill("wrong")
    page.locator("#id_password1").fill("x")
    page.locator("#id_password2").fill("y")
    page.get_by_role("button", name="パスワード変更").click()
    expect(page.locator("[aria-invalid=true]").first).to_be_visible()
    assert_accessible(page)


def test_too_many_failed_logins_are_refused_accessibly(demo_site, page, assert_accessible):
    for _attempt in range(6):
        page.goto(demo_site.url + "/accounts/login/")
        page.locator("#id_login").fill(CITIZEN[0])
        page.locator("#id_password").fill("wrong-password")
        page.get_by_role("button", name="ログイン").click()
    expect(page.locator("main")).to_contain_text(
        ja("There were too many failed attempts to log in. Wait a few minutes, then try again.")
    )
    assert_accessible(page)

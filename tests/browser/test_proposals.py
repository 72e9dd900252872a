"""From sign-up to a submitted proposal with its receipt, and its withdrawal, in a browser; every page axe-clean."""

import re

from playwright.sync_api import expect

from partners.models import Membership, Partner
from proposals.models import Call, Proposal

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
NAKAHARA_CALL = "中原区市民提案型協働事業 企画提案募集"
OFFICER = ("nakahara-officer@demo.kyodo-portal.invalid", "kyodo-nakahara-2026")
NPO_MEMBER = ("npo-member@demo.kyodo-portal.invalid", "kyodo-npo-2026")


def _log_in(page, base_url: str, email: str, password: str) -> None:
    page.goto(base_url + "/accounts/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="ログイン").click()
    expect(page.locator("h1")).to_have_text("マイページ")


def _sign_up_with_an_organisation(page, base_url: str, mailoutbox) -> None:
    page.goto(base_url + "/accounts/signup/")
    page.locator("#id_email").fill("jiro@example.jp")
    page.locator("#id_display_name").fill("中原 次郎")
    page.locator("#id_password1").fill("nakahara-river-2026")
    page.locator("#id_password2").fill("nakahara-river-2026")
    page.get_by_role("button", name="利用者登録", exact=True).click()
    message = next(message for message in mailoutbox if message.to == ["jiro@example.jp"])
    link = re.search(r"https?://\S+(/accounts/confirm-email/\S+)", message.body).group(1)
    page.goto(base_url + link)
    page.get_by_role("button", name="確認する").click()
    _log_in(page, base_url, "jiro@example.jp", "nakahara-river-2026")
    page.goto(base_url + "/partners/new/")
    page.locator("#id_name").fill("なかはら子ども食堂の会")
    page.locator("#id_partner_type").select_option(label="任意団体（市民活動団体）")
    page.get_by_label("中原区").check()
    page.get_by_role("button", name="団体を登録する").click()
    expect(page.locator("h1")).to_have_text("なかはら子ども食堂の会")


def _fill_row(page, prefix: str, row: int, values: dict) -> None:
    for field, value in values.items():
        locator = page.locator(f"#id_{prefix}-{row}-{field}")
        if locator.evaluate("element => element.tagName") == "SELECT":
            locator.select_option(value)
        else:
            locator.fill(value)


def test_from_sign_up_to_receipt_then_withdrawal(demo_site, page, assert_accessible, mailoutbox):
    _sign_up_with_an_organisation(page, demo_site.url, mailoutbox)

    page.get_by_role("link", name="募集", exact=True).click()
    expect(page.locator("h1")).to_have_text("募集")
    expect(page.get_by_text(re.compile(r"締切まであと\d+日")).first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=NAKAHARA_CALL, exact=True).click()
    expect(page.locator("h1")).to_have_text(NAKAHARA_CALL)
    assert_accessible(page)
    page.get_by_role("link", name="提案書を作成する").click()
    assert_accessible(page)
    page.get_by_role("button", name="下書きを作成する").click()
    expect(page.locator("h1")).to_have_text("提案書の編集")
    assert_accessible(page)

    # A first save with only a title, then away and back: the draft is waiting.
    page.locator("#id_title").fill("子ども食堂で地域の居場所づくり")
    page.locator("#id_problem").fill("ひとりで夕食をとる子どもが増えている。")
    page.get_by_role("button", name="下書きを保存", exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text("下書きを保存しました")
    page.goto(demo_site.url + "/")
    page.get_by_role("link", name="わたしの提案").click()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("続きを書く")).click()
    expect(page.locator("#id_title")).to_have_value("子ども食堂で地域の居場所づくり")

    # Going on to submit lists what is missing, next to the fields.
    page.get_by_role("button", name="保存して提出へ進む").click()
    expect(page.locator("#problems")).to_be_visible()
    expect(page.locator("#id_purpose")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_purpose-error")).to_have_text("提出前に記入してください。")
    assert_accessible(page)

    for field, text in {
        "purpose": "子どもが安心して過ごせる居場所をつくる。",
        "activities": "月2回、地域の食材で夕食をつくり、一緒に食べる。",
        "beneficiaries": "中原区の小中学生と保護者",
        "period": "2027年4月〜2028年3月",
        "venue": "中原区内の町内会館",
        "expected_effects": "子どもの孤食を減らし、地域の見守りを広げる。",
        "collaboration_need": "団体の運営力と区の広報・施設調整を合わせることで、必要な家庭に届く。",
        "exit_strategy": "3年目以降は参加費と地域の協賛で自立して続ける。",
        "consulted_on": "2026-11-02",
        "consultation_note": "地域振興課 担当者",
        "contact_phone": "044-000-0000",
    }.items():
        page.locator(f"#id_{field}").fill(text)
    _fill_row(page, "schedule", 0, {"when": "4月", "what": "準備会・ボランティア募集"})
    _fill_row(page, "indicators", 0, {"name": "参加した子どもの数", "target": "240", "unit": "人"})
    _fill_row(page, "roles", 0, {"task": "広報", "organisation_part": "チラシ作成", "city_part": "区の広報紙に掲載"})
    _fill_row(page, "income", 0, {"source": "city", "item": "委託料", "amount": "600000"})
    _fill_row(page, "income", 1, {"source": "own", "item": "自己資金", "amount": "100000"})
    _fill_row(page, "expense", 0, {"item": "食材費", "note": "24回分", "amount": "700000"})
    page.locator("#id_file").set_input_files({"name": "規約.pdf", "mimeType": "application/pdf", "buffer": PDF})
    page.locator("#id_document").select_option(label="団体の規約・会則")
    page.get_by_role("button", name="保存してファイルを添付").click()
    expect(page.locator(".messages")).to_contain_text("規約.pdfを添付しました。")
    page.locator("#id_file").set_input_files({"name": "役員名簿.pdf", "mimeType": "application/pdf", "buffer": PDF})
    page.locator("#id_document").select_option(label="役員名簿")
    page.get_by_role("button", name="保存して提出へ進む").click()

    expect(page.locator("h1")).to_have_text("確認して提出")
    expect(page.get_by_text("700,000円").first).to_be_visible()
    assert_accessible(page)
    button = page.get_by_role("button", name="提案を提出する")
    button.dblclick()
    expect(page.locator(".messages")).to_contain_text("提案を提出しました")
    proposal = Proposal.objects.get(title="子ども食堂で地域の居場所づくり")
    assert proposal.status == "submitted"
    assert proposal.revisions.count() == 1
    expect(page.get_by_text(proposal.receipt_number).first).to_be_visible()
    assert_accessible(page)
    assert any(proposal.receipt_number in message.subject for message in mailoutbox if "jiro@example.jp" in message.to)
    # After submission the applicant cannot edit it any more.
    expect(page.get_by_role("link", name="続きを書く")).to_have_count(0)

    page.get_by_role("link", name="提出版").click()
    expect(page.locator("h1")).to_have_text("提出版")
    assert_accessible(page)
    page.go_back()
    page.get_by_role("link", name="提案を取り下げる").click()
    assert_accessible(page)
    page.locator("#id_reason").fill("会場の確保が難しくなったため")
    page.get_by_role("button", name="取り下げる", exact=True).click()
    expect(page.locator(".status-badge")).to_have_text("取り下げ")
    proposal.refresh_from_db()
    assert proposal.status == "withdrawn"


def test_a_draft_works_without_javascript_and_keyboard_only(demo_site, no_js_page):
    page = no_js_page
    _log_in(page, demo_site.url, *NPO_MEMBER)
    call = Call.objects.get(title="市民自主企画事業 企画募集")
    page.goto(f"{demo_site.url}/calls/{call.pk}/propose/")
    page.get_by_role("button", name="下書きを作成する").focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("提案書の編集")
    page.locator("#id_title").fill("地域の魅力マップづくり")
    # Enter in a text field saves the draft; it never presses a "remove" button.
    page.locator("#id_venue").fill("中原市民館")
    page.locator("#id_venue").press("Enter")
    expect(page.locator(".alert-success")).to_contain_text("下書きを保存しました")
    page.get_by_role("link", name="下書きを削除").click()
    expect(page.locator("h1")).to_have_text("下書きを削除")
    proposal = Proposal.objects.get(title="地域の魅力マップづくり")
    assert proposal.venue == "中原市民館"
    assert proposal.partner == Partner.objects.get(name="NPO法人かわさき創造プロジェクト")
    assert Membership.objects.filter(partner=proposal.partner, user__email=NPO_MEMBER[0]).exists()


def test_staff_pages_and_closed_calls_are_accessible(demo_site, page, assert_accessible):
    _log_in(page, demo_site.url, *OFFICER)
    page.get_by_role("link", name="担当する募集").click()
    expect(page.locator("h1")).to_have_text("担当する募集")
    assert_accessible(page)
    page.get_by_role("link", name=NAKAHARA_CALL, exact=True).click()
    expect(page.locator("h1")).to_have_text("募集を編集")
    assert_accessible(page)
    page.get_by_role("link", name="提出された提案").first.click()
    expect(page.locator("h1")).to_have_text("審査状況")
    assert_accessible(page)
    page.goto(demo_site.url + "/calls/manage/new/")
    expect(page.locator("h1")).to_have_text("新しい募集")
    assert_accessible(page)
    page.locator("#id_title").fill("中原区 多文化共生の協働事業 募集")
    page.locator("#id_scheme").select_option(label="区の市民提案型事業")
    page.locator("#id_department").select_option(label="中原区役所")
    page.locator("#id_purpose").fill("外国につながる住民と地域をつなぐ企画を募集します。")
    page.locator("#id_amount_cap").fill("300000")
    page.locator("#id_opens_at_0").fill("2027-01-05")
    page.locator("#id_opens_at_1").fill("09:00:00")
    page.locator("#id_closes_at_0").fill("2027-02-15")
    page.locator("#id_closes_at_1").fill("23:59:59")
    page.locator("#id_criteria-0-name").fill("地域課題の把握")
    page.locator("#id_criteria-0-weight").fill("30")
    page.get_by_role("button", name="保存する", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("募集を保存しました。")
    assert_accessible(page)
    page.get_by_role("button", name="公開する").click()
    expect(page.locator(".messages")).to_contain_text("募集を公開しました。")
    saved = Call.objects.get(title="中原区 多文化共生の協働事業 募集")
    assert saved.is_published and saved.criteria.get().weight == 30
    page.goto(demo_site.url + "/calls/?state=closed")
    page.get_by_role("link", name=re.compile("前年度")).click()
    expect(page.get_by_text("この募集は締め切りました。")).to_be_visible()
    assert_accessible(page)


def test_deleting_a_draft_asks_first_and_is_accessible(demo_site, page, assert_accessible):
    _log_in(page, demo_site.url, *NPO_MEMBER)
    call = Call.objects.get(title="市民自主学級 企画募集")
    page.goto(f"{demo_site.url}/calls/{call.pk}/propose/")
    page.get_by_role("button", name="下書きを作成する").click()
    page.get_by_role("link", name="下書きを削除").click()
    expect(page.locator("h1")).to_have_text("下書きを削除")
    assert_accessible(page)
    page.get_by_role("button", name="削除する").click()
    expect(page.locator(".messages")).to_contain_text("下書きを削除しました。")
    assert not Proposal.objects.filter(call=call).exists()

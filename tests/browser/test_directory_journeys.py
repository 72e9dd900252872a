"""A citizen searches and filters the directory with the keyboard, with and without JavaScript."""

import re

from playwright.sync_api import expect


def test_search_a_one_character_word_and_open_a_partner(demo_site, page):
    page.goto(demo_site.url + "/partners/")
    page.get_by_label("キーワード").fill("森")
    page.get_by_label("キーワード").press("Enter")
    expect(page.get_by_role("status")).to_contain_text("件の団体が見つかりました")
    expect(page).to_have_url(re.compile(r"q=%E6%A3%AE"))
    page.get_by_role("link", name="海風の森をMAZUつくる会").click()
    expect(page.locator("h1")).to_have_text("海風の森をMAZUつくる会")
    expect(page.locator("main")).to_contain_text("環境の保全")
    expect(page.locator("main")).to_contain_text("川崎区")


def test_filter_by_type_and_ward_then_share_the_url(demo_site, page, browser):
    page.goto(demo_site.url + "/partners/")
    page.get_by_label("種別").select_option(label="大学")
    page.get_by_label("区", exact=True).select_option(label="麻生区")
    page.get_by_role("button", name="検索").click()
    names = page.locator(".partner-list h3 a").all_inner_texts()
    assert "明治大学" in names and "和光大学" in names
    assert "専修大学" not in names  # 多摩区 only
    shared = browser.new_context(locale="ja-JP").new_page()
    shared.goto(page.url)
    assert shared.locator(".partner-list h3 a").all_inner_texts() == names
    shared.context.close()


def test_full_width_query_finds_half_width_data(demo_site, page):
    page.goto(demo_site.url + "/partners/?q=" + "ＩＣＴ")
    expect(page.locator(".partner-list")).to_contain_text("ICT推進課")


def test_keyboard_only_skip_link_and_search(demo_site, page):
    page.goto(demo_site.url + "/partners/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "本文へ移動"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    page.get_by_label("キーワード").focus()
    page.keyboard.type("環境")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("件の団体が見つかりました")


def test_directory_works_without_javascript(demo_site, no_js_page):
    page = no_js_page
    page.goto(demo_site.url + "/partners/")
    page.get_by_label("活動分野").select_option(label="子どもの健全育成")
    page.get_by_label("市が確認した団体のみ").check()
    page.get_by_role("button", name="検索").click()
    expect(page.locator(".partner-list")).to_contain_text("海風の森をMAZUつくる会")
    expect(page.locator(".partner-list")).not_to_contain_text("日本女子大学")  # not verified
    page.select_option("#language-select", "en")
    page.get_by_role("button", name="切り替え").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "field=" in page.url

"""The project catalogue and the staff pages in a real browser: axe-clean, and usable as people use them."""

import re

import pytest
from playwright.sync_api import expect

from projects.models import Project

CATALOGUE_PATHS = [
    "/projects/",
    "/projects/?q=森",
    "/projects/?ward=citywide&fy=2016",
    "/projects/?form=1&sort=-amount",
    "/projects/?fy=abc&ward=zz&amount=nope",
    "/projects/?q=該当しない言葉",
]


@pytest.mark.parametrize("path", CATALOGUE_PATHS)
def test_catalogue_pages_are_accessible(demo_site, page, assert_accessible, path):
    assert page.goto(demo_site.url + path).status == 200
    assert_accessible(page)


def test_every_demo_project_page_is_accessible(demo_site, page, assert_accessible):
    projects = list(Project.objects.filter(is_published=True).order_by("pk"))
    assert len(projects) >= 16
    for project in projects:
        page.goto(f"{demo_site.url}/projects/{project.pk}/")
        expect(page.locator("h1")).to_contain_text(project.title)
        assert_accessible(page)


def test_a_citizen_filters_by_ward_and_reads_the_division_of_roles(demo_site, page):
    page.goto(demo_site.url + "/projects/")
    page.get_by_label("区", exact=True).select_option(value=str(_ward_pk("川崎区")))
    page.get_by_role("button", name="検索").click()
    expect(page).to_have_url(re.compile(r"ward=\d+"))
    page.get_by_role("link", name="海風の森「森の楽園」").click()
    expect(page.locator("h1")).to_contain_text("森の楽園")
    roles = page.get_by_role("table").filter(has_text="役割")
    expect(roles).to_contain_text("海風の森をMAZUつくる会")
    expect(roles).to_contain_text("事業の企画、運営")
    expect(page.locator("main")).to_contain_text("362,100円")
    page.get_by_role("link", name="海風の森をMAZUつくる会").first.click()
    expect(page.locator("h1")).to_have_text("海風の森をMAZUつくる会")
    expect(page.locator("main")).to_contain_text("森の楽園")


def test_the_option_counts_match_the_results(demo_site, page):
    page.goto(demo_site.url + "/projects/")
    label = page.locator("#id_scheme option", has_text="協働型事業").inner_text()
    expected = int(re.search(r"（(\d+)）", label).group(1))
    page.get_by_label("制度").select_option(label=label)
    page.get_by_role("button", name="検索").click()
    expect(page.get_by_role("status")).to_contain_text(f"{expected}件の事業が見つかりました")


def test_an_officer_creates_and_publishes_a_project(demo_site, page, assert_accessible):
    page.goto(demo_site.url + "/projects/manage/")
    page.get_by_label("メールアドレス").fill("nakahara-officer@demo.kyodo-portal.invalid")
    page.get_by_label("パスワード").fill("kyodo-nakahara-2026")
    page.get_by_role("button", name="ログイン").click()
    expect(page.locator("h1")).to_have_text("担当する事業")
    assert_accessible(page)
    page.get_by_role("link", name="事業の新規登録").click()
    assert_accessible(page)
    page.locator("#id_title").fill("中原区の多文化交流カフェ")
    page.locator("#id_municipality").select_option(label="川崎市")
    page.locator("#id_scheme").select_option(label="区の市民提案型事業")
    page.get_by_label("委託・請負").check()
    page.locator("#id_problem").fill("外国につながる住民と地域の交流が少ない。")
    page.locator("#id_activities").fill("月1回の交流カフェを開く。")
    page.get_by_label("中原区", exact=True).check()
    page.locator("#id_parties-0-partner").fill("ひまわり ～ノーマワールドの会～")
    page.locator("#id_parties-0-role").fill("企画と運営")
    page.get_by_role("button", name="保存する").click()
    expect(page.locator(".alert-success")).to_contain_text("保存しました")
    page.get_by_role("button", name="公開する").click()
    expect(page.locator(".alert-success")).to_contain_text("公開しました")
    assert_accessible(page)
    page.get_by_role("link", name="編集履歴").click()
    expect(page.locator("main")).to_contain_text("新規登録")
    assert_accessible(page)
    page.goto(demo_site.url + "/projects/?q=多文化")
    expect(page.locator(".project-list")).to_contain_text("中原区の多文化交流カフェ")


def _ward_pk(name: str) -> int:
    from partners.models import Ward

    return Ward.objects.get(name=name).pk

"""The public directory, the partner page, the home page and the language switch."""

import datetime
import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from partners.models import Partner
from partners.services import partner_verify
from tests.factories import PartnerFactory, WardFactory

LIST_URL = reverse("partners:list")


def _names(response) -> list[str]:
    assert response.status_code == 200
    return [partner.name for partner in response.context["partners"]]


def _result_count_text(response) -> str:
    match = re.search(r'<p class="result-count"[^>]*>(.*?)</p>', response.content.decode(), re.DOTALL)
    assert match, "the result count is shown"
    return " ".join(match.group(1).split())


def _page_links(response) -> list[dict[str, list[str]]]:
    hrefs = re.findall(r'<a class="page-link" href="([^"]*)"', response.content.decode())
    return [parse_qs(urlsplit(html.unescape(href)).query) for href in hrefs]


# --- filters ---------------------------------------------------------------------------------------


def test_directory_filters_by_type_code(client, kawasaki, partner_types):
    PartnerFactory(
        name="NPOの会", partner_type=partner_types["npo"], corporate_number="8000020130001", municipality=kawasaki
    )
    PartnerFactory(name="町内会", partner_type=partner_types["neighbourhood_association"], municipality=kawasaki)
    assert _names(client.get(LIST_URL, {"type": "npo"})) == ["NPOの会"]
    assert _names(client.get(LIST_URL, {"type": "neighbourhood_association"})) == ["町内会"]


def test_directory_filters_by_field_of_activity(client, kawasaki, activity_fields):
    environment = activity_fields["環境の保全"]
    PartnerFactory(name="川の会", municipality=kawasaki, fields=[environment, activity_fields["まちづくり"]])
    PartnerFactory(name="街の会", municipality=kawasaki, fields=[activity_fields["まちづくり"]])
    assert _names(client.get(LIST_URL, {"field": environment.pk})) == ["川の会"]


def test_directory_ward_filter_includes_citywide_partners_of_the_same_city_once(
    client, kawasaki, kawasaki_wards, higashikurume
):
    nakahara, takatsu, asao = kawasaki_wards["中原区"], kawasaki_wards["高津区"], kawasaki_wards["麻生区"]
    PartnerFactory(name="中原の会", name_kana="ア", municipality=kawasaki, wards=[nakahara])
    PartnerFactory(
        name="市全域の会", name_kana="イ", municipality=kawasaki, works_citywide=True, wards=[nakahara, takatsu, asao]
    )
    PartnerFactory(name="市全域・区なしの会", name_kana="ウ", municipality=kawasaki, works_citywide=True)
    PartnerFactory(name="麻生の会", municipality=kawasaki, wards=[asao])
    PartnerFactory(name="区のない会", municipality=kawasaki)
    PartnerFactory(name="東久留米全域の会", municipality=higashikurume, works_citywide=True)
    response = client.get(LIST_URL, {"ward": nakahara.pk})
    assert _names(response) == ["中原の会", "市全域の会", "市全域・区なしの会"]
    assert response.context["page"].paginator.count == 3


def test_directory_ward_filter_of_another_city(client, higashikurume, kawasaki):
    ward_elsewhere = WardFactory(municipality=higashikurume, name="東久留米の地区")
    PartnerFactory(name="東久留米全域の会", municipality=higashikurume, works_citywide=True)
    PartnerFactory(name="川崎全域の会", municipality=kawasaki, works_citywide=True)
    assert _names(client.get(LIST_URL, {"ward": ward_elsewhere.pk})) == ["東久留米全域の会"]


def test_directory_verified_only(client, kawasaki, admin_user):
    verified = PartnerFactory(name="確認済みの会", municipality=kawasaki)
    PartnerFactory(name="未確認の会", municipality=kawasaki)
    partner_verify(partner=verified, user=admin_user)
    assert _names(client.get(LIST_URL, {"verified": "true"})) == ["確認済みの会"]
    assert sorted(_names(client.get(LIST_URL))) == ["未確認の会", "確認済みの会"]


def test_directory_keyword_combines_with_filters(client, kawasaki, partner_types):
    PartnerFactory(name="森の町内会", partner_type=partner_types["neighbourhood_association"], municipality=kawasaki)
    PartnerFactory(name="森の市民団体", municipality=kawasaki)
    PartnerFactory(name="海の町内会", partner_type=partner_types["neighbourhood_association"], municipality=kawasaki)
    response = client.get(LIST_URL, {"q": "森", "type": "neighbourhood_association"})
    assert _names(response) == ["森の町内会"]


def test_directory_keyword_with_full_width_input(client, kawasaki):
    PartnerFactory(name="NPOかわさき", municipality=kawasaki)
    PartnerFactory(name="ｶﾜｻｷ子ども食堂", municipality=kawasaki)
    assert _names(client.get(LIST_URL, {"q": "ＮＰＯ"})) == ["NPOかわさき"]
    assert _names(client.get(LIST_URL, {"q": "カワサキ 子ども"})) == ["ｶﾜｻｷ子ども食堂"]


# --- sorting ---------------------------------------------------------------------------------------


@pytest.fixture
def three_partners(kawasaki):
    now = timezone.now()
    ordered = {}
    for name, kana, created_days_ago, updated_days_ago in [
        ("和の会", "ワノカイ", 1, 2),
        ("朝日会", "アサヒカイ", 3, 1),
        ("きずな", "", 2, 3),
    ]:
        partner = PartnerFactory(name=name, name_kana=kana, municipality=kawasaki)
        Partner.objects.filter(pk=partner.pk).update(
            created_at=now - datetime.timedelta(days=created_days_ago),
            updated_at=now - datetime.timedelta(days=updated_days_ago),
        )
        ordered[name] = partner
    return ordered


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (None, ["朝日会", "きずな", "和の会"]),
        ("sort_key", ["朝日会", "きずな", "和の会"]),
        ("-created_at", ["和の会", "きずな", "朝日会"]),
        ("-updated_at", ["朝日会", "和の会", "きずな"]),
    ],
)
def test_directory_sort_options(client, three_partners, sort, expected):
    params = {"sort": sort} if sort else {}
    assert _names(client.get(LIST_URL, params)) == expected


# --- pagination and the result count ---------------------------------------------------------------


@pytest.fixture
def many_partners(kawasaki, partner_types):
    for n in range(45):
        PartnerFactory(name=f"森の会{n:02d}", municipality=kawasaki)
    PartnerFactory(name="海の町内会", partner_type=partner_types["neighbourhood_association"], municipality=kawasaki)


def test_pagination_keeps_the_filters_in_its_links(client, many_partners):
    response = client.get(LIST_URL, {"q": "森", "type": "civic_group", "sort": "sort_key"})
    assert len(_names(response)) == 20
    links = _page_links(response)
    assert links, "there are page links"
    for query in links:
        assert query["q"] == ["森"]
        assert query["type"] == ["civic_group"]
        assert query["sort"] == ["sort_key"]
    assert {tuple(query["page"]) for query in links} == {("2",), ("3",)}


def test_later_pages_show_the_rest_and_the_count(client, many_partners):
    first = client.get(LIST_URL, {"q": "森"})
    last = client.get(LIST_URL, {"q": "森", "page": 3})
    assert _names(first)[:2] == ["森の会00", "森の会01"]
    assert _names(last) == [f"森の会{n}" for n in range(40, 45)]
    assert last.context["page"].paginator.count == 45
    count_text = _result_count_text(last)
    assert re.search(r"(?<!\d)45(?!\d)", count_text)
    assert re.search(r"(?<!\d)41(?!\d)", count_text)  # showing 41–45


def test_page_links_escape_the_query(client, many_partners):
    response = client.get(LIST_URL, {"q": '森 "<script>'})
    assert "<script>" not in response.content.decode()


def test_result_count_of_an_empty_result(client, kawasaki):
    PartnerFactory(name="森の会", municipality=kawasaki)
    response = client.get(LIST_URL, {"q": "存在しない言葉"})
    assert _names(response) == []
    assert re.search(r"(?<!\d)0(?!\d)", _result_count_text(response))


@pytest.mark.parametrize(
    "params",
    [
        {"ward": "abc", "type": "nope", "page": "999"},
        {"field": "xyz", "verified": "maybe", "sort": "bogus"},
        {"ward": "999999", "field": "999999"},
        {"page": "-1"},
        {"page": "0"},
        {"page": "1.5"},
        {"q": "%" * 300},
        {"q": "\x00"},
        {"type": ["npo", "civic_group"]},
        {"ward": "1 OR 1=1"},
    ],
)
def test_invalid_filter_values_never_fail_the_page(client, kawasaki, params):
    PartnerFactory(name="森の会", municipality=kawasaki)
    response = client.get(LIST_URL, params)
    assert response.status_code == 200


def test_invalid_filters_are_ignored_and_valid_ones_still_apply(client, kawasaki):
    PartnerFactory(name="森の会", municipality=kawasaki)
    PartnerFactory(name="海の会", municipality=kawasaki)
    response = client.get(LIST_URL, {"type": "nope", "ward": "abc", "q": "森", "page": "999"})
    assert _names(response) == ["森の会"]
    errors = response.context["filter"].form.errors
    assert set(errors) == {"type", "ward"}
    assert 'aria-invalid="true"' in response.content.decode()


def test_directory_refuses_post(client, reference_data):
    assert client.post(LIST_URL).status_code == 405


# --- home page -------------------------------------------------------------------------------------


def test_home_page_counts_the_public_and_the_verified_partners(client_for, kawasaki, admin_user):
    verified = PartnerFactory(municipality=kawasaki)
    partner_verify(partner=verified, user=admin_user)
    PartnerFactory(municipality=kawasaki)
    PartnerFactory(municipality=kawasaki, is_public=False)

    response = client_for(None).get(reverse("home"))
    assert response.status_code == 200
    assert response.context["partner_counts"] == {"total": 2, "verified": 1}
    assert LIST_URL in response.content.decode()

    managers_view = client_for(admin_user).get(reverse("home"))
    assert managers_view.context["partner_counts"] == {"total": 3, "verified": 1}


def test_home_page_with_no_partners(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.context["partner_counts"] == {"total": 0, "verified": 0}


# --- partner page ----------------------------------------------------------------------------------


@pytest.fixture
def detailed_partner(kawasaki_wards, activity_fields, partner_types, admin_user):
    partner = PartnerFactory(
        name="多摩川エコネット",
        name_kana="タマガワエコネット",
        partner_type=partner_types["npo"],
        corporate_number="8000020130001",
        municipality=kawasaki_wards["多摩区"].municipality,
        wards=[kawasaki_wards["多摩区"], kawasaki_wards["麻生区"]],
        fields=[activity_fields["環境の保全"], activity_fields["子どもの健全育成"]],
        founded_year=2005,
        website="https://tamagawa.example.jp/",
        description="多摩川の河川敷で清掃活動をしています。",
        public_email="info@tamagawa.example.jp",
    )
    return partner_verify(partner=partner, user=admin_user)


def test_partner_page_shows_the_record(client, detailed_partner):
    response = client.get(detailed_partner.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        "多摩川エコネット",
        "タマガワエコネット",
        "NPO法人",
        "環境の保全",
        "子どもの健全育成",
        "多摩区",
        "麻生区",
        "川崎市",
        "8000020130001",
        "https://tamagawa.example.jp/",
        "多摩川の河川敷で清掃活動をしています。",
        "info@tamagawa.example.jp",
    ):
        assert text in page, text
    assert "verified-badge" in page


def test_partner_page_shows_the_founded_year_with_its_era(client, detailed_partner):
    page = client.get(detailed_partner.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "2005" in page
    assert "平成17" in page


def test_partner_page_shows_the_verification_date_in_both_calendars(client, detailed_partner):
    page = client.get(detailed_partner.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    verified_on = timezone.localdate(detailed_partner.verified_at)
    assert f"令和{verified_on.year - 2018}" in page
    assert str(verified_on.year) in page


def test_unverified_partner_has_no_verified_badge(client, kawasaki):
    partner = PartnerFactory(municipality=kawasaki)
    assert "verified-badge" not in client.get(partner.get_absolute_url()).content.decode()


def test_partner_page_of_a_city_department(client, reference_data, partner_types):
    from partners.models import Department

    department = Department.objects.get(name="市民活動推進課")
    partner = PartnerFactory(
        name="市民活動推進課",
        partner_type=partner_types["city_department"],
        municipality=department.municipality,
        department=department,
    )
    page = client.get(partner.get_absolute_url()).content.decode()
    assert "市民生活部" in page  # the parent department is named too


def test_partner_page_of_a_municipality_shows_its_derived_corporate_number(client, kawasaki, partner_types):
    partner = PartnerFactory(
        name="川崎市",
        partner_type=partner_types["municipality"],
        municipality=kawasaki,
        represented_municipality=kawasaki,
    )
    assert "7000020141305" in client.get(partner.get_absolute_url()).content.decode()


def test_unknown_partner_is_404(client, db):
    assert client.get(reverse("partners:detail", args=[999999])).status_code == 404


def test_partner_page_refuses_post(client, detailed_partner):
    assert client.post(detailed_partner.get_absolute_url()).status_code == 405


# --- language --------------------------------------------------------------------------------------


def test_pages_are_japanese_by_default(client, reference_data):
    assert '<html lang="ja">' in client.get(LIST_URL).content.decode()


def test_language_switch_to_english(client, kawasaki):
    PartnerFactory(name="森の会", municipality=kawasaki)
    response = client.post(reverse("set_language"), {"language": "en", "next": LIST_URL})
    assert response.status_code == 302
    page = client.get(LIST_URL).content.decode()
    assert '<html lang="en">' in page
    assert "Civic group (unincorporated)" in page  # reference data in its English name
    assert "森の会" in page  # partner names stay as they are

    client.post(reverse("set_language"), {"language": "ja", "next": LIST_URL})
    assert '<html lang="ja">' in client.get(LIST_URL).content.decode()


def test_english_founded_year_uses_the_romanised_era(client, detailed_partner):
    client.post(reverse("set_language"), {"language": "en"})
    page = client.get(detailed_partner.get_absolute_url()).content.decode()
    assert "Heisei 17" in page


# --- admin search ----------------------------------------------------------------------------------


def test_admin_changelist_search_uses_the_normalised_search(client_for, admin_user, kawasaki):
    PartnerFactory(name="NPOかわさき", municipality=kawasaki)
    PartnerFactory(name="森の会", municipality=kawasaki)
    response = client_for(admin_user).get(reverse("admin:partners_partner_changelist"), {"q": "ＮＰＯ"})
    assert response.status_code == 200
    assert [partner.name for partner in response.context["cl"].result_list] == ["NPOかわさき"]

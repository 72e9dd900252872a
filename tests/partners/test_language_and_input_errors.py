"""What the directory says about bad input, and how it presents Japanese data in English."""

import pytest
from django.urls import reverse
from django.utils import translation

from partners.models import Partner
from tests.factories import PartnerFactory


@pytest.mark.parametrize(
    ("query", "field"),
    [("q=森%00", "q"), ("ward=abc", "ward"), ("type=nope", "type"), ("field=1.5", "field"), ("sort=zz", "sort")],
)
def test_every_invalid_filter_shows_its_message_next_to_the_field(client, kawasaki, query, field):
    PartnerFactory(municipality=kawasaki)
    response = client.get(f"{reverse('partners:list')}?{query}")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="id_{field}-error"' in html
    assert f'aria-describedby="id_{field}-error"' in html
    assert html.count(f'id="id_{field}-error"') == 1


def test_wards_are_grouped_by_municipality(client, kawasaki_wards):
    html = client.get(reverse("partners:list")).content.decode()
    assert '<optgroup label="川崎市">' in html


def _english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return client


def test_english_page_shows_the_english_name_and_marks_japanese_data(client, kawasaki, partner_types):
    partner = PartnerFactory(
        municipality=kawasaki, name="明治大学", name_en="Meiji University", partner_type=partner_types["university"]
    )
    japanese_only = PartnerFactory(municipality=kawasaki, name="海風の森をMAZUつくる会", description="森づくり")
    client = _english(client)
    listing = client.get(reverse("partners:list")).content.decode()
    assert ">Meiji University</a>" in listing
    assert '<span lang="ja">海風の森をMAZUつくる会</span>' in listing
    assert '<p class="mb-0" lang="ja">森づくり</p>' in listing
    detail = client.get(partner.get_absolute_url()).content.decode()
    assert "<title>Meiji University | " in detail
    assert '<p class="mb-1" lang="ja">明治大学</p>' in detail
    other = client.get(japanese_only.get_absolute_url()).content.decode()
    assert '<h1 class="mb-1"><span lang="ja">海風の森をMAZUつくる会</span></h1>' in other


def test_display_name_follows_the_language(kawasaki):
    partner = Partner(name="明治大学", name_en="Meiji University")
    with translation.override("ja"):
        assert partner.display_name == "明治大学"
    with translation.override("en"):
        assert partner.display_name == "Meiji University"
    assert Partner(name="会").display_name == "会"


def test_demo_banner_only_where_switched_on(client, settings, db):
    settings.DEMO_BANNER = False
    assert "demo-banner" not in client.get("/").content.decode()
    settings.DEMO_BANNER = True
    assert "demo-banner" in client.get("/").content.decode()

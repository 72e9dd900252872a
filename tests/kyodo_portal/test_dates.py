"""Fiscal years, era years and the template filters that show them beside 西暦."""

import datetime

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone, translation

from kyodo_portal import dates
from kyodo_portal.templatetags.portal import fiscal_year, query_with, wareki_date, wareki_year, yen

UTC = datetime.UTC


# --- fiscal years ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2026, 3, 31), 2025),
        (datetime.date(2026, 4, 1), 2026),
        (datetime.date(2026, 12, 31), 2026),
        (datetime.date(2027, 1, 1), 2026),
        (datetime.date(2027, 3, 31), 2026),
    ],
)
def test_fiscal_year_of_a_date(day, expected):
    assert dates.fiscal_year_of(day) == expected


def test_fiscal_year_of_an_aware_datetime_uses_tokyo_time():
    # 15:30 UTC on 31 March is 00:30 on 1 April in Tokyo: the new fiscal year has begun.
    assert dates.fiscal_year_of(datetime.datetime(2026, 3, 31, 15, 30, tzinfo=UTC)) == 2026
    # 14:59 UTC is still 23:59 on 31 March in Tokyo.
    assert dates.fiscal_year_of(datetime.datetime(2026, 3, 31, 14, 59, tzinfo=UTC)) == 2025


def test_fiscal_year_of_a_naive_datetime_takes_its_date():
    assert dates.fiscal_year_of(datetime.datetime(2026, 3, 31, 23, 59)) == 2025  # noqa: DTZ001


def test_fiscal_year_of_nothing_is_today_in_tokyo():
    assert dates.fiscal_year_of() == dates.fiscal_year_of(timezone.localdate())


def test_fiscal_year_bounds():
    assert dates.fiscal_year_bounds(2026) == (datetime.date(2026, 4, 1), datetime.date(2027, 3, 31))


# --- eras ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fiscal_year", "era", "year"),
    [
        (2019, "令和", 1),  # 令和 began on 1 May 2019: the whole FY2019 is 令和元年度
        (2026, "令和", 8),
        (2018, "平成", 30),
        (1989, "平成", 1),
        (1988, "昭和", 63),
    ],
)
def test_era_for_fiscal_year(fiscal_year, era, year):
    found_era, found_year = dates.era_for_fiscal_year(fiscal_year)
    assert (found_era.name, found_year) == (era, year)


@pytest.mark.parametrize(
    ("day", "era", "year"),
    [
        (datetime.date(2019, 4, 30), "平成", 31),
        (datetime.date(2019, 5, 1), "令和", 1),
        (datetime.date(1989, 1, 7), "昭和", 64),
        (datetime.date(1989, 1, 8), "平成", 1),
        (datetime.date(1926, 12, 25), "昭和", 1),
        (datetime.date(1868, 10, 23), "明治", 1),
    ],
)
def test_era_for_date_switches_on_the_first_day_of_an_era(day, era, year):
    found_era, found_year = dates.era_for_date(day)
    assert (found_era.name, found_year) == (era, year)


def test_era_for_date_before_meiji_is_refused():
    with pytest.raises(ValueError):
        dates.era_for_date(datetime.date(1868, 10, 22))


# --- formatting ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fiscal_year", "era_text"),
    [(2019, "令和元"), (2026, "令和8"), (2018, "平成30"), (1988, "昭和63")],
)
def test_format_fiscal_year_in_japanese_has_both_calendars(fiscal_year, era_text):
    with translation.override("ja"):
        text = dates.format_fiscal_year(fiscal_year)
    assert era_text in text
    assert str(fiscal_year) in text


def test_format_fiscal_year_in_english_uses_the_romanised_era():
    with translation.override("en"):
        text = dates.format_fiscal_year(2019)
    assert "Reiwa 1" in text
    assert "2019" in text
    assert "令和" not in text


@pytest.mark.parametrize(
    ("year", "era_text"),
    [(2005, "平成17"), (1989, "平成元"), (2019, "令和元"), (1988, "昭和63")],
)
def test_format_year_in_japanese_has_both_calendars(year, era_text):
    with translation.override("ja"):
        text = dates.format_year(year)
    assert era_text in text
    assert str(year) in text


def test_format_date_in_japanese_has_both_calendars():
    with translation.override("ja"):
        text = dates.format_date(datetime.date(2026, 11, 23))
    assert "令和8" in text
    for digits in ("2026", "11", "23"):
        assert digits in text


def test_format_date_of_an_aware_datetime_uses_the_tokyo_date():
    with translation.override("ja"):
        assert dates.format_date(datetime.datetime(2026, 3, 31, 15, 30, tzinfo=UTC)) == dates.format_date(
            datetime.date(2026, 4, 1)
        )
        assert dates.format_date(datetime.datetime(2019, 4, 30, 15, 0, tzinfo=UTC)) == dates.format_date(
            datetime.date(2019, 5, 1)
        )


# --- template filters ------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["ja", "en"])
def test_yen_groups_thousands(language):
    with translation.override(language):
        text = yen(1835000)
    assert "1,835,000" in text


@pytest.mark.parametrize("value", [1835000, "1835000"])
def test_yen_accepts_numbers_and_numeric_strings(value):
    with translation.override("ja"):
        assert "1,835,000" in yen(value)


@pytest.mark.parametrize("empty", [None, ""])
def test_yen_of_nothing_is_empty(empty):
    assert yen(empty) == ""


def test_yen_of_zero_is_shown():
    with translation.override("ja"):
        assert "0" in yen(0)


def test_wareki_filters_render_in_a_template():
    template = Template("{% load portal %}{{ year|wareki_year }}|{{ fy|fiscal_year }}|{{ day|wareki_date }}")
    with translation.override("ja"):
        text = template.render(Context({"year": 2005, "fy": 2019, "day": datetime.date(2026, 4, 1)}))
    year_text, fiscal_text, day_text = text.split("|")
    assert "平成17" in year_text and "2005" in year_text
    assert "令和元" in fiscal_text and "2019" in fiscal_text
    assert "令和8" in day_text and "2026" in day_text


@pytest.mark.parametrize("empty", [None, ""])
def test_wareki_filters_of_nothing_are_empty(empty):
    assert wareki_date(empty) == ""
    assert wareki_year(empty) == ""
    assert fiscal_year(empty) == ""


# --- query_with ------------------------------------------------------------------------------------


def test_query_with_replaces_one_parameter_and_keeps_the_others():
    request = RequestFactory().get("/partners/", {"q": "森", "type": "npo", "page": "1"})
    assert query_with({"request": request}, page=3) == "?q=%E6%A3%AE&type=npo&page=3"


def test_query_with_drops_parameters_set_to_nothing():
    request = RequestFactory().get("/partners/", {"type": "npo", "page": "2"})
    assert query_with({"request": request}, page=None) == "?type=npo"
    assert query_with({"request": RequestFactory().get("/partners/", {"page": "2"})}, page="") == "?"

"""Japanese calendar helpers: fiscal years (年度, April–March) and era years (和暦) beside 西暦."""

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from kyodo_portal.text import in_japanese


@dataclass(frozen=True)
class Era:
    name: str
    name_en: str
    start: datetime.date


ERAS = (
    Era("令和", "Reiwa", datetime.date(2019, 5, 1)),
    Era("平成", "Heisei", datetime.date(1989, 1, 8)),
    Era("昭和", "Showa", datetime.date(1926, 12, 25)),
    Era("大正", "Taisho", datetime.date(1912, 7, 30)),
    Era("明治", "Meiji", datetime.date(1868, 10, 23)),
)


def era_for_date(day: datetime.date) -> tuple[Era, int]:
    for era in ERAS:
        if day >= era.start:
            return era, day.year - era.start.year + 1
    raise ValueError(f"{day} is before the Meiji era")


def fiscal_year_of(day: datetime.date | datetime.datetime | None = None) -> int:
    """The fiscal year (年度) a day falls in: FY2026 runs from 2026-04-01 to 2027-03-31."""
    if day is None:
        day = timezone.localdate()
    elif isinstance(day, datetime.datetime):
        day = timezone.localtime(day).date() if timezone.is_aware(day) else day.date()
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_bounds(fiscal_year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(fiscal_year, 4, 1), datetime.date(fiscal_year + 1, 3, 31)


def era_for_fiscal_year(fiscal_year: int) -> tuple[Era, int]:
    """A new era that begins during a fiscal year names the whole year (FY2019 is 令和元年度)."""
    start, end = fiscal_year_bounds(fiscal_year)
    for era in ERAS:
        if era.start.year == fiscal_year and start <= era.start <= end:
            return era, 1
    return era_for_date(start)


def _era_year(era: Era, year: int, *, japanese: bool) -> str:
    if japanese:
        return f"{era.name}{'元' if year == 1 else year}"
    return f"{era.name_en} {year}"


def format_fiscal_year(fiscal_year: int) -> str:
    """令和8年度（2026年度） in Japanese, FY2026 (Reiwa 8) in English."""
    era, year = era_for_fiscal_year(fiscal_year)
    japanese = in_japanese()
    return _("%(era)s fiscal year (FY%(year)s)") % {
        "era": _era_year(era, year, japanese=japanese),
        "year": fiscal_year,
    }


def format_year(year: int) -> str:
    """2005年（平成17年）: a calendar year with its era year (taken at the year's end)."""
    era, era_year = era_for_date(datetime.date(year, 12, 31))
    return _("%(year)s (%(era)s)") % {"year": year, "era": _era_year(era, era_year, japanese=in_japanese())}


def format_date(day: datetime.date | datetime.datetime) -> str:
    """2026年11月23日（令和8年）."""
    if isinstance(day, datetime.datetime):
        day = timezone.localtime(day).date() if timezone.is_aware(day) else day.date()
    era, year = era_for_date(day)
    return _("%(month)s/%(day)s/%(year)s (%(era)s)") % {
        "year": day.year,
        "month": day.month,
        "day": day.day,
        "era": _era_year(era, year, japanese=in_japanese()),
    }

"""The city's working days (開庁日): deadlines counted in working days, and deadlines that end on a closed day.

A day is closed when it is a Saturday or Sunday, a national holiday under the 国民の祝日に関する法律 (with
振替休日 and 国民の休日, from the maintained ``holidays`` package), or one of the year-end days 12/29–1/3
(行政機関の休日に関する法律 第1条, which municipalities follow in their 休日条例).
"""

import datetime
from functools import lru_cache

import holidays

YEAR_END_CLOSED = frozenset({(12, 29), (12, 30), (12, 31), (1, 1), (1, 2), (1, 3)})
# A deadline never lies more than this many days ahead of its start: the longest closure (Golden Week
# with the year end) is far shorter. It stops a loop should a calendar ever be wrong.
_MAX_SEARCH_DAYS = 3660


@lru_cache(maxsize=64)
def _national_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("JP", years=year)


def holiday_name(day: datetime.date) -> str | None:
    """The national holiday's name (in English, as the package gives it), or None."""
    return _national_holidays(day.year).get(day)


def is_working_day(day: datetime.date) -> bool:
    if day.weekday() >= 5:
        return False
    if (day.month, day.day) in YEAR_END_CLOSED:
        return False
    return day not in _national_holidays(day.year)


def next_working_day(day: datetime.date) -> datetime.date:
    """The day itself if the office is open on it, otherwise the next day it is (期限の末日が休日なら翌開庁日)."""
    for _offset in range(_MAX_SEARCH_DAYS):
        if is_working_day(day):
            return day
        day += datetime.timedelta(days=1)
    raise ValueError("no working day found")  # pragma: no cover - the calendar always has one


def add_working_days(day: datetime.date, count: int) -> datetime.date:
    """The working day ``count`` working days after ``day`` (the day itself not counted, as 初日不算入).

    Received on Friday 2026-11-20, five working days later is Monday 11-30: Monday 11-23 is a holiday.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    if count == 0:
        return next_working_day(day)
    for _offset in range(_MAX_SEARCH_DAYS):
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            count -= 1
            if count == 0:
                return day
    raise ValueError("no working day found")  # pragma: no cover


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end is not after start)."""
    count = 0
    day = start
    while day < end:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def deadline_after_days(day: datetime.date, days: int) -> datetime.date:
    """A deadline ``days`` calendar days after ``day``, moved to the next working day if the office is closed."""
    return next_working_day(day + datetime.timedelta(days=days))

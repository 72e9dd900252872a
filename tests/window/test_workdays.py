"""The city's working days (開庁日): weekends, national holidays (振替休日, 国民の休日) and 12/29–1/3 are closed."""

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kyodo_portal.workdays import (
    add_working_days,
    deadline_after_days,
    holiday_name,
    is_working_day,
    next_working_day,
    working_days_between,
)

D = datetime.date


@pytest.mark.parametrize(
    "day",
    [
        D(2026, 11, 20),  # Friday
        D(2026, 11, 24),  # Tuesday after the Labour Thanksgiving Day
        D(2026, 12, 28),  # Monday, the last day open before the year end (御用納め)
        D(2027, 1, 4),  # Monday, the first day open after it (御用始め)
        D(2026, 5, 7),  # Thursday after Golden Week
        D(2026, 9, 24),  # Thursday after the Silver Week
    ],
)
def test_weekdays_that_are_no_holiday_are_working_days(day):
    assert day.weekday() < 5
    assert is_working_day(day)


@pytest.mark.parametrize("day", [D(2026, 11, 21), D(2026, 11, 22), D(2026, 5, 2), D(2027, 1, 9), D(2027, 1, 10)])
def test_saturdays_and_sundays_are_closed(day):
    assert day.weekday() >= 5
    assert not is_working_day(day)


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (D(2026, 11, 23), "Labor Thanksgiving Day"),  # a Monday
        (D(2026, 4, 29), "Showa Day"),
        (D(2026, 5, 4), "Greenery Day"),
        (D(2026, 5, 5), "Children's Day"),
        (D(2026, 5, 6), "Substitute Holiday"),  # 振替休日: Constitution Day (5/3) was a Sunday
        (D(2026, 9, 21), "Respect for the Aged Day"),
        (D(2026, 9, 22), "National Holiday"),  # 国民の休日: between two holidays
        (D(2026, 9, 23), "Autumnal Equinox Day"),
        (D(2026, 7, 20), "Marine Day"),
        (D(2026, 8, 11), "Mountain Day"),
    ],
)
def test_national_holidays_on_weekdays_are_closed(day, name):
    assert day.weekday() < 5
    assert holiday_name(day) == name
    assert not is_working_day(day)


def test_a_working_day_has_no_holiday_name():
    assert holiday_name(D(2026, 11, 24)) is None


@pytest.mark.parametrize(
    "day",
    [D(2026, 12, 29), D(2026, 12, 30), D(2026, 12, 31), D(2027, 1, 1), D(2025, 12, 29), D(2025, 12, 30), D(2026, 1, 2)],
)
def test_the_year_end_days_are_closed_even_on_weekdays(day):
    if (day.month, day.day) != (1, 1):
        assert holiday_name(day) is None  # closed by the 休日条例, not as a national holiday
    assert day.weekday() < 5
    assert not is_working_day(day)


def test_the_days_around_the_year_end_closure_are_open():
    assert is_working_day(D(2026, 12, 28))
    assert is_working_day(D(2026, 1, 5))  # Monday 2026-01-05 after 12/29–1/4 (1/3, 1/4 a weekend)


def test_next_working_day_is_the_day_itself_when_open():
    assert next_working_day(D(2026, 11, 24)) == D(2026, 11, 24)
    assert next_working_day(D(2026, 11, 21)) == D(2026, 11, 24)  # Sat → Sun → holiday Mon → Tue
    assert next_working_day(D(2026, 12, 29)) == D(2027, 1, 4)


# --- add_working_days --------------------------------------------------------------------------------------


def test_add_working_days_docstring_example_skips_the_labour_thanksgiving_day():
    # Received Friday 2026-11-20; Monday 11-23 is a holiday: 24, 25, 26, 27, 30.
    assert add_working_days(D(2026, 11, 20), 5) == D(2026, 11, 30)


def test_add_working_days_does_not_count_the_first_day():
    assert add_working_days(D(2026, 11, 24), 1) == D(2026, 11, 25)
    assert add_working_days(D(2026, 11, 27), 1) == D(2026, 11, 30)  # Friday → Monday


def test_add_working_days_across_the_year_end():
    # Friday 12-25: Monday 12-28 is the one working day before the closure; then 1/4 and 1/5.
    assert add_working_days(D(2026, 12, 25), 1) == D(2026, 12, 28)
    assert add_working_days(D(2026, 12, 25), 2) == D(2027, 1, 4)
    assert add_working_days(D(2026, 12, 25), 3) == D(2027, 1, 5)
    assert add_working_days(D(2026, 12, 25), 5) == D(2027, 1, 7)


def test_add_working_days_across_golden_week():
    # 2026: 4/29 Showa Day (Wed); 5/2–5/6 closed (weekend, 5/3–5/5, 振替休日 5/6).
    assert add_working_days(D(2026, 4, 28), 2) == D(2026, 5, 1)
    assert add_working_days(D(2026, 4, 30), 2) == D(2026, 5, 7)
    assert add_working_days(D(2026, 5, 1), 5) == D(2026, 5, 13)


def test_add_working_days_across_the_silver_week():
    # 2026-09-19 (Sat) to 09-23 (Wed): weekend, 敬老の日, 国民の休日, 秋分の日.
    assert add_working_days(D(2026, 9, 18), 1) == D(2026, 9, 24)


def test_add_zero_working_days_is_the_next_working_day():
    assert add_working_days(D(2026, 11, 24), 0) == D(2026, 11, 24)
    assert add_working_days(D(2026, 5, 2), 0) == D(2026, 5, 7)
    assert add_working_days(D(2026, 12, 31), 0) == D(2027, 1, 4)


def test_add_working_days_refuses_a_negative_count():
    with pytest.raises(ValueError):
        add_working_days(D(2026, 11, 24), -1)


# --- working_days_between ------------------------------------------------------------------------------------


def test_working_days_between_counts_after_the_start_up_to_the_end():
    assert working_days_between(D(2026, 11, 20), D(2026, 11, 30)) == 5
    assert working_days_between(D(2026, 11, 24), D(2026, 11, 25)) == 1
    assert working_days_between(D(2026, 11, 20), D(2026, 11, 23)) == 0  # Sat, Sun, holiday
    assert working_days_between(D(2026, 12, 28), D(2027, 1, 4)) == 1
    assert working_days_between(D(2026, 4, 30), D(2026, 5, 7)) == 2


def test_working_days_between_is_zero_when_the_end_is_not_after_the_start():
    assert working_days_between(D(2026, 11, 24), D(2026, 11, 24)) == 0
    assert working_days_between(D(2026, 11, 30), D(2026, 11, 20)) == 0


# --- deadline_after_days -------------------------------------------------------------------------------------


def test_deadline_after_days_on_a_working_day_stays():
    # Routed Tuesday 2026-11-24: 30 days later is Thursday 12-24.
    assert deadline_after_days(D(2026, 11, 24), 30) == D(2026, 12, 24)


def test_deadline_after_days_on_a_holiday_moves_to_the_next_working_day():
    # 2026-10-24 + 30 = Monday 11-23, the Labour Thanksgiving Day → Tuesday 11-24.
    assert deadline_after_days(D(2026, 10, 24), 30) == D(2026, 11, 24)


def test_deadline_after_days_on_a_weekend_moves_to_monday():
    # 2026-10-02 + 30 = Sunday 11-01 → Monday 11-02.
    assert deadline_after_days(D(2026, 10, 2), 30) == D(2026, 11, 2)


def test_deadline_after_days_in_the_year_end_closure_moves_to_the_new_year():
    # 2026-11-30 + 30 = Wednesday 12-30 → Monday 2027-01-04.
    assert deadline_after_days(D(2026, 11, 30), 30) == D(2027, 1, 4)


def test_deadline_after_days_in_golden_week_moves_past_it():
    # 2026-04-05 + 30 = Tuesday 05-05 → Thursday 05-07 (05-06 is the 振替休日).
    assert deadline_after_days(D(2026, 4, 5), 30) == D(2026, 5, 7)


# --- properties ---------------------------------------------------------------------------------------------

days = st.dates(min_value=D(2019, 1, 1), max_value=D(2031, 12, 31))


@settings(max_examples=200, deadline=None)
@given(start=days, count=st.integers(min_value=1, max_value=60))
def test_add_working_days_lands_on_a_working_day_that_many_working_days_later(start, count):
    result = add_working_days(start, count)
    assert result > start
    assert is_working_day(result)
    assert working_days_between(start, result) == count
    # and not a day earlier: the day before the result is one working day short
    assert working_days_between(start, result - datetime.timedelta(days=1)) == count - 1


@settings(max_examples=200, deadline=None)
@given(start=days)
def test_adding_zero_working_days_is_the_next_working_day(start):
    result = add_working_days(start, 0)
    assert result == next_working_day(start)
    assert is_working_day(result)
    assert result >= start
    assert working_days_between(start, result) == (0 if result == start else 1)


@settings(max_examples=200, deadline=None)
@given(start=days, count=st.integers(min_value=0, max_value=60))
def test_a_deadline_after_days_is_the_first_working_day_on_or_after_the_calendar_date(start, count):
    calendar = start + datetime.timedelta(days=count)
    deadline = deadline_after_days(start, count)
    assert is_working_day(deadline)
    assert deadline >= calendar
    assert working_days_between(calendar, deadline - datetime.timedelta(days=1)) == 0
    assert is_working_day(calendar) == (deadline == calendar)

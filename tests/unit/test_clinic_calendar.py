"""Which days the clinic is open: weekdays, closures and bank holidays, years ahead."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from clinic_app.domain.clinic_calendar import ClinicCalendar

WEEKDAYS = range(5)


@pytest.fixture(scope="module")
def england() -> ClinicCalendar:
    return ClinicCalendar.build(WEEKDAYS, country="GB", subdivision="ENG")


def test_weekends_are_closed_and_weekdays_open() -> None:
    calendar = ClinicCalendar(WEEKDAYS)
    monday = date(2026, 3, 2)
    days = [monday + timedelta(days=offset) for offset in range(7)]
    assert [calendar.is_open(day) for day in days] == [True] * 5 + [False] * 2


@pytest.mark.parametrize(
    "holiday",
    [
        date(2026, 1, 1),  # New Year's Day
        date(2026, 4, 3),  # Good Friday
        date(2026, 4, 6),  # Easter Monday
        date(2026, 5, 4),  # Early May bank holiday
        date(2026, 5, 25),  # Spring bank holiday
        date(2026, 8, 31),  # Summer bank holiday
        date(2026, 12, 25),  # Christmas Day, a Friday
        date(2026, 12, 28),  # Boxing Day falls on a Saturday: the Monday is the holiday
    ],
)
def test_england_bank_holidays_are_closed(england: ClinicCalendar, holiday: date) -> None:
    assert not england.is_open(holiday)


def test_the_days_around_easter_and_christmas_are_open(england: ClinicCalendar) -> None:
    assert england.is_open(date(2026, 4, 2))  # Maundy Thursday
    assert england.is_open(date(2026, 4, 7))  # the Tuesday after Easter Monday
    assert england.is_open(date(2026, 12, 24))
    assert england.is_open(date(2026, 12, 29))


def test_holidays_are_known_for_whatever_year_is_asked(england: ClinicCalendar) -> None:
    # The engine plans years ahead: nobody has to say which years to load.
    assert not england.is_open(date(2040, 12, 25))
    assert not england.is_open(date(2031, 4, 11))  # Good Friday 2031
    assert england.is_open(date(2031, 4, 10))
    assert not england.is_open(date(2019, 4, 22))  # Easter Monday 2019, behind the table


def test_scotland_has_its_own_holidays() -> None:
    scotland = ClinicCalendar.build(WEEKDAYS, country="GB", subdivision="SCT")
    england = ClinicCalendar.build(WEEKDAYS, country="GB", subdivision="ENG")
    second_of_january = date(2026, 1, 2)
    assert not scotland.is_open(second_of_january)
    assert england.is_open(second_of_january)


def test_closures_are_single_days_or_inclusive_ranges() -> None:
    calendar = ClinicCalendar(
        WEEKDAYS, closures=[date(2026, 3, 4), (date(2026, 3, 9), date(2026, 3, 11))]
    )
    assert not calendar.is_open(date(2026, 3, 4))
    assert calendar.is_open(date(2026, 3, 5))
    assert [calendar.is_open(date(2026, 3, day)) for day in range(9, 13)] == [
        False,
        False,
        False,
        True,
    ]


def test_next_open_day_steps_over_closures_weekends_and_holidays(
    england: ClinicCalendar,
) -> None:
    assert england.next_open(date(2026, 4, 3)) == date(2026, 4, 7)  # Good Friday to Tuesday
    assert england.next_open(date(2026, 12, 25)) == date(2026, 12, 29)
    assert england.next_open(date(2026, 12, 29)) == date(2026, 12, 29)


def test_a_clinic_open_on_saturdays() -> None:
    calendar = ClinicCalendar([0, 1, 2, 3, 4, 5])
    assert calendar.is_open(date(2026, 3, 7))
    assert not calendar.is_open(date(2026, 3, 8))


def test_no_country_means_no_public_holidays() -> None:
    calendar = ClinicCalendar.build(WEEKDAYS, country=None)
    assert calendar.is_open(date(2026, 12, 25))


def test_holidays_are_asked_once_per_year() -> None:
    asked: list[int] = []

    def source(year: int) -> list[date]:
        asked.append(year)
        return [date(year, 7, 4)]

    calendar = ClinicCalendar(WEEKDAYS, holidays=source)
    for day in range(1, 29):
        calendar.is_open(date(2026, 7, day))
        calendar.is_open(date(2028, 7, day))
    assert not calendar.is_open(date(2028, 7, 4))  # a Tuesday, closed by the source
    assert calendar.is_open(date(2028, 7, 5))
    assert sorted(asked) == [2026, 2027, 2028]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"open_weekdays": []}, "at least one weekday"),
        ({"open_weekdays": [0, 7]}, "0 \\(Monday\\) to 6"),
        (
            {"open_weekdays": WEEKDAYS, "closures": [(date(2026, 3, 9), date(2026, 3, 1))]},
            "ends before it starts",
        ),
    ],
)
def test_impossible_calendars_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ClinicCalendar(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(("country", "subdivision"), [("XX", None), ("GB", "ATLANTIS")])
def test_an_unknown_country_or_region_fails_when_the_calendar_is_built(
    country: str, subdivision: str | None
) -> None:
    with pytest.raises(ValueError):
        ClinicCalendar.build(WEEKDAYS, country=country, subdivision=subdivision)


def test_lower_case_codes_are_accepted() -> None:
    calendar = ClinicCalendar.build(WEEKDAYS, country="gb", subdivision="eng")
    assert not calendar.is_open(date(2026, 12, 25))

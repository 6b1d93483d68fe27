"""Working days, bank holidays of the three UK regions, and local time across clock changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from scheduling.rules import CalendarSettings, Region, WorkingHours
from scheduling.workdays import WorkingCalendar, format_day, format_local

LONDON = ZoneInfo("Europe/London")
ENG = WorkingCalendar(CalendarSettings(region=Region.ENGLAND_WALES))
SCT = WorkingCalendar(CalendarSettings(region=Region.SCOTLAND))
NIR = WorkingCalendar(CalendarSettings(region=Region.NORTHERN_IRELAND))
CALENDARS = {"ENG": ENG, "SCT": SCT, "NIR": NIR}


def d(text: str) -> date:
    return date.fromisoformat(text)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def london(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


# -- which days are working days --------------------------------------------

NON_WORKING = [
    # weekends, with the bank holiday that falls on them (it moves to a substitute day)
    ("ENG", "2026-11-21", "Saturday"),
    ("ENG", "2026-11-22", "Sunday"),
    ("ENG", "2026-12-26", "Saturday, Boxing Day"),
    ("ENG", "2027-12-25", "Saturday, Christmas Day"),
    ("ENG", "2027-12-26", "Sunday, Boxing Day"),
    ("ENG", "2022-01-01", "Saturday, New Year's Day"),
    # New Year, with substitutes
    ("ENG", "2026-01-01", "New Year's Day (bank holiday)"),
    ("ENG", "2027-01-01", "New Year's Day (bank holiday)"),
    ("ENG", "2022-01-03", "substitute for New Year's Day (bank holiday)"),
    ("ENG", "2023-01-02", "substitute for New Year's Day (bank holiday)"),
    ("SCT", "2026-01-02", "New Year Holiday (bank holiday)"),
    ("SCT", "2027-01-04", "substitute for New Year Holiday (bank holiday)"),
    ("SCT", "2023-01-02", "New Year Holiday and substitute for New Year's Day (bank holiday)"),
    ("SCT", "2023-01-03", "substitute for New Year Holiday (bank holiday)"),
    # Easter (no Easter Monday in Scotland)
    ("ENG", "2026-04-03", "Good Friday (bank holiday)"),
    ("ENG", "2026-04-06", "Easter Monday (bank holiday)"),
    ("SCT", "2026-04-03", "Good Friday (bank holiday)"),
    ("NIR", "2026-04-06", "Easter Monday (bank holiday)"),
    ("ENG", "2027-03-26", "Good Friday (bank holiday)"),
    ("ENG", "2027-03-29", "Easter Monday (bank holiday)"),
    # May and spring
    ("ENG", "2026-05-04", "May Day (bank holiday)"),
    ("ENG", "2026-05-25", "Spring Bank Holiday (bank holiday)"),
    ("SCT", "2027-05-31", "Spring Bank Holiday (bank holiday)"),
    # summer: last Monday of August in England, Wales and NI; first Monday in Scotland
    ("ENG", "2026-08-31", "Late Summer Bank Holiday (bank holiday)"),
    ("NIR", "2026-08-31", "Late Summer Bank Holiday (bank holiday)"),
    ("SCT", "2026-08-03", "Summer Bank Holiday (bank holiday)"),
    ("SCT", "2027-08-02", "Summer Bank Holiday (bank holiday)"),
    # Christmas and Boxing Day, with substitutes in 2026 and 2027
    ("ENG", "2026-12-25", "Christmas Day (bank holiday)"),
    ("ENG", "2026-12-28", "substitute for Boxing Day (bank holiday)"),
    ("ENG", "2027-12-27", "substitute for Christmas Day (bank holiday)"),
    ("ENG", "2027-12-28", "substitute for Boxing Day (bank holiday)"),
    ("SCT", "2026-12-28", "substitute for Boxing Day (bank holiday)"),
    ("NIR", "2027-12-28", "substitute for Boxing Day (bank holiday)"),
    # Scotland's and Northern Ireland's own
    ("SCT", "2026-11-30", "Saint Andrew's Day (bank holiday)"),
    ("SCT", "2027-11-30", "Saint Andrew's Day (bank holiday)"),
    ("NIR", "2026-03-17", "Saint Patrick's Day (bank holiday)"),
    ("NIR", "2027-03-17", "Saint Patrick's Day (bank holiday)"),
    ("NIR", "2026-07-13", "substitute for Battle of the Boyne (bank holiday)"),
    ("NIR", "2027-07-12", "Battle of the Boyne (bank holiday)"),
    # one-off holidays
    ("ENG", "2022-06-02", "Spring Bank Holiday (bank holiday)"),
    ("ENG", "2022-06-03", "Platinum Jubilee of Elizabeth II (bank holiday)"),
    ("ENG", "2022-09-19", "State Funeral of Queen Elizabeth II (bank holiday)"),
    ("SCT", "2022-09-19", "State Funeral of Queen Elizabeth II (bank holiday)"),
    ("NIR", "2022-09-19", "State Funeral of Queen Elizabeth II (bank holiday)"),
    ("ENG", "2023-05-08", "Coronation of Charles III (bank holiday)"),
    ("NIR", "2023-05-08", "Coronation of Charles III (bank holiday)"),
]

WORKING = [
    ("ENG", "2026-11-23"),  # an ordinary Monday
    ("ENG", "2026-12-24"),  # Christmas Eve is not a bank holiday
    ("ENG", "2026-12-31"),
    ("ENG", "2026-01-02"),  # New Year Holiday is Scottish only
    ("SCT", "2026-04-06"),  # no Easter Monday in Scotland
    ("SCT", "2026-08-31"),  # Scotland's summer holiday is at the start of August
    ("ENG", "2026-08-03"),
    ("ENG", "2026-11-30"),  # St Andrew's Day is Scottish only
    ("ENG", "2026-03-17"),  # St Patrick's Day is Northern Irish only
    ("ENG", "2027-07-12"),
    ("SCT", "2026-07-13"),
    ("ENG", "2022-05-30"),  # the 2022 spring bank holiday moved to 2 June
    ("ENG", "2027-12-29"),
]


@pytest.mark.parametrize(("region", "day", "reason"), NON_WORKING)
def test_non_working_days_and_why(region: str, day: str, reason: str) -> None:
    calendar = CALENDARS[region]
    assert calendar.non_working_reason(d(day)) == reason
    assert calendar.is_working_day(d(day)) is False


@pytest.mark.parametrize(("region", "day"), WORKING)
def test_working_days(region: str, day: str) -> None:
    calendar = CALENDARS[region]
    assert calendar.non_working_reason(d(day)) is None
    assert calendar.is_working_day(d(day)) is True


def test_closure_days_are_not_working_days_but_bank_holidays_name_themselves_first() -> None:
    calendar = WorkingCalendar(
        CalendarSettings(closure_days=frozenset({d("2026-12-24"), d("2026-12-25")}))
    )
    assert calendar.non_working_reason(d("2026-12-24")) == "closure day"
    assert calendar.non_working_reason(d("2026-12-25")) == "Christmas Day (bank holiday)"
    assert calendar.is_working_day(d("2026-12-23")) is True


def test_working_days_in_2026_england() -> None:
    """253 working days: 261 weekdays minus the 8 bank holidays, all on weekdays."""
    days = [date.fromordinal(d("2026-01-01").toordinal() + i) for i in range(365)]
    assert sum(ENG.is_working_day(day) for day in days) == 253


def test_bank_holidays_are_cached_per_region_and_year() -> None:
    again = WorkingCalendar(CalendarSettings(region=Region.ENGLAND_WALES))
    assert again.bank_holidays(2026) is ENG.bank_holidays(2026)
    assert SCT.bank_holidays(2026) is not ENG.bank_holidays(2026)
    assert sorted(ENG.bank_holidays(2026)) == [
        d("2026-01-01"), d("2026-04-03"), d("2026-04-06"), d("2026-05-04"),
        d("2026-05-25"), d("2026-08-31"), d("2026-12-25"), d("2026-12-26"), d("2026-12-28"),
    ]  # fmt: skip


# -- counting working days --------------------------------------------------

ADD_WORKING_DAYS = [
    ("ENG", "2026-11-20", 0, "2026-11-20"),
    ("ENG", "2026-11-21", 0, "2026-11-21"),  # n=0 is the day itself, working or not
    ("ENG", "2026-11-20", 1, "2026-11-23"),
    ("ENG", "2026-11-21", 1, "2026-11-23"),
    ("ENG", "2026-11-22", 3, "2026-11-25"),
    ("ENG", "2026-11-23", 5, "2026-11-30"),
    ("SCT", "2026-11-23", 5, "2026-12-01"),  # St Andrew's Day
    ("ENG", "2026-12-23", 1, "2026-12-24"),
    ("ENG", "2026-12-24", 1, "2026-12-29"),  # Christmas, weekend, Boxing Day substitute
    ("ENG", "2026-12-23", 3, "2026-12-30"),
    ("ENG", "2026-12-30", 2, "2027-01-04"),  # year end, New Year's Day
    ("SCT", "2026-12-30", 2, "2027-01-05"),  # and Scotland's substitute New Year Holiday
    ("ENG", "2027-12-23", 2, "2027-12-29"),  # both substitutes in 2027
    ("ENG", "2027-12-31", 1, "2028-01-04"),  # New Year's Day 2028 is a Saturday
    ("ENG", "2026-04-02", 1, "2026-04-07"),  # Easter
    ("SCT", "2026-04-02", 1, "2026-04-06"),
    ("ENG", "2026-05-22", 1, "2026-05-26"),
    ("ENG", "2026-11-23", 15, "2026-12-14"),
    ("ENG", "2026-12-14", 15, "2027-01-07"),
    ("ENG", "2022-09-16", 1, "2022-09-20"),  # state funeral
    ("ENG", "2023-05-05", 1, "2023-05-09"),  # coronation
    ("NIR", "2026-03-16", 1, "2026-03-18"),  # St Patrick's Day
    ("NIR", "2026-07-10", 1, "2026-07-14"),  # Battle of the Boyne substitute
    # backwards
    ("ENG", "2026-11-23", -1, "2026-11-20"),
    ("ENG", "2026-12-29", -1, "2026-12-24"),
    ("ENG", "2027-01-04", -2, "2026-12-30"),
]


@pytest.mark.parametrize(("region", "start", "n", "expected"), ADD_WORKING_DAYS)
def test_add_working_days(region: str, start: str, n: int, expected: str) -> None:
    assert CALENDARS[region].add_working_days(d(start), n) == d(expected)


@pytest.mark.parametrize(
    ("start", "next_day", "on_or_after"),
    [
        ("2026-11-20", "2026-11-23", "2026-11-20"),
        ("2026-11-21", "2026-11-23", "2026-11-23"),
        ("2026-11-23", "2026-11-24", "2026-11-23"),
        ("2026-12-24", "2026-12-29", "2026-12-24"),
        ("2026-12-25", "2026-12-29", "2026-12-29"),
        ("2026-12-31", "2027-01-04", "2026-12-31"),
        ("2027-01-01", "2027-01-04", "2027-01-04"),
    ],
)
def test_next_working_day_and_on_or_after(start: str, next_day: str, on_or_after: str) -> None:
    assert ENG.next_working_day(d(start)) == d(next_day)
    assert ENG.working_day_on_or_after(d(start)) == d(on_or_after)


@pytest.mark.parametrize(
    ("region", "start", "end", "expected"),
    [
        ("ENG", "2026-11-20", "2026-11-20", 0),
        ("ENG", "2026-11-20", "2026-11-21", 0),
        ("ENG", "2026-11-20", "2026-11-23", 1),
        ("ENG", "2026-11-23", "2026-11-20", -1),
        ("ENG", "2026-11-21", "2026-11-25", 3),
        ("ENG", "2026-12-23", "2026-12-30", 3),
        ("ENG", "2026-12-30", "2026-12-23", -3),
        ("ENG", "2026-12-24", "2026-12-29", 1),
        ("ENG", "2026-12-31", "2027-01-04", 1),
        ("ENG", "2026-01-01", "2026-12-31", 253),  # all of 2026: 1 Jan is a holiday
        ("SCT", "2026-11-27", "2026-12-01", 1),
    ],
)
def test_working_days_between(region: str, start: str, end: str, expected: int) -> None:
    assert CALENDARS[region].working_days_between(d(start), d(end)) == expected


def test_working_days_between_undoes_add_working_days() -> None:
    start = d("2026-12-01")
    for offset in range(45):
        day = date.fromordinal(start.toordinal() + offset)
        for n in (0, 1, 3, 5, 15):
            assert ENG.working_days_between(day, ENG.add_working_days(day, n)) == n


def test_closure_days_are_skipped_when_counting() -> None:
    calendar = WorkingCalendar(
        CalendarSettings(closure_days=frozenset({d("2026-12-24"), d("2026-12-29")}))
    )
    assert calendar.add_working_days(d("2026-12-23"), 1) == d("2026-12-30")
    assert calendar.add_working_days(d("2026-12-23"), 3) == d("2027-01-04")
    assert calendar.working_days_between(d("2026-12-23"), d("2026-12-31")) == 2


# -- local time ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("instant", "local", "zone_name"),
    [
        ("2026-11-20T10:00:00", "2026-11-20T10:00:00+00:00", "GMT"),
        ("2026-06-01T10:00:00", "2026-06-01T11:00:00+01:00", "BST"),
        ("2026-03-29T00:59:59", "2026-03-29T00:59:59+00:00", "GMT"),
        ("2026-03-29T01:00:00", "2026-03-29T02:00:00+01:00", "BST"),
        ("2026-10-25T00:30:00", "2026-10-25T01:30:00+01:00", "BST"),
        ("2026-10-25T01:30:00", "2026-10-25T01:30:00+00:00", "GMT"),
        ("2026-10-24T23:30:00", "2026-10-25T00:30:00+01:00", "BST"),
    ],
)
def test_local(instant: str, local: str, zone_name: str) -> None:
    shown = ENG.local(utc(instant))
    assert shown.isoformat() == local
    assert shown.tzname() == zone_name


@pytest.mark.parametrize(
    ("instant", "day"),
    [
        ("2026-03-28T23:30:00", "2026-03-28"),  # GMT: still Saturday
        ("2026-10-24T22:59:59", "2026-10-24"),
        ("2026-10-24T23:00:00", "2026-10-25"),  # BST: already Sunday
        ("2026-12-31T23:59:59", "2026-12-31"),
        ("2026-06-30T23:30:00", "2026-07-01"),
    ],
)
def test_local_date(instant: str, day: str) -> None:
    assert ENG.local_date(utc(instant)) == d(day)


def test_local_accepts_any_aware_instant_and_refuses_naive_ones() -> None:
    assert ENG.local(london("2026-06-01T11:00:00")) == utc("2026-06-01T10:00:00")
    with pytest.raises(ValueError, match="no time zone"):
        ENG.local(datetime(2026, 6, 1, 10))


@pytest.mark.parametrize(
    ("day", "wall", "expected_utc"),
    [
        ("2026-11-24", "14:00", "2026-11-24T14:00:00"),
        ("2026-06-01", "14:00", "2026-06-01T13:00:00"),
        ("2026-03-29", "00:59", "2026-03-29T00:59:00"),
        # the spring-forward gap, 01:00-02:00 local: the first valid instant, 02:00 BST
        ("2026-03-29", "01:00", "2026-03-29T01:00:00"),
        ("2026-03-29", "01:30", "2026-03-29T01:00:00"),
        ("2026-03-29", "01:59:59", "2026-03-29T01:00:00"),
        ("2026-03-29", "02:00", "2026-03-29T01:00:00"),
        ("2026-03-29", "02:30", "2026-03-29T01:30:00"),
        # the autumn fold, 01:00-02:00 local twice: the first occurrence (BST)
        ("2026-10-25", "00:59", "2026-10-24T23:59:00"),
        ("2026-10-25", "01:00", "2026-10-25T00:00:00"),
        ("2026-10-25", "01:30", "2026-10-25T00:30:00"),
        ("2026-10-25", "02:00", "2026-10-25T02:00:00"),
    ],
)
def test_at_local(day: str, wall: str, expected_utc: str) -> None:
    at = ENG.at_local(d(day), time.fromisoformat(wall))
    assert at == utc(expected_utc)
    assert at.tzinfo is UTC


@pytest.mark.parametrize(
    ("day", "expected_utc"),
    [
        ("2026-11-24", "2026-11-24T23:59:59"),
        ("2026-03-28", "2026-03-28T23:59:59"),
        ("2026-03-29", "2026-03-29T22:59:59"),
        ("2026-10-24", "2026-10-24T22:59:59"),
        ("2026-10-25", "2026-10-25T23:59:59"),
        ("2026-12-31", "2026-12-31T23:59:59"),
    ],
)
def test_end_of_day(day: str, expected_utc: str) -> None:
    assert ENG.end_of_day(d(day)) == utc(expected_utc)


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        ("2026-11-23T08:59:59", False),
        ("2026-11-23T09:00:00", True),
        ("2026-11-23T16:59:59", True),
        ("2026-11-23T17:00:00", False),
        ("2026-06-01T08:00:00", True),  # 09:00 BST
        ("2026-06-01T07:59:00", False),  # 08:59 BST
        ("2026-06-01T16:00:00", False),  # 17:00 BST
        ("2026-11-21T12:00:00", False),  # Saturday
        ("2026-12-25T12:00:00", False),  # Christmas Day
        ("2026-12-28T12:00:00", False),  # substitute Boxing Day
    ],
)
def test_is_within_working_hours(instant: str, expected: bool) -> None:
    assert ENG.is_within_working_hours(utc(instant)) is expected


def test_working_hours_come_from_the_settings() -> None:
    calendar = WorkingCalendar(CalendarSettings(working_hours=WorkingHours(time(8), time(18))))
    assert calendar.is_within_working_hours(utc("2026-11-23T08:00:00")) is True
    assert calendar.is_within_working_hours(utc("2026-11-23T17:30:00")) is True
    assert calendar.is_within_working_hours(utc("2026-11-23T18:00:00")) is False


@pytest.mark.parametrize(
    ("instant", "at", "expected_utc"),
    [
        ("2026-11-23T08:00:00", "09:00", "2026-11-23T09:00:00"),
        ("2026-11-23T09:00:00", "09:00", "2026-11-24T09:00:00"),  # strictly after
        ("2026-11-20T16:00:00", "09:00", "2026-11-23T09:00:00"),
        ("2026-11-21T08:00:00", "09:00", "2026-11-23T09:00:00"),
        ("2026-12-24T10:00:00", "09:00", "2026-12-29T09:00:00"),
        ("2026-12-31T10:00:00", "09:00", "2027-01-04T09:00:00"),
        ("2026-03-27T10:00:00", "09:00", "2026-03-30T08:00:00"),  # into BST
        ("2026-10-23T10:00:00", "09:00", "2026-10-26T09:00:00"),  # into GMT
        ("2026-11-23T09:30:00", "10:00", "2026-11-23T10:00:00"),
        ("2026-04-02T18:00:00", "09:00", "2026-04-07T08:00:00"),  # Easter
    ],
)
def test_next_working_morning(instant: str, at: str, expected_utc: str) -> None:
    assert ENG.next_working_morning(utc(instant), time.fromisoformat(at)) == utc(expected_utc)


def test_next_working_morning_defaults_to_nine() -> None:
    assert ENG.next_working_morning(utc("2026-11-20T16:00:00")) == utc("2026-11-23T09:00:00")


# -- formatting --------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "text"),
    [
        ("2026-12-23", "Wed 23 Dec 2026"),
        ("2026-12-03", "Thu 3 Dec 2026"),
        ("2027-01-01", "Fri 1 Jan 2027"),
        ("2026-03-29", "Sun 29 Mar 2026"),
    ],
)
def test_format_day(day: str, text: str) -> None:
    assert format_day(d(day)) == text


@pytest.mark.parametrize(
    ("instant", "text"),
    [
        ("2026-11-24T14:00:00", "Tue 24 Nov 2026, 14:00 GMT"),
        ("2026-06-01T13:00:00", "Mon 1 Jun 2026, 14:00 BST"),
        ("2026-03-29T01:00:00", "Sun 29 Mar 2026, 02:00 BST"),
        ("2026-10-25T00:30:00", "Sun 25 Oct 2026, 01:30 BST"),
        ("2026-10-25T01:30:00", "Sun 25 Oct 2026, 01:30 GMT"),
        ("2026-12-31T23:59:59", "Thu 31 Dec 2026, 23:59 GMT"),
    ],
)
def test_format_local(instant: str, text: str) -> None:
    assert format_local(utc(instant), ENG) == text

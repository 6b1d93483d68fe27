"""Statutory deadlines for every category, region, kind of bank holiday and clock change."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from scheduling.deadlines import (
    Deadline,
    describe_rule,
    icpc_deadline,
    ordinal,
    record_circulation_deadline,
    section47_deadline,
    statutory_deadline,
)
from scheduling.rules import CalendarSettings, ConcernCategory, Region, TimescaleRules
from scheduling.workdays import WorkingCalendar

LONDON = ZoneInfo("Europe/London")
ENG = WorkingCalendar(CalendarSettings(region=Region.ENGLAND_WALES))
SCT = WorkingCalendar(CalendarSettings(region=Region.SCOTLAND))
NIR = WorkingCalendar(CalendarSettings(region=Region.NORTHERN_IRELAND))
CALENDARS = {"ENG": ENG, "SCT": SCT, "NIR": NIR}
DEFAULT = TimescaleRules()
C = ConcernCategory


def london(text: str) -> datetime:
    """A Europe/London wall time, e.g. '2026-12-18 16:00'."""
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def d(text: str) -> date:
    return date.fromisoformat(text)


# -- the examples of the issue ------------------------------------------------

EXAMPLES = [
    ("2026-12-18 16:00", C.STANDARD, "2026-12-23", "2026-12-23 23:59:59"),
    ("2026-12-23 10:00", C.STANDARD, "2026-12-30", "2026-12-30 23:59:59"),
    ("2026-11-21 11:00", C.STANDARD, "2026-11-25", "2026-11-25 23:59:59"),
    ("2026-11-21 14:00", C.SERIOUS_HARM, "2026-11-21", "2026-11-21 23:59:59"),
    ("2026-04-02 12:00", C.IMMEDIATE_ACTION, "2026-04-07", "2026-04-07 22:59:59"),
    ("2026-05-18 12:00", C.COMPLEX, "2026-05-26", "2026-05-26 22:59:59"),
]


@pytest.mark.parametrize(("identified", "category", "due", "deadline_utc"), EXAMPLES)
def test_the_examples_of_the_issue(
    identified: str, category: ConcernCategory, due: str, deadline_utc: str
) -> None:
    deadline = statutory_deadline(london(identified), category, ENG, DEFAULT)
    assert deadline.due_date == d(due)
    assert deadline.deadline == utc(deadline_utc)
    assert deadline.deadline.tzinfo is UTC
    assert deadline.category is category
    assert deadline.identified_at == london(identified)
    assert deadline.identified_at.tzinfo is UTC


# -- every category, across weekends and bank holidays (England and Wales) -------

# identified (local), then the due date for 0 / 1 / 3 / 5 working days
BY_DAY = [
    ("2026-11-23 10:00", "2026-11-23", "2026-11-24", "2026-11-26", "2026-11-30"),  # Monday
    ("2026-11-20 16:00", "2026-11-20", "2026-11-23", "2026-11-25", "2026-11-27"),  # Friday
    ("2026-11-21 09:00", "2026-11-21", "2026-11-23", "2026-11-25", "2026-11-27"),  # Saturday
    ("2026-11-22 23:59", "2026-11-22", "2026-11-23", "2026-11-25", "2026-11-27"),  # Sunday
    ("2026-12-24 15:00", "2026-12-24", "2026-12-29", "2026-12-31", "2027-01-05"),
    ("2026-12-25 08:00", "2026-12-25", "2026-12-29", "2026-12-31", "2027-01-05"),
    ("2026-12-31 17:30", "2026-12-31", "2027-01-04", "2027-01-06", "2027-01-08"),
    ("2026-04-02 12:00", "2026-04-02", "2026-04-07", "2026-04-09", "2026-04-13"),  # Easter
    ("2026-05-01 12:00", "2026-05-01", "2026-05-05", "2026-05-07", "2026-05-11"),  # May Day
    ("2026-08-28 12:00", "2026-08-28", "2026-09-01", "2026-09-03", "2026-09-07"),  # summer
    ("2027-12-23 12:00", "2027-12-23", "2027-12-24", "2027-12-30", "2028-01-04"),
    ("2022-09-16 12:00", "2022-09-16", "2022-09-20", "2022-09-22", "2022-09-26"),  # funeral
    ("2023-05-05 12:00", "2023-05-05", "2023-05-09", "2023-05-11", "2023-05-15"),  # coronation
    ("2022-06-01 12:00", "2022-06-01", "2022-06-06", "2022-06-08", "2022-06-10"),  # jubilee
]

CATEGORY_COLUMN = {
    C.SERIOUS_HARM: 0,
    C.SEXUAL_ABUSE_FORENSIC: 0,
    C.IMMEDIATE_ACTION: 1,
    C.STANDARD: 2,
    C.COMPLEX: 3,
}


@pytest.mark.parametrize("category", list(ConcernCategory))
@pytest.mark.parametrize("row", BY_DAY, ids=[row[0] for row in BY_DAY])
def test_every_category_across_weekends_and_holidays(
    row: tuple[str, ...], category: ConcernCategory
) -> None:
    identified, *due_dates = row
    deadline = statutory_deadline(london(identified), category, ENG, DEFAULT)
    due = d(due_dates[CATEGORY_COLUMN[category]])
    assert deadline.due_date == due
    assert deadline.deadline == datetime.combine(due, time(23, 59, 59), LONDON)
    assert deadline.working_days == DEFAULT.days_for(category)


# -- regions ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "identified", "category", "due"),
    [
        # St Andrew's Day
        ("SCT", "2026-11-27 12:00", C.STANDARD, "2026-12-03"),
        ("ENG", "2026-11-27 12:00", C.STANDARD, "2026-12-02"),
        # St Patrick's Day
        ("NIR", "2026-03-16 12:00", C.IMMEDIATE_ACTION, "2026-03-18"),
        ("ENG", "2026-03-16 12:00", C.IMMEDIATE_ACTION, "2026-03-17"),
        # 12 July (a Sunday in 2026, so Monday 13th)
        ("NIR", "2026-07-10 12:00", C.STANDARD, "2026-07-16"),
        ("ENG", "2026-07-10 12:00", C.STANDARD, "2026-07-15"),
        ("NIR", "2027-07-09 12:00", C.IMMEDIATE_ACTION, "2027-07-13"),
        # summer: first Monday of August in Scotland, last Monday elsewhere
        ("SCT", "2026-07-31 12:00", C.IMMEDIATE_ACTION, "2026-08-04"),
        ("ENG", "2026-07-31 12:00", C.IMMEDIATE_ACTION, "2026-08-03"),
        ("SCT", "2026-08-28 12:00", C.IMMEDIATE_ACTION, "2026-08-31"),
        ("ENG", "2026-08-28 12:00", C.IMMEDIATE_ACTION, "2026-09-01"),
        ("NIR", "2026-08-28 12:00", C.IMMEDIATE_ACTION, "2026-09-01"),
        # Easter Monday is not a bank holiday in Scotland
        ("SCT", "2026-04-02 12:00", C.IMMEDIATE_ACTION, "2026-04-06"),
        ("NIR", "2026-04-02 12:00", C.IMMEDIATE_ACTION, "2026-04-07"),
        # New Year: Scotland also has 2 January (in 2027 a Saturday, so Monday 4th)
        ("SCT", "2026-12-30 12:00", C.STANDARD, "2027-01-06"),
        ("ENG", "2026-12-30 12:00", C.STANDARD, "2027-01-05"),
        # Christmas 2027: both days on a weekend, substitutes on Monday and Tuesday
        ("SCT", "2027-12-24 12:00", C.IMMEDIATE_ACTION, "2027-12-29"),
        ("NIR", "2027-12-24 12:00", C.IMMEDIATE_ACTION, "2027-12-29"),
        # one-off holidays are in every region
        ("SCT", "2022-09-16 12:00", C.IMMEDIATE_ACTION, "2022-09-20"),
        ("NIR", "2023-05-05 12:00", C.IMMEDIATE_ACTION, "2023-05-09"),
    ],
)
def test_regions(region: str, identified: str, category: ConcernCategory, due: str) -> None:
    deadline = statutory_deadline(london(identified), category, CALENDARS[region], DEFAULT)
    assert deadline.due_date == d(due)


# -- clock changes --------------------------------------------------------------


@pytest.mark.parametrize(
    ("identified_utc", "category", "due", "deadline_utc"),
    [
        # 23:30 GMT on Saturday 28 March; BST starts at 01:00 UTC the next day
        ("2026-03-28 23:30", C.SERIOUS_HARM, "2026-03-28", "2026-03-28 23:59:59"),
        ("2026-03-28 23:30", C.STANDARD, "2026-04-01", "2026-04-01 22:59:59"),
        # 00:30 GMT on Sunday 29 March: day 0 is the Sunday, which ends in BST
        ("2026-03-29 00:30", C.SERIOUS_HARM, "2026-03-29", "2026-03-29 22:59:59"),
        ("2026-03-29 00:30", C.IMMEDIATE_ACTION, "2026-03-30", "2026-03-30 22:59:59"),
        # 23:30 BST on Saturday 24 October
        ("2026-10-24 22:30", C.SERIOUS_HARM, "2026-10-24", "2026-10-24 22:59:59"),
        # 00:30 BST on Sunday 25 October (still the 24th in UTC); the day ends in GMT
        ("2026-10-24 23:30", C.SERIOUS_HARM, "2026-10-25", "2026-10-25 23:59:59"),
        ("2026-10-24 23:30", C.STANDARD, "2026-10-28", "2026-10-28 23:59:59"),
        # 23:30 BST on Friday 23 October is still Friday: the local date counts
        ("2026-10-23 22:30", C.IMMEDIATE_ACTION, "2026-10-26", "2026-10-26 23:59:59"),
        ("2026-06-30 23:30", C.SERIOUS_HARM, "2026-07-01", "2026-07-01 22:59:59"),
    ],
)
def test_clock_changes(
    identified_utc: str, category: ConcernCategory, due: str, deadline_utc: str
) -> None:
    deadline = statutory_deadline(utc(identified_utc), category, ENG, DEFAULT)
    assert deadline.due_date == d(due)
    assert deadline.deadline == utc(deadline_utc)
    assert deadline.identified_at == utc(identified_utc)


def test_every_day_of_2026_ends_at_local_midnight_and_counts_its_working_days() -> None:
    day0 = d("2026-01-01")
    for offset in range(365):
        day = day0 + timedelta(days=offset)
        identified = datetime.combine(day, time(12), LONDON)
        for category in ConcernCategory:
            deadline = statutory_deadline(identified, category, ENG, DEFAULT)
            local = ENG.local(deadline.deadline)
            assert (local.date(), local.time()) == (deadline.due_date, time(23, 59, 59))
            n = deadline.working_days
            assert ENG.working_days_between(day, deadline.due_date) == n
            assert n == 0 or ENG.is_working_day(deadline.due_date)


def test_a_naive_identification_time_is_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        statutory_deadline(datetime(2026, 11, 23, 10), C.STANDARD, ENG, DEFAULT)


def test_deadline_is_frozen() -> None:
    deadline = statutory_deadline(london("2026-11-23 10:00"), C.STANDARD, ENG, DEFAULT)
    with pytest.raises(dataclasses.FrozenInstanceError):
        deadline.due_date = d("2026-12-01")  # type: ignore[misc]
    assert isinstance(deadline, Deadline)


# -- closure days and overrides ---------------------------------------------------


def test_closure_days() -> None:
    calendar = WorkingCalendar(CalendarSettings(closure_days=frozenset({d("2026-12-24")})))
    deadline = statutory_deadline(london("2026-12-23 10:00"), C.STANDARD, calendar, DEFAULT)
    assert deadline.due_date == d("2026-12-31")
    same_day = statutory_deadline(london("2026-12-24 10:00"), C.SERIOUS_HARM, calendar, DEFAULT)
    assert same_day.due_date == d("2026-12-24")  # 0 days: the same calendar day, closed or not


@pytest.mark.parametrize(
    ("overrides", "identified", "category", "due", "working_days", "rule"),
    [
        (
            {"standard": 2},
            "2026-12-18 16:00",
            C.STANDARD,
            "2026-12-22",
            2,
            "standard: by the end of the 2nd working day after the day the concern was "
            "identified (day 0)",
        ),
        (
            {"serious_harm": 1},
            "2026-11-21 14:00",
            C.SERIOUS_HARM,
            "2026-11-23",
            1,
            "serious_harm: by the end of the 1st working day after the day the concern was "
            "identified (day 0)",
        ),
        (
            {"complex": 10},
            "2026-11-23 10:00",
            C.COMPLEX,
            "2026-12-07",
            10,
            "complex: by the end of the 10th working day after the day the concern was "
            "identified (day 0)",
        ),
        (
            {"standard": 0},
            "2026-11-21 14:00",
            C.STANDARD,
            "2026-11-21",
            0,
            "standard: by the end of the same calendar day",
        ),
        (
            {"icpc": 10},  # overriding something else leaves the default
            "2026-12-18 16:00",
            C.STANDARD,
            "2026-12-23",
            3,
            "standard: by the end of the 3rd working day after the day the concern was "
            "identified (day 0)",
        ),
    ],
)
def test_timescale_overrides(
    overrides: dict[str, Any],
    identified: str,
    category: ConcernCategory,
    due: str,
    working_days: int,
    rule: str,
) -> None:
    rules = TimescaleRules.from_mapping(overrides)
    deadline = statutory_deadline(london(identified), category, ENG, rules)
    assert deadline.due_date == d(due)
    assert deadline.working_days == working_days
    assert deadline.rule == rule


KNOWN = (
    "complex, icpc, immediate_action, record_circulation, section47, serious_harm, "
    "sexual_abuse_forensic, standard"
)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"standrad": 3}, f"unknown timescale 'standrad' (known: {KNOWN})"),
        ({"standard": -1}, "timescale 'standard' must be a whole number of working days 0-60"),
        ({"standard": 61}, "timescale 'standard' must be a whole number of working days 0-60"),
        ({"icpc": True}, "timescale 'icpc' must be a whole number of working days 0-60"),
        ({"icpc": "15"}, "timescale 'icpc' must be a whole number of working days 0-60"),
        ({"icpc": 2.5}, "timescale 'icpc' must be a whole number of working days 0-60"),
        (
            {"complex": None, "urgent": 1},
            "timescale 'complex' must be a whole number of working days 0-60; "
            f"unknown timescale 'urgent' (known: {KNOWN})",
        ),
    ],
)
def test_timescale_override_errors(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as raised:
        TimescaleRules.from_mapping(overrides)
    assert str(raised.value) == message


def test_timescale_overrides_at_the_limits() -> None:
    rules = TimescaleRules.from_mapping({"standard": 60, "complex": 0})
    assert rules.days_for(C.STANDARD) == 60
    assert rules.days_for(C.COMPLEX) == 0
    assert rules.days_for(C.IMMEDIATE_ACTION) == 1
    assert TimescaleRules.from_mapping({}) == DEFAULT


# -- after the discussion -------------------------------------------------------


@pytest.mark.parametrize(
    ("meeting", "overrides", "deadline_utc"),
    [
        ("2026-11-20 15:00", {}, "2026-11-23 23:59:59"),
        ("2026-11-21 10:00", {}, "2026-11-23 23:59:59"),
        ("2026-12-24 14:00", {}, "2026-12-29 23:59:59"),
        ("2026-12-24 14:00", {"record_circulation": 2}, "2026-12-30 23:59:59"),
        ("2026-12-24 14:00", {"record_circulation": 0}, "2026-12-24 23:59:59"),
        ("2026-03-27 10:00", {}, "2026-03-30 22:59:59"),
        ("2026-06-04 00:30", {}, "2026-06-05 22:59:59"),  # 23:30 UTC the day before
    ],
)
def test_record_circulation_deadline(
    meeting: str, overrides: dict[str, Any], deadline_utc: str
) -> None:
    rules = TimescaleRules.from_mapping(overrides)
    assert record_circulation_deadline(london(meeting), ENG, rules) == utc(deadline_utc)


@pytest.mark.parametrize(
    ("discussion", "overrides", "deadline_utc"),
    [
        ("2026-11-23 11:00", {}, "2026-12-14 23:59:59"),
        ("2026-11-23 11:00", {"icpc": 10}, "2026-12-07 23:59:59"),
        ("2026-12-14 11:00", {}, "2027-01-07 23:59:59"),  # over Christmas and New Year
        ("2026-03-20 11:00", {}, "2026-04-14 22:59:59"),  # into BST, over Easter
    ],
)
def test_icpc_deadline(discussion: str, overrides: dict[str, Any], deadline_utc: str) -> None:
    rules = TimescaleRules.from_mapping(overrides)
    assert icpc_deadline(london(discussion), ENG, rules) == utc(deadline_utc)


@pytest.mark.parametrize(
    ("region", "start", "overrides", "deadline_utc"),
    [
        ("ENG", "2026-12-14 11:00", {}, "2027-01-07 23:59:59"),
        ("SCT", "2026-12-14 11:00", {}, "2027-01-08 23:59:59"),  # 2 and 4 January
        ("ENG", "2026-03-20 11:00", {}, "2026-04-14 22:59:59"),
        ("ENG", "2026-03-20 11:00", {"section47": 20}, "2026-04-21 22:59:59"),
        ("SCT", "2026-03-20 11:00", {}, "2026-04-13 22:59:59"),  # no Easter Monday
    ],
)
def test_section47_deadline(
    region: str, start: str, overrides: dict[str, Any], deadline_utc: str
) -> None:
    rules = TimescaleRules.from_mapping(overrides)
    assert section47_deadline(london(start), CALENDARS[region], rules) == utc(deadline_utc)


# -- the rule in words ------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (5, "5th"), (10, "10th"),
        (11, "11th"), (12, "12th"), (13, "13th"), (15, "15th"), (21, "21st"),
        (22, "22nd"), (23, "23rd"), (60, "60th"), (101, "101st"), (111, "111th"),
    ],
)  # fmt: skip
def test_ordinal(n: int, text: str) -> None:
    assert ordinal(n) == text


@pytest.mark.parametrize(
    ("category", "rule"),
    [
        (C.SERIOUS_HARM, "serious_harm: by the end of the same calendar day"),
        (C.SEXUAL_ABUSE_FORENSIC, "sexual_abuse_forensic: by the end of the same calendar day"),
        (
            C.IMMEDIATE_ACTION,
            "immediate_action: by the end of the 1st working day after the day the concern "
            "was identified (day 0)",
        ),
        (
            C.STANDARD,
            "standard: by the end of the 3rd working day after the day the concern was "
            "identified (day 0)",
        ),
        (
            C.COMPLEX,
            "complex: by the end of the 5th working day after the day the concern was "
            "identified (day 0)",
        ),
    ],
)
def test_default_rules_in_words(category: ConcernCategory, rule: str) -> None:
    deadline = statutory_deadline(london("2026-11-23 10:00"), category, ENG, DEFAULT)
    assert deadline.rule == rule
    assert describe_rule(category, DEFAULT.days_for(category)) == rule

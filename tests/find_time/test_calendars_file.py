"""Simulated calendars from YAML: the bundled sample, the format, and its line-numbered errors."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from textwrap import dedent

import pytest

from bot.directory import load_directory
from bot.find_time.calendars_file import (
    NOT_LISTED,
    CalendarsFileError,
    check_calendars,
    load_calendars,
)
from scheduling.availability import Interval, Known, Unknown
from scheduling.deadlines import statutory_deadline
from scheduling.rules import ConcernCategory, TimescaleRules
from scheduling.slots import candidate_slots
from scheduling.workdays import WorkingCalendar, format_local

DIRECTORY = load_directory()
IDS = {c.id for c in DIRECTORY.contacts()}


def utc(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "calendars.yaml"
    path.write_text(dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def test_the_sample_is_valid_and_lists_only_council_staff() -> None:
    assert check_calendars(known_ids=IDS) == []
    calendars = load_calendars(known_ids=IDS)
    assert calendars.timezone == "Europe/London"
    for contact_id in calendars.blocks:
        contact = DIRECTORY.contact(contact_id)
        assert contact is not None
        assert contact.email.endswith("@northvale.gov.example")


def test_the_sample_gives_free_busy_for_staff_and_unknown_for_a_gp() -> None:
    calendars = load_calendars()
    asha, gp = DIRECTORY.contact("asha.patel"), DIRECTORY.contact("tessa.morgan")
    assert asha is not None and gp is not None
    found = calendars.busy_times([asha, gp], utc(24, 0), utc(25, 0))
    assert found["asha.patel"] == Known(
        (
            Interval(utc(24, 9), utc(24, 11)),  # huddle, then the conference
            Interval(utc(24, 13), utc(24, 15)),  # supervision
        )
    )
    assert found["tessa.morgan"] == Unknown(NOT_LISTED)


def test_slots_avoid_the_sample_chairs_busy_times() -> None:
    calendar = WorkingCalendar()
    now = utc(23, 9, 30)  # the demo's Monday morning
    deadline = statutory_deadline(now, ConcernCategory.STANDARD, calendar, TimescaleRules())
    chair = DIRECTORY.contact("asha.patel")
    assert chair is not None
    busy = load_calendars().busy_times([chair], now, deadline.deadline)["asha.patel"]
    slots = candidate_slots(now, deadline, calendar, chair=busy)
    assert [format_local(s.start, calendar) for s in slots] == [
        "Mon 23 Nov 2026, 12:00 GMT",
        "Tue 24 Nov 2026, 11:00 GMT",
        "Wed 25 Nov 2026, 09:30 GMT",
        "Thu 26 Nov 2026, 12:00 GMT",  # the panel runs 10:00-12:00
    ]


def test_weekly_bounds_whole_days_and_summer_time(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        calendars:
          ben.okafor:
            weekly:
              - {days: [Monday, fri], start: "09:00", end: "10:00",
                 from: 2026-06-08, until: 2026-06-12}
            dates:
              - {date: 2026-06-10, until: 2026-06-11, what: Annual leave}
              - {date: 2026-06-16, until: 2026-06-17, start: "14:00", end: "15:00"}
        """,
    )
    calendars = load_calendars(path, known_ids=IDS)
    ben = DIRECTORY.contact("ben.okafor")
    assert ben is not None
    found = calendars.busy_times([ben], utc(1, 0, month=6), utc(30, 0, month=6))
    assert found["ben.okafor"] == Known(
        (
            Interval(utc(8, 8, month=6), utc(8, 9, month=6)),  # 09:00 BST is 08:00 UTC
            Interval(utc(9, 23, month=6), utc(11, 23, month=6)),  # two whole local days
            Interval(utc(12, 8, month=6), utc(12, 9, month=6)),
            Interval(utc(16, 13, month=6), utc(16, 14, month=6)),
            Interval(utc(17, 13, month=6), utc(17, 14, month=6)),
        )
    )
    # a window that starts inside a block cuts it
    inside = calendars.busy_times([ben], utc(8, 8, 30, month=6), utc(8, 12, month=6))
    assert inside["ben.okafor"] == Known((Interval(utc(8, 8, 30, month=6), utc(8, 9, month=6)),))


def test_every_problem_is_reported_with_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        timezone: Europe/Northvale
        colour: blue
        calendars:
          asha.patel:
            weekly:
              - {days: [mon, someday], start: "09:00", end: "10:00"}
              - {days: [tue], start: "9am", end: "10:00"}
              - {days: [wed], start: "11:00", end: "10:00"}
              - {start: "11:00", end: "12:00"}
              - {days: [thu], start: "11:00"}
              - {days: [fri], start: "11:00", end: "12:00", from: 2026-12-01, until: 2026-11-01}
            dates:
              - {date: 24/11/2026, start: "10:00", end: "11:00"}
              - {date: 2026-11-24, end: "11:00"}
              - {start: "10:00", end: "11:00"}
              - {date: 2026-11-24, location: Room 2}
            holidays: []
          nobody.here:
            dates: []
          ben.okafor:
            weekly: {days: [mon]}
          ben.okafor:
            dates: []
        """,
    )
    problems = [(p.line, p.message) for p in check_calendars(path, known_ids=IDS)]
    weekly, one_off = "a weekly block of 'asha.patel'", "a one-off block of 'asha.patel'"
    assert problems == [
        (1, "unknown timezone 'Europe/Northvale' (use an IANA name such as Europe/London)"),
        (2, "unknown key 'colour' in the file (known: timezone, calendars)"),
        (6, f"{weekly}: unknown day 'someday' (use mon, tue, wed, thu, fri, sat, sun)"),
        (7, f"{weekly}: start '9am' must be HH:MM (24-hour clock), e.g. \"09:30\""),
        (8, f"{weekly}: start 11:00 must be before end 10:00"),
        (9, f"{weekly} has no days (e.g. [mon, thu] or weekdays)"),
        (10, f"{weekly} needs start and end"),
        (11, f"{weekly}: until 2026-11-01 is before from 2026-12-01"),
        (13, f"{one_off}: date '24/11/2026' is not a date (use YYYY-MM-DD, e.g. 2026-11-24)"),
        (14, f"{one_off} needs both start and end, or neither"),
        (15, f"{one_off} has no date (e.g. date: 2026-11-24)"),
        (16, f"unknown key 'location' in {one_off} (known: date, until, start, end, what)"),
        (17, "unknown key 'holidays' in the calendar of 'asha.patel' (known: weekly, dates)"),
        (18, "'nobody.here' is not a contact id in the directory"),
        (21, "weekly of 'ben.okafor' must be a list of blocks"),
        (22, "duplicate contact 'ben.okafor' in calendars"),
    ]
    with pytest.raises(CalendarsFileError) as raised:
        load_calendars(path, known_ids=IDS)
    assert str(raised.value).splitlines()[0] == (
        f"{path}:1: unknown timezone 'Europe/Northvale' (use an IANA name such as Europe/London)"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", [(1, "the file is empty: it needs 'calendars'")]),
        ("timezone: Europe/London\n", [(1, "the file has no 'calendars' section")]),
        ("calendars: [asha.patel]\n", [(1, "calendars must be a mapping of keys to values")]),
        (
            "calendars:\n  asha.patel: {weekly: [\n",
            [(3, "YAML syntax error: expected the node content, but found '<stream end>'")],
        ),
    ],
)
def test_files_that_are_not_calendars(
    tmp_path: Path, text: str, expected: list[tuple[int, str]]
) -> None:
    path = tmp_path / "calendars.yaml"
    path.write_text(text, encoding="utf-8")
    assert [(p.line, p.message) for p in check_calendars(path)] == expected


def test_an_unreadable_file_says_so(tmp_path: Path) -> None:
    problems = check_calendars(tmp_path / "missing.yaml")
    assert [p.message for p in problems] == ["cannot read the file: No such file or directory"]

"""Times that cannot be right are refused with an example; none overflows or runs away."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from scheduling.rules import CalendarSettings
from scheduling.timetext import (
    TimeTextError,
    parse_due,
    parse_identified,
    parse_meeting_time,
    parse_moment,
)
from scheduling.workdays import WorkingCalendar

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)  # Friday 20 November 2026, 10:00 GMT
CALENDAR = WorkingCalendar(CalendarSettings())

RUNAWAY = [
    "+3000000d",
    "+99999999999d",
    "+999999d",
    "in 99999999999 minutes",
    "in 99999999999 hours",
    "within 99999999999 working days",
    "in 99999999999 working days",
    "+99999999999 working days",
    "+999999999999999999999999999999m",
    "31/12/9999",
]


@pytest.mark.parametrize("text", RUNAWAY)
@pytest.mark.parametrize("parse", [parse_meeting_time, parse_due, parse_moment])
def test_runaway_times_are_refused_at_once(parse: object, text: str) -> None:
    assert callable(parse)
    started = time.monotonic()
    with pytest.raises(TimeTextError) as refused:
        parse(text, NOW, CALENDAR)
    assert time.monotonic() - started < 1
    assert "cannot be right" in str(refused.value) and "e.g." in str(refused.value)


@pytest.mark.parametrize(
    "text", ["99999999999 minutes ago", "99999999999 hours ago", "1/1/2025 10am"]
)
def test_an_identified_time_long_ago_is_refused(text: str) -> None:
    with pytest.raises(TimeTextError, match="cannot be right"):
        parse_identified(text, NOW, CALENDAR)


@pytest.mark.parametrize(
    ("parse", "inside", "outside"),
    [
        (parse_meeting_time, "+89d", "+91d"),
        (parse_due, "+730d", "+733d"),
        (parse_moment, "+365d", "+367d"),
    ],
)
def test_each_kind_of_time_has_its_limit(parse: object, inside: str, outside: str) -> None:
    assert callable(parse)
    parse(inside, NOW, CALENDAR)
    with pytest.raises(TimeTextError, match="must be within"):
        parse(outside, NOW, CALENDAR)


def test_due_999999_days_on_is_refused() -> None:
    with pytest.raises(TimeTextError, match="cannot be right"):
        parse_due("+999999d", NOW, CALENDAR)


@pytest.mark.parametrize("text", ["28 march 2027 1:30am", "28/3/2027 01:30", "28/3 1.30am"])
def test_a_time_in_the_spring_forward_gap_is_refused_not_moved(text: str) -> None:
    with pytest.raises(TimeTextError) as refused:
        parse_meeting_time(text, datetime(2027, 3, 20, 10, tzinfo=UTC), CALENDAR)
    assert str(refused.value).endswith(
        "01:30 on Sun 28 Mar 2027 does not exist, because the clocks go forward from "
        "01:00 GMT to 02:00 BST that night. Give a time before or after the change, "
        "e.g. '28/3 02:00'."
    )


def test_a_day_offset_into_the_gap_is_refused_too() -> None:
    night_before = datetime(2027, 3, 27, 1, 30, tzinfo=UTC)  # Sat 01:30 GMT
    with pytest.raises(TimeTextError, match="does not exist"):
        parse_moment("+1d", night_before, CALENDAR)
    # elapsed time is exact across the change
    assert parse_moment("+24h", night_before, CALENDAR) == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)

"""When nudges fall: working days before, on and after the due date, at 09:00 local."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduling.nudges import latest_snooze, next_nudge_at, overdue_working_days
from scheduling.rules import CalendarSettings, ReminderPolicy
from scheduling.workdays import WorkingCalendar

LONDON = ZoneInfo("Europe/London")
CALENDAR = WorkingCalendar(CalendarSettings())
POLICY = ReminderPolicy()


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON).astimezone(UTC)


def end_of(day: str) -> datetime:
    return CALENDAR.end_of_day(date.fromisoformat(day))


def moments(due: str, start: str, count: int, urgent: bool = False) -> list[str]:
    found, after = [], local(start)
    for _ in range(count):
        after = next_nudge_at(after, end_of(due), CALENDAR, POLICY, urgent)
        found.append(after.astimezone(LONDON).strftime("%a %Y-%m-%d %H:%M %Z"))
    return found


@pytest.mark.parametrize(
    ("due", "start", "expected"),
    [
        # An ordinary week: the day before, the day, then daily while overdue.
        (
            "2026-11-25",
            "2026-11-23 10:00",
            [
                "Tue 2026-11-24 09:00 GMT",
                "Wed 2026-11-25 09:00 GMT",
                "Thu 2026-11-26 09:00 GMT",
                "Fri 2026-11-27 09:00 GMT",
                "Mon 2026-11-30 09:00 GMT",
            ],
        ),
        # Due on a Monday: the working day before is the Friday; no weekend nudges.
        (
            "2026-11-30",
            "2026-11-23 10:00",
            ["Fri 2026-11-27 09:00 GMT", "Mon 2026-11-30 09:00 GMT", "Tue 2026-12-01 09:00 GMT"],
        ),
        # Due on a Saturday: the Friday before, then the next working days (overdue).
        (
            "2026-11-28",
            "2026-11-23 10:00",
            ["Fri 2026-11-27 09:00 GMT", "Mon 2026-11-30 09:00 GMT"],
        ),
        # Christmas: Christmas Day, the weekend and Boxing Day's substitute are skipped.
        (
            "2026-12-24",
            "2026-12-21 10:00",
            [
                "Wed 2026-12-23 09:00 GMT",
                "Thu 2026-12-24 09:00 GMT",
                "Tue 2026-12-29 09:00 GMT",
                "Wed 2026-12-30 09:00 GMT",
                "Thu 2026-12-31 09:00 GMT",
                "Mon 2027-01-04 09:00 GMT",
            ],
        ),
        # Easter 2026: Good Friday 3 Apr and Easter Monday 6 Apr.
        (
            "2026-04-07",
            "2026-03-30 10:00",
            ["Thu 2026-04-02 09:00 BST", "Tue 2026-04-07 09:00 BST", "Wed 2026-04-08 09:00 BST"],
        ),
        # The clocks go forward on Sun 29 Mar 2026: still 09:00 local, an hour earlier in UTC.
        (
            "2026-03-27",
            "2026-03-25 10:00",
            ["Thu 2026-03-26 09:00 GMT", "Fri 2026-03-27 09:00 GMT", "Mon 2026-03-30 09:00 BST"],
        ),
        # ...and back on Sun 25 Oct 2026.
        (
            "2026-10-23",
            "2026-10-21 10:00",
            ["Thu 2026-10-22 09:00 BST", "Fri 2026-10-23 09:00 BST", "Mon 2026-10-26 09:00 GMT"],
        ),
        # Across the year end: New Year's Day 2027 is a Friday.
        (
            "2026-12-31",
            "2026-12-29 12:00",
            ["Wed 2026-12-30 09:00 GMT", "Thu 2026-12-31 09:00 GMT", "Mon 2027-01-04 09:00 GMT"],
        ),
    ],
)
def test_nudge_moments(due: str, start: str, expected: list[str]) -> None:
    assert moments(due, start, len(expected)) == expected


def test_the_utc_instants_follow_the_clock_change() -> None:
    before = next_nudge_at(local("2026-03-26 10:00"), end_of("2026-03-27"), CALENDAR, POLICY)
    after = next_nudge_at(local("2026-03-27 10:00"), end_of("2026-03-27"), CALENDAR, POLICY)
    assert before == datetime(2026, 3, 27, 9, 0, tzinfo=UTC)
    assert after == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)


def test_urgent_actions_are_nudged_on_weekends_and_holidays() -> None:
    assert moments("2026-12-26", "2026-12-24 10:00", 4, urgent=True) == [
        "Fri 2026-12-25 09:00 GMT",
        "Sat 2026-12-26 09:00 GMT",
        "Sun 2026-12-27 09:00 GMT",
        "Mon 2026-12-28 09:00 GMT",
    ]


def test_the_policy_is_configurable() -> None:
    policy = ReminderPolicy(nudge_at=time(10, 30), before_due_working_days=2)
    first = next_nudge_at(local("2026-11-23 08:00"), end_of("2026-11-27"), CALENDAR, policy)
    assert first.astimezone(LONDON) == datetime(2026, 11, 25, 10, 30, tzinfo=LONDON)


def test_a_partnership_closure_day_gets_no_nudge() -> None:
    closed = WorkingCalendar(CalendarSettings(closure_days=frozenset({date(2026, 11, 26)})))
    after = local("2026-11-25 10:00")
    assert next_nudge_at(after, end_of("2026-11-25"), closed, POLICY) == local("2026-11-27 09:00")


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-11-25 23:00", 0),  # due today, not yet late
        ("2026-11-26 09:00", 1),
        ("2026-11-27 09:00", 2),
        ("2026-11-28 09:00", 2),  # Saturday: no working day has begun
        ("2026-11-30 09:00", 3),
    ],
)
def test_overdue_working_days(now: str, expected: int) -> None:
    assert overdue_working_days(local(now), end_of("2026-11-25"), CALENDAR) == expected


def test_a_snooze_is_at_most_one_working_day_and_never_past_the_due_date() -> None:
    friday_10 = local("2026-11-27 10:00")
    assert latest_snooze(friday_10, end_of("2026-12-04"), CALENDAR, POLICY) == local(
        "2026-11-30 10:00"
    )
    assert latest_snooze(friday_10, end_of("2026-11-27"), CALENDAR, POLICY) == end_of("2026-11-27")
    assert latest_snooze(
        friday_10 + timedelta(days=30), end_of("2026-11-27"), CALENDAR, POLICY
    ) == end_of("2026-11-27")


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ({"nudge_at": "9am"}, "nudge_at must be a time of day"),
        ({"escalate_after_working_days": 0}, "escalate_after_working_days must be a whole number"),
        ({"before_due_working_days": True}, "before_due_working_days must be a whole number"),
        ({"nag": 3}, "unknown reminder setting 'nag'"),
    ],
)
def test_bad_reminder_settings_are_refused(raw: dict[str, object], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        ReminderPolicy.from_mapping(raw)


def test_reminder_settings_override_the_defaults() -> None:
    policy = ReminderPolicy.from_mapping({"nudge_at": "08:30", "escalate_after_working_days": 3})
    assert (policy.nudge_at, policy.escalate_after_working_days) == (time(8, 30), 3)
    assert policy.before_due_working_days == 1

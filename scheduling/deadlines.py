"""Statutory deadlines: when a strategy discussion, and what follows it, is due.

The day the concern was identified is day 0, in local time, whether or not it
is a working day. A timescale of 0 days means the same calendar day; N days
means the end of the N-th working day after day 0. Every deadline is the last
second of its due date in local time (23:59:59), held as a UTC instant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from scheduling.clock import as_utc
from scheduling.rules import ConcernCategory, TimescaleRules
from scheduling.workdays import WorkingCalendar

_ORDINAL_SUFFIXES = {1: "st", 2: "nd", 3: "rd"}


@dataclass(frozen=True)
class Deadline:
    category: ConcernCategory
    identified_at: datetime  # UTC
    due_date: date  # local
    deadline: datetime  # UTC instant of 23:59:59 local on due_date
    working_days: int
    rule: str  # the rule in plain English, recorded with the discussion


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 22nd..."""
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{_ORDINAL_SUFFIXES.get(n % 10, 'th')}"


def describe_rule(category: ConcernCategory, working_days: int) -> str:
    """The rule as a sentence, e.g. for the discussion's record."""
    if working_days == 0:
        return f"{category.value}: by the end of the same calendar day"
    return (
        f"{category.value}: by the end of the {ordinal(working_days)} working day "
        "after the day the concern was identified (day 0)"
    )


def statutory_deadline(
    identified_at: datetime,
    category: ConcernCategory,
    calendar: WorkingCalendar,
    rules: TimescaleRules,
) -> Deadline:
    """When the strategy discussion for a concern must be held by."""
    identified_at = as_utc(identified_at)
    working_days = rules.days_for(category)
    day0 = calendar.local_date(identified_at)
    due_date = calendar.add_working_days(day0, working_days)
    return Deadline(
        category=category,
        identified_at=identified_at,
        due_date=due_date,
        deadline=calendar.end_of_day(due_date),
        working_days=working_days,
        rule=describe_rule(category, working_days),
    )


def _end_of_nth_working_day(start: datetime, n: int, calendar: WorkingCalendar) -> datetime:
    return calendar.end_of_day(calendar.add_working_days(calendar.local_date(start), n))


def record_circulation_deadline(
    meeting_at: datetime, calendar: WorkingCalendar, rules: TimescaleRules
) -> datetime:
    """When the record of a discussion must have reached everyone invited."""
    return _end_of_nth_working_day(meeting_at, rules.record_circulation_days, calendar)


def icpc_deadline(
    discussion_at: datetime, calendar: WorkingCalendar, rules: TimescaleRules
) -> datetime:
    """When an Initial Child Protection Conference, if decided on, must be held by."""
    return _end_of_nth_working_day(discussion_at, rules.icpc_days, calendar)


def section47_deadline(
    start_at: datetime, calendar: WorkingCalendar, rules: TimescaleRules
) -> datetime:
    """When section 47 enquiries started at `start_at` must be completed by."""
    return _end_of_nth_working_day(start_at, rules.section47_days, calendar)


# The second warning on the due day comes this long before working hours end.
BEFORE_END_OF_WORK = timedelta(hours=2)


def deadline_warning_times(
    deadline: datetime,
    calendar: WorkingCalendar,
    *,
    same_day: bool,
    minutes_before: int,
    before_end: timedelta = BEFORE_END_OF_WORK,
) -> list[datetime]:
    """When the chair is warned that a discussion has not taken place yet.

    Inside working hours on the due day, when someone can still act: at its start,
    and again `before_end` before working hours end. A same-day category's
    deadline cannot wait for working hours: its warning comes `minutes_before` the
    deadline, whatever the hour.
    """
    if same_day:
        return [deadline - timedelta(minutes=minutes_before)]
    day = calendar.local_date(deadline)
    if not calendar.is_working_day(day):
        day = calendar.add_working_days(day, -1)
    hours = calendar.settings.working_hours
    start = calendar.at_local(day, hours.start)
    late = calendar.at_local(day, hours.end) - before_end
    return [start, late] if late > start else [start]

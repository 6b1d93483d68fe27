"""When to nudge an action's owner: pure functions of the due date, the clock and the policy.

The moments are the working day(s) before the due date, the due date, and
every working day after it, at the policy's time (09:00 by default). An
urgent action is nudged on calendar days instead, weekends and holidays
included.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from scheduling.rules import ReminderPolicy
from scheduling.workdays import WorkingCalendar


def first_nudge_day(
    due_at: datetime, calendar: WorkingCalendar, policy: ReminderPolicy, urgent: bool
) -> date:
    due_day = calendar.local_date(due_at)
    if urgent:
        return due_day - timedelta(days=policy.before_due_working_days)
    return calendar.add_working_days(due_day, -policy.before_due_working_days)


def next_nudge_at(
    after: datetime,
    due_at: datetime,
    calendar: WorkingCalendar,
    policy: ReminderPolicy,
    urgent: bool = False,
) -> datetime:
    """The first nudge moment strictly after `after`."""
    day = max(first_nudge_day(due_at, calendar, policy, urgent), calendar.local_date(after))
    while True:
        if urgent or calendar.is_working_day(day):
            moment = calendar.at_local(day, policy.nudge_at)
            if moment > after:
                return moment
        day += timedelta(days=1)


def overdue_working_days(now: datetime, due_at: datetime, calendar: WorkingCalendar) -> int:
    """How many working days have begun since the due date passed (0 if not overdue)."""
    if now <= due_at:
        return 0
    return max(
        0, calendar.working_days_between(calendar.local_date(due_at), calendar.local_date(now))
    )


def latest_snooze(
    now: datetime, due_at: datetime, calendar: WorkingCalendar, policy: ReminderPolicy
) -> datetime:
    """The latest a nudge may be put off to: one working day on, never past the due date."""
    local = calendar.local(now)
    one_day_on = calendar.at_local(
        calendar.add_working_days(local.date(), policy.max_snooze_working_days), local.time()
    )
    return min(one_day_on, due_at)


def latest_working_nudge(
    after: datetime, latest: datetime, calendar: WorkingCalendar, policy: ReminderPolicy
) -> datetime | None:
    """The last working-day nudge time in (after, latest], if any: where a snooze lands
    when `latest` itself falls outside working hours."""
    day = calendar.local_date(latest)
    while day >= calendar.local_date(after):
        moment = calendar.at_local(day, policy.nudge_at)
        if calendar.is_working_day(day) and after < moment <= latest:
            return moment
        day -= timedelta(days=1)
    return None

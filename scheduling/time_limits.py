"""How far away a time people type may be, and times that do not exist.

A reading outside these limits is a typo or a test of the bot, never a real
plan, so it is refused with an example instead of being acted on (and a
runaway number such as `+99999999999d` never reaches date arithmetic, where it
would overflow or count working days for ever).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from scheduling.workdays import WorkingCalendar, format_day

# A meeting is convened or moved to within this long from now.
MEETING_WITHIN = timedelta(days=90)
# A due date (an action, more time, a record import) is within this long from now.
DUE_WITHIN = timedelta(days=2 * 366)
# A concern was identified at most this long ago.
IDENTIFIED_WITHIN = timedelta(days=366)
# The console's simulated clock moves at most this far at once.
CLOCK_MOVE_WITHIN = timedelta(days=366)
# No offset ("+N days", "in N working days") may reach further than this, whatever
# the limit of the field: beyond it the number is not even counted out.
FURTHEST_OFFSET_DAYS = 10 * 366
# Times given on the command line (--now, --start, --identified) fall in these years.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2099

_DAYS_PER_UNIT = {"minutes": 1 / 1440, "hours": 1 / 24, "days": 1.0, "working days": 7 / 5}


class TimeTextError(ValueError):
    """Text that cannot be taken as the time asked for. `str()` is for the user.

    (Defined here so that the limits raise it too; scheduling.timetext exports it.)
    """


def check_offset(text: str, number: int, unit: str, examples: str) -> None:
    """Refuse an offset ("+N unit") too large to be a real plan, before computing it."""
    if number * _DAYS_PER_UNIT[unit] > FURTHEST_OFFSET_DAYS:
        raise TimeTextError(
            f"'{_short(text)}' is more than {FURTHEST_OFFSET_DAYS // 366} years away, which "
            f"cannot be right: e.g. {examples}."
        )


def check_within(
    text: str, at: datetime, now: datetime, limit: timedelta, what: str, examples: str
) -> None:
    """Refuse `at` if it is further than `limit` from `now` (either way)."""
    if abs(at - now) > limit:
        direction = "from now" if at > now else "ago"
        raise TimeTextError(
            f"'{_short(text)}' is {format_day(at.date())}, which cannot be right: "
            f"{what} must be within {_span(limit)} {direction}; e.g. {examples}."
        )


def check_exists(text: str, day: date, wall: time, calendar: WorkingCalendar) -> None:
    """Refuse a local wall time that never happens (the spring-forward gap)."""
    naive = datetime.combine(day, wall.replace(tzinfo=None))
    instant = naive.replace(tzinfo=calendar.zone).astimezone(UTC)
    if instant.astimezone(calendar.zone).replace(tzinfo=None) == naive:
        return
    jump = calendar.at_local(day, wall)  # the instant the clocks go forward
    before = calendar.local(jump - timedelta(seconds=1))
    after = calendar.local(jump)
    changes_at = (before.replace(tzinfo=None) + timedelta(seconds=1)).time()
    raise TimeTextError(
        f"'{_short(text)}': {naive:%H:%M} on {format_day(day)} does not exist, because the "
        f"clocks go forward from {changes_at:%H:%M} {before:%Z} to {after:%H:%M} {after:%Z} "
        f"that night. Give a time before or after the change, e.g. "
        f"'{day.day}/{day.month} {after:%H:%M}'."
    )


def check_year(text: str, at: datetime, option: str) -> None:
    if not EARLIEST_YEAR <= at.year <= LATEST_YEAR:
        raise TimeTextError(
            f"{option} '{_short(text)}' is in {at.year}, which cannot be right: give a time "
            f"between {EARLIEST_YEAR} and {LATEST_YEAR}, e.g. '2026-11-23T09:30'."
        )


def _span(limit: timedelta) -> str:
    if limit.days % 366 == 0:
        years = limit.days // 366
        return "a year" if years == 1 else f"{years} years"
    return f"{limit.days} days"


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 60 else text[:60] + "…"

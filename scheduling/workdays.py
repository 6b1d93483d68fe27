"""Working days and local time for one partnership.

A working day is Monday to Friday, minus the bank holidays of the partnership's
region (from the `holidays` package, which includes substitute days and one-off
holidays such as the 2022 state funeral and the 2023 coronation) and minus the
partnership's own closure days.

Instants are timezone-aware datetimes in UTC, as everywhere in the core; days
are plain dates in the partnership's time zone. Nothing here reads the clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

import holidays

from scheduling.clock import as_utc
from scheduling.rules import CalendarSettings

_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_ABBREVIATIONS = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip
_OBSERVED_SUFFIX = " (observed)"


@lru_cache(maxsize=256)
def _bank_holidays(subdivision: str, year: int) -> Mapping[date, tuple[str, ...]]:
    """The bank holidays of one UK subdivision in one year, with their names.

    Cached per (subdivision, year): building them is the slow part of a calendar.
    `expand=False` keeps each year's table to its own year.
    """
    table = holidays.country_holidays(
        "GB", subdiv=subdivision, years=year, expand=False, language="en_GB"
    )
    return MappingProxyType({day: tuple(table.get_list(day)) for day in table})


def _describe_holiday(names: tuple[str, ...]) -> str:
    """'Christmas Day (bank holiday)', 'substitute for Boxing Day (bank holiday)'."""
    parts = [
        f"substitute for {name.removesuffix(_OBSERVED_SUFFIX)}"
        if name.endswith(_OBSERVED_SUFFIX)
        else name
        for name in names
    ]
    return f"{' and '.join(parts)} (bank holiday)"


class WorkingCalendar:
    """Which days are working days, and how local wall time maps to UTC."""

    def __init__(self, settings: CalendarSettings | None = None) -> None:
        self.settings = settings if settings is not None else CalendarSettings()
        self.zone = ZoneInfo(self.settings.timezone)

    # -- days ---------------------------------------------------------------

    def bank_holidays(self, year: int) -> Mapping[date, tuple[str, ...]]:
        """The region's bank holidays in `year`, each with its name(s)."""
        return _bank_holidays(self.settings.region.holidays_subdivision, year)

    def non_working_reason(self, day: date) -> str | None:
        """Why `day` is not a working day, or None if it is one.

        A weekend day is named as such even when a bank holiday falls on it
        ("Saturday, Boxing Day"), because the bank holiday then moves to a
        substitute weekday, which is the day reported as the bank holiday.
        """
        names = self.bank_holidays(day.year).get(day)
        if day.weekday() >= 5:
            weekend_day = _DAY_NAMES[day.weekday()]
            return f"{weekend_day}, {' and '.join(names)}" if names else weekend_day
        if names:
            return _describe_holiday(names)
        if day in self.settings.closure_days:
            return "closure day"
        return None

    def is_working_day(self, day: date) -> bool:
        return self.non_working_reason(day) is None

    def add_working_days(self, day: date, n: int) -> date:
        """The n-th working day strictly after `day` (before it if n < 0); n=0 gives `day`.

        `day` itself need not be a working day: it only marks where counting starts.
        """
        step = timedelta(days=1 if n > 0 else -1)
        remaining = abs(n)
        current = day
        while remaining:
            current += step
            if self.is_working_day(current):
                remaining -= 1
        return current

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        return self.add_working_days(day, 1)

    def working_day_on_or_after(self, day: date) -> date:
        return day if self.is_working_day(day) else self.next_working_day(day)

    def working_days_between(self, start: date, end: date) -> int:
        """The number of working days in (start, end]; negative when end < start."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(
            1
            for offset in range(1, (end - start).days + 1)
            if self.is_working_day(start + timedelta(days=offset))
        )

    # -- local time ---------------------------------------------------------

    def local(self, instant: datetime) -> datetime:
        """The aware local wall time of an instant."""
        return as_utc(instant).astimezone(self.zone)

    def local_date(self, instant: datetime) -> date:
        return self.local(instant).date()

    def at_local(self, day: date, t: time) -> datetime:
        """The UTC instant of local wall time `t` on `day`.

        In the autumn fold (a wall time that happens twice) this is the first
        occurrence. In the spring gap (a wall time that never happens) it is
        the first valid instant after the gap, i.e. the moment the clocks go
        forward: 01:30 on the last Sunday of March in London gives 02:00 BST.
        """
        wall = datetime.combine(day, t.replace(tzinfo=None))
        first = wall.replace(tzinfo=self.zone, fold=0)
        instant = first.astimezone(UTC)
        if instant.astimezone(self.zone).replace(tzinfo=None) == wall:
            return instant
        return self._end_of_gap(wall)

    def _end_of_gap(self, wall: datetime) -> datetime:
        """The UTC instant at which the clocks jump over the non-existent `wall`.

        Instants before the jump show a wall time before `wall`, instants from
        it on show one after; bisect between the readings with either offset.
        """
        early = wall.replace(tzinfo=self.zone, fold=1).astimezone(UTC)
        late = wall.replace(tzinfo=self.zone, fold=0).astimezone(UTC)
        low, high = min(early, late), max(early, late)
        while high - low > timedelta(seconds=1):
            middle = low + (high - low) / 2
            if middle.astimezone(self.zone).replace(tzinfo=None) < wall:
                low = middle
            else:
                high = middle
        return high.replace(microsecond=0)

    def end_of_day(self, day: date) -> datetime:
        """23:59:59 local time on `day`, as a UTC instant."""
        return self.at_local(day, time(23, 59, 59))

    def is_within_working_hours(self, instant: datetime) -> bool:
        local = self.local(instant)
        return self.is_working_day(local.date()) and self.settings.working_hours.contains(
            local.time()
        )

    def next_working_morning(self, instant: datetime, at: time = time(9)) -> datetime:
        """The local time `at` on the first working day where it is strictly after `instant`."""
        day = self.working_day_on_or_after(self.local_date(instant))
        while (candidate := self.at_local(day, at)) <= as_utc(instant):
            day = self.next_working_day(day)
        return candidate


def format_day(day: date) -> str:
    """'Wed 23 Dec 2026' (independent of the process locale)."""
    weekday = _DAY_NAMES[day.weekday()][:3]
    return f"{weekday} {day.day} {_MONTH_ABBREVIATIONS[day.month - 1]} {day.year}"


def format_local(instant: datetime, calendar: WorkingCalendar) -> str:
    """'Tue 24 Nov 2026, 14:00 GMT' in the calendar's time zone (BST in summer)."""
    local = calendar.local(instant)
    return f"{format_day(local.date())}, {local:%H:%M} {local.tzname()}"

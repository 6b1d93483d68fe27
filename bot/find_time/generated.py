"""Realistic weekly calendars for the simulation: seeded, pure, the same every run.

Each synthetic person gets:
- a few fixtures that recur every week at the same time (a team meeting,
  supervision), drawn from their own seed;
- on each working day, meetings of their profile's lengths placed at random on
  a half-hour grid inside working hours until the share of the day booked
  reaches a target drawn between the profile's `low` and `high` (60-75% for
  most practitioners, 80-90% for GPs, whose days are clinic sessions);
- now and then a day of leave or training (`away_share`, 4% of working days),
  booked from the start to the end of working hours.

Nothing is booked on weekends, bank holidays or closure days. A day's
calendar depends only on the seed, the person and the date, so any window
asked for gives the same blocks.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.directory import Role
from scheduling.availability import Availability, Interval, Known, Person, clip, merge
from scheduling.clock import as_utc
from scheduling.workdays import WorkingCalendar

CELL_MINUTES = 30


@dataclass(frozen=True)
class BusyProfile:
    low: float  # the share of a working day booked, at least...
    high: float  # ...and at most (on days at work)
    lengths: tuple[int, ...]  # meeting lengths in minutes (multiples of 30), drawn evenly
    fixtures: int = 2  # blocks that recur every week
    away_share: float = 0.04  # the chance that a working day is leave or training

    def __post_init__(self) -> None:
        if not 0 <= self.low <= self.high <= 1:
            raise ValueError("a busy profile needs 0 <= low <= high <= 1")
        if not self.lengths or any(n <= 0 or n % CELL_MINUTES for n in self.lengths):
            raise ValueError(f"meeting lengths must be positive multiples of {CELL_MINUTES}")


DEFAULT_PROFILE = BusyProfile(0.60, 0.75, (30, 60, 60, 90, 120))
# GPs: surgery sessions fill most of the day; what is left is short.
GP_PROFILE = BusyProfile(0.80, 0.90, (60, 120, 180), fixtures=1)
PROFILES: Mapping[Role, BusyProfile] = {Role.GP: GP_PROFILE}


def profile_for(role: Role) -> BusyProfile:
    return PROFILES.get(role, DEFAULT_PROFILE)


def _cells(calendar: WorkingCalendar) -> int:
    hours = calendar.settings.working_hours
    minutes = (hours.end.hour * 60 + hours.end.minute) - (
        hours.start.hour * 60 + hours.start.minute
    )
    return minutes // CELL_MINUTES


def _fixtures(
    seed: str, person_id: str, profile: BusyProfile, cells: int
) -> list[tuple[int, int, int]]:
    """(weekday, first cell, cells) of the blocks that recur every week."""
    rng = random.Random(f"{seed}:{person_id}:fixtures")
    found = []
    for _ in range(profile.fixtures):
        need = min(rng.choice((2, 2, 3, 4)), cells)
        found.append((rng.randrange(5), rng.randrange(cells - need + 1), need))
    return found


def _day_cells(
    seed: str,
    person_id: str,
    day: date,
    profile: BusyProfile,
    cells: int,
    fixed: list[tuple[int, int, int]],
) -> list[bool]:
    """Which half-hour cells of one working day are booked."""
    rng = random.Random(f"{seed}:{person_id}:{day.isoformat()}")
    if rng.random() < profile.away_share:
        return [True] * cells
    booked = [False] * cells
    for weekday, first, need in fixed:
        if weekday == day.weekday():
            booked[first : first + need] = [True] * need
    target = rng.uniform(profile.low, profile.high) * cells
    ceiling = int(profile.high * cells + 1e-9)
    for _ in range(200):  # attempts; a crowded day simply stops short
        if sum(booked) >= target:
            break
        need = rng.choice(profile.lengths) // CELL_MINUTES
        if need > cells or sum(booked) + need > ceiling:
            continue
        first = rng.randrange(cells - need + 1)
        if not any(booked[first : first + need]):
            booked[first : first + need] = [True] * need
    return booked


def busy_days(
    seed: str,
    person_id: str,
    first_day: date,
    last_day: date,
    calendar: WorkingCalendar,
    profile: BusyProfile = DEFAULT_PROFILE,
) -> tuple[Interval, ...]:
    """One person's busy blocks from `first_day` to `last_day` (local dates, inclusive)."""
    hours = calendar.settings.working_hours
    cells = _cells(calendar)
    fixed = _fixtures(seed, person_id, profile, cells)
    opening = hours.start.hour * 60 + hours.start.minute

    def wall(cell: int) -> time:
        minute = opening + cell * CELL_MINUTES
        return time(minute // 60, minute % 60)

    blocks: list[Interval] = []
    day = first_day
    while day <= last_day:
        if calendar.is_working_day(day) and cells > 0:
            booked = _day_cells(seed, person_id, day, profile, cells, fixed)
            blocks.extend(
                Interval(calendar.at_local(day, wall(cell)), calendar.at_local(day, wall(cell + 1)))
                for cell, busy in enumerate(booked)
                if busy
            )
        day += timedelta(days=1)
    return merge(blocks)


def booked_share(busy: Sequence[Interval], day: date, calendar: WorkingCalendar) -> float:
    """The share of `day`'s working hours inside `busy` (0 on a day off)."""
    hours = calendar.settings.working_hours
    opens, closes = calendar.at_local(day, hours.start), calendar.at_local(day, hours.end)
    if not calendar.is_working_day(day) or closes <= opens:
        return 0.0
    inside = sum(((i.end - i.start) for i in clip(busy, opens, closes)), timedelta(0))
    return inside / (closes - opens)


class GeneratedCalendars:
    """An AvailabilitySource over generated calendars: everyone's calendar is known.

    The simulation decides whose calendars the bot may see (tenant people)
    and lets the others answer the poll from theirs.
    """

    def __init__(
        self,
        seed: str,
        calendar: WorkingCalendar,
        profiles: Mapping[str, BusyProfile] | None = None,  # person id -> profile
    ) -> None:
        self.seed = seed
        self.calendar = calendar
        self.profiles = dict(profiles or {})

    def busy_times(
        self, people: Sequence[Person], start: datetime, end: datetime
    ) -> dict[str, Availability]:
        start, end = as_utc(start), as_utc(end)
        first, last = self.calendar.local_date(start), self.calendar.local_date(end)
        found: dict[str, Availability] = {}
        for person in people:
            profile = self.profiles.get(person.id, DEFAULT_PROFILE)
            busy = busy_days(self.seed, person.id, first, last, self.calendar, profile)
            found[person.id] = Known(clip(busy, start, end))
        return found

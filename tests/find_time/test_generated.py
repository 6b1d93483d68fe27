"""Generated weekly calendars for the simulation: realistic, seeded, within working hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from statistics import mean

import pytest

from bot.directory import Role
from bot.find_time.generated import (
    DEFAULT_PROFILE,
    GP_PROFILE,
    BusyProfile,
    GeneratedCalendars,
    booked_share,
    busy_days,
    profile_for,
)
from scheduling.availability import Known, clip
from scheduling.workdays import WorkingCalendar

CALENDAR = WorkingCalendar()
FIRST, LAST = date(2026, 9, 7), date(2026, 11, 27)  # twelve weeks, Monday to Friday


@dataclass(frozen=True)
class Someone:
    id: str
    email: str


def working_days() -> list[date]:
    days = [FIRST + timedelta(days=n) for n in range((LAST - FIRST).days + 1)]
    return [d for d in days if CALENDAR.is_working_day(d)]


def shares(profile: BusyProfile, people: int = 20) -> list[float]:
    found: list[float] = []
    for n in range(people):
        busy = busy_days("sim-1", f"person-{n}", FIRST, LAST, CALENDAR, profile)
        found.extend(booked_share(busy, day, CALENDAR) for day in working_days())
    return found


def test_most_people_have_60_to_75_percent_of_their_working_hours_booked() -> None:
    found = shares(DEFAULT_PROFILE)
    at_work = [s for s in found if s < 1]  # leave and training days are booked in full
    assert 0.60 <= mean(at_work) <= 0.75
    assert all(0.55 <= s <= 0.75 for s in at_work)  # a crowded day can stop a little short
    assert 0.01 < found.count(1.0) / len(found) < 0.08  # about 4% of days away


def test_gps_are_busier() -> None:
    found = [s for s in shares(GP_PROFILE) if s < 1]
    assert 0.80 <= mean(found) <= 0.90
    assert profile_for(Role.GP) is GP_PROFILE
    assert profile_for(Role.HEALTH_VISITOR) is DEFAULT_PROFILE


def test_blocks_lie_in_working_hours_on_working_days_only() -> None:
    busy = busy_days("sim-1", "p", date(2026, 12, 21), date(2027, 1, 3), CALENDAR)
    for interval in busy:
        start, end = CALENDAR.local(interval.start), CALENDAR.local(interval.end)
        assert start.date() == end.date()
        assert CALENDAR.is_working_day(start.date())
        assert f"{start:%H:%M}" >= "09:00" and f"{end:%H:%M}" <= "17:00"
        assert start.minute in (0, 30) and end.minute in (0, 30)
    booked_days = {CALENDAR.local_date(i.start) for i in busy}
    assert date(2026, 12, 25) not in booked_days and date(2026, 12, 28) not in booked_days


def test_the_same_seed_gives_the_same_calendars_and_another_seed_others() -> None:
    one = busy_days("sim-1", "olivia", FIRST, LAST, CALENDAR)
    assert busy_days("sim-1", "olivia", FIRST, LAST, CALENDAR) == one
    assert busy_days("sim-2", "olivia", FIRST, LAST, CALENDAR) != one
    assert busy_days("sim-1", "megan", FIRST, LAST, CALENDAR) != one


def test_fixtures_recur_every_week() -> None:
    recurring = 0
    for n in range(10):
        busy = busy_days("sim-1", f"person-{n}", FIRST, FIRST + timedelta(days=27), CALENDAR)
        # half-hours booked in every one of four weeks, by (weekday, time)
        weeks = []
        for week in range(4):
            monday = FIRST + timedelta(weeks=week)
            cells = set()
            for interval in clip(
                busy,
                CALENDAR.at_local(monday, datetime.min.time()),
                CALENDAR.at_local(monday + timedelta(days=7), datetime.min.time()),
            ):
                at = interval.start
                while at < interval.end:
                    local = CALENDAR.local(at)
                    cells.add((local.weekday(), f"{local:%H:%M}"))
                    at += timedelta(minutes=30)
            weeks.append(cells)
        if set.intersection(*weeks):
            recurring += 1
    assert recurring >= 8  # everyone has fixtures; an away day can hide one in a given week


def test_the_source_gives_the_same_blocks_whatever_the_window() -> None:
    source = GeneratedCalendars("sim-1", CALENDAR, {"tessa.morgan": GP_PROFILE})
    people = [Someone("tessa.morgan", "t@x.example"), Someone("ian.campbell", "i@x.example")]
    wide = source.busy_times(
        people, datetime(2026, 11, 23, tzinfo=UTC), datetime(2026, 11, 28, tzinfo=UTC)
    )
    start, end = datetime(2026, 11, 24, 11, 15, tzinfo=UTC), datetime(2026, 11, 25, 10, tzinfo=UTC)
    narrow = source.busy_times(people, start, end)
    for person in people:
        whole, part = wide[person.id], narrow[person.id]
        assert isinstance(whole, Known) and isinstance(part, Known)
        assert part.busy == clip(whole.busy, start, end)
    gp, officer = wide["tessa.morgan"], wide["ian.campbell"]
    assert isinstance(gp, Known) and isinstance(officer, Known)
    assert sum((i.end - i.start for i in gp.busy), timedelta()) > sum(
        (i.end - i.start for i in officer.busy), timedelta()
    )


def test_profiles_are_checked() -> None:
    with pytest.raises(ValueError, match="low <= high"):
        BusyProfile(0.8, 0.6, (60,))
    with pytest.raises(ValueError, match="multiples of 30"):
        BusyProfile(0.6, 0.7, (45,))

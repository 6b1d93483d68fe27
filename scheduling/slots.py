"""Candidate meeting slots before a statutory deadline, and when the poll about them closes.

When a convenor gives no meeting time, the bot offers up to `max_slots`
slots of `slot_minutes` each, asks everyone whose calendar it cannot see, and
picks one when the poll closes (see `bot/find_time/poll.py`).

Where slots may lie:
- A category with a same-day timescale (0 working days): today, from
  `lead_minutes` ahead until the deadline (the end of the day), working hours
  or not: the discussion cannot wait for the morning.
- Any other category: inside working hours on working days (weekends, bank
  holidays and the partnership's closure days excluded), ending by the end of
  working hours, on or before the due date.
- Never before the poll closes: a slot that has started before the choice
  is made cannot be chosen. For working-day categories not before
  `lead_minutes` after it closes either, so that the invitations arrive before
  the meeting; for same-day categories from `lead_minutes` ahead.
- Start times on a `step_minutes` grid of local wall time (09:00, 09:15...).
- Never when the chair is known to be busy.

Which slots are offered (the spreading rule):
1. Each candidate scores the number of essential people (the specific social
   care, police and health invitees) whose calendars show them free. Higher
   scores first; among equal scores, earlier first. People whose calendars
   cannot be seen do not count either way: the poll asks them.
2. First round: at most one slot per day, the day's best. This spreads the
   offer across the days left before the deadline (people's busyness goes by
   day: leave, training, clinic days), instead of four back-to-back slots on
   the first morning that one day's absence rules out together.
3. If days run out (a 1-day timescale, a same-day category), each further
   round adds one more slot to each day, starting at least
   `day_spacing_minutes` from another (a morning and an afternoon); for the
   same-day search the spacing is the slot length: every hour counts.
4. The slots are numbered 1, 2, ... in time order.

When the poll closes (`poll_closes_at`): for a same-day category after
`same_day_poll_minutes` (30); otherwise after `poll_working_minutes` of
working time (2 working hours), or after a third (1/`poll_time_left_divisor`)
of the working time left before the deadline if that is sooner. Working time,
not clock time: a third of the clock time from Friday afternoon would close
the poll on Saturday night, when nobody reads it.

Nothing here reads the clock: `now` is passed in.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from scheduling.availability import Availability, Interval, Known
from scheduling.clock import as_utc
from scheduling.deadlines import Deadline
from scheduling.workdays import WorkingCalendar

# name -> (lowest, highest) allowed, for the partnership's overrides
SLOT_RULE_LIMITS: Mapping[str, tuple[int, int]] = {
    "slot_minutes": (15, 240),
    "max_slots": (1, 9),
    "lead_minutes": (0, 240),
    "step_minutes": (5, 60),
    "day_spacing_minutes": (0, 480),
    "poll_working_minutes": (15, 960),
    "poll_time_left_divisor": (1, 10),
    "same_day_poll_minutes": (5, 240),
}


@dataclass(frozen=True)
class SlotRules:
    """How candidate slots are made and how long the poll stays open (see the module doc)."""

    slot_minutes: int = 60
    max_slots: int = 4
    lead_minutes: int = 30
    step_minutes: int = 15
    day_spacing_minutes: int = 120
    poll_working_minutes: int = 120
    poll_time_left_divisor: int = 3  # a third of the working time left
    same_day_poll_minutes: int = 30

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> SlotRules:
        """Rules from a partnership's overrides, e.g. {"slot_minutes": 45}.

        Raises ValueError naming every key or value that is wrong.
        """
        problems: list[str] = []
        values: dict[str, int] = {}
        for key, value in raw.items():
            if key not in SLOT_RULE_LIMITS:
                known = ", ".join(SLOT_RULE_LIMITS)
                problems.append(f"unknown find-a-time setting '{key}' (known: {known})")
                continue
            low, high = SLOT_RULE_LIMITS[key]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                problems.append(f"{key} must be a whole number {low}-{high}")
            elif key == "step_minutes" and 60 % value:
                problems.append("step_minutes must divide an hour: 5, 10, 15, 20, 30 or 60")
            else:
                values[key] = value
        if problems:
            raise ValueError("; ".join(problems))
        return cls(**values)


@dataclass(frozen=True)
class Slot:
    number: int  # 1-based, in time order: what people answer with
    start: datetime  # UTC
    end: datetime  # UTC


def is_same_day(deadline: Deadline) -> bool:
    """Whether the category's timescale is the same calendar day (0 working days)."""
    return deadline.working_days == 0


# -- working time ------------------------------------------------------------


def _working_windows(
    start: datetime, calendar: WorkingCalendar
) -> Iterator[tuple[datetime, datetime]]:
    """The working-hours windows from `start` on (the first one cut at `start`), endlessly."""
    hours = calendar.settings.working_hours
    day = calendar.local_date(start)
    while True:
        if calendar.is_working_day(day):
            opens, closes = calendar.at_local(day, hours.start), calendar.at_local(day, hours.end)
            if closes > start:
                yield max(opens, start), closes
        day += timedelta(days=1)


def add_working_minutes(start: datetime, minutes: int, calendar: WorkingCalendar) -> datetime:
    """The instant `minutes` of working time after `start` (Friday 16:00 + 120 is Monday 10:00)."""
    start = as_utc(start)
    remaining = timedelta(minutes=minutes)
    if remaining <= timedelta(0):
        return start
    for opens, closes in _working_windows(start, calendar):
        if closes - opens >= remaining:
            return opens + remaining
        remaining -= closes - opens
    raise AssertionError("unreachable: working windows never run out")


def working_minutes_between(start: datetime, end: datetime, calendar: WorkingCalendar) -> int:
    """Whole minutes of working time in [start, end); 0 when end is not after start."""
    start, end = as_utc(start), as_utc(end)
    total = timedelta(0)
    for opens, closes in _working_windows(start, calendar):
        if opens >= end:
            break
        total += min(closes, end) - opens
    return int(total.total_seconds() // 60)


# -- the poll and the search window -------------------------------------------


def poll_closes_at(
    now: datetime, deadline: Deadline, calendar: WorkingCalendar, rules: SlotRules
) -> datetime:
    """When the poll closes if not everyone has answered before (see the module doc)."""
    now = as_utc(now)
    if is_same_day(deadline):
        return now + timedelta(minutes=rules.same_day_poll_minutes)
    left = working_minutes_between(now, deadline.deadline, calendar)
    minutes = min(rules.poll_working_minutes, left // rules.poll_time_left_divisor)
    return add_working_minutes(now, minutes, calendar)


def search_window(
    now: datetime, deadline: Deadline, calendar: WorkingCalendar, rules: SlotRules
) -> Interval | None:
    """[earliest slot start, deadline): the window to ask for free/busy; None if none is left."""
    now = as_utc(now)
    closes = poll_closes_at(now, deadline, calendar, rules)
    lead = timedelta(minutes=rules.lead_minutes)
    # Same day: from `lead_minutes` ahead (the poll closes by then). Otherwise a slot
    # leaves `lead_minutes` after the poll closes, for the invitations to arrive.
    earliest = max(now + lead, closes) if is_same_day(deadline) else closes + lead
    if earliest + timedelta(minutes=rules.slot_minutes) > deadline.deadline:
        return None
    return Interval(earliest, deadline.deadline)


# -- candidates and the choice of slots ----------------------------------------


def _grid(day: date, calendar: WorkingCalendar, step: int) -> Iterator[datetime]:
    """The instants of local wall times 00:00, 00:step, ... on `day`, each once.

    Wall times in a spring-forward gap map to the moment of the jump, so the
    same instant can come twice: it is given once.
    """
    last: datetime | None = None
    for minute in range(0, 24 * 60, step):
        instant = calendar.at_local(day, time(minute // 60, minute % 60))
        if last is None or instant > last:
            last = instant
            yield instant


def _starts(
    window: Interval, deadline: Deadline, calendar: WorkingCalendar, rules: SlotRules
) -> Iterator[tuple[date, datetime]]:
    """Every allowed start time in the window, with its local day."""
    length = timedelta(minutes=rules.slot_minutes)
    hours = calendar.settings.working_hours
    day = calendar.local_date(window.start)
    while day <= deadline.due_date:
        if is_same_day(deadline):
            opens, closes = window.start, window.end
        elif calendar.is_working_day(day):
            opens = max(window.start, calendar.at_local(day, hours.start))
            closes = min(window.end, calendar.at_local(day, hours.end))
        else:
            day += timedelta(days=1)
            continue
        for start in _grid(day, calendar, rules.step_minutes):
            if start >= opens and start + length <= closes:
                yield day, start
        if is_same_day(deadline):
            return
        day += timedelta(days=1)


def candidate_slots(
    now: datetime,
    deadline: Deadline,
    calendar: WorkingCalendar,
    rules: SlotRules | None = None,
    chair: Availability | None = None,
    essential: Mapping[str, Availability] | None = None,
) -> tuple[Slot, ...]:
    """Up to `rules.max_slots` slots before the deadline, numbered in time order.

    `chair`: the chair's free/busy (their known busy times are skipped);
    `essential`: the essential people's free/busy by person id (slots where
    more of them are free come first). Empty when no time is left before the
    deadline, or the chair is busy all of it.
    """
    rules = rules or SlotRules()
    window = search_window(now, deadline, calendar, rules)
    if window is None:
        return ()
    length = timedelta(minutes=rules.slot_minutes)
    known = [a for a in (essential or {}).values() if isinstance(a, Known)]
    candidates: list[tuple[int, datetime, date]] = []
    for day, start in _starts(window, deadline, calendar, rules):
        if isinstance(chair, Known) and not chair.is_free(start, start + length):
            continue
        score = sum(1 for person in known if person.is_free(start, start + length))
        candidates.append((-score, start, day))
    candidates.sort()

    spacing = length if is_same_day(deadline) else timedelta(minutes=rules.day_spacing_minutes)
    spacing = max(spacing, length)  # offered slots never overlap
    chosen: list[tuple[datetime, date]] = []
    per_day: dict[date, int] = {}
    # Round 0 takes the best slot of each day; each later round one more per day, spaced out.
    for round_ in range(rules.max_slots):
        for _, start, day in candidates:
            if len(chosen) == rules.max_slots:
                break
            if per_day.get(day, 0) == round_ and all(
                day != other_day or abs(start - other) >= spacing for other, other_day in chosen
            ):
                chosen.append((start, day))
                per_day[day] = round_ + 1
    return tuple(
        Slot(number, start, start + length)
        for number, (start, _) in enumerate(sorted(chosen), start=1)
    )

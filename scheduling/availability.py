"""Free/busy: when people are known to be busy, or why we cannot know.

An availability source answers one question for a group of people over a
window of time: for each person, the intervals they are busy, or "unknown"
with the reason (outside the partnership's Microsoft 365 tenant, a calendar
Graph cannot read, no calendar at all). Unknown people are asked by a poll
instead. Sources: Microsoft Graph's getSchedule, simulated calendars from a
YAML file (the console and the demo) and generated weekly calendars (the
simulation), all in `bot/find_time/`.

Instants are timezone-aware datetimes in UTC, as everywhere in the core.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from scheduling.clock import as_utc


@dataclass(frozen=True, order=True)
class Interval:
    """[start, end): busy from `start` up to, not including, `end`."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", as_utc(self.start))
        object.__setattr__(self, "end", as_utc(self.end))
        if self.end <= self.start:
            raise ValueError(
                f"an interval must end after it starts ({self.start.isoformat()} to "
                f"{self.end.isoformat()})"
            )

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start < end and start < self.end


def merge(intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    """Sorted, with overlapping and touching intervals joined into one."""
    merged: list[Interval] = []
    for interval in sorted(intervals):
        if merged and interval.start <= merged[-1].end:
            if interval.end > merged[-1].end:
                merged[-1] = Interval(merged[-1].start, interval.end)
        else:
            merged.append(interval)
    return tuple(merged)


def clip(intervals: Iterable[Interval], start: datetime, end: datetime) -> tuple[Interval, ...]:
    """The parts of `intervals` inside [start, end), merged."""
    return merge(
        Interval(max(i.start, start), min(i.end, end)) for i in intervals if i.overlaps(start, end)
    )


@dataclass(frozen=True)
class Known:
    """A person whose calendar we can see: busy in `busy` (merged), free otherwise."""

    busy: tuple[Interval, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "busy", merge(self.busy))

    def is_free(self, start: datetime, end: datetime) -> bool:
        return not any(interval.overlaps(start, end) for interval in self.busy)


@dataclass(frozen=True)
class Unknown:
    """A person whose calendar we cannot see, and why (shown to the convenor)."""

    reason: str


Availability = Known | Unknown


class Person(Protocol):
    """Whoever availability is asked for: a directory contact fits as it is."""

    @property
    def id(self) -> str: ...

    @property
    def email(self) -> str: ...


class AvailabilitySource(Protocol):
    def busy_times(
        self, people: Sequence[Person], start: datetime, end: datetime
    ) -> Mapping[str, Availability]:
        """For every person (by id): their busy intervals within [start, end), or why not known.

        Never raises for one person's trouble, nor for the source being down:
        those people come back Unknown with the reason.
        """
        ...


class NoCalendars:
    """The source when no calendars can be read: everyone is asked by poll."""

    def __init__(self, reason: str = "no calendar is connected: asked by poll") -> None:
        self.reason = reason

    def busy_times(
        self, people: Sequence[Person], start: datetime, end: datetime
    ) -> dict[str, Availability]:
        return {person.id: Unknown(self.reason) for person in people}

"""Clocks. The core never reads the wall clock: it is handed one of these.

Every clock returns timezone-aware datetimes in UTC. Showing a time to a person
is done elsewhere, in the partnership's time zone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The real wall clock. Only the imperative shell (CLI, servers) creates one."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class SimulatedClock:
    """A clock that only moves when told to: for the console, the demo and the tests."""

    def __init__(self, start: datetime) -> None:
        self._now = as_utc(start)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError("the simulated clock only moves forwards")
        self._now += delta
        return self._now

    def set(self, instant: datetime) -> datetime:
        instant = as_utc(instant)
        if instant < self._now:
            raise ValueError("the simulated clock only moves forwards")
        self._now = instant
        return self._now


def as_utc(instant: datetime) -> datetime:
    """Convert an aware datetime to UTC; refuse naive ones, which would be ambiguous."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"naive datetime {instant.isoformat()} has no time zone")
    return instant.astimezone(UTC)

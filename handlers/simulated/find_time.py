"""The simulation's calendars: who is busy when, what the bot may see, how people answer a poll.

With calendars on (`simulate(..., times="typed" | "found")`), every synthetic
person has a generated weekly calendar (bot/find_time/generated.py). Both
modes use them the same way for invitations: someone booked at the meeting
time usually declines, someone free answers by the model's odds. With times
found, the convenor leaves the time out; the bot reads the calendars of the
agencies the council's Microsoft 365 holds (`visible_agencies`) and polls
everyone else, who answer from their own calendar.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.directory import Directory, Role
from bot.find_time.generated import GeneratedCalendars, profile_for
from scheduling.availability import Availability, Known, Person, Unknown
from scheduling.workdays import WorkingCalendar

MEETING = timedelta(minutes=60)
NOT_IN_TENANT = "outside the council's Microsoft 365: asked by poll"
# Duty roles make time for a strategy discussion: their calendars do not stop them.
DUTY_ROLES = (Role.MASH_NURSE, Role.MASH_POLICE)


class PersonCalendars:
    """Everyone's generated calendar, and whether a person is free for a meeting."""

    def __init__(self, seed: int, directory: Directory, calendar: WorkingCalendar) -> None:
        self.directory = directory
        profiles = {c.id: profile_for(c.role) for c in directory.contacts()}
        self.generated = GeneratedCalendars(f"simulation-{seed}", calendar, profiles)
        # Times someone said in a poll they could make by moving what they had booked.
        self.promised: set[tuple[str, datetime]] = set()

    def free(self, who: str, start: datetime) -> bool:
        contact = self.directory.contact(who)
        if contact is None or contact.role in DUTY_ROLES or (who, start) in self.promised:
            return True
        found = self.generated.busy_times([contact], start, start + MEETING)[who]
        return isinstance(found, Known) and found.is_free(start, start + MEETING)


class SeenByTheBot:
    """The AvailabilitySource the bot gets: the visible agencies' calendars, nobody else's."""

    def __init__(self, calendars: PersonCalendars, visible_agencies: Sequence[str]) -> None:
        self.calendars = calendars
        self.visible = set(visible_agencies)

    def busy_times(
        self, people: Sequence[Person], start: datetime, end: datetime
    ) -> dict[str, Availability]:
        directory = self.calendars.directory
        seen = [
            p
            for p in people
            if (c := directory.contact(p.id)) is not None
            and directory.agency_of(c).kind.value in self.visible
        ]
        found: dict[str, Availability] = dict(self.calendars.generated.busy_times(seen, start, end))
        return {p.id: found.get(p.id, Unknown(NOT_IN_TENANT)) for p in people}


def free_slots(
    calendars: PersonCalendars,
    who: str,
    starts: Sequence[datetime],
    rng: random.Random,
    move: float,
) -> list[int]:
    """The slots this person ticks: those their calendar leaves free, and now and then
    (`move`: the same odds as moving a booking for an invitation) one they would move
    something for, which they then keep free."""
    ticked = []
    for number, start in enumerate(starts, start=1):
        if calendars.free(who, start):
            ticked.append(number)
        elif rng.random() < move:
            calendars.promised.add((who, start))
            ticked.append(number)
    return ticked

"""The poll about candidate slots: answers, the tally agency by agency, and the choice.

Pure domain: plain dataclasses in, plain dataclasses out; no database, no
clock (`now` is passed in), no wording beyond short error messages.

Whether an invitee can attend a slot:
1. their answer to the poll, if they gave one: the slots they ticked are YES,
   the others NO ("none of these" is NO to all, perhaps with a time that
   would suit them);
2. otherwise their calendar, if the bot can see it: free is YES, busy NO;
3. otherwise UNKNOWN: they have not answered yet.
An answer beats the calendar: people know when they could move something.

The poll closes when every invitee has answered (a visible calendar counts
as an answer) or at its closing time, whichever comes first. Then:
- the earliest slot where every essential invitee (the specific social care,
  police and health people, not just someone from each agency) can attend;
- failing that, the slot with the most essential people; among equals, the
  one that leaves fewest statutory agencies without anyone, then the
  earliest. Each statutory agency nobody at that slot can attend for needs
  its fallback (the MASH nurse for health, MASH police for police) invited
  at once. At closing, UNKNOWN counts as cannot attend.
The convenor may override with any slot (`assess` gives the same facts for it).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.directory import Agency, AgencyKind, Contact, Directory
from bot.domain import STATUTORY_AGENCIES
from scheduling.availability import Availability, Known
from scheduling.clock import as_utc
from scheduling.slots import Slot


class Attending(StrEnum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


class Closing(StrEnum):
    ALL_ANSWERED = "all_answered"
    TIMED_OUT = "timed_out"


@dataclass(frozen=True)
class Invitee:
    id: str  # the contact id
    name: str
    agency_id: str
    agency_name: str
    kind: AgencyKind
    essential: bool = False  # one of the specific people the choice waits for

    @classmethod
    def of(cls, contact: Contact, agency: Agency, essential: bool = False) -> Invitee:
        return cls(contact.id, contact.name, agency.id, agency.name, agency.kind, essential)


@dataclass(frozen=True)
class Poll:
    slots: tuple[Slot, ...]  # numbered 1..n in time order
    invitees: tuple[Invitee, ...]
    opened_at: datetime
    closes_at: datetime

    def __post_init__(self) -> None:
        if not self.slots:
            raise ValueError("a poll needs at least one slot")
        if [s.number for s in self.slots] != list(range(1, len(self.slots) + 1)):
            raise ValueError("a poll's slots are numbered 1, 2, ... in order")
        ids = [i.id for i in self.invitees]
        if len(set(ids)) != len(ids):
            raise ValueError("each invitee is in a poll once")

    def slot(self, number: int) -> Slot | None:
        return self.slots[number - 1] if 1 <= number <= len(self.slots) else None

    def invitee(self, invitee_id: str) -> Invitee | None:
        return next((i for i in self.invitees if i.id == invitee_id), None)


@dataclass(frozen=True)
class Answer:
    invitee_id: str
    slots: frozenset[int]  # the slot numbers they can make; empty: none of these
    at: datetime
    suggested: datetime | None = None  # with "none of these": a time that would work

    @property
    def none_of_these(self) -> bool:
        return not self.slots


class PollError(ValueError):
    """An answer the poll cannot take; the message says why."""


def poll_invitees(
    directory: Directory, invited: Sequence[Contact], chair: Contact, convenor: Contact
) -> tuple[Invitee, ...]:
    """The invitees of a poll, in invitation order, with the essential people marked.

    Essential: the chair and the convenor for social care; for police and for
    health, everyone invited from them except the agency's fallback (MASH
    police, the MASH nurse), unless the fallback is all the agency has.
    """
    essential = {chair.id, convenor.id}
    for kind in (AgencyKind.POLICE, AgencyKind.HEALTH):
        rule = directory.fallback_for(kind)
        members = [c for c in invited if directory.agency_of(c).kind is kind]
        named = [c for c in members if rule is None or c.role is not rule.role]
        essential.update(c.id for c in (named or members))
    return tuple(
        Invitee.of(c, directory.agency_of(c), essential=c.id in essential) for c in invited
    )


def answer(
    poll: Poll,
    invitee_id: str,
    numbers: Collection[int] | None,
    at: datetime,
    suggested: datetime | None = None,
) -> Answer:
    """Check one person's answer: slot numbers they can make, or None for "none of these"."""
    at = as_utc(at)
    if poll.invitee(invitee_id) is None:
        raise PollError("only the people invited can answer this poll")
    if at >= poll.closes_at:
        raise PollError("the poll has closed")
    last = len(poll.slots)
    if numbers is not None:
        if not numbers:
            raise PollError(f"choose at least one slot (1-{last}), or none of these")
        wrong = sorted(n for n in set(numbers) if poll.slot(n) is None)
        if wrong:
            shown = ", ".join(str(n) for n in wrong)
            raise PollError(f"there is no slot {shown}: the slots are 1-{last}")
        if suggested is not None:
            raise PollError("a time that would work goes with none of these")
    if suggested is not None and as_utc(suggested) <= at:
        raise PollError("the time that would work must be in the future")
    return Answer(
        invitee_id,
        frozenset(numbers or ()),
        at,
        as_utc(suggested) if suggested is not None else None,
    )


def needs_poll(poll: Poll, availability: Mapping[str, Availability]) -> list[Invitee]:
    """The invitees whose calendars the bot cannot see: the ones to send the poll to."""
    return [i for i in poll.invitees if not isinstance(availability.get(i.id), Known)]


def attendance(
    poll: Poll, answers: Mapping[str, Answer], availability: Mapping[str, Availability]
) -> dict[str, tuple[Attending, ...]]:
    """For each invitee, whether they can attend each slot (in slot order)."""
    found: dict[str, tuple[Attending, ...]] = {}
    for invitee in poll.invitees:
        given = answers.get(invitee.id)
        calendar = availability.get(invitee.id)
        row: list[Attending] = []
        for slot in poll.slots:
            if given is not None:
                row.append(Attending.YES if slot.number in given.slots else Attending.NO)
            elif isinstance(calendar, Known):
                free = calendar.is_free(slot.start, slot.end)
                row.append(Attending.YES if free else Attending.NO)
            else:
                row.append(Attending.UNKNOWN)
        found[invitee.id] = tuple(row)
    return found


def closing(
    poll: Poll,
    answers: Mapping[str, Answer],
    availability: Mapping[str, Availability],
    now: datetime,
) -> Closing | None:
    """Why the poll is closed, or None while it is open."""
    if all(i.id in answers for i in needs_poll(poll, availability)):
        return Closing.ALL_ANSWERED
    if as_utc(now) >= poll.closes_at:
        return Closing.TIMED_OUT
    return None


# -- the tally ---------------------------------------------------------------


@dataclass(frozen=True)
class SlotCount:
    slot: int
    yes: tuple[str, ...]  # invitee ids, in invitation order
    no: tuple[str, ...]
    unknown: tuple[str, ...]


@dataclass(frozen=True)
class AgencyTally:
    agency_id: str
    agency_name: str
    kind: AgencyKind
    statutory: bool  # social care, police or health: the choice waits for them
    invitees: tuple[Invitee, ...]
    slots: tuple[SlotCount, ...]


@dataclass(frozen=True)
class Tally:
    agencies: tuple[AgencyTally, ...]  # social care, police, health, then the others
    asked: int  # invitees asked by poll (their calendars cannot be seen)
    answered: int  # of those, how many have answered
    from_calendars: tuple[str, ...]  # invitees whose calendars answer for them
    waiting: tuple[str, ...]  # invitees who have not answered yet
    suggestions: tuple[Answer, ...]  # "none of these", with a time that would work
    complete: tuple[int, ...]  # slots every essential invitee can attend (so far)
    closes_at: datetime


def tally(
    poll: Poll, answers: Mapping[str, Answer], availability: Mapping[str, Availability]
) -> Tally:
    """The live tally for the convenor and the chair."""
    rows = attendance(poll, answers, availability)
    order = {kind: n for n, kind in enumerate(STATUTORY_AGENCIES)}
    agency_ids = list(dict.fromkeys(i.agency_id for i in poll.invitees))
    by_agency = {a: [i for i in poll.invitees if i.agency_id == a] for a in agency_ids}
    agency_ids.sort(key=lambda a: order.get(by_agency[a][0].kind, len(order)))
    agencies = []
    for agency_id in agency_ids:
        members = by_agency[agency_id]
        counts = tuple(
            SlotCount(
                slot.number,
                *(
                    tuple(m.id for m in members if rows[m.id][index] is state)
                    for state in (Attending.YES, Attending.NO, Attending.UNKNOWN)
                ),
            )
            for index, slot in enumerate(poll.slots)
        )
        first = members[0]
        agencies.append(
            AgencyTally(
                agency_id,
                first.agency_name,
                first.kind,
                first.kind in order,
                tuple(members),
                counts,
            )
        )
    asked = needs_poll(poll, availability)
    return Tally(
        agencies=tuple(agencies),
        asked=len(asked),
        answered=sum(1 for i in asked if i.id in answers),
        from_calendars=tuple(i.id for i in poll.invitees if i not in asked and i.id not in answers),
        waiting=tuple(i.id for i in asked if i.id not in answers),
        suggestions=tuple(
            answers[i.id]
            for i in poll.invitees
            if i.id in answers and answers[i.id].suggested is not None
        ),
        complete=tuple(
            slot.number
            for index, slot in enumerate(poll.slots)
            if all(rows[i.id][index] is Attending.YES for i in poll.invitees if i.essential)
        ),
        closes_at=poll.closes_at,
    )


# -- the choice ----------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    slot: Slot
    all_essential: bool  # every essential invitee can attend
    essential_attending: tuple[str, ...]
    essential_missing: tuple[str, ...]
    fallback_for: tuple[AgencyKind, ...]  # statutory agencies nobody can attend for
    closed_by: Closing | None  # None: the convenor picked it


def assess(
    poll: Poll,
    number: int,
    answers: Mapping[str, Answer],
    availability: Mapping[str, Availability],
    closed_by: Closing | None = None,
) -> Choice:
    """What holding the meeting in slot `number` means; UNKNOWN counts as cannot attend."""
    slot = poll.slot(number)
    if slot is None:
        raise PollError(f"there is no slot {number}: the slots are 1-{len(poll.slots)}")
    rows = attendance(poll, answers, availability)
    coming = {i.id for i in poll.invitees if rows[i.id][number - 1] is Attending.YES}
    essential = [i.id for i in poll.invitees if i.essential]
    kinds_coming = {i.kind for i in poll.invitees if i.id in coming}
    return Choice(
        slot=slot,
        all_essential=all(e in coming for e in essential),
        essential_attending=tuple(e for e in essential if e in coming),
        essential_missing=tuple(e for e in essential if e not in coming),
        fallback_for=tuple(k for k in STATUTORY_AGENCIES if k not in kinds_coming),
        closed_by=closed_by,
    )


def choose(
    poll: Poll,
    answers: Mapping[str, Answer],
    availability: Mapping[str, Availability],
    now: datetime,
) -> Choice | None:
    """The bot's choice once the poll has closed (see the module doc); None while it is open."""
    closed_by = closing(poll, answers, availability, now)
    if closed_by is None:
        return None
    options = [assess(poll, s.number, answers, availability, closed_by) for s in poll.slots]
    complete = [c for c in options if c.all_essential]
    if complete:
        return complete[0]  # the slots are in time order
    return min(
        options,
        key=lambda c: (-len(c.essential_attending), len(c.fallback_for), c.slot.start),
    )

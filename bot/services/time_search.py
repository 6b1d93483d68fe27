"""Finding a time: the search a convene without a time starts, and the choice that ends it.

The convenor leaves out `meeting=`. The bot reads the free/busy it can see
(Graph getSchedule for the tenant's people, the simulated calendars on the
console), offers up to four slots before the statutory deadline that the
chair is free for (`scheduling/slots.py`), and polls everyone else. When
everyone has answered, or the poll closes (a POLL_CLOSE job), it picks the
earliest slot where the specific social care, police and health people can
all come (`bot/find_time/poll.py`), or the one with most of them and the
fallback (MASH nurse, MASH police) at once for each agency that cannot.
Then the discussion goes ahead as if the time had been typed
(`bot/services/announce.py`). The poll's answers are `poll_answers.py`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core import Core
from bot.directory import Contact
from bot.errors import refusal
from bot.find_time.graph_schedule import GraphFreeBusy, ScheduleReader
from bot.find_time.poll import Answer, Choice, Invitee, Poll, choose, needs_poll
from bot.find_time.poll import poll_invitees as invitees_of
from bot.find_time.poll import tally as count
from bot.links import revocations
from bot.messages import Button, Kind, Outcome, Outgoing, message
from bot.references import numbered_reference
from bot.services.announce import announce
from bot.services.fallback import run_fallback
from bot.shared import audit, contact_row, schedule, when
from bot.storage import models
from bot.storage.find_time_models import PollAnswer, SearchStatus, TimeSearch
from bot.unit import Unit
from bot.wording import say
from scheduling.availability import (
    Availability,
    AvailabilitySource,
    Interval,
    Known,
    NoCalendars,
    Unknown,
)
from scheduling.clock import as_utc
from scheduling.deadlines import Deadline
from scheduling.slots import Slot, candidate_slots, poll_closes_at, search_window

# closed_by when the convenor chose (the poll module's Closing when the bot did)
BY_CONVENOR = "convenor"


@dataclass(frozen=True)
class PollState:
    """A search as the poll rules see it: the poll, its answers, the calendars read."""

    search: TimeSearch
    poll: Poll
    answers: dict[str, Answer]
    availability: dict[str, Availability]


def refuse_while_finding(case: models.Case) -> None:
    """A case has one discussion at a time being convened: not a second while a time is found."""
    finding = next(
        (d for d in case.discussions if d.status == models.DiscussionStatus.FINDING_TIME), None
    )
    if finding is not None:
        raise refusal("find_time.already_finding", case=case.reference)


def read_availability(
    unit: Unit, people: Sequence[Contact], window: Interval
) -> dict[str, Availability]:
    """Free/busy for these people: the core's source, else Graph's, else nobody's.

    Graph's token cache is read and written around the call, as the calendar sync does.
    """
    core = unit.core
    invites = core.invites
    source: AvailabilitySource
    if core.availability is not None:
        source = core.availability
    elif invites is not None and isinstance(invites.graph, ScheduleReader):
        source = GraphFreeBusy(invites.graph, invites.tenant_domains)
    else:
        source = NoCalendars(say("find_time.no_calendars"))
    if invites is not None and invites.graph is not None and invites.tokens is not None:
        invites.tokens.read(unit.session)
    found = dict(source.busy_times(people, window.start, window.end))
    if invites is not None and invites.graph is not None and invites.tokens is not None:
        invites.tokens.write(unit.session, core.clock)
    return {p.id: found.get(p.id, Unknown(say("find_time.no_calendars"))) for p in people}


def start_search(
    unit: Unit, actor: Contact, discussion: models.Discussion, deadline: Deadline
) -> Outcome:
    """Offer slots before the deadline, read calendars, poll the rest (convene's last step)."""
    core, session = unit.core, unit.session
    now = core.clock.now()
    rules = core.slot_rules
    session.flush()
    session.refresh(discussion)
    people = _contacts(core, [i.contact.key for i in discussion.invitations])
    chair = _contact(core, discussion.chair.key)
    invitees = invitees_of(core.directory, people, chair, actor)
    window = search_window(now, deadline, core.calendar, rules)
    availability = read_availability(unit, people, window) if window is not None else {}
    essential = {i.id: availability[i.id] for i in invitees if i.essential}
    slots = candidate_slots(
        now, deadline, core.calendar, rules, chair=availability.get(chair.id), essential=essential
    )
    if not slots:
        raise refusal(
            "find_time.no_slots",
            case=discussion.case.reference,
            deadline=when(core, deadline.deadline),
        )
    search = TimeSearch(
        discussion=discussion,
        slots=[[s.start.isoformat(), s.end.isoformat()] for s in slots],
        invitees=[i.id for i in invitees],
        availability={key: _stored(a) for key, a in availability.items()},
        opened_at=now,
        closes_at=poll_closes_at(now, deadline, core.calendar, rules),
        status=SearchStatus.OPEN,
    )
    session.add(search)
    discussion.meeting_at = slots[0].start
    session.flush()
    schedule(
        session,
        models.WorkKind.POLL_CLOSE,
        search.closes_at,
        discussion=discussion,
        key=f"poll:{discussion.id}",
    )
    state = poll_state(core, search)
    asked = needs_poll(state.poll, state.availability)
    audit(
        session,
        core,
        actor.id,
        "time_search_started",
        discussion,
        slots=search.slots,
        closes_at=search.closes_at.isoformat(),
        asked=[i.id for i in asked],
        from_calendars=[i.id for i in state.poll.invitees if i not in asked],
    )
    outgoing = [poll_outgoing(core, state, invitee) for invitee in asked]
    outgoing += tally_outgoing(core, state)
    reply = message(
        Kind.REPLY,
        "messages/finding_time.txt.j2",
        **_slot_context(core, state),
        category=discussion.category.replace("_", " "),
        deadline=when(core, discussion.deadline_at),
        rule=discussion.deadline_rule,
        chair=discussion.chair.name,
        asked=[i.name for i in asked],
        seen=[i.name for i in state.poll.invitees if i not in asked],
    )
    chosen = choose(state.poll, state.answers, state.availability, now)
    if chosen is not None:  # every calendar could be read: no one to wait for
        outgoing += decide(unit, state, chosen)
    return Outcome(reply=reply, outgoing=outgoing)


def search_of(discussion: models.Discussion, session: Session) -> TimeSearch | None:
    return session.scalars(
        select(TimeSearch).where(TimeSearch.discussion_id == discussion.id)
    ).one_or_none()


def poll_state(core: Core, search: TimeSearch) -> PollState:
    """The stored search as the poll rules' dataclasses."""
    discussion = search.discussion
    slots = tuple(
        Slot(n, as_utc(datetime.fromisoformat(start)), as_utc(datetime.fromisoformat(end)))
        for n, (start, end) in enumerate(search.slots, start=1)
    )
    people = _contacts(core, search.invitees)
    chair = _contact(core, discussion.chair.key)
    convenor = _contact(core, discussion.convenor.key)
    poll = Poll(
        slots,
        invitees_of(core.directory, people, chair, convenor),
        search.opened_at,
        search.closes_at,
    )
    answers = {
        a.contact.key: Answer(a.contact.key, frozenset(a.slots), a.answered_at, a.suggested_at)
        for a in search.answers
    }
    availability = {key: _loaded(value) for key, value in search.availability.items()}
    return PollState(search, poll, answers, availability)


def close_poll(unit: Unit, discussion: models.Discussion) -> list[Outgoing]:
    """The POLL_CLOSE job: choose, if the search is still open."""
    search = search_of(discussion, unit.session)
    if search is None or search.status != SearchStatus.OPEN:
        return []
    if discussion.status != models.DiscussionStatus.FINDING_TIME:
        return []
    state = poll_state(unit.core, search)
    chosen = choose(state.poll, state.answers, state.availability, unit.core.clock.now())
    return [] if chosen is None else decide(unit, state, chosen)


def numbered(discussion: models.Discussion) -> str:
    """What the poll's buttons carry: this discussion (NV-40213#1), never a later review."""
    return numbered_reference(discussion.case.reference, discussion.number)


def slot_label(core: Core, slot: Slot) -> str:
    """'1 · Thu 3 Dec 10:00-11:00', in the partnership's time zone (forms and buttons)."""
    start, end = core.calendar.local(slot.start), core.calendar.local(slot.end)
    return say(
        "find_time.slot_label",
        number=slot.number,
        day=f"{start:%a} {start.day} {start:%b}",
        start=f"{start:%H:%M}",
        end=f"{end:%H:%M}",
    )


def slot_labels(core: Core, state: PollState) -> dict[str, str]:
    return {str(s.number): slot_label(core, s) for s in state.poll.slots}


def decide(
    unit: Unit,
    state: PollState,
    choice: Choice | None,
    typed_at: datetime | None = None,
    picked_by: Contact | None = None,
) -> list[Outgoing]:
    """Hold the meeting at the chosen slot (or the convenor's typed time), and go ahead."""
    core, session = unit.core, unit.session
    search, discussion = state.search, state.search.discussion
    meeting_at = typed_at if choice is None else choice.slot.start
    assert meeting_at is not None
    closed_by = (
        BY_CONVENOR
        if picked_by is not None
        else (choice.closed_by.value if choice is not None and choice.closed_by else BY_CONVENOR)
    )
    search.status = SearchStatus.CHOSEN
    closer = picked_by.id if picked_by is not None else "system"
    revocations.poll_closed(session, core, search, closer, "time chosen")
    search.chosen_slot = choice.slot.number if choice is not None else None
    search.closed_by = closed_by
    search.chosen_at = core.clock.now()
    discussion.meeting_at = meeting_at
    discussion.status = models.DiscussionStatus.SCHEDULED
    drop_closing_job(session, discussion)
    audit(
        session,
        core,
        picked_by.id if picked_by is not None else "system",
        "time_chosen",
        discussion,
        slot=search.chosen_slot,
        meeting_at=meeting_at.isoformat(),
        closed_by=closed_by,
        all_essential=choice.all_essential if choice is not None else None,
        essential_missing=list(choice.essential_missing) if choice is not None else [],
        fallback_for=[k.value for k in choice.fallback_for] if choice is not None else [],
    )
    outgoing = announce(unit, discussion)
    # Each poll changes in place: closed, with the time found, and no button left.
    outgoing += [poll_outgoing(core, state, i) for i in needs_poll(state.poll, state.availability)]
    fallbacks: list[tuple[str, str]] = []
    for kind in choice.fallback_for if choice is not None else ():
        sent = run_fallback(unit, discussion, kind, say("fallback_trigger.no_slot"))
        outgoing += sent
        rule = core.directory.fallback_for(kind)
        if sent and rule is not None:
            fallbacks.append((kind.value.replace("_", " "), rule.role.label))
    names = {i.id: i.name for i in state.poll.invitees}
    found = message(
        Kind.NOTICE,
        "messages/time_found.txt.j2",
        (Button("pick", numbered(discussion)),),
        case=discussion.case.reference,
        slot_labels=slot_labels(core, state),
        meeting=when(core, meeting_at),
        slot=search.chosen_slot,
        closed_by=closed_by,
        picked_by=picked_by.name if picked_by is not None else None,
        all_essential=choice.all_essential if choice is not None else None,
        missing=[names.get(m, m) for m in choice.essential_missing] if choice else [],
        fallbacks=fallbacks,
    )
    for key in dict.fromkeys([discussion.convenor.key, discussion.chair.key]):
        outgoing.append(Outgoing(to=key, thread=f"tally:{search.id}", message=found))
    return outgoing


def drop_closing_job(session: Session, discussion: models.Discussion) -> None:
    """The poll's POLL_CLOSE job has nothing left to do."""
    for work in session.scalars(
        select(models.ScheduledWork).where(
            models.ScheduledWork.key == f"poll:{discussion.id}",
            models.ScheduledWork.status == models.WorkStatus.PENDING,
        )
    ):
        work.status = models.WorkStatus.CANCELLED


def finding_line(core: Core, session: Session, discussion: models.Discussion) -> str | None:
    """'finding a time: 3 of 5 answered, closes at 11:30', while the poll is open."""
    search = search_of(discussion, session)
    if search is None or search.status != SearchStatus.OPEN:
        return None
    state = poll_state(core, search)
    counted = count(state.poll, state.answers, state.availability)
    return say(
        "find_time.status",
        answered=counted.answered,
        asked=counted.asked,
        closes=when(core, counted.closes_at),
    )


def poll_outgoing(
    core: Core, state: PollState, invitee: Invitee, cancelled: tuple[str, str] | None = None
) -> Outgoing:
    """The poll to one invitee; sent again after they answer, it updates in place.
    `cancelled`: who cancelled the search, and why (the poll then says it is not needed)."""
    given = state.answers.get(invitee.id)
    return Outgoing(
        to=invitee.id,
        thread=f"poll:{state.search.id}:{invitee.id}",
        message=message(
            Kind.REQUEST,
            "messages/poll.txt.j2",
            (Button("available", numbered(state.search.discussion)),)
            if state.search.status == SearchStatus.OPEN
            else (),
            **_slot_context(core, state),
            deadline=when(core, state.search.discussion.deadline_at),
            chair=state.search.discussion.chair.name,
            answered=sorted(given.slots) if given is not None else None,
            closed=when(core, state.search.discussion.meeting_at)
            if state.search.status == SearchStatus.CHOSEN
            else None,
            suggested=when(core, given.suggested) if given and given.suggested else None,
            cancelled=cancelled[0] if cancelled else None,
            reason=cancelled[1] if cancelled else None,
        ),
    )


def tally_outgoing(core: Core, state: PollState) -> list[Outgoing]:
    """The live tally, to the convenor and the chair, updated in place as answers come in."""
    discussion = state.search.discussion
    counted = count(state.poll, state.answers, state.availability)
    names = {i.id: i.name for i in state.poll.invitees}
    agencies = [
        {
            "name": agency.agency_name,
            "statutory": agency.statutory,
            "slots": [
                {
                    "number": c.slot,
                    "yes": [names[i] for i in c.yes],
                    "waiting": [names[i] for i in c.unknown],
                }
                for c in agency.slots
            ],
        }
        for agency in counted.agencies
    ]
    text = message(
        Kind.NOTICE,
        "messages/tally.txt.j2",
        (Button("pick", numbered(discussion)),),
        **_slot_context(core, state),
        agencies=agencies,
        asked=counted.asked,
        answered=counted.answered,
        waiting=[names[i] for i in counted.waiting],
        seen=[names[i] for i in counted.from_calendars],
        complete=list(counted.complete),
        suggestions=[
            (names[s.invitee_id], when(core, s.suggested))
            for s in counted.suggestions
            if s.suggested is not None
        ],
    )
    return [
        Outgoing(to=key, thread=f"tally:{state.search.id}", message=text)
        for key in dict.fromkeys([discussion.convenor.key, discussion.chair.key])
    ]


def tally_reply(core: Core, state: PollState) -> Outcome:
    """The tally as a reply (`/strategy slots CASE`)."""
    shown = tally_outgoing(core, state)[0].message
    return Outcome(message(Kind.REPLY, shown.template, shown.buttons, **shown.context))


def store_answer(unit: Unit, state: PollState, contact: Contact, answer: Answer) -> None:
    row = next((a for a in state.search.answers if a.contact.key == contact.id), None)
    if row is None:
        row = PollAnswer(
            search=state.search,
            contact=contact_row(unit.session, contact.id),
            slots=[],
            answered_at=answer.at,
        )
        unit.session.add(row)
    row.slots = sorted(answer.slots)
    row.suggested_at = answer.suggested
    row.answered_at = answer.at
    unit.session.flush()


def _slot_context(core: Core, state: PollState) -> dict[str, object]:
    return {
        "case": state.search.discussion.case.reference,
        "slots": [(s.number, when(core, s.start)) for s in state.poll.slots],
        "closes": when(core, state.search.closes_at),
        "slot_labels": slot_labels(core, state),
        # The instants, for machines (the simulation's people read them).
        "slot_starts": [s.start.isoformat() for s in state.poll.slots],
        "closes_at": state.search.closes_at.isoformat(),
    }


def _stored(availability: Availability) -> dict[str, object]:
    if isinstance(availability, Known):
        return {"busy": [[i.start.isoformat(), i.end.isoformat()] for i in availability.busy]}
    return {"unknown": availability.reason}


def _loaded(value: Mapping[str, object]) -> Availability:
    busy = value.get("busy")
    if isinstance(busy, list):
        return Known(
            tuple(
                Interval(datetime.fromisoformat(start), datetime.fromisoformat(end))
                for start, end in busy
            )
        )
    return Unknown(str(value.get("unknown", "")))


def _contact(core: Core, key: str) -> Contact:
    contact = core.directory.contact(key)
    if contact is None:
        raise refusal("lookups.not_in_directory", key=key)
    return contact


def _contacts(core: Core, keys: Sequence[str]) -> list[Contact]:
    """The directory's contacts for these keys (someone who has left it is not asked)."""
    found = (core.directory.contact(key) for key in keys)
    return [c for c in found if c is not None]

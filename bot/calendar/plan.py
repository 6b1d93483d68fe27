"""What a calendar sync owes each person: pure, from the discussion and what was sent before.

`plan` compares what each person should have (the invitation at the current
SEQUENCE, or a cancellation) with what the `calendar_send` records say they
were sent; `meeting` is the meeting as it goes out. Nothing here sends or
writes: `sync.py` does, after planning.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.calendar.port import Attendee, Invites, Meeting
from bot.core import Core
from bot.references import discussion_reference
from bot.shared import when
from bot.storage import models
from bot.storage.calendar_models import CalendarEvent, CalendarSend, Method, Route, SendStatus
from templates import render


@dataclass
class EventState:
    """The calendar event as it will be after this sync (written back at the end)."""

    uid: str
    sequence: int
    start_at: datetime
    cancelled: bool
    graph_event_id: str | None
    graph_join_url: str | None
    graph_failed: str | None


@dataclass(frozen=True)
class Person:
    invitation: models.Invitation
    attendee: Attendee

    @property
    def contact(self) -> models.Contact:
        return self.invitation.contact


@dataclass
class Plan:
    """Who is owed what by this sync."""

    state: EventState  # the event as it will be after this sync
    people: list[Person]  # everyone invited now (none when cancelled)
    to_invite: list[Person]  # owed the invitation at the current sequence
    to_cancel: list[models.Invitation]  # owed a cancellation
    delivered: dict[int, CalendarSend] = field(default_factory=dict)  # contact id -> last sent
    tried: dict[int, CalendarSend] = field(default_factory=dict)  # contact id -> last attempt

    @property
    def cancelled(self) -> bool:
        return self.state.cancelled


def plan(
    row: CalendarEvent | None, discussion: models.Discussion, history: Sequence[CalendarSend]
) -> Plan:
    """What is owed, given the event as last written and every send so far (oldest first)."""
    state = _state(row, discussion)
    cancelled = discussion.status == models.DiscussionStatus.CANCELLED
    if state.start_at != discussion.meeting_at:
        state.sequence += 1
        state.start_at = discussion.meeting_at
    if cancelled and not state.cancelled:
        state.sequence += 1
        state.cancelled = True

    delivered: dict[int, CalendarSend] = {}
    tried: dict[int, CalendarSend] = {}
    for send in history:
        tried[send.contact_id] = send
        if send.status == SendStatus.SENT:
            delivered[send.contact_id] = send

    people = [] if cancelled else attendees(discussion)
    current = {p.contact.id for p in people}
    # Everyone who holds an invitation they should no longer have: all of them
    # when the discussion is cancelled, else those who delegated it away.
    withdrawn = [
        i
        for i in discussion.invitations
        if i.contact_id not in current
        and (last := delivered.get(i.contact_id)) is not None
        and last.method == Method.REQUEST
    ]

    def owed(contact_id: int, method: Method) -> bool:
        last = delivered.get(contact_id)
        return last is None or (last.method, last.sequence) != (method, state.sequence)

    return Plan(
        state=state,
        people=people,
        to_invite=[p for p in people if owed(p.contact.id, Method.REQUEST)],
        to_cancel=[i for i in withdrawn if owed(i.contact_id, Method.CANCEL)],
        delivered=delivered,
        tried=tried,
    )


def _state(row: CalendarEvent | None, discussion: models.Discussion) -> EventState:
    if row is None:
        return EventState(
            uid=f"{uuid.uuid4()}@strategy-bot",
            sequence=0,
            start_at=discussion.meeting_at,
            cancelled=False,
            graph_event_id=None,
            graph_join_url=None,
            graph_failed=None,
        )
    return EventState(
        uid=row.uid,
        sequence=row.sequence,
        start_at=row.start_at,
        cancelled=row.cancelled,
        graph_event_id=row.graph_event_id,
        graph_join_url=row.graph_join_url,
        graph_failed=row.graph_failed,
    )


def attendee(discussion: models.Discussion, invitation: models.Invitation) -> Attendee:
    answer = invitation.status if invitation.status in ("accepted", "declined") else None
    return Attendee(
        name=invitation.contact.name,
        email=invitation.contact.email.strip(),
        chair=invitation.contact_id == discussion.chair_id,
        answer=answer,
    )


def attendees(discussion: models.Discussion) -> list[Person]:
    """Whoever is invited now: everyone but those who delegated their place."""
    return [
        Person(i, attendee(discussion, i))
        for i in discussion.invitations
        if i.status != models.InvitationStatus.DELEGATED
    ]


def meeting_for(
    core: Core,
    invites: Invites,
    discussion: models.Discussion,
    state: EventState,
    people: list[Person],
    now: datetime,
    outlook: bool = False,
) -> Meeting:
    """The meeting as sent; `outlook`: the Graph event's version, whose replies are read."""
    case = discussion_reference(discussion)
    context = {
        "case": case,
        "meeting": when(core, discussion.meeting_at),
        "deadline": when(core, discussion.deadline_at),
        "chair": discussion.chair.name,
        "join_url": state.graph_join_url,
        "outlook": outlook,
    }
    cancelled = state.cancelled
    subject = render(
        "calendar/subject.txt.j2", case=case, cancelled=cancelled, updated=state.sequence > 0
    )
    body = render(
        "calendar/cancel_body.txt.j2" if cancelled else "calendar/invite_body.txt.j2", **context
    )
    attendees = tuple(p.attendee for p in people)
    if cancelled:  # a cancellation names everyone it goes to
        attendees = tuple(attendee(discussion, i) for i in discussion.invitations)
    return Meeting(
        uid=state.uid,
        sequence=state.sequence,
        subject=subject,
        body=body,
        start=discussion.meeting_at,
        end=discussion.meeting_at + timedelta(minutes=invites.meeting_minutes),
        timezone=invites.timezone,
        organiser_name=f"{discussion.chair.name} (via strategy-bot)",
        organiser_email=invites.organiser_email,
        attendees=attendees,
        stamp=now,
        join_url=state.graph_join_url,
    )


def graph_part(
    invites: Invites,
    state: EventState,
    delivered: dict[int, CalendarSend],
    to_invite: list[Person],
    to_cancel: list[models.Invitation],
) -> tuple[list[Person], list[models.Invitation]]:
    """Who goes through Graph: tenant addresses, and anyone whose invitation came that way."""
    if invites.graph is None or state.graph_failed is not None:
        return [], []
    invite = [p for p in to_invite if invites.route(p.attendee.email, False) is Route.GRAPH]
    cancel = [
        i
        for i in to_cancel
        if (last := delivered.get(i.contact_id)) is not None and last.route == Route.GRAPH
    ]
    return invite, cancel

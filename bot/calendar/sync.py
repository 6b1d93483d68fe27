"""Bring people's calendars in line with a discussion: invite, update, cancel.

Runs as scheduled work (`calendar_sync`), never inside the transaction of the
command that changed the discussion: convening, rescheduling, cancelling and
adding an invitee each schedule one sync, and repeated changes collapse into
one. A sync sends only what each person is owed (`plan.py`, pure); sending is
done before anything is written, then every attempt is recorded, audited, and
any problem is told to the chair by name. A send that failed for now is retried by
a later sync; nothing is dropped silently.

Resending is safe: an invitation carries the same UID and SEQUENCE as before,
so a calendar that already has it just updates the same entry, and a Graph
create carries a transactionId, so Graph returns the first event.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.calendar.plan import EventState, Person, attendee, graph_part, meeting_for, plan
from bot.calendar.port import (
    Attendee,
    CalendarRefused,
    CalendarUnavailable,
    Invites,
    Meeting,
)
from bot.calendar.routing import invites_of
from bot.core import Core
from bot.mail import Email, MailRefused
from bot.messages import Kind, Outgoing, message
from bot.references import discussion_reference
from bot.shared import audit, schedule, when
from bot.storage import models
from bot.storage.calendar_models import (
    CalendarEvent,
    CalendarSend,
    Method,
    Route,
    SendStatus,
)
from bot.unit import Unit
from bot.wording import say

log = logging.getLogger(__name__)

# A send that failed for now (mail server down) is tried again this much later.
RETRY_AFTER = timedelta(minutes=15)


@dataclass
class _Result:
    """What this sync did: one row per attempt, and what the chair must hear."""

    sends: list[CalendarSend] = field(default_factory=list)
    graph_problem: str | None = None
    retry: bool = False
    # Failures the chair was already told of (the same send failed last time too).
    told: list[CalendarSend] = field(default_factory=list)
    # The iCalendar documents made so far, by method and meeting version: the invitation
    # (or the whole cancellation) is the same document for everyone: built once per sync.
    documents: dict[tuple[str, Meeting], bytes] = field(default_factory=dict)


def sync_calendar(unit: Unit, work: models.DueWork) -> list[Outgoing]:
    """The `calendar_sync` handler."""
    core, session = unit.core, unit.session
    assert work.discussion_id is not None
    # Its invitations come by their own query, through their discussion_id index: joined
    # to a load by id, SQLite's plan walked every invitation in id order (0.6 s at
    # 100,000 discussions, bench/history.py's convene).
    discussion = session.get_one(models.Discussion, work.discussion_id)
    if discussion.status == models.DiscussionStatus.HELD:
        return []  # the meeting has started: too late for invitations
    invites = invites_of(core)
    now = core.clock.now()
    if invites.tokens is not None:
        invites.tokens.read(session)

    row = session.scalars(
        select(CalendarEvent).where(CalendarEvent.discussion_id == discussion.id)
    ).one_or_none()
    history = session.scalars(
        select(CalendarSend)
        .where(CalendarSend.discussion_id == discussion.id)
        .order_by(CalendarSend.id)
    ).all()
    owed = plan(row, discussion, history)
    state, people, cancelled = owed.state, owed.people, owed.cancelled
    to_invite, to_cancel, tried = owed.to_invite, owed.to_cancel, owed.tried
    if not to_invite and not to_cancel:
        return []

    result = _Result()
    sent = meeting_for(core, invites, discussion, state, people, now)
    graph_invite, graph_cancel = graph_part(invites, state, owed.delivered, to_invite, to_cancel)
    first_graph_event = (
        invites.graph is not None
        and state.graph_failed is None
        and state.graph_event_id is None
        and not cancelled
    )
    if graph_invite or graph_cancel or first_graph_event:
        outlook = meeting_for(core, invites, discussion, state, people, now, outlook=True)
        _send_graph(invites, state, outlook, graph_invite, graph_cancel, result, now)
        if state.graph_failed is not None:  # everyone goes by email from now on
            graph_invite, graph_cancel = [], []
        sent = meeting_for(core, invites, discussion, state, people, now)  # with the Teams link
    by_graph = {p.contact.id for p in graph_invite} | {i.contact_id for i in graph_cancel}
    for person in to_invite:
        if person.contact.id not in by_graph:
            _send_email(invites, sent, Method.REQUEST, person.invitation, None, tried, result, now)
    for invitation in to_cancel:
        if invitation.contact_id not in by_graph:
            leaving = None if cancelled else (attendee(discussion, invitation),)
            _send_email(invites, sent, Method.CANCEL, invitation, leaving, tried, result, now)

    # Only now, after the sending, is anything written.
    _write_state(session, row, discussion, state, now)
    for send in result.sends:
        session.add(send)
    if invites.tokens is not None:
        invites.tokens.write(session, core.clock)
    if result.sends:
        audit(
            session,
            core,
            "system",
            "calendar_sent",
            discussion,
            sequence=state.sequence,
            sends=[
                {
                    "contact": s.contact.key,
                    "route": s.route,
                    "method": s.method,
                    "status": s.status,
                    **({"detail": s.detail} if s.detail else {}),
                }
                for s in result.sends
            ],
        )
    if result.graph_problem is not None:
        audit(
            session,
            core,
            "system",
            "calendar_graph_failed",
            discussion,
            reason=result.graph_problem,
        )
    if result.retry:
        schedule(
            session,
            models.WorkKind.CALENDAR_SYNC,
            now + RETRY_AFTER,
            discussion=discussion,
            key=f"calendar:{discussion.id}",
        )
    if state.graph_event_id and not state.graph_failed and not cancelled:
        schedule(
            session,
            models.WorkKind.CALENDAR_RESPONSES,
            now + timedelta(minutes=invites.poll_minutes),
            discussion=discussion,
            key=f"calendar-replies:{discussion.id}",
        )
    return _chair_notice(core, invites, discussion, result)


# -- sending ------------------------------------------------------------------


def _send_graph(
    invites: Invites,
    state: EventState,
    meeting: Meeting,
    invite: list[Person],
    cancel: list[models.Invitation],
    result: _Result,
    now: datetime,
) -> None:
    """One event in the organiser's mailbox, holding the tenant's attendees."""
    graph = invites.graph
    assert graph is not None
    tenant = tuple(a for a in meeting.attendees if invites.route(a.email, False) is Route.GRAPH)
    try:
        if state.cancelled:
            if state.graph_event_id is not None:
                graph.cancel(state.graph_event_id, meeting.body)
        elif state.graph_event_id is None:
            created = graph.create(
                _with_attendees(meeting, tenant), transaction_id=f"strategy-bot-{state.uid}"
            )
            state.graph_event_id, state.graph_join_url = created.event_id, created.join_url
        else:
            graph.update(state.graph_event_id, _with_attendees(meeting, tenant))
    except (CalendarUnavailable, CalendarRefused) as error:
        log.warning("Graph failed for %s: %s", meeting.uid, error)
        state.graph_failed = str(error)
        result.graph_problem = str(error)
        return
    for person in invite:
        result.sends.append(
            _record(
                person.invitation,
                person.attendee.email,
                Route.GRAPH,
                Method.REQUEST,
                state.sequence,
                SendStatus.SENT,
                None,
                now,
            )
        )
    for invitation in cancel:
        result.sends.append(
            _record(
                invitation,
                invitation.contact.email,
                Route.GRAPH,
                Method.CANCEL,
                state.sequence,
                SendStatus.SENT,
                None,
                now,
            )
        )


def _with_attendees(meeting: Meeting, attendees: tuple[Attendee, ...]) -> Meeting:
    return replace(meeting, attendees=attendees)


def _send_email(
    invites: Invites,
    meeting: Meeting,
    method: Method,
    invitation: models.Invitation,
    leaving: tuple[Attendee, ...] | None,
    tried: dict[int, CalendarSend],
    result: _Result,
    now: datetime,
) -> None:
    from bot.calendar import ics  # icalendar is only needed when email is sent

    address = invitation.contact.email.strip()
    route = invites.email_route
    last = tried.get(invitation.contact_id)
    # The same send as last time, to the same address: its outcome is known already.
    again = last is not None and (last.method, last.sequence, last.address) == (
        method.value,
        meeting.sequence,
        address,
    )
    if again and last is not None and last.status in (SendStatus.REFUSED, SendStatus.NO_EMAIL):
        return  # refused before, and nothing has changed: the chair already knows
    if not address:
        reason = say("calendar.no_email")
        result.sends.append(
            _record(
                invitation, "", route, method, meeting.sequence, SendStatus.NO_EMAIL, reason, now
            )
        )
        return
    shared = (method.value, meeting)
    if leaving is None and shared in result.documents:
        document = result.documents[shared]
    else:
        request = method is Method.REQUEST
        document = ics.request(meeting) if request else ics.cancel(meeting, leaving)
        if leaving is None:
            result.documents[shared] = document
    email = Email(
        to=(address,),
        subject=meeting.subject,
        text=meeting.body,
        calendar=document,
        calendar_method=method.value,
    )
    status, detail = SendStatus.SENT, None
    try:
        invites.mailer.send(email)
    except MailRefused as refused:
        status, detail = SendStatus.REFUSED, "; ".join(refused.refused.values())
    except (smtplib.SMTPException, OSError) as error:
        status, detail = SendStatus.FAILED, f"{type(error).__name__}: {error}"
        result.retry = True
    send = _record(invitation, address, route, method, meeting.sequence, status, detail, now)
    result.sends.append(send)
    if status is SendStatus.FAILED and again and last is not None and last.status == "failed":
        result.told.append(send)


def _record(
    invitation: models.Invitation,
    address: str,
    route: Route,
    method: Method,
    sequence: int,
    status: SendStatus,
    detail: str | None,
    now: datetime,
) -> CalendarSend:
    return CalendarSend(
        discussion_id=invitation.discussion_id,
        contact=invitation.contact,
        address=address,
        route=route.value,
        method=method.value,
        sequence=sequence,
        status=status.value,
        detail=detail,
        sent_at=now,
    )


# -- recording ----------------------------------------------------------------


def _write_state(
    session: Session,
    row: CalendarEvent | None,
    discussion: models.Discussion,
    state: EventState,
    now: datetime,
) -> None:
    if row is None:
        row = CalendarEvent(discussion_id=discussion.id, uid=state.uid)
        session.add(row)
    row.sequence = state.sequence
    row.start_at = state.start_at
    row.cancelled = state.cancelled
    row.graph_event_id = state.graph_event_id
    row.graph_join_url = state.graph_join_url
    row.graph_failed = state.graph_failed
    row.updated_at = now


def _chair_notice(
    core: Core, invites: Invites, discussion: models.Discussion, result: _Result
) -> list[Outgoing]:
    """The chair hears of every invitation that did not reach its calendar, by name."""
    outbox = [
        s.contact.name for s in result.sends if s.route == Route.OUTBOX and s.status == "sent"
    ]
    refused = [(s.contact.name, s.address, s.detail) for s in result.sends if s.status == "refused"]
    failed = [
        (s.contact.name, s.detail)
        for s in result.sends
        if s.status == "failed" and s not in result.told
    ]
    no_email = [s.contact.name for s in result.sends if s.status == "no_email"]
    if not (outbox or refused or failed or no_email or result.graph_problem):
        return []
    return [
        Outgoing(
            to=discussion.chair.key,
            message=message(
                Kind.ALERT,
                "calendar/chair_notice.txt.j2",
                case=discussion_reference(discussion),
                meeting=when(core, discussion.meeting_at),
                cancelled=discussion.status == models.DiscussionStatus.CANCELLED,
                outbox=outbox,
                folder=str(invites.outbox) if invites.outbox is not None else "",
                graph_problem=result.graph_problem,
                refused=refused,
                failed=failed,
                no_email=no_email,
                retry_minutes=int(RETRY_AFTER.total_seconds() // 60),
            ),
        )
    ]

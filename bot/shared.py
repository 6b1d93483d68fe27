"""What services, calendar and record all need: lookups, the audit trail, scheduling, times.

This module sits below all three, so none of them needs to import another to
write an audit event, schedule work or show a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session, contains_eager, joinedload
from sqlalchemy.sql.base import ExecutableOption

from bot import references
from bot.core import Core
from bot.directory import AgencyKind, Contact
from bot.domain import Attendance, quorum
from bot.errors import InputError, not_allowed, refusal
from bot.messages import Delivery, Kind, Outgoing, message
from bot.references import action_reference, read_action_reference
from bot.storage import audit_rows, models
from bot.storage.audit_rows import Identified
from bot.storage.row_ids import cached_contact_id, known_contact_id
from bot.unit import ANSWERED, Answered
from bot.wording import say
from scheduling.timetext import TimeTextError, parse_due
from scheduling.workdays import format_day, format_local


def contact_row(session: Session, key: str) -> models.Contact:
    # Kept for the unit of work: a query by key would hand back the same object
    # from the session anyway, after a round trip to the database.
    known: dict[str, models.Contact] = session.info.setdefault(_CONTACT_ROWS, {})
    row = known.get(key)
    if row is None:
        # By the id the core knows: no query when the row is already in the session.
        found = cached_contact_id(session, key)
        if found is not None:
            row = session.get(models.Contact, found)
        if row is None:
            row = session.scalars(
                select(models.Contact).where(models.Contact.key == key)
            ).one_or_none()
        if row is None:
            raise refusal("lookups.not_in_directory", key=key)
        known[key] = row
    return row


def contact_id(session: Session, key: str) -> int:
    """The id of the contact's row, for a foreign key: without reading the row."""
    known: dict[str, models.Contact] = session.info.get(_CONTACT_ROWS, {})
    row = known.get(key)
    found = row.id if row is not None else known_contact_id(session, key)
    if found is None:
        raise refusal("lookups.not_in_directory", key=key)
    return found


def of_contact(
    session: Session, query: Select[_T], column: InstrumentedAttribute[int], key: str
) -> Select[_T]:
    """`query` narrowed to the rows whose `column` names the contact with this key: by the
    id the core knows, else (a key it has not seen) by joining the contact as before."""
    found = cached_contact_id(session, key)
    if found is not None:
        return query.where(column == found)
    return query.join(models.Contact, column == models.Contact.id).where(models.Contact.key == key)


def read_contact_rows(session: Session, keys: Iterable[str]) -> None:
    """Read these people's rows in one query, for `contact_row` to hand out."""
    known: dict[str, models.Contact] = session.info.setdefault(_CONTACT_ROWS, {})
    wanted = set(keys) - set(known)
    if wanted:
        for row in session.scalars(select(models.Contact).where(models.Contact.key.in_(wanted))):
            known[row.key] = row


_CONTACT_ROWS = "strategy_bot_contact_rows"
_T = TypeVar("_T")


def audit(
    session: Session,
    core: Core,
    actor: str,
    event: str,
    discussion: Identified | None = None,
    **details: Any,
) -> None:
    """One event of the append-only audit trail, written with the unit of work's others
    when it ends (bot/storage/audit_rows.py). When the unit of work came from an answer
    page, the answering person's events also say so (via, answered_by)."""
    answered = session.info.get(ANSWERED)
    if isinstance(answered, Answered) and answered.actor == actor:
        details = {**answered.details(), **details}
    audit_rows.add(session, core.clock.now(), actor, event, discussion, details)


def invited(session: Session, key: str) -> ColumnElement[bool]:
    """Whether the contact with this key is invited to the discussion of the enclosing query.

    A condition, not a join: joined, SQLite starts from the person's invitations (every
    one they ever had, more every year) where it should start from the discussions at
    hand and look each one's invitation up by (discussion, contact)."""
    return of_contact(
        session,
        select(models.Invitation.id).where(models.Invitation.discussion_id == models.Discussion.id),
        models.Invitation.contact_id,
        key,
    ).exists()


def visible_discussion(
    session: Session,
    reference: str,
    viewer: Contact,
    *,
    scheduled_only: bool = False,
    load: Sequence[ExecutableOption] = (),
) -> models.Discussion:
    """The discussion a reference names, if the viewer was invited to it.

    NV-40213#2 names the case's second discussion; NV-40213 alone the newest
    one the viewer was invited to (for anyone invited to it, the latest).
    Someone who was not invited gets the same answer as for a case that does
    not exist, so nothing leaks about which cases are under discussion.
    `load`: eager loading for what the caller reads next (e.g. WITH_INVITATIONS).
    """
    wanted = references.read_discussion_reference(reference)
    query = (
        select(models.Discussion)
        .join(models.Discussion.case)
        .where(invited(session, viewer.id))
        .options(_CASE_FROM_ITS_JOIN, *load)
    )
    discussion = session.scalars(_narrowed(query, wanted, scheduled_only)).first()
    return _found(discussion, wanted, scheduled_only)


def visible_invitation(
    session: Session, reference: str, viewer: Contact, *, scheduled_only: bool = False
) -> models.Invitation:
    """The viewer's own invitation to the discussion `visible_discussion` would find, with
    that discussion and its case: one row, not the discussion with everyone's invitations."""
    wanted = references.read_discussion_reference(reference)
    # The discussion first, then the invitation by its (discussion, contact) key: asked
    # for the viewer's invitation and the case together, SQLite starts from every
    # invitation the viewer ever had.
    discussion = (
        _narrowed(
            select(models.Discussion.id)
            .join(models.Discussion.case)
            .where(invited(session, viewer.id)),
            wanted,
            scheduled_only,
        )
        .limit(1)
        .correlate(None)
        .scalar_subquery()
    )
    query = of_contact(
        session,
        select(models.Invitation)
        .join(models.Invitation.discussion)
        .join(models.Discussion.case)
        .where(models.Invitation.discussion_id == discussion)
        .options(_DISCUSSION_FROM_ITS_JOIN),
        models.Invitation.contact_id,
        viewer.id,
    )
    invitation = session.scalars(query).first()
    _found(invitation.discussion if invitation is not None else None, wanted, scheduled_only)
    assert invitation is not None  # _found raises when there is none
    return invitation


# The case is joined for its reference anyway: its row comes from that join rather than
# from a second one for the eager load. Built once: an option costs a little to build.
_CASE_FROM_ITS_JOIN = contains_eager(models.Discussion.case)
_DISCUSSION_FROM_ITS_JOIN = contains_eager(models.Invitation.discussion).contains_eager(
    models.Discussion.case
)


def _narrowed(
    query: Select[_T], wanted: references.DiscussionReference, scheduled_only: bool
) -> Select[_T]:
    """`query` (over a discussion and its case, already narrowed to the viewer's) narrowed
    to the discussions of the case the reference names, the latest first."""
    query = query.where(models.Case.reference == wanted.case).order_by(
        models.Discussion.number.desc(), models.Discussion.id.desc()
    )
    if wanted.number is not None:
        query = query.where(models.Discussion.number == wanted.number)
    elif scheduled_only:
        query = query.where(models.Discussion.status == models.DiscussionStatus.SCHEDULED)
    return query


def _found(
    discussion: models.Discussion | None,
    wanted: references.DiscussionReference,
    scheduled_only: bool,
) -> models.Discussion:
    if scheduled_only and discussion is not None:
        # A numbered reference (a button on an old card) names one discussion: if it
        # has been held or cancelled, say so, rather than act on a later one.
        _require_upcoming(discussion, wanted.case)
    if discussion is None:
        named = (
            wanted.case
            if wanted.number is None
            else references.numbered_reference(wanted.case, wanted.number)
        )
        raise not_allowed("lookups.no_discussion", upcoming=scheduled_only, case=named)
    return discussion


def _require_upcoming(discussion: models.Discussion, case: str) -> None:
    if discussion.status != models.DiscussionStatus.SCHEDULED:
        raise refusal(
            "lookups.no_longer_upcoming",
            case=references.discussion_reference(discussion),
            number=discussion.number,
            status=discussion.status,
            latest=case,
        )


# The invitations in the discussion's own query (one row each, no query of their own),
# for callers that look through them (invitation_of, quorum_of).
WITH_INVITATIONS = (joinedload(models.Discussion.invitations),)
# Who may change the discussion's actions and record (chair, convenor).
WITH_ORGANISERS = (joinedload(models.Discussion.chair), joinedload(models.Discussion.convenor))


def invitation_of(discussion: models.Discussion, contact_key: str) -> models.Invitation | None:
    return next((i for i in discussion.invitations if i.contact.key == contact_key), None)


def kind_of(invitation: models.Invitation) -> AgencyKind:
    return AgencyKind(invitation.contact.agency.kind)


def quorum_of(discussion: models.Discussion) -> dict[AgencyKind, bool]:
    return quorum(Attendance(kind_of(i), i.status) for i in discussion.invitations)


def when(core: Core, instant: datetime) -> str:
    return format_local(instant, core.calendar)


def describe_child(core: Core, child: models.Child | models.DiscussionChild) -> str:
    today = core.calendar.local_date(core.clock.now())
    if child.expected_date is not None:
        return say(
            "child.unborn", pseudonym=child.pseudonym, expected=format_day(child.expected_date)
        )
    if child.date_of_birth is not None:
        return say("child.aged", pseudonym=child.pseudonym, age=_age(child.date_of_birth, today))
    return child.pseudonym


def _age(born: date, today: date) -> str:
    years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if years >= 1:
        return str(years)
    months = (today.year - born.year) * 12 + today.month - born.month - (today.day < born.day)
    return say("child.months", months=max(months, 0))


def schedule(
    session: Session,
    kind: models.WorkKind,
    due_at: datetime,
    *,
    discussion: models.Discussion | None = None,
    action: models.Action | None = None,
    agency_kind: AgencyKind | None = None,
    key: str | None = None,
    payload: dict[str, Any] | None = None,
    new: bool = False,
) -> models.ScheduledWork:
    """Add scheduled work; with a `key`, move the pending item with that key instead.
    `new`: the caller knows that no item with the key can be pending (no look-up)."""
    if key is not None and not new:
        pending = _pending_with_key(session, key)
        if pending is not None:
            pending.due_at = due_at
            pending.payload = payload or {}
            return pending
    work = models.ScheduledWork(
        kind=kind,
        due_at=due_at,
        discussion_id=discussion.id if discussion else None,
        action_id=action.id if action else None,
        agency_kind=agency_kind.value if agency_kind else None,
        key=key,
        payload=payload or {},
    )
    session.add(work)
    return work


def _pending_with_key(session: Session, key: str) -> models.ScheduledWork | None:
    query = select(models.ScheduledWork).where(
        models.ScheduledWork.key == key,
        models.ScheduledWork.status == models.WorkStatus.PENDING,
    )
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(item, models.ScheduledWork) for item in changed):
        return session.scalars(query).first()  # flushed first: this unit's own items count
    # Nothing else the session holds unflushed can change the answer: the rest (its audit
    # events, say) goes out in a later flush with the other writes, not in one of its own.
    with session.no_autoflush:
        return session.scalars(query).first()


def schedule_sync(session: Session, core: Core, discussion: models.Discussion) -> None:
    """Bring the calendars up to date soon; several changes in a row make one sync."""
    schedule(
        session,
        models.WorkKind.CALENDAR_SYNC,
        core.clock.now(),
        discussion=discussion,
        key=f"calendar:{discussion.id}",
    )


def to_chair(discussion: models.Discussion, kind: Kind, template: str, **context: Any) -> Outgoing:
    """A direct message to the discussion's chair, from a template."""
    return Outgoing(to=discussion.chair.key, message=message(kind, template, **context))


def to_channel(core: Core, template: str, **context: Any) -> Outgoing:
    """A notice to the partnership's notices channel, from a template."""
    return Outgoing(
        to=core.channel,
        delivery=Delivery.CHANNEL,
        message=message(Kind.NOTICE, template, **context),
    )


def open_action(session: Session, actor: Contact, reference: str) -> models.Action:
    """The action, if the actor may see it (its owner, or an invitee of its discussion)."""
    action = visible_action(session, actor, reference)
    if action.status == models.ActionStatus.CLOSED:
        raise refusal("lookups.action_closed", reference=action_reference(action))
    return action


def visible_action(session: Session, actor: Contact, reference: str) -> models.Action:
    """The one action a reference names (numbers run across the case), if the actor may
    see it: its owner, anyone invited to its discussion, or to a later discussion of the
    case (where open actions are carried forward)."""
    wanted = read_action_reference(reference)
    if wanted is None:
        raise refusal("lookups.not_an_action", reference=reference)
    action = session.scalars(
        select(models.Action)
        .join(models.Case, models.Action.case_id == models.Case.id)
        .where(models.Case.reference == wanted.case, models.Action.number == wanted.number)
        .options(*_WITH_OWNER_AND_CHAIR)
    ).one_or_none()
    if action is not None and action.owner.key == actor.id:
        return action
    # Not the owner: the invitees may still see it; anyone else learns nothing.
    latest = visible_discussion(session, wanted.case, actor)
    if action is None or not _sees(actor, action, latest):
        raise refusal("lookups.no_such_action", case=latest.case.reference, number=wanted.number)
    return action


# Every command on an action names it (its discussion's case), checks or tells its owner
# and its discussion's chair: loaded with the action, not one lazy load each.
_WITH_OWNER_AND_CHAIR = (
    joinedload(models.Action.owner),
    joinedload(models.Action.discussion).joinedload(models.Discussion.chair),
)


def _sees(actor: Contact, action: models.Action, latest: models.Discussion) -> bool:
    if invitation_of(action.discussion, actor.id) is not None:
        return True
    return latest.number > action.discussion.number and action.status == models.ActionStatus.OPEN


def carried_forward(discussion: models.Discussion) -> list[models.Action]:
    """Open actions of the case's earlier discussions: they stay open and are followed up
    in this one (carried forward, not copied)."""
    if discussion.number <= 1:
        return []  # a case's first discussion: there is none earlier (no query for them)
    return [
        action
        for earlier in discussion.case.discussions
        if earlier.number < discussion.number
        for action in earlier.actions
        if action.status == models.ActionStatus.OPEN
    ]


def next_action_number(session: Session, case: models.Case) -> int:
    """Actions are numbered across the case and never reused: A3 follows A1 and A2."""
    highest = session.scalar(
        select(func.max(models.Action.number)).where(models.Action.case_id == case.id)
    )
    return (highest or 0) + 1


def due_from_text(core: Core, due: str) -> datetime:
    try:
        return parse_due(due, core.clock.now(), core.calendar).at
    except TimeTextError as problem:
        raise InputError(str(problem)) from None

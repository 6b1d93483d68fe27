"""The compliance report's facts, read as plain rows.

A year's report covers about 13,000 discussions: building ORM objects for them,
their invitations, actions and record versions cost more than everything else
the report does. So the facts are read through SQLAlchemy Core, a fixed
number of queries per 500 discussions whatever the period (each through an
index on the discussion or the version), and reduced to `DiscussionFacts`
here. The definitions of the figures are in bot/record/report.py.

A discussion's record versions are reduced to what the figures need as they
are read (`_Record`), parsing only the versions that matter, and the rows
kept meanwhile are named tuples: a year's report then leaves little for
Python's cyclic garbage collector to go through, which otherwise took half
its time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from typing import NamedTuple

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session, aliased

from bot.core import Core
from bot.directory import Role
from bot.record.circulation import recipients
from bot.record.completeness import is_complete
from bot.record.content import RecordContent
from bot.references import discussion_name
from bot.storage import models
from bot.storage.record_models import DeliveryStatus, RecordDelivery, RecordStatus, RecordVersion

NO_TEAM = "(no team)"
BATCH = 500  # discussions (or versions) per query


@dataclass(frozen=True, slots=True)
class ActionFacts:
    agency: str  # the owner's agency
    has_owner_and_due: bool
    due_or_closed: bool  # due by the time of the report, or already closed
    closed_on_time: bool
    open_overdue: bool


@dataclass(frozen=True, slots=True)
class DiscussionFacts:
    case: str
    team: str
    category: str
    within_timescale: bool
    health_invited: bool
    health_attended: bool
    health_via_fallback: bool
    police_attended: bool
    social_care_attended: bool
    attendance_confirmed: bool
    record_finalised: bool
    record_circulated_in_time: bool
    record_complete: bool
    actions: tuple[ActionFacts, ...] = ()
    review: bool = False
    same_people_as_first: bool = False  # for a review; see the report's definitions


class _Held(NamedTuple):
    id: int
    case_id: int
    number: int
    category: str
    meeting_at: datetime
    deadline_at: datetime
    case: str
    chair: str
    convenor: str


class _Attended(NamedTuple):
    """Someone at a discussion; for an invitation, `attended` is whether they accepted."""

    contact: str
    role: str  # the role's label: a police unit, for the reviews' consistency
    agency_kind: str
    attended: bool
    via_fallback: bool


class _Version(NamedTuple):
    id: int
    version: int
    final: bool
    content: Mapping[str, object]  # as stored; parsed only when needed
    circulation_due_at: datetime | None


class _Record(NamedTuple):
    """What the figures need of a discussion's record versions."""

    # The latest version in which the chair confirmed attendance: who attended, and
    # that version's finalised attendance (None: no snapshot); both None: unconfirmed.
    said: tuple[str, ...] | None = None
    frozen: tuple[_Attended, ...] | None = None
    confirmed: bool = False
    first_final: int | None = None  # version 1's id, once it is final
    circulation_due_at: datetime | None = None  # version 1's deadline
    recipients: tuple[str, ...] | None = None  # version 1's, from its snapshot (None: none)
    complete: bool = False  # the latest final version has every section filled in


NO_RECORD = _Record()


@dataclass
class _Rows:
    """Everything the facts read, by discussion id."""

    invited: dict[int, list[_Attended]]
    children: dict[int, list[str]]
    actions: dict[int, list[ActionFacts]]
    records: dict[int, _Record]
    reached: dict[int, list[tuple[str, datetime]]]  # by version id: sent deliveries
    first_of_case: dict[int, int]  # case id -> its first discussion's id
    teams: dict[str, str]  # directory id -> team ("" for none), first in file order


def read_facts(
    core: Core, session: Session, period: Sequence[ColumnElement[bool]], as_of: datetime
) -> list[DiscussionFacts]:
    """The facts of every discussion matching `period`, in meeting order."""
    held = [_Held(*row) for row in session.execute(_held(period))]
    rows = _read(session, held, as_of)
    for contact in core.directory.contacts():
        rows.teams.setdefault(contact.id, contact.team or "")
    return [_facts(core, rows, discussion) for discussion in held]


def _held(
    period: Sequence[ColumnElement[bool]],
) -> Select[int, int, int, str, datetime, datetime, str, str, str]:
    chair, convenor = aliased(models.Contact), aliased(models.Contact)
    discussion = models.Discussion
    return (
        select(
            discussion.id,
            discussion.case_id,
            discussion.number,
            discussion.category,
            discussion.meeting_at,
            discussion.deadline_at,
            models.Case.reference,
            chair.key,
            convenor.key,
        )
        .join(models.Case, models.Case.id == discussion.case_id)
        .join(chair, chair.id == discussion.chair_id)
        .join(convenor, convenor.id == discussion.convenor_id)
        .where(*period)
        .order_by(discussion.meeting_at, discussion.id)
    )


def _batches(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), BATCH):
        yield ordered[start : start + BATCH]


def _read(session: Session, held: Sequence[_Held], as_of: datetime) -> _Rows:
    rows = _Rows({}, {}, {}, {}, {}, {}, {})
    review_cases = {d.case_id for d in held if d.number > 1}
    for batch in _batches(review_cases):
        for discussion_id, case_id in session.execute(
            select(models.Discussion.id, models.Discussion.case_id)
            .where(models.Discussion.case_id.in_(batch), models.Discussion.number == 1)
            .order_by(models.Discussion.id)
        ):
            rows.first_of_case.setdefault(case_id, discussion_id)
    wanted = {d.id for d in held} | set(rows.first_of_case.values())
    for batch in _batches(wanted):
        _read_invitations(session, batch, rows)
        _read_children(session, batch, rows)  # before the versions: completeness needs them
        _read_versions(session, batch, rows)
    for batch in _batches(d.id for d in held):
        _read_actions(session, batch, rows, as_of)
    first_finals = [r.first_final for r in rows.records.values() if r.first_final is not None]
    for batch in _batches(first_finals):
        for version_id, contact, delivered_at in session.execute(
            select(
                RecordDelivery.record_version_id, models.Contact.key, RecordDelivery.delivered_at
            )
            .join(models.Contact, models.Contact.id == RecordDelivery.contact_id)
            .where(
                RecordDelivery.record_version_id.in_(batch),
                RecordDelivery.status == DeliveryStatus.SENT,
            )
        ):
            rows.reached.setdefault(version_id, []).append((contact, delivered_at))
    return rows


def _read_invitations(session: Session, batch: list[int], rows: _Rows) -> None:
    invitation = models.Invitation
    for discussion_id, contact, role, kind, status, via_fallback in session.execute(
        select(
            invitation.discussion_id,
            models.Contact.key,
            models.Contact.role,
            models.Agency.kind,
            invitation.status,
            invitation.via_fallback,
        )
        .join(models.Contact, models.Contact.id == invitation.contact_id)
        .join(models.Agency, models.Agency.id == models.Contact.agency_id)
        .where(invitation.discussion_id.in_(batch))
        .order_by(invitation.id)
    ):
        accepted = status == models.InvitationStatus.ACCEPTED
        invited = _Attended(contact, Role(role).label, kind, accepted, via_fallback)
        rows.invited.setdefault(discussion_id, []).append(invited)


def _read_versions(session: Session, batch: list[int], rows: _Rows) -> None:
    result = session.execute(
        select(
            RecordVersion.discussion_id,
            RecordVersion.id,
            RecordVersion.version,
            RecordVersion.status,
            RecordVersion.content,
            RecordVersion.circulation_due_at,
        )
        .where(RecordVersion.discussion_id.in_(batch))
        .order_by(RecordVersion.discussion_id, RecordVersion.version)
    )
    for discussion_id, group in groupby(result, key=lambda row: row[0]):
        versions = [
            _Version(version_id, number, status == RecordStatus.FINAL, content, due)
            for _, version_id, number, status, content, due in group
        ]
        rows.records[discussion_id] = _record(versions, rows.children.get(discussion_id, []))


def _record(versions: Sequence[_Version], children: Sequence[str]) -> _Record:
    """A discussion's versions (in version order) reduced to what the figures need."""
    parsed: dict[int, RecordContent] = {}

    def content(index: int) -> RecordContent:
        if index not in parsed:
            parsed[index] = RecordContent.load(versions[index].content)
        return parsed[index]

    confirmed = next(
        (content(i) for i in reversed(range(len(versions))) if content(i).attended is not None),
        None,
    )
    finals = [i for i, version in enumerate(versions) if version.final]
    first_final = next((i for i in finals if versions[i].version == 1), None)
    record = _Record()
    if finals and (latest := content(finals[-1])).snapshot is not None:
        snapshot = latest.snapshot
        complete = is_complete(latest, children, snapshot.actions, snapshot.attendance)
        record = record._replace(complete=complete)
    if confirmed is not None:
        frozen = confirmed.snapshot.attendance if confirmed.snapshot is not None else None
        record = record._replace(
            said=tuple(confirmed.attended or ()),
            frozen=None
            if frozen is None
            else tuple(
                _Attended(r.contact, r.role, r.agency_kind, r.attended, r.via_fallback)
                for r in frozen
            ),
            confirmed=True,
        )
    if first_final is not None:
        version, first = versions[first_final], content(first_final).snapshot
        record = record._replace(
            first_final=version.id,
            circulation_due_at=version.circulation_due_at,
            recipients=None if first is None else tuple(p.contact for p in recipients(first)),
        )
    return record


def _read_children(session: Session, batch: list[int], rows: _Rows) -> None:
    for discussion_id, pseudonym in session.execute(
        select(models.DiscussionChild.discussion_id, models.Child.pseudonym)
        .join(models.Child, models.Child.id == models.DiscussionChild.child_id)
        .where(models.DiscussionChild.discussion_id.in_(batch))
        .order_by(models.DiscussionChild.discussion_id, models.DiscussionChild.child_id)
    ):
        rows.children.setdefault(discussion_id, []).append(pseudonym)


def _read_actions(session: Session, batch: list[int], rows: _Rows, as_of: datetime) -> None:
    action = models.Action
    for discussion_id, owner, agency, due_at, closed_at, status in session.execute(
        select(
            action.discussion_id,
            models.Contact.key,
            models.Agency.name,
            action.due_at,
            action.closed_at,
            action.status,
        )
        .outerjoin(models.Contact, models.Contact.id == action.owner_id)
        .outerjoin(models.Agency, models.Agency.id == models.Contact.agency_id)
        .where(action.discussion_id.in_(batch))
        .order_by(action.discussion_id, action.number)
    ):
        facts = ActionFacts(
            agency=agency or "(no owner)",
            has_owner_and_due=bool(owner and due_at),
            due_or_closed=closed_at is not None or due_at <= as_of,
            closed_on_time=closed_at is not None and closed_at <= due_at,
            open_overdue=status == models.ActionStatus.OPEN and due_at < as_of,
        )
        rows.actions.setdefault(discussion_id, []).append(facts)


def _facts(core: Core, rows: _Rows, discussion: _Held) -> DiscussionFacts:
    record = rows.records.get(discussion.id, NO_RECORD)
    attended = _attendance(core, rows, discussion.id, record)
    health = [r for r in attended if r.attended and r.agency_kind == "health"]
    invited = rows.invited.get(discussion.id, [])
    return DiscussionFacts(
        case=discussion_name(discussion.case, discussion.number),
        team=_team(rows, discussion),
        category=discussion.category,
        within_timescale=discussion.meeting_at <= discussion.deadline_at,
        health_invited=any(i.agency_kind == "health" for i in invited),
        health_attended=bool(health),
        health_via_fallback=bool(health) and all(r.via_fallback for r in health),
        police_attended=any(r.attended and r.agency_kind == "police" for r in attended),
        social_care_attended=any(r.attended and r.agency_kind == "social_care" for r in attended),
        attendance_confirmed=record.confirmed,
        record_finalised=record.first_final is not None,
        record_circulated_in_time=_in_time(rows, record),
        record_complete=record.complete,
        actions=tuple(rows.actions.get(discussion.id, [])),
        review=discussion.number > 1,
        same_people_as_first=discussion.number > 1
        and _same_people(core, rows, discussion, attended),
    )


def _attendance(core: Core, rows: _Rows, discussion_id: int, record: _Record) -> list[_Attended]:
    """As the record shows it (bot/record/snapshot.py): the finalised snapshot's, or
    everyone invited (attending if confirmed, or until then if they accepted), then
    anyone confirmed who was not invited."""
    if record.frozen is not None:
        return list(record.frozen)
    said = record.said
    invited = rows.invited.get(discussion_id, [])
    if said is None:
        return list(invited)  # as they replied
    result = [i._replace(attended=i.contact in said) for i in invited]
    keys = {i.contact for i in invited}
    for key in said:
        person = core.directory.contact(key)
        if key in keys or person is None:
            continue
        agency = core.directory.agency_of(person)
        result.append(_Attended(key, person.role.label, agency.kind.value, True, False))
    return result


def _in_time(rows: _Rows, record: _Record) -> bool:
    """Whether version 1, once final, reached every recipient by its circulation deadline."""
    deadline = record.circulation_due_at
    if record.first_final is None or record.recipients is None or deadline is None:
        return False
    reached = {key for key, at in rows.reached.get(record.first_final, []) if at <= deadline}
    return all(contact in reached for contact in record.recipients)


def _same_people(core: Core, rows: _Rows, review: _Held, attended: Sequence[_Attended]) -> bool:
    """Someone of a police unit, and a health professional, who attended the first attended."""
    first = rows.first_of_case.get(review.case_id)
    if first is None:
        return False
    first_rows = _attendance(core, rows, first, rows.records.get(first, NO_RECORD))
    same_police = _who(first_rows, "police", unit=True) & _who(attended, "police", unit=True)
    same_health = _who(first_rows, "health") & _who(attended, "health")
    return bool(same_police) and bool(same_health)


def _who(rows: Sequence[_Attended], kind: str, *, unit: bool = False) -> set[str]:
    """Who of an agency kind attended: the people, or (`unit`) their roles (police units)."""
    return {r.role if unit else r.contact for r in rows if r.attended and r.agency_kind == kind}


def _team(rows: _Rows, discussion: _Held) -> str:
    for key in (discussion.chair, discussion.convenor):
        if team := rows.teams.get(key):
            return team
    return NO_TEAM

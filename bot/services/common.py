"""Pieces every service uses: lookups, the audit trail, and the shared messages."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core import Core
from bot.directory import AgencyKind, Contact
from bot.domain import Attendance, quorum
from bot.errors import InputError, NotAllowed
from bot.messages import Button, Outgoing, message
from bot.storage import models
from scheduling.workdays import format_day, format_local

STATUS_WORDS = {
    "invited": "waiting for a reply",
    "accepted": "accepted",
    "declined": "declined",
    "delegated": "delegated",
    "no_response": "did not respond",
}


def contact_row(session: Session, key: str) -> models.Contact:
    row = session.scalars(select(models.Contact).where(models.Contact.key == key)).one_or_none()
    if row is None:
        raise InputError(f"'{key}' is not in the partner directory.")
    return row


def audit(
    session: Session,
    core: Core,
    actor: str,
    event: str,
    discussion: models.Discussion | None = None,
    **details: Any,
) -> None:
    session.add(
        models.AuditEvent(
            occurred_at=core.clock.now(),
            actor=actor,
            event=event,
            discussion_id=discussion.id if discussion is not None else None,
            details=details,
        )
    )


def how_answered(via: str | None, answered_by: Mapping[str, str] | None) -> dict[str, Any]:
    """Audit details saying how an answer came: `via` (e.g. "web") and, for a shared
    mailbox, who answered (name and role). Empty for chat, as before."""
    details: dict[str, Any] = {}
    if via:
        details["via"] = via
    if answered_by:
        details["answered_by"] = dict(answered_by)
    return details


def visible_discussion(
    session: Session, case_reference: str, viewer: Contact, *, scheduled_only: bool = False
) -> models.Discussion:
    """The newest discussion of a case that the viewer was invited to.

    Someone who was not invited gets the same answer as for a case that does
    not exist, so nothing leaks about which cases are under discussion.
    """
    query = (
        select(models.Discussion)
        .join(models.Case)
        .join(models.Invitation)
        .join(models.Contact, models.Invitation.contact_id == models.Contact.id)
        .where(models.Case.reference == case_reference.upper(), models.Contact.key == viewer.id)
        .order_by(models.Discussion.id.desc())
    )
    if scheduled_only:
        query = query.where(models.Discussion.status == models.DiscussionStatus.SCHEDULED)
    discussion = session.scalars(query).first()
    if discussion is None:
        raise NotAllowed(
            f"You have no {'upcoming ' if scheduled_only else ''}strategy discussion for case "
            f"{case_reference.upper()}.",
            "/strategy status  (lists the discussions you are invited to)",
        )
    return discussion


def invitation_of(discussion: models.Discussion, contact_key: str) -> models.Invitation | None:
    return next((i for i in discussion.invitations if i.contact.key == contact_key), None)


def kind_of(invitation: models.Invitation) -> AgencyKind:
    return AgencyKind(invitation.contact.agency.kind)


def quorum_of(discussion: models.Discussion) -> dict[AgencyKind, bool]:
    return quorum(Attendance(kind_of(i), i.status) for i in discussion.invitations)


def when(core: Core, instant: datetime) -> str:
    return format_local(instant, core.calendar)


def describe_child(core: Core, child: models.Child) -> str:
    today = core.calendar.local_date(core.clock.now())
    if child.expected_date is not None:
        return f"{child.pseudonym} (unborn, expected {format_day(child.expected_date)})"
    if child.date_of_birth is not None:
        return f"{child.pseudonym} (age {_age(child.date_of_birth, today)})"
    return child.pseudonym


def _age(born: date, today: date) -> str:
    years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if years >= 1:
        return str(years)
    months = (today.year - born.year) * 12 + today.month - born.month - (today.day < born.day)
    return f"{max(months, 0)} months"


def discussion_context(core: Core, discussion: models.Discussion) -> dict[str, Any]:
    """What invitees may see about a discussion. Never a child's name: there is none to show."""
    return {
        "case": discussion.case.reference,
        "category": discussion.category.replace("_", " "),
        "deadline": when(core, discussion.deadline_at),
        "deadline_rule": discussion.deadline_rule,
        "meeting": when(core, discussion.meeting_at),
        "late_reason": discussion.late_reason,
        "children": [describe_child(core, c) for c in discussion.children],
        "tags": [t.replace("_", " ") for t in discussion.harm_tags],
        "chair": discussion.chair.name,
        "invitees": [
            {
                "name": i.contact.name,
                "agency": i.contact.agency.name,
                "role": i.reason,
                "status": STATUS_WORDS[i.status],
                "decline_reason": i.decline_reason,
                "delegated_to": i.delegated_to.name if i.delegated_to else None,
            }
            for i in discussion.invitations
        ],
    }


def invitation_outgoing(core: Core, invitation: models.Invitation) -> Outgoing:
    """The invitation to one person; re-sent after a response, it updates in place."""
    discussion = invitation.discussion
    case = discussion.case.reference
    accept = Button("Accept", "accept", case, f"/strategy accept {case}")
    decline = Button("Decline", "decline", case, f'/strategy decline {case} reason="..."')
    delegate = Button("Delegate", "delegate", case, f"/strategy delegate {case} to=<colleague>")
    buttons: tuple[Button, ...] = ()
    if invitation.status == models.InvitationStatus.INVITED:
        buttons = (accept, decline, delegate)
    elif invitation.status == models.InvitationStatus.DECLINED:  # they may still change their mind
        buttons = (accept, delegate)
    return Outgoing(
        to=invitation.contact.key,
        thread=f"invitation:{invitation.id}",
        message=message(
            "messages/invitation.txt.j2",
            buttons,
            **discussion_context(core, discussion),
            reason=invitation.reason,
            status=invitation.status,
            status_words=STATUS_WORDS[invitation.status],
            checklist=f"checklists/{checklist_for(kind_of(invitation))}.txt.j2",
        ),
    )


def checklist_for(kind: AgencyKind) -> str:
    if kind in (AgencyKind.SOCIAL_CARE, AgencyKind.HEALTH, AgencyKind.POLICE, AgencyKind.EDUCATION):
        return kind.value
    return "other"


def to_chair(discussion: models.Discussion, template: str, **context: Any) -> Outgoing:
    """A direct message to the discussion's chair, from a template."""
    return Outgoing(to=discussion.chair.key, message=message(template, **context))


def quorum_outgoing(core: Core, discussion: models.Discussion) -> Outgoing:
    """The chair's live view of who has confirmed, updated in place as replies arrive."""
    confirmed = quorum_of(discussion)
    return Outgoing(
        to=discussion.chair.key,
        thread=f"quorum:{discussion.id}",
        message=message(
            "messages/quorum.txt.j2",
            **discussion_context(core, discussion),
            quorum=[(kind.value.replace("_", " "), ok) for kind, ok in confirmed.items()],
            met=all(confirmed.values()),
        ),
    )


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
) -> models.ScheduledWork:
    """Add scheduled work; with a `key`, move the pending item with that key instead."""
    if key is not None:
        pending = session.scalars(
            select(models.ScheduledWork).where(
                models.ScheduledWork.key == key,
                models.ScheduledWork.status == models.WorkStatus.PENDING,
            )
        ).first()
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

"""Circulating a finalised record: to everyone invited, and their actions to other owners.

Finalising schedules one delivery per person and channel (a direct message
with a summary, an email with the PDF), as scheduled work: a crash or an
outage delays a delivery but never loses it. Each delivery is recorded in
`record_delivery`, so the bot, the chair and an auditor can see who got what,
how and when. Those who hold an action but were not invited get only their
actions.

An email is sent before the transaction that records it commits; if that
commit fails the delivery is retried, so an email can (rarely) arrive twice.
Twice is better than never. Otherwise each delivery happens once: the work
item is claimed, performed and marked done in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert
from sqlalchemy.orm import Session

from bot.core import Core
from bot.links.tokens import issue_record_link
from bot.links.urls import checked_public_url, link_for
from bot.mail import Attachment, Email, Mailer, MailRefused
from bot.messages import Kind, Outgoing, message
from bot.record.circulated import Circulated, Person, circulated
from bot.record.content import ActionRow, Snapshot
from bot.shared import audit, when
from bot.storage import models
from bot.storage.record_models import (
    DeliveryChannel,
    DeliveryScope,
    DeliveryStatus,
    RecordDelivery,
    RecordVersion,
)
from bot.unit import Unit
from templates import render


class NoMailer(RuntimeError):
    """Email is due but the core has no mailer: the delivery stays pending."""


@dataclass(frozen=True)
class Recipient:
    contact: str  # directory id
    scope: DeliveryScope


def recipients(snapshot: Snapshot) -> list[Recipient]:
    """Everyone invited (attended or not) and anyone who attended; then other action owners."""
    full = dict.fromkeys(row.contact for row in snapshot.attendance)
    owners = dict.fromkeys(a.owner for a in snapshot.actions if a.owner and a.owner not in full)
    return [Recipient(key, DeliveryScope.FULL) for key in full] + [
        Recipient(key, DeliveryScope.ACTIONS) for key in owners if key
    ]


def schedule_deliveries(
    core: Core, session: Session, version: RecordVersion, people: list[Recipient]
) -> None:
    """One item per person and channel, added by one INSERT for them all (an item each
    through the unit of work was an INSERT each: the ids it reads back need them)."""
    now = core.clock.now()
    items = [
        {
            "kind": models.WorkKind.RECORD_DELIVERY,
            "due_at": now,
            "discussion_id": version.discussion_id,
            "payload": {
                "version": version.id,
                "contact": person.contact,
                "channel": channel.value,
                "scope": person.scope.value,
            },
        }
        for person in people
        for channel in DeliveryChannel
    ]
    if items:
        session.execute(insert(models.ScheduledWork), items)


def mailer_of(core: Core) -> Mailer:
    """The core's own mailer if one is set (tests, the simulation), else the one that
    calendar invitations use (SMTP or the outbox folder, from the settings)."""
    if core.mailer is not None:
        return core.mailer
    if core.invites is not None:
        return core.invites.mailer
    raise NoMailer("no mailer is configured, so the record cannot be emailed yet")


def deliver(unit: Unit, work: models.DueWork) -> list[Outgoing]:
    """The RECORD_DELIVERY handler: one person, one channel."""
    core, session = unit.core, unit.session
    channel = DeliveryChannel(work.payload["channel"])
    scope = DeliveryScope(work.payload["scope"])
    version = circulated(session, int(work.payload["version"]))
    contact = version.person(session, str(work.payload["contact"]))
    facts = _facts(core, version, contact, scope)
    if channel is DeliveryChannel.CHAT:
        template = "record/summary.txt.j2" if scope is DeliveryScope.FULL else "record/yours.txt.j2"
        _record(core, session, version, contact, channel, scope, DeliveryStatus.SENT, None)
        return [Outgoing(to=contact.key, message=message(Kind.RECORD, template, **facts))]
    return _email(core, session, version, contact, scope, facts)


def _email(
    core: Core,
    session: Session,
    version: Circulated,
    contact: Person,
    scope: DeliveryScope,
    facts: dict[str, object],
) -> list[Outgoing]:
    mailer = mailer_of(core)
    attachments: tuple[Attachment, ...] = ()
    full = scope is DeliveryScope.FULL
    if full:
        assert version.document_pdf is not None and version.document_markdown is not None
        stem = f"{facts['case']}-strategy-record-v{version.version}"
        attachments = (
            Attachment(f"{stem}.pdf", version.document_pdf, "application/pdf"),
            Attachment(f"{stem}.md", version.document_markdown.encode("utf-8"), "text/markdown"),
        )
    facts = {**facts, "link": _record_link(core, session, version, contact) if full else None}
    email = Email(
        to=(contact.email,),
        subject=render("record/email_subject.txt.j2", **facts),
        text=render("record/email.txt.j2", **facts),
        attachments=attachments,
    )
    try:
        mailer.send(email)
    except MailRefused as refused:
        reason = "; ".join(refused.refused.values()) or str(refused)
        _record(
            core,
            session,
            version,
            contact,
            DeliveryChannel.EMAIL,
            scope,
            DeliveryStatus.REFUSED,
            f"{contact.email}: {reason}",
        )
        chair = session.get_one(models.Discussion, version.discussion.id).chair
        return [
            Outgoing(
                to=chair.key,
                message=message(
                    Kind.ALERT,
                    "record/email_refused.txt.j2",
                    case=facts["case"],
                    version=version.version,
                    name=contact.name,
                    email=contact.email,
                    reason=reason,
                ),
            )
        ]
    _record(
        core,
        session,
        version,
        contact,
        DeliveryChannel.EMAIL,
        scope,
        DeliveryStatus.SENT,
        contact.email,
    )
    return []


def _record_link(core: Core, session: Session, version: Circulated, contact: Person) -> str | None:
    """The address of the record's page for this reader (PUBLIC_URL), or None without it."""
    if not core.public_url:
        return None
    token = issue_record_link(
        session,
        session.get_one(RecordVersion, version.id),
        contact,  # its id and key, as read with the version: not its row again
        now=core.clock.now(),
        calendar=core.calendar,
    )
    return link_for(checked_public_url(core.public_url), token)


def _facts(
    core: Core, version: Circulated, contact: Person, scope: DeliveryScope
) -> dict[str, object]:
    snapshot = version.snapshot
    s47 = version.content.decisions.get("s47")
    mine: list[ActionRow] = [a for a in snapshot.actions if a.owner == contact.key]
    return {
        "case": snapshot.case,
        "partnership": snapshot.partnership,
        "meeting": snapshot.meeting,
        "chair": snapshot.chair,
        "version": version.version,
        "correction_reason": version.correction_reason,
        "finalised_at": when(core, version.finalised_at) if version.finalised_at else "",
        "full": scope is DeliveryScope.FULL,
        "name": contact.name,
        "email": contact.email,
        "s47": s47.decision if s47 else None,
        "actions": [a.model_dump() for a in mine],
        "action_count": len(snapshot.actions),
    }


def _record(
    core: Core,
    session: Session,
    version: Circulated,
    contact: Person,
    channel: DeliveryChannel,
    scope: DeliveryScope,
    status: DeliveryStatus,
    detail: str | None,
) -> None:
    session.add(
        RecordDelivery(
            record_version_id=version.id,
            contact_id=contact.id,
            channel=channel.value,
            scope=scope.value,
            status=status.value,
            detail=detail,
            delivered_at=core.clock.now(),
        )
    )
    audit(
        session,
        core,
        "system",
        "record_delivered" if status is DeliveryStatus.SENT else "record_delivery_refused",
        version.discussion,
        version=version.version,
        contact=contact.key,
        channel=channel.value,
        scope=scope.value,
    )

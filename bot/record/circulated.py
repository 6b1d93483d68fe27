"""A final version as its deliveries read it: read once for the deliveries done in a row.

Circulation is one work item per person and channel, each in its own unit of
work, and the sweep does consecutive items on one connection (bot/jobs.py):
mostly the deliveries of one version, scheduled together. A final version never
changes (the database refuses it), so the version, its documents and its
recipients' contact rows are read once for that connection, not once per
delivery (which read the PDF and the Markdown again for every email). The
connection is the sweep's for a few items between two deliveries of the outbox;
anywhere else it is the unit of work's own, and the version is read for each.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from bot.record.content import RecordContent, Snapshot
from bot.shared import contact_row
from bot.storage import models
from bot.storage.record_models import RecordVersion


@dataclass(frozen=True)
class Person:
    """What a delivery reads of its recipient's contact row."""

    id: int
    key: str
    name: str
    email: str


@dataclass(frozen=True)
class DiscussionRef:
    """The version's discussion, by its id: all the audit trail names of it."""

    id: int


@dataclass(frozen=True)
class Circulated:
    id: int
    discussion: DiscussionRef
    version: int
    correction_reason: str | None
    finalised_at: datetime | None
    content: RecordContent
    snapshot: Snapshot
    document_markdown: str | None
    document_pdf: bytes | None
    # The contact rows of everyone the snapshot names (attendance, action owners).
    people: Mapping[str, Person]

    def person(self, session: Session, key: str) -> Person:
        known = self.people.get(key)
        if known is not None:
            return known
        row = contact_row(session, key)  # not named in the snapshot: by its own query
        return Person(row.id, row.key, row.name, row.email)


def circulated(session: Session, version_id: int) -> Circulated:
    """The final version `version_id`, read once per connection (the latest one kept)."""
    connection = session.connection()
    kept = _KEPT.get(connection)
    if kept is not None and kept.id == version_id:
        return kept
    read = _read(session, version_id)
    _KEPT[connection] = read
    return read


# One version per open connection: consecutive deliveries are of the same version.
_KEPT: WeakKeyDictionary[Connection, Circulated] = WeakKeyDictionary()

_VERSION = select(
    RecordVersion.id,
    RecordVersion.discussion_id,
    RecordVersion.version,
    RecordVersion.correction_reason,
    RecordVersion.finalised_at,
    RecordVersion.content,
    RecordVersion.document_markdown,
    RecordVersion.document_pdf,
).where(RecordVersion.id == bindparam("version_id"))

_PEOPLE = select(
    models.Contact.id, models.Contact.key, models.Contact.name, models.Contact.email
).where(models.Contact.key.in_(bindparam("keys", expanding=True)))


def _read(session: Session, version_id: int) -> Circulated:
    row = session.execute(_VERSION, {"version_id": version_id}).one()
    content = RecordContent.load(row.content)
    snapshot = content.snapshot
    assert snapshot is not None, "only final versions are circulated"
    keys = {r.contact for r in snapshot.attendance} | {a.owner for a in snapshot.actions if a.owner}
    people = {
        p.key: Person(p.id, p.key, p.name, p.email)
        for p in session.execute(_PEOPLE, {"keys": sorted(keys)})
    }
    return Circulated(
        id=row.id,
        discussion=DiscussionRef(row.discussion_id),
        version=row.version,
        correction_reason=row.correction_reason,
        finalised_at=row.finalised_at,
        content=content,
        snapshot=snapshot,
        document_markdown=row.document_markdown,
        document_pdf=row.document_pdf,
        people=people,
    )

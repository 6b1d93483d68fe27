"""The audit trail's rows: a transaction's events written together, in one INSERT.

A transaction opened by `transaction()` (bot/storage/db.py: every unit of work)
collects the events it audits (`add`) and writes them, in the order they
happened (so their ids ascend as before), in one Core INSERT just before it
commits. Whatever reads the audit trail goes through `discussion_events`, which
writes the events collected so far first, so a transaction sees its own events
as it did when the ORM flushed them. The deliverer's sessions, joined to a
connection they do not commit, collect theirs the same way (`written_together`).
A session that collects nothing (a tool's, a test's) adds each event through
the ORM, as before.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Protocol, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from bot.storage.models import AuditEvent

# In session.info, while the transaction collects: its events not yet written, each a
# row with, when its discussion had no id yet (not flushed), that discussion.
_PENDING = "strategy_bot_audit_rows"
_INSERT = insert(cast(Table, AuditEvent.__table__))


class Identified(Protocol):
    """A discussion, or what a job knows of one without loading it: its row id."""

    @property
    def id(self) -> int: ...


@contextmanager
def written_together(session: Session) -> Iterator[None]:
    """Collect the session's audit events inside the block and write them at its end
    (not if it raises: then the transaction is rolled back)."""
    session.info[_PENDING] = []
    try:
        yield
        write_pending(session)
    finally:
        session.info.pop(_PENDING, None)


def add(
    session: Session,
    occurred_at: datetime,
    actor: str,
    event: str,
    discussion: Identified | None,
    details: dict[str, Any],
) -> None:
    """One event, written with the transaction's others (or at once by the ORM's next
    flush, in a session that collects none)."""
    discussion_id = discussion.id if discussion is not None else None
    pending: list[tuple[dict[str, Any], Identified | None]] | None = session.info.get(_PENDING)
    if pending is None:
        session.add(
            AuditEvent(
                occurred_at=occurred_at,
                actor=actor,
                event=event,
                discussion_id=discussion_id,
                details=details,
            )
        )
        return
    row = {
        "occurred_at": occurred_at,
        "actor": actor,
        "event": event,
        "discussion_id": discussion_id,
        "details": details,
    }
    pending.append((row, discussion if discussion_id is None else None))


def write_pending(session: Session) -> None:
    """The events collected so far, in one INSERT, in order. The session is flushed
    first: the rows' discussions must exist (and those just added get their ids)."""
    pending: list[tuple[dict[str, Any], Identified | None]] | None = session.info.get(_PENDING)
    if not pending:
        return
    session.flush()
    rows = [row if later is None else {**row, "discussion_id": later.id} for row, later in pending]
    pending.clear()
    session.connection().execute(_INSERT, rows)


def discussion_events(
    session: Session, discussion_id: int, events: Sequence[str]
) -> Sequence[AuditEvent]:
    """A discussion's events of these kinds, oldest first, this transaction's included."""
    write_pending(session)
    return session.scalars(
        select(AuditEvent)
        .where(AuditEvent.discussion_id == discussion_id, AuditEvent.event.in_(events))
        .order_by(AuditEvent.id)
    ).all()

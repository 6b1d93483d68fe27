"""Scheduled work added as plain rows, all of a transaction's in one INSERT as it commits.

For work that nothing in its transaction reads again and that no earlier item can
stand for: a delivered nudge's next nudge (bot/services/reminders.py), the action's
one pending nudge having just been claimed in the same unit of work. Several nudges
done together (bot/jobs.py) add theirs by one Core INSERT, without ORM objects: each
cost its construction, its flush bookkeeping and a RETURNING of an id nothing reads.

The rows are written when the outermost transaction commits (`before_commit`, ahead
of the final flush): a read in the transaction before then does not see them. A
rollback of the transaction drops them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, event, insert
from sqlalchemy.orm import Session, SessionTransaction

from bot.storage import models

# In session.info, for the transaction under way: the rows to add as it commits.
_ADDED = "strategy_bot_added_work"
_WORK = cast(Table, models.ScheduledWork.__table__)
_INSERT = insert(_WORK)


def add_at_commit(
    session: Session,
    kind: models.WorkKind,
    due_at: datetime,
    *,
    discussion_id: int | None,
    action_id: int | None,
    key: str | None,
) -> None:
    """A pending item, written with the others when the session's transaction commits."""
    row: dict[str, Any] = {
        "kind": kind,
        "due_at": due_at,
        "status": models.WorkStatus.PENDING,
        "discussion_id": discussion_id,
        "action_id": action_id,
        "agency_kind": None,
        "payload": {},
        "key": key,
        "attempts": 0,
    }
    session.info.setdefault(_ADDED, []).append(row)


@event.listens_for(Session, "before_commit")
def _write(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint's release: the rows wait for the end
        return
    rows = session.info.pop(_ADDED, None)
    if rows:
        session.connection().execute(_INSERT, rows)


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the whole transaction (a rollback), not a savepoint
        session.info.pop(_ADDED, None)

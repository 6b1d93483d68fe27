"""Claiming due scheduled work for the sweep (bot/jobs.py): the next due item, or after a
nudge the nudges due next, each found and marked done by one statement in the unit of
work that performs them, so that a rollback leaves them due.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    String,
    Table,
    Update,
    and_,
    bindparam,
    case,
    func,
    literal,
    select,
    update,
)
from sqlalchemy import cast as cast_
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.dml import ReturningUpdate

from bot.core import Core
from bot.storage import models


def is_due(work: type[models.ScheduledWork]) -> tuple[ColumnElement[bool], ...]:
    """Pending and due at the bound `now`: what the sweep looks for."""
    return (
        work.status == models.WorkStatus.PENDING,
        work.due_at <= bindparam("now", type_=models.ScheduledWork.due_at.type),
    )


# The next due item, found and marked done in one statement. On PostgreSQL the row is
# locked (SKIP LOCKED: another process takes the next one); SQLite runs the whole
# statement, its subquery included, under the database's one write lock, so two
# processes never take the same item there either.
_WORK = cast(Table, models.ScheduledWork.__table__)
_NEXT = aliased(models.ScheduledWork)


def _claiming(statement: Update) -> ReturningUpdate[Any]:
    """`statement` marking the items it finds done, and returning them as claimed."""
    return statement.values(
        status=models.WorkStatus.DONE,
        done_at=bindparam("done_at", type_=_WORK.c.done_at.type),
        attempts=_WORK.c.attempts + 1,
    ).returning(*(_WORK.c[f.name] for f in fields(models.DueWork)))


_TAKE_NEXT = _claiming(
    update(_WORK).where(
        _WORK.c.id
        == select(_NEXT.id)
        .where(*is_due(_NEXT))
        .order_by(_NEXT.due_at, _NEXT.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
)


def claim_one(core: Core, session: Session) -> models.DueWork | None:
    """The next due item, marked done."""
    now = core.clock.now()
    row = session.connection().execute(_TAKE_NEXT, {"now": now, "done_at": now}).first()
    return None if row is None else models.DueWork(**row._mapping)


# What is done in one unit of work with the due items next to it: a nudge with its action's
# key (`nudge_key`), its action's one pending nudge. Its job only reads its action and
# writes (audit, its next nudge, its messages, none threaded): nothing another item reads.
# Every other job is done on its own: several call out (Graph, mail) inside the job, some
# send threaded messages, or schedule work due at once.
def batchable(work: models.DueWork) -> bool:
    return work.kind == models.WorkKind.ACTION_NUDGE and work.key == f"nudge:{work.action_id}"


def _is_batchable(work: type[models.ScheduledWork]) -> ColumnElement[bool]:
    """`batchable`, in SQL."""
    key = literal("nudge:", String) + cast_(work.action_id, String)
    return and_(work.kind == models.WorkKind.ACTION_NUDGE, work.key == key)


# After a nudge, the nudges due next (up to `wanted`), found and marked done in one
# statement: of the next `wanted` due items, those before the first that is not such a
# nudge, so that the items are still done in due order. Locked as `_TAKE_NEXT`'s item is
# (the next `wanted`, until the batch commits: its unit of work writes only).
_FOLLOWING = aliased(models.ScheduledWork)
_CANDIDATES = (
    select(
        _FOLLOWING.id,
        _FOLLOWING.due_at,
        case((_is_batchable(_FOLLOWING), 0), else_=1).label("other"),
    )
    .where(*is_due(_FOLLOWING))
    .order_by(_FOLLOWING.due_at, _FOLLOWING.id)
    .limit(bindparam("wanted"))
    .with_for_update(skip_locked=True)
    .subquery("candidate")
)
_COUNTED = select(
    _CANDIDATES.c.id,
    func.sum(_CANDIDATES.c.other)
    .over(order_by=(_CANDIDATES.c.due_at, _CANDIDATES.c.id))
    .label("others_so_far"),
).subquery("counted")
_TAKE_FOLLOWING = _claiming(
    update(_WORK).where(_WORK.c.id.in_(select(_COUNTED.c.id).where(_COUNTED.c.others_so_far == 0)))
)


def claim_following(core: Core, session: Session, wanted: int) -> list[models.DueWork]:
    """The due nudges next after a claimed one (up to `wanted`), marked done, in due order
    (RETURNING gives no order)."""
    now = core.clock.now()
    rows = session.connection().execute(
        _TAKE_FOLLOWING, {"now": now, "done_at": now, "wanted": wanted}
    )
    claimed = [models.DueWork(**row._mapping) for row in rows]
    return sorted(claimed, key=lambda work: (work.due_at, work.id))

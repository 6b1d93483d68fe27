"""The deliverer's statements, built once: claiming due rows, marking one sent, thread bindings.

They are SQLAlchemy Core statements on the outbox table, executed on the
session's connection: a delivered row costs a claim (shared by its batch) and
one UPDATE, without loading ORM objects. Building a statement per call cost
more than running it.

The claim is safe with several senders on both databases. PostgreSQL takes the
batch in one statement, `UPDATE .. WHERE id IN (SELECT .. FOR UPDATE SKIP
LOCKED) RETURNING`. SQLite (one writer, no row locks) first reads the due ids
without a lock (nothing due: no write at all), then takes them with one
conditional `UPDATE .. WHERE still pending, due and free RETURNING`, under the
write lock: a row another sender took in between is not returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Row,
    String,
    Table,
    and_,
    bindparam,
    exists,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.exc import IntegrityError

from bot.storage.outbox_models import OutboxRow, OutboxStatus, ThreadBinding

_OUTBOX = cast(Table, OutboxRow.__table__)
_BINDING = cast(Table, ThreadBinding.__table__)
_NOW = bindparam("b_now", type_=_OUTBOX.c.next_attempt_at.type)


def _due(table: Any) -> Any:
    """Pending, due now, not leased (or the lease ran out), and not waiting behind an
    older pending version of the same thread (versions never overtake)."""
    c = table.c
    older = _OUTBOX.alias("older")
    return and_(
        c.status == OutboxStatus.PENDING,
        c.next_attempt_at <= _NOW,
        or_(c.lease_until.is_(None), c.lease_until < _NOW),
        ~exists().where(
            older.c.recipient == c.recipient,
            older.c.thread == c.thread,
            older.c.status == OutboxStatus.PENDING,
            older.c.id < c.id,
        ),
    )


def _bound(column: str) -> Any:
    """Where the row's thread went first (its binding's `column`), NULL if nowhere yet."""
    binding = _BINDING.alias("binding")
    # Spelled out: SQLAlchemy's SQLite RETURNING drops table names all the way into a
    # subquery, and `recipient = recipient` would match every binding. Cast: in a
    # RETURNING clause SQLite does not use the binding's (recipient, thread) index
    # against the bare columns, and read every binding for every row claimed.
    same = [
        literal_column(f"binding.{key}")
        == sql_cast(literal_column(f"{_OUTBOX.name}.{key}"), String)
        for key in ("recipient", "thread")
    ]
    return select(binding.c[column]).where(*same).scalar_subquery().label(f"bound_{column}")


# What a claim returns of each row: all the sender needs, without the ORM, with its
# thread's binding. Read by the claim itself, so on PostgreSQL from the snapshot that
# found no older version pending: a version sent before is seen with the binding its
# mark wrote in the same transaction.
_RETURNED = [
    *(
        _OUTBOX.c[name]
        for name in (
            "id",
            "recipient",
            "delivery",
            "thread",
            "message",
            "channels",
            "channel_index",
            "attempts",
            "next_attempt_at",
        )
    ),
    _bound("channel"),
    _bound("reference"),
]
_candidate = _OUTBOX.alias("candidate")
_DUE_IDS = (
    select(_candidate.c.id)
    .where(_due(_candidate))
    .order_by(_candidate.c.next_attempt_at, _candidate.c.id)
    .limit(bindparam("b_wanted"))
)
_LEASE = {
    "leased_by": bindparam("b_token", type_=_OUTBOX.c.leased_by.type),
    "lease_until": bindparam("b_until", type_=_OUTBOX.c.lease_until.type),
}
# PostgreSQL: one statement; rows another sender has locked are skipped.
_TAKE_LOCKED = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id.in_(_DUE_IDS.with_for_update(skip_locked=True).scalar_subquery()))
    .values(_LEASE)
    .returning(*_RETURNED)
)
# SQLite: the ids read first, then taken only while still due and free.
_TAKE_IF_FREE = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id.in_(bindparam("b_ids", expanding=True)), _due(_OUTBOX))
    .values(_LEASE)
    .returning(*_RETURNED)
)


def take_due(
    connection: Connection, now: datetime, wanted: int, token: str, until: datetime
) -> list[Row[Any]]:
    """Lease up to `wanted` due rows to `token` until `until`; the rows taken, oldest
    due first."""
    lease = {"b_now": now, "b_wanted": wanted, "b_token": token, "b_until": until}
    rows: list[Row[Any]] = []
    if connection.dialect.name == "postgresql":
        rows = list(connection.execute(_TAKE_LOCKED, lease))
    else:
        for _ in range(5):  # another sender may take the ones found first
            ids = list(connection.execute(_DUE_IDS, lease).scalars())
            if not ids:
                return []
            rows = list(connection.execute(_TAKE_IF_FREE, {**lease, "b_ids": ids}))
            if rows:
                break
    rows.sort(key=lambda row: (row.next_attempt_at, row.id))
    return rows


_RELEASE = (
    update(_OUTBOX)
    .where(
        _OUTBOX.c.id.in_(bindparam("b_ids", expanding=True)),
        _OUTBOX.c.leased_by == bindparam("b_token"),
        _OUTBOX.c.status == OutboxStatus.PENDING,
    )
    .values(leased_by=None, lease_until=None)
)


def release(connection: Connection, ids: Sequence[int], token: str) -> None:
    """Give back rows leased to `token` and not sent: due again at once, for any sender."""
    connection.execute(_RELEASE, {"b_ids": list(ids), "b_token": token})


_MARK_SENT = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("b_id"))
    .values(
        status=OutboxStatus.SENT,
        sent_at=bindparam("b_sent_at", type_=_OUTBOX.c.sent_at.type),
        sent_on=bindparam("b_sent_on", type_=_OUTBOX.c.sent_on.type),
        attempts=_OUTBOX.c.attempts + 1,
        leased_by=None,
        lease_until=None,
        channels=bindparam("b_channels", type_=_OUTBOX.c.channels.type),
    )
)


_newer = _OUTBOX.alias("newer")
# Spelled out, as in _bound: the marked row's own columns, by its table's name.
_MARK_SENT_NEWER = _MARK_SENT.returning(
    exists()
    .where(
        _newer.c.recipient == literal_column(f"{_OUTBOX.name}.recipient"),
        _newer.c.thread == literal_column(f"{_OUTBOX.name}.thread"),
        _newer.c.status == OutboxStatus.PENDING,
        _newer.c.id > literal_column(f"{_OUTBOX.name}.id"),
    )
    .label("newer")
)


def mark_sent(
    connection: Connection, row_id: int, now: datetime, channel: str, channels: Sequence[str]
) -> None:
    """The row went out on `channel` (its channels, routed at the claim, kept with it)."""
    connection.execute(
        _MARK_SENT,
        {"b_id": row_id, "b_sent_at": now, "b_sent_on": channel, "b_channels": list(channels)},
    )


def mark_sent_in_thread(
    connection: Connection, row_id: int, now: datetime, channel: str, channels: Sequence[str]
) -> bool:
    """`mark_sent` for a threaded row, in the transaction that binds its thread; whether a
    newer version of the thread may be waiting behind it (due now that it is sent).

    Exact on SQLite: the mark takes the one write lock and keeps it to the commit, so a
    newer version either committed before it (and is seen here) or commits after it, and
    its writer's own delivery then finds it due. On PostgreSQL one may commit after this
    statement's snapshot and before the commit, unseen by both: always maybe."""
    values = {"b_id": row_id, "b_sent_at": now, "b_sent_on": channel, "b_channels": list(channels)}
    if connection.dialect.name == "postgresql":
        connection.execute(_MARK_SENT, values)
        return True
    return bool(connection.execute(_MARK_SENT_NEWER, values).scalar())


@dataclass(frozen=True)
class Binding:
    channel: str
    reference: str


def binding(row: Row[Any]) -> Binding | None:
    """Where a claimed row's thread went first (taken with the claim), if anywhere yet."""
    if row.bound_channel is None:
        return None
    return Binding(row.bound_channel, row.bound_reference)


_UPDATE_BINDING = (
    update(_BINDING)
    .where(
        _BINDING.c.recipient == bindparam("b_recipient"), _BINDING.c.thread == bindparam("b_thread")
    )
    .values(
        channel=bindparam("b_channel"),
        reference=bindparam("b_reference"),
        updated_at=bindparam("b_now", type_=_BINDING.c.updated_at.type),
    )
)
_INSERT_BINDING = _BINDING.insert().values(
    recipient=bindparam("b_recipient"),
    thread=bindparam("b_thread"),
    channel=bindparam("b_channel"),
    reference=bindparam("b_reference"),
    updated_at=bindparam("b_now", type_=_BINDING.c.updated_at.type),
)


def bind(
    connection: Connection, recipient: str, thread: str, channel: str, reference: str, now: datetime
) -> None:
    """Remember where this thread went (the channel, the platform's reference)."""
    values = {
        "b_recipient": recipient,
        "b_thread": thread,
        "b_channel": channel,
        "b_reference": reference,
        "b_now": now,
    }
    for _ in range(2):  # another replica may insert the same binding at once
        if connection.execute(_UPDATE_BINDING, values).rowcount:
            return
        try:
            with connection.begin_nested():
                connection.execute(_INSERT_BINDING, values)
            return
        except IntegrityError:
            continue

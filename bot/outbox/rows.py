"""Writing outbox rows, in the unit of work that caused them; reading what is stuck.

A unit of work writes what it emitted (`write_all`) before its transaction
commits, so a message exists exactly when the change that caused it does.
`stuck` is what `strategy-bot jobs` lists: messages no channel could deliver,
and messages still being retried.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    BindParameter,
    Insert,
    Select,
    String,
    Table,
    bindparam,
    event,
    func,
    insert,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.orm import Session, SessionTransaction

from bot.messages import Outgoing
from bot.outbox.codec import encode_message
from bot.references import read_action_reference
from bot.storage import models
from bot.storage.outbox_models import OutboxRow, OutboxStatus

# In session.info, for the transaction under way: the threads named by rows it inserted,
# and the (recipient, thread) pairs `write_all` has written rows for.
_INSERTED = "strategy_bot_inserted_threads"
_WRITTEN = "strategy_bot_written_threads"
_OUTBOX = cast(Table, OutboxRow.__table__)
_THREAD_OF: dict[type[Any], str] = {
    models.Invitation: "invitation",
    models.Discussion: "quorum",
    models.Action: "time-request",
}


@event.listens_for(Session, "pending_to_persistent")
def _inserted(session: Session, instance: object) -> None:
    kind = _THREAD_OF.get(type(instance))
    if kind is not None:
        session.info.setdefault(_INSERTED, set()).add(f"{kind}:{instance.id}")  # type: ignore[attr-defined]


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop(_INSERTED, None)
        session.info.pop(_WRITTEN, None)


def write(session: Session, now: datetime, outgoing: Sequence[Outgoing]) -> None:
    """One pending row per message (see `write_all`), written now."""
    write_all(session, [(now, item) for item in outgoing])


def write_all(session: Session, emitted: Sequence[tuple[datetime, Outgoing]]) -> None:
    """One row per message, in order (so the ids are), each with when it was emitted, in
    one INSERT. A threaded message makes any older version of the same thread that has
    not left yet (and is not being sent) superseded, and so does a later message in
    `emitted` an earlier one's row. Everything else the session holds is flushed first:
    the INSERT reads the rows' discussions from the database."""
    if not emitted:
        return
    # Before the flush, which lets go of the rows it wrote that nothing else holds on to
    # (a thread's invitation, which `session.get` then reads again).
    found = [_discussion_by(session, item) for _, item in emitted]
    session.flush()
    threads = {(item.to, item.thread) for _, item in emitted if item.thread is not None}
    # A thread named by an invitation, discussion or action this transaction inserted
    # has no older version, unless this transaction wrote one (ids are never reused:
    # the bot deletes none of them). Its UPDATE would find nothing.
    new, written = session.info.get(_INSERTED, set()), session.info.setdefault(_WRITTEN, set())
    supersede_all(session, emitted[-1][0], {t for t in threads if t[1] not in new or t in written})
    written.update(threads)
    last = {(o.to, o.thread): n for n, (_, o) in enumerate(emitted) if o.thread is not None}
    slots = max(len(cases) for _, cases in found)
    rows = []
    for n, ((at, item), (known, cases)) in enumerate(zip(emitted, found, strict=True)):
        replaced = item.thread is not None and last[(item.to, item.thread)] != n
        row: dict[str, Any] = {
            "recipient": item.to,
            "delivery": item.delivery.value,
            "thread": item.thread,
            "message": encode_message(item.message),
            "channel_index": 0,
            "refusals": [],
            "status": OutboxStatus.SUPERSEDED if replaced else OutboxStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": at,
            "created_at": at,
        }
        if slots:
            row["known"] = known
            row.update((f"case_{k}", cases[k] if k < len(cases) else None) for k in range(slots))
        else:
            row["discussion_id"] = known
        rows.append(row)
    session.connection().execute(_insert(slots), rows)


# The INSERT of rows whose discussions are found from up to `slots` cases each: the one
# its thread names ("known"), else the latest discussion of the first of its cases that
# has one. A row naming fewer cases leaves the rest NULL, which match nothing.
_INSERTS: dict[int, Insert] = {}


def _insert(slots: int) -> Insert:
    statement = _INSERTS.get(slots)
    if statement is None:
        statement = insert(_OUTBOX)
        if slots:
            latest = [
                _latest_discussion(bindparam(f"case_{k}", type_=String)).scalar_subquery()
                for k in range(slots)
            ]
            known = bindparam("known", type_=_OUTBOX.c.discussion_id.type)
            statement = statement.values(discussion_id=func.coalesce(known, *latest))
        _INSERTS[slots] = statement
    return statement


def _discussion_by(session: Session, item: Outgoing) -> tuple[int | None, list[str]]:
    """The discussion a message is about, when it says: the one its thread names, or
    else (no discussion known) the cases its buttons and facts name, to look up."""
    said, by_thread = _by_thread(session, item)
    if said:
        return by_thread, []
    return None, list(dict.fromkeys(_cases_named(item)))


# A copy's thread: the message's own, marked with the channel it is a copy for, so
# that the copy's versions update each other (and bind) apart from the message's.
COPY_MARK = "|copy:"


def is_copy(row: OutboxRow) -> bool:
    return row.thread is not None and COPY_MARK in row.thread


def write_copy(session: Session, now: datetime, row: OutboxRow, channel: str) -> OutboxRow:
    """A copy of this row for `channel` only, as a pending row of its own."""
    thread = None if row.thread is None else f"{row.thread}{COPY_MARK}{channel}"
    if thread is not None:
        supersede(session, now, row.recipient, thread)
    copy = OutboxRow(
        recipient=row.recipient,
        delivery=row.delivery,
        thread=thread,
        message=row.message,
        discussion_id=row.discussion_id,
        channels=[channel],
        channel_index=0,
        refusals=[],
        status=OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(copy)
    return copy


def supersede(session: Session, now: datetime, recipient: str, thread: str) -> None:
    supersede_all(session, now, {(recipient, thread)})


def supersede_all(session: Session, now: datetime, threads: set[tuple[str, str]]) -> None:
    """Every pending version of these (recipient, thread) pairs, in one statement (no
    flush first: of rows this session holds, only ones already flushed are superseded)."""
    if threads:
        session.connection().execute(_SUPERSEDE, {"threads": sorted(threads), "now": now})


_SUPERSEDE = (
    update(_OUTBOX)
    .where(
        tuple_(_OUTBOX.c.recipient, _OUTBOX.c.thread).in_(bindparam("threads", expanding=True)),
        _OUTBOX.c.status == OutboxStatus.PENDING,
        or_(
            _OUTBOX.c.lease_until.is_(None),
            _OUTBOX.c.lease_until < bindparam("now", type_=_OUTBOX.c.lease_until.type),
        ),
    )
    .values(status=OutboxStatus.SUPERSEDED)
)


def _latest_discussion(case: str | BindParameter[str]) -> Select[int]:
    """A case's latest discussion, by its reference."""
    return (
        select(models.Discussion.id)
        .join(models.Case)
        .where(models.Case.reference == case)
        .order_by(models.Discussion.id.desc())
        .limit(1)
    )


def _by_thread(session: Session, item: Outgoing) -> tuple[bool, int | None]:
    """Whether a message's thread names its discussion, and which (None: one now gone)."""
    kind, _, number = (item.thread or "").partition(":")
    if number.isdigit():
        if kind == "invitation":
            invitation = session.get(models.Invitation, int(number))
            return True, invitation.discussion_id if invitation else None
        if kind == "quorum":
            return True, int(number)
        if kind == "time-request":
            action = session.get(models.Action, int(number))
            return True, action.discussion_id if action else None
    return False, None


def _cases_named(item: Outgoing) -> Iterator[str]:
    """The cases a message's buttons and facts name, in order (an action's, its case)."""
    named = [b.value for b in item.message.buttons]
    named += [str(item.message.context.get(key, "")) for key in ("reference", "case")]
    for text in named:
        if text:
            action_ref = read_action_reference(text)
            yield action_ref.case if action_ref else text


@dataclass(frozen=True)
class StuckMessage:
    id: int
    recipient: str
    kind: str
    status: str  # "undeliverable", or "pending" while retried
    case: str | None
    attempts: int
    next_attempt_at: datetime
    problem: str | None


def stuck(session: Session) -> list[StuckMessage]:
    """Messages no channel could deliver, and those that failed and wait to be tried again."""
    rows = session.scalars(
        select(OutboxRow)
        .where(
            or_(
                OutboxRow.status == OutboxStatus.UNDELIVERABLE,
                (OutboxRow.status == OutboxStatus.PENDING) & (OutboxRow.attempts > 0),
            )
        )
        .order_by(OutboxRow.id)
    ).all()
    result = []
    for row in rows:
        discussion = session.get(models.Discussion, row.discussion_id or 0)
        problem = row.last_error
        if row.status == OutboxStatus.UNDELIVERABLE:
            problem = "; ".join(f"{r['channel']}: {r['reason']}" for r in row.refusals) or problem
        result.append(
            StuckMessage(
                id=row.id,
                recipient=row.recipient,
                kind=str(row.message.get("kind", "")),
                status=row.status,
                case=discussion.case.reference if discussion else None,
                attempts=row.attempts,
                next_attempt_at=row.next_attempt_at,
                problem=problem,
            )
        )
    return result


def outbox_counts(session: Session) -> dict[str, int]:
    """How many rows are in each state (sent, pending, superseded, undeliverable)."""
    rows = session.execute(select(OutboxRow.status, func.count()).group_by(OutboxRow.status)).all()
    return {str(status): int(count) for status, count in rows}

"""The deliverer: sends each outbox row on its own, and never loses one.

For each row: claim it with a lease and commit; send it on its current channel;
then mark it sent (and remember where a threaded message went). A process that
dies in between leaves the lease to run out, and the row is sent again: a
message can only ever go twice when the platform took it and the process died
before marking it, and that is the one row it had in flight.

Several due rows are claimed under one lease by one statement (`batch`;
PostgreSQL's FOR UPDATE SKIP LOCKED, SQLite's single writer and a conditional
UPDATE: bot/outbox/claims.py), then sent one at a time, each marked sent on
its own: still only the row in flight can go twice. Rows claimed but not yet sent
when the process dies were never sent: they go once, when the lease runs out.
A sender never sends a claimed row once half its lease has passed (a slow
platform): it gives the rest of the batch back, so no lease can run out under
a row still waiting to be sent.

A DeliveryFailed is tried again later (doubling, or the platform's Retry-After).
An Unreachable moves the row to the recipient's next channel, recorded in the
row and the audit trail; when no channel is left the row is undeliverable and
the chair of its discussion is told at once who cannot be reached and how to
fix it (bot/outbox/unreachable.py).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Row, select, update
from sqlalchemy.orm import Session

from bot import metrics
from bot.core import Core
from bot.messages import Delivery, Kind, Outgoing
from bot.outbox import claims
from bot.outbox.codec import decode_message
from bot.outbox.retry import retry_delay
from bot.outbox.rows import COPY_MARK, write_copy
from bot.outbox.unreachable import tell_chair
from bot.ports import Channel, DeliveryFailed, Unreachable
from bot.shared import audit
from bot.storage import models
from bot.storage.audit_rows import written_together
from bot.storage.db import transaction
from bot.storage.outbox_models import OutboxRow, OutboxStatus

log = logging.getLogger(__name__)

# How long a claimed row is someone's: a sender that has not marked it by then is
# taken to be dead, and the row is sent again.
LEASE = timedelta(minutes=2)
# How many due rows a sender claims at once (one transaction for them all).
BATCH = 8

# A recipient's channel names, most preferred first (bot/routing.py gives the real one).
Route = Callable[[str], list[str]]
# The channels that also get a copy of a message of this kind to this recipient
# (Router.copies: email, for an invitation to someone reached in chat).
Copies = Callable[[str, Kind], list[str]]


@dataclass(frozen=True)
class Claimed:
    id: int
    outgoing: Outgoing
    channel: str
    earlier: str | None
    # The row's channel names as routed at the claim (kept with the row when it is marked),
    # and how many attempts it had before this one.
    channels: tuple[str, ...] = ()
    attempts: int = 0
    # Copies of it were written as it was claimed (a notice's, for the other platforms).
    copied: bool = False


@dataclass
class Deliverer:
    """Sends what the outbox holds through this process's channels.

    `channels`: the ways out configured here, in the default order. `route`: a
    recipient's channel names in order; by default every configured channel in
    that order (for one platform: just it, as before). A channel post (a
    notice to a channel) goes to the first configured channel that takes it.
    `copies`: the channels that also get a copy of a message; each copy is a row
    of its own, written when the message itself has been sent on another channel.
    `notices`: the channels a channel notice goes to, each (Router.notices); by
    default the first configured channel that takes it.
    `workers`: how many rows are sent at once; `batch`: how many each claims at once.
    """

    core: Core
    channels: Sequence[Channel]
    route: Route | None = None
    copies: Copies | None = None
    notices: Callable[[], list[str]] | None = None
    workers: int = 1
    lease: timedelta = LEASE
    batch: int = BATCH
    _token: str = field(default_factory=lambda: uuid.uuid4().hex, repr=False)
    # Each sending thread's connection, while it sends (see _worker).
    _local: threading.local = field(default_factory=threading.local, repr=False)

    def channel_names(self) -> list[str]:
        return [c.name for c in self.channels]

    def deliver_due(self, limit: int = 100_000) -> int:
        """Send every row that is due now (up to `limit`); returns how many were tried."""
        if self.workers <= 1:
            return self._worker(limit)
        with ThreadPoolExecutor(self.workers, thread_name_prefix="outbox") as pool:
            share = max(1, limit // self.workers)
            return sum(pool.map(self._worker, [share] * self.workers))

    def delivered_in_place(self, recipient: str, thread: str) -> None:
        """The platform showed this thread's latest version already (Teams returns the
        clicked card in its answer): its pending row is done, where the first one went."""
        now = self.core.clock.now()
        with transaction(self.core.sessions) as session:
            session.execute(
                update(OutboxRow)
                .where(
                    OutboxRow.recipient == recipient,
                    OutboxRow.thread == thread,
                    OutboxRow.status == OutboxStatus.PENDING,
                    OutboxRow.leased_by.is_(None),
                )
                .values(status=OutboxStatus.SENT, sent_at=now, sent_on="in place")
                .execution_options(synchronize_session=False)
            )

    # --- One row at a time --------------------------------------------------------

    def _worker(self, limit: int) -> int:
        # One connection for the worker's statements that stand alone (a claim, the mark
        # of an unthreaded row, a release), each committing itself: not a checkout from
        # the pool, and on PostgreSQL its ping and BEGIN and COMMIT, per statement.
        engine: Engine = self.core.sessions.kw["bind"]
        with engine.connect() as connection:
            self._local.connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            try:
                return self._sending(limit)
            finally:
                del self._local.connection

    def _sending(self, limit: int) -> int:
        tried = 0
        more = True
        while more and tried < limit:
            wanted = min(self.batch, limit - tried)
            batch = self._claim(wanted)
            if not batch:
                break
            # Claim again only if something may be due now that was not: the batch was
            # full, or a row was not sent (a refusal moves it on to its next channel at
            # once), or a threaded row went and a later version waits behind it (on
            # PostgreSQL: may wait) or its copies were written as it was marked, or a
            # notice's copies for the other platforms were written as it was claimed.
            more = len(batch) == wanted
            # Measured here, not on the core's clock (simulated in tests and the demo).
            started = time.monotonic()
            for index, claimed in enumerate(batch):
                if time.monotonic() - started > self.lease.total_seconds() / 2:
                    self._release(batch[index:])  # never send near the end of the lease
                    more = True  # what was given back is due again at once
                    break
                more = self._send(claimed) or more
                tried += 1
        return tried

    @contextmanager
    def _alone(self) -> Iterator[Connection]:
        """For one statement that commits itself (or SQLite's claim: a read, then one
        conditional UPDATE): this worker's autocommit connection, or one from the pool."""
        connection: Connection | None = getattr(self._local, "connection", None)
        if connection is not None:
            yield connection
            return
        engine: Engine = self.core.sessions.kw["bind"]
        with engine.connect() as connection:
            yield connection.execution_options(isolation_level="AUTOCOMMIT")

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        """A transaction of several statements: on this worker's own connection, out of
        autocommit for it, never a second connection from the pool (senders that each
        held one and waited for another could use the pool up and stand still)."""
        connection: Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            engine: Engine = self.core.sessions.kw["bind"]
            with engine.begin() as connection:
                yield connection
            return
        if connection.in_transaction():
            connection.commit()  # autocommit's own marker: nothing is waiting in it
        connection.execution_options(isolation_level=connection.default_isolation_level)
        try:
            with connection.begin():
                yield connection
        finally:
            connection.execution_options(isolation_level="AUTOCOMMIT")

    def _release(self, claimed: Sequence[Claimed]) -> None:
        """Give back rows claimed but not sent: due again at once, for any sender."""
        with self._alone() as connection:
            claims.release(connection, [c.id for c in claimed], self._token)

    def _claim(self, wanted: int = 1) -> list[Claimed]:
        """Up to `wanted` due rows, leased to this sender by one statement (with where
        each one's thread went first)."""
        now = self.core.clock.now()
        with self._alone() as connection:
            rows = claims.take_due(connection, now, wanted, self._token, now + self.lease)
        return [self._prepared(row) for row in rows]

    def _prepared(self, row: Row[Any]) -> Claimed:
        binding = claims.binding(row)
        names: list[str] | None = row.channels
        index: int = row.channel_index
        copied = False
        if names is None:
            names, index = self._route_for(row, binding), 0
            if row.delivery == Delivery.CHANNEL and self.notices is not None:
                # A notice goes to every platform's own notices channel: one row each,
                # written (and this row's channel kept) once it is claimed.
                first, *others = self.notices() or [""]
                names = [first] if first else []
                with self._transaction() as connection, _joined(connection) as session:
                    stored = session.get_one(OutboxRow, row.id)
                    stored.channels, stored.channel_index = names, 0
                    for name in others:
                        write_copy(session, self.core.clock.now(), stored, name)
                copied = bool(others)
        channel = names[index] if index < len(names) else ""
        earlier = binding.reference if binding is not None and binding.channel == channel else None
        outgoing = Outgoing(
            to=row.recipient,
            message=decode_message(row.message),
            delivery=Delivery(row.delivery),
            thread=row.thread,
        )
        return Claimed(row.id, outgoing, channel, earlier, tuple(names), row.attempts, copied)

    def _route_for(self, row: Row[Any], binding: claims.Binding | None) -> list[str]:
        configured = self.channel_names()
        if row.delivery == Delivery.CHANNEL or self.route is None:
            names = configured
        else:
            names = list(self.route(row.recipient))
        # Updates go where the first message of the thread went.
        if binding is not None and binding.channel in names:
            names = [binding.channel, *[n for n in names if n != binding.channel]]
        return names

    def _send(self, claimed: Claimed) -> bool:
        """Send one claimed row on its channel; whether another row may be due at once
        because of it (see _sending): it did not go, or it made one due."""
        channel = next((c for c in self.channels if c.name == claimed.channel), None)
        try:
            if channel is None:
                raise Unreachable(
                    f"the {claimed.channel or 'chat'} channel is not configured in this process"
                    if claimed.channel
                    else "no platform in this process posts notices to a channel"
                    if claimed.outgoing.delivery is Delivery.CHANNEL
                    else "no channel is configured for them"
                )
            reference = channel.send(claimed.outgoing, claimed.earlier)
        except Unreachable as refusal:
            metrics.refused(claimed.channel or "none")
            self._next_channel(claimed, str(refusal))
        except DeliveryFailed as failure:
            metrics.retried(claimed.channel)
            self._later(claimed, f"DeliveryFailed: {failure}", failure.retry_after)
        except Exception as error:  # a fault of ours or an unexpected answer: tried again
            log.exception("sending outbox row %s on %s failed", claimed.id, claimed.channel)
            metrics.retried(claimed.channel)
            self._later(claimed, f"{type(error).__name__}: {error}", None)
        else:
            metrics.delivered(claimed.channel, sent=1)
            follows = self._sent(claimed, reference)
            return follows or claimed.copied
        return True

    def _sent(self, claimed: Claimed, reference: str) -> bool:
        """Mark a row sent; whether that made another due (a newer version of its
        thread, its copies)."""
        now = self.core.clock.now()
        thread = claimed.outgoing.thread
        if thread is None:  # one statement
            with self._alone() as connection:
                claims.mark_sent(connection, claimed.id, now, claimed.channel, claimed.channels)
            return False
        with self._transaction() as connection:  # with where the thread went, and copies
            newer = claims.mark_sent_in_thread(
                connection, claimed.id, now, claimed.channel, claimed.channels
            )
            to = claimed.outgoing.to
            if reference:
                claims.bind(connection, to, thread, claimed.channel, reference, now)
            if self.copies is not None and COPY_MARK not in thread:
                names = self.copies(to, claimed.outgoing.message.kind)
                if any(name != claimed.channel for name in names):
                    with _joined(connection) as session:
                        row = session.get_one(OutboxRow, claimed.id)
                        for name in names:
                            if name != claimed.channel:
                                write_copy(session, now, row, name)
                    return True
        return newer

    def _later(self, claimed: Claimed, error: str, retry_after: float | None) -> None:
        now = self.core.clock.now()
        with self._transaction() as connection, _joined(connection, autoflush=True) as session:
            row = session.get_one(OutboxRow, claimed.id)
            row.channels = list(claimed.channels)  # as routed at the claim
            row.attempts += 1
            row.last_error = error[:2000]
            row.next_attempt_at = now + retry_delay(row.attempts, retry_after)
            row.leased_by = row.lease_until = None
            if row.thread is not None and _newer_exists(session, row):
                row.status = OutboxStatus.SUPERSEDED  # the newer version goes instead
        log.warning(
            f"outbox row {claimed.id} to {claimed.outgoing.to} not sent on {claimed.channel}: "
            f"{error}; trying again at {row.next_attempt_at:%Y-%m-%d %H:%M:%S} UTC",
            extra={
                "event": "delivery_failed",
                "outbox_id": claimed.id,
                "channel": claimed.channel,
                "attempts": row.attempts,
                "retry_at": row.next_attempt_at.isoformat(),
                "error": error,
            },
        )

    def _next_channel(self, claimed: Claimed, reason: str) -> None:
        now = self.core.clock.now()
        with self._transaction() as connection, _joined(connection, autoflush=True) as session:
            row = session.get_one(OutboxRow, claimed.id)
            row.channels = list(claimed.channels)  # as routed at the claim
            row.refusals = [*row.refusals, {"channel": claimed.channel or "none", "reason": reason}]
            row.channel_index += 1
            row.leased_by = row.lease_until = None
            row.last_error = reason[:2000]
            discussion = (
                session.get(models.Discussion, row.discussion_id) if row.discussion_id else None
            )
            details = {"outbox_id": row.id, "channel": claimed.channel, "reason": reason}
            audit(session, self.core, "system", "delivery_refused", discussion, **details)
            if row.channel_index < len(row.channels or []):
                row.next_attempt_at = now
                return
            row.status = OutboxStatus.UNDELIVERABLE
            metrics.undeliverable(str(row.message.get("kind", "")))
            audit(session, self.core, "system", "undeliverable", discussion, outbox_id=row.id)
            tell_chair(session, self.core, row, discussion)
        log.error(
            f"no channel can reach {claimed.outgoing.to}: outbox row {claimed.id} "
            f"undeliverable ({claimed.channel or 'no channel'}: {reason})",
            extra={"event": "undeliverable", "outbox_id": claimed.id},
        )


@contextmanager
def _joined(connection: Connection, *, autoflush: bool = False) -> Iterator[Session]:
    """An ORM session inside the connection's transaction (the rare paths that write
    whole rows: a notice's copies, a message's copies, a failure); flushed, never
    committed; its audit events written together, as a unit of work's are."""
    with Session(bind=connection, autoflush=autoflush) as session:
        with written_together(session):
            yield session
        session.flush()


def _newer_exists(session: Session, row: OutboxRow) -> bool:
    return (
        session.scalars(
            select(OutboxRow.id).where(
                OutboxRow.recipient == row.recipient,
                OutboxRow.thread == row.thread,
                OutboxRow.status == OutboxStatus.PENDING,
                OutboxRow.id > row.id,
            )
        ).first()
        is not None
    )

"""The deliverer: sends each outbox row on its own, and never loses one.

For each row: claim it with a lease and commit; send it on its current channel;
then mark it sent (and remember where a threaded message went). A process that
dies in between leaves the lease to run out, and the row is sent again: a
message can only ever go twice when the platform took it and the process died
before marking it, and that is the one row it had in flight.

Several due rows are claimed under one lease in one transaction (`batch`,
PostgreSQL's FOR UPDATE SKIP LOCKED; on SQLite, the single writer and a
conditional write per row), then sent one at a time, each marked sent on its
own: still only the row in flight can go twice. Rows claimed but not yet sent
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
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from bot import metrics
from bot.core import Core
from bot.messages import Delivery, Kind, Outgoing
from bot.outbox.codec import decode_message
from bot.outbox.retry import retry_delay
from bot.outbox.rows import is_copy, write_copy
from bot.outbox.unreachable import tell_chair
from bot.ports import Channel, DeliveryFailed, Unreachable
from bot.shared import audit
from bot.storage import models
from bot.storage.db import transaction
from bot.storage.outbox_models import OutboxRow, OutboxStatus, ThreadBinding

log = logging.getLogger(__name__)

# How long a claimed row is someone's: a sender that has not marked it by then is
# taken to be dead, and the row is sent again.
LEASE = timedelta(minutes=2)
# How many due rows a sender claims at once (one transaction for them all).
BATCH = 8
# An earlier row of the same thread, for the claim's "not waiting behind" test. Built
# once: an alias builds a proxy of every column, which per claim cost more than the query.
_OLDER = aliased(OutboxRow)

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
        tried = 0
        while tried < limit:
            batch = self._claim(min(self.batch, limit - tried))
            if not batch:
                break
            # Measured here, not on the core's clock (simulated in tests and the demo).
            started = time.monotonic()
            for index, claimed in enumerate(batch):
                if time.monotonic() - started > self.lease.total_seconds() / 2:
                    self._release(batch[index:])  # never send near the end of the lease
                    break
                self._send(claimed)
                tried += 1
        return tried

    def _release(self, claimed: Sequence[Claimed]) -> None:
        """Give back rows claimed but not sent: due again at once, for any sender."""
        with transaction(self.core.sessions) as session:
            session.execute(
                update(OutboxRow)
                .where(
                    OutboxRow.id.in_([c.id for c in claimed]),
                    OutboxRow.leased_by == self._token,
                    OutboxRow.status == OutboxStatus.PENDING,
                )
                .values(leased_by=None, lease_until=None)
                .execution_options(synchronize_session=False)
            )

    def _claim(self, wanted: int = 1) -> list[Claimed]:
        """Up to `wanted` due rows, leased to this sender in one transaction."""
        now = self.core.clock.now()
        older = _OLDER
        waiting_behind = exists().where(
            older.recipient == OutboxRow.recipient,
            older.thread == OutboxRow.thread,
            older.status == OutboxStatus.PENDING,
            older.id < OutboxRow.id,
        )
        free = or_(OutboxRow.lease_until.is_(None), OutboxRow.lease_until < now)
        claimed: list[Claimed] = []
        with transaction(self.core.sessions) as session:
            for _ in range(5):  # another sender may take the ones found first (SQLite)
                candidates = session.scalars(
                    select(OutboxRow)
                    .where(
                        OutboxRow.status == OutboxStatus.PENDING,
                        OutboxRow.next_attempt_at <= now,
                        free,
                        ~waiting_behind,
                    )
                    .order_by(OutboxRow.next_attempt_at, OutboxRow.id)
                    .limit(wanted)
                    .with_for_update(skip_locked=True)
                ).all()
                if not candidates:
                    break
                for candidate in candidates:
                    # Taken only if still free: on SQLite, which has no row locks, this
                    # conditional write is what keeps two senders off the same row.
                    taken = session.execute(
                        update(OutboxRow)
                        .where(
                            OutboxRow.id == candidate.id,
                            OutboxRow.status == OutboxStatus.PENDING,
                            free,
                        )
                        .values(leased_by=self._token, lease_until=now + self.lease)
                        .execution_options(synchronize_session=False)
                    )
                    if taken.rowcount == 1:  # type: ignore[attr-defined]
                        session.refresh(candidate)
                        claimed.append(self._prepare(session, candidate))
                if claimed:
                    break
        return claimed

    def _prepare(self, session: Session, row: OutboxRow) -> Claimed:
        if row.channels is None:
            row.channels = self._route_for(session, row)
            row.channel_index = 0
            if row.delivery == Delivery.CHANNEL and self.notices is not None:
                # A notice goes to every platform's own notices channel: one row each.
                first, *others = self.notices() or [""]
                row.channels = [first] if first else []
                for name in others:
                    write_copy(session, self.core.clock.now(), row, name)
        names = row.channels
        channel = names[row.channel_index] if row.channel_index < len(names) else ""
        earlier = None
        if row.thread is not None:
            binding = _binding(session, row.recipient, row.thread)
            if binding is not None and binding.channel == channel:
                earlier = binding.reference
        outgoing = Outgoing(
            to=row.recipient,
            message=decode_message(row.message),
            delivery=Delivery(row.delivery),
            thread=row.thread,
        )
        return Claimed(row.id, outgoing, channel, earlier)

    def _route_for(self, session: Session, row: OutboxRow) -> list[str]:
        configured = self.channel_names()
        if row.delivery == Delivery.CHANNEL or self.route is None:
            names = configured
        else:
            names = list(self.route(row.recipient))
        if row.thread is not None:
            # Updates go where the first message of the thread went.
            binding = _binding(session, row.recipient, row.thread)
            if binding is not None and binding.channel in names:
                names = [binding.channel, *[n for n in names if n != binding.channel]]
        return names

    def _send(self, claimed: Claimed) -> None:
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
            self._sent(claimed, reference)

    def _sent(self, claimed: Claimed, reference: str) -> None:
        now = self.core.clock.now()
        with transaction(self.core.sessions) as session:
            row = session.get_one(OutboxRow, claimed.id)
            row.status = OutboxStatus.SENT
            row.sent_at, row.sent_on = now, claimed.channel
            row.attempts += 1
            row.leased_by = row.lease_until = None
            if row.thread is not None and reference:
                _bind(session, row.recipient, row.thread, claimed.channel, reference, now)
            if self.copies is not None and row.thread is not None and not is_copy(row):
                for name in self.copies(row.recipient, claimed.outgoing.message.kind):
                    if name != claimed.channel:
                        write_copy(session, now, row, name)

    def _later(self, claimed: Claimed, error: str, retry_after: float | None) -> None:
        now = self.core.clock.now()
        with transaction(self.core.sessions) as session:
            row = session.get_one(OutboxRow, claimed.id)
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
        with transaction(self.core.sessions) as session:
            row = session.get_one(OutboxRow, claimed.id)
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


def _binding(session: Session, recipient: str, thread: str) -> ThreadBinding | None:
    return session.scalars(
        select(ThreadBinding).where(
            ThreadBinding.recipient == recipient, ThreadBinding.thread == thread
        )
    ).one_or_none()


def _bind(
    session: Session, recipient: str, thread: str, channel: str, reference: str, now: datetime
) -> None:
    for _ in range(2):  # another replica may insert the same binding at once
        binding = _binding(session, recipient, thread)
        try:
            with session.begin_nested():
                if binding is None:
                    binding = ThreadBinding(recipient=recipient, thread=thread)
                    session.add(binding)
                binding.channel, binding.reference, binding.updated_at = channel, reference, now
            return
        except IntegrityError:
            continue


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

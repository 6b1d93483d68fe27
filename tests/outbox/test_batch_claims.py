"""Several due rows claimed under one lease, in one transaction, and still at most the row
in flight sent twice when a sender dies. On SQLite and PostgreSQL."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select

from bot.app import Bot
from bot.messages import Kind, Message, Outgoing
from bot.outbox.deliver import LEASE, Claimed, Deliverer
from bot.storage.outbox_models import OutboxRow, OutboxStatus
from bot.unit import unit_of_work
from scheduling.clock import SimulatedClock


@dataclass
class Recording:
    name: str = "console"
    delay: float = 0.0
    sent: list[str] = field(default_factory=list)
    leased_at_send: list[int] = field(default_factory=list)
    bot: Bot | None = None

    def send(self, outgoing: Outgoing, earlier: str | None) -> str:
        if self.bot is not None:
            with self.bot.core.sessions() as session:
                leased = session.scalar(
                    select(func.count()).where(OutboxRow.leased_by.is_not(None))
                )
            self.leased_at_send.append(int(leased or 0))
        time.sleep(self.delay)
        self.sent.append(outgoing.message.text)
        return ""


class Counting(Deliverer):
    """A deliverer that counts its claim transactions."""

    claims: int = 0

    def _claim(self, wanted: int = 1) -> list[Claimed]:
        self.claims += 1
        return super()._claim(wanted)


def nudges(bot: Bot, count: int) -> None:
    with unit_of_work(bot.core) as unit:
        unit.emit(
            [Outgoing(f"person-{n}", Message(Kind.NUDGE, f"nudge {n}")) for n in range(count)]
        )


def test_due_rows_are_claimed_several_under_one_lease(bot: Bot) -> None:
    nudges(bot, 20)
    channel = Recording(bot=bot)
    deliverer = Counting(bot.core, [channel], batch=8)
    assert deliverer.deliver_due() == 20
    assert Counter(channel.sent) == Counter(f"nudge {n}" for n in range(20))
    # 8 + 8 + 4: 3 transactions, not 20. The last batch was not full and held no row
    # that could make another due (a thread's later version, a notice's copies), so no
    # claim that finds nothing follows it.
    assert deliverer.claims == 3
    assert channel.leased_at_send[0] == 8  # the whole batch was leased before the first send


def test_a_sender_killed_with_a_batch_duplicates_at_most_the_row_in_flight(
    bot: Bot, clock: SimulatedClock
) -> None:
    nudges(bot, 8)
    channel = Recording()
    dead = Deliverer(bot.core, [channel], batch=8)
    batch = dead._claim(8)
    assert len(batch) == 8
    channel.send(batch[0].outgoing, None)  # the platform took it; then the process died
    rescuer = Deliverer(bot.core, [channel])
    assert rescuer.deliver_due() == 0  # the dead sender's lease still holds
    clock.advance(LEASE + timedelta(seconds=1))
    assert rescuer.deliver_due() == 8
    counts = Counter(channel.sent)
    assert sorted(counts) == sorted(f"nudge {n}" for n in range(8))
    assert sum(c - 1 for c in counts.values()) == 1  # only the row in flight went twice
    with bot.core.sessions() as session:
        statuses = set(session.scalars(select(OutboxRow.status)))
    assert statuses == {OutboxStatus.SENT}


def test_a_slow_platform_gives_the_rest_of_the_batch_back_before_its_lease_runs_out(
    bot: Bot,
) -> None:
    nudges(bot, 3)
    channel = Recording(delay=0.6)
    # Half the lease (0.5 s) has passed after each send: the rest of the batch is given
    # back, and claimed afresh (with a new lease) before it is sent.
    deliverer = Counting(bot.core, [channel], batch=8, lease=timedelta(seconds=1))
    assert deliverer.deliver_due() == 3
    assert deliverer.claims == 3  # one claim per row (the last took what was left)
    assert Counter(channel.sent) == Counter(f"nudge {n}" for n in range(3))

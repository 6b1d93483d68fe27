"""Scheduled work: its messages go to the outbox with it; a failed send is retried, never lost."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import event, select

from bot.app import Bot
from bot.jobs import has_due_work, next_due_at, run_due_work
from bot.messages import Outgoing
from bot.storage import models
from bot.storage.outbox_models import OutboxRow, OutboxStatus
from scheduling.clock import SimulatedClock
from tests.helpers import CONVENE, counting_checkouts, invitation_statuses, say


@dataclass
class FailingChat:
    """A chat platform that is down for the first `failures` deliveries."""

    failures: int
    delivered: list[Outgoing] = field(default_factory=list)

    def deliver(self, outgoing: Sequence[Outgoing]) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("chat platform unavailable")
        self.delivered.extend(outgoing)


def test_a_failed_delivery_keeps_the_message_and_retries_it_not_the_work(
    bot: Bot, clock: SimulatedClock
) -> None:
    say(bot, "ben.okafor", CONVENE)
    clock.advance(timedelta(hours=1))  # the fallback cutoff
    chat = FailingChat(failures=2)

    run_due_work(bot.core, chat)
    # The fallback checks are done (the nurse is invited), their messages wait in the outbox.
    assert invitation_statuses(bot)["zoe.fletcher"] == "invited"
    with bot.core.sessions() as session:
        checks = session.scalars(
            select(models.ScheduledWork).where(models.ScheduledWork.kind == "fallback_check")
        ).all()
        assert {w.status for w in checks} == {"done"}
        waiting = session.scalars(
            select(OutboxRow).where(OutboxRow.status == OutboxStatus.PENDING)
        ).all()
        assert {(r.attempts, r.last_error) for r in waiting} == {
            (1, "ConnectionError: chat platform unavailable")
        }
        retry_at = min(r.next_attempt_at for r in waiting)
    assert retry_at == clock.now() + timedelta(seconds=5)

    clock.set(retry_at)
    run_due_work(bot.core, chat)
    assert [o.to for o in chat.delivered].count("zoe.fletcher") == 1
    assert [o.to for o in chat.delivered].count("nathan.osei") == 1
    with bot.core.sessions() as session:
        statuses = {r.status for r in session.scalars(select(OutboxRow))}
    assert OutboxStatus.PENDING not in statuses


def test_next_due_at_is_the_earliest_pending_item(bot: Bot, clock: SimulatedClock) -> None:
    assert next_due_at(bot.core) is None
    say(bot, "ben.okafor", CONVENE)
    assert next_due_at(bot.core) == clock.now() + timedelta(hours=1)


def test_a_command_with_nothing_due_runs_no_empty_sweep(bot: Bot, clock: SimulatedClock) -> None:
    """After a command, the scheduled work is looked at with one read on a plain
    connection, not a unit of work that claims nothing; once something falls due,
    the sweep does it."""
    say(bot, "ben.okafor", CONVENE)
    units: list[object] = []

    def begun(session: object, *_args: object) -> None:
        units.append(session)

    event.listen(bot.core.sessions, "after_begin", begun)
    try:
        assert not has_due_work(bot.core)
        assert bot.run_due_work(delivered=True) == 0
        assert units == []  # no session, no claim

        due = next_due_at(bot.core)
        assert due is not None
        clock.set(due)
        assert has_due_work(bot.core)
        assert bot.run_due_work(delivered=True) >= 1
        assert units  # the due work was claimed and done in its unit of work
    finally:
        event.remove(bot.core.sessions, "after_begin", begun)


def test_a_sweep_does_several_items_on_one_connection_and_never_holds_two(
    bot: Bot, clock: SimulatedClock
) -> None:
    """The items done between two deliveries share one checkout (on PostgreSQL one
    ping); it is given back before delivering, so the sweep holds one connection at most."""
    say(bot, "ben.okafor", CONVENE)
    for number in range(20):
        say(
            bot,
            "asha.patel",
            f'/strategy action NV-40213 owner=megan.price due="in 2 working days" '
            f'text="Follow-up task number {number + 1}"',
        )
    bot.run_due_work()
    clock.advance(timedelta(days=1, hours=1))  # every action's first nudge is due
    with counting_checkouts(bot.core.sessions.kw["bind"]) as connections:
        done = bot.run_due_work(delivered=True)
    assert done >= 20
    assert connections.peak == 1
    assert connections.taken <= done // 2  # one per item would be 20 or more
    with bot.core.sessions() as session:
        pending = session.scalars(
            select(OutboxRow).where(OutboxRow.status == OutboxStatus.PENDING)
        ).all()
    assert pending == []  # every nudge was delivered

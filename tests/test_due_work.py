"""Scheduled work: done only after delivery; a failed delivery is retried, never lost."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from bot.app import Bot
from bot.jobs import next_due_at, run_due_work
from bot.messages import Outgoing
from bot.storage import models
from scheduling.clock import SimulatedClock
from tests.helpers import CONVENE, invitation_statuses, say


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


def test_a_failed_delivery_undoes_the_work_and_retries_it_later(
    bot: Bot, clock: SimulatedClock
) -> None:
    say(bot, "ben.okafor", CONVENE)
    clock.advance(timedelta(hours=1))  # the fallback cutoff
    chat = FailingChat(failures=2)

    run_due_work(bot.core, chat)
    # Both fallback checks failed to deliver: nothing was invited, both stay due.
    assert "zoe.fletcher" not in invitation_statuses(bot)
    with bot.core.sessions() as session:
        pending = session.scalars(
            select(models.ScheduledWork).where(models.ScheduledWork.kind == "fallback_check")
        ).all()
        assert {(w.status, w.attempts) for w in pending} == {("pending", 1)}
        assert all(w.last_error == "ConnectionError: chat platform unavailable" for w in pending)
        retry_at = min(w.due_at for w in pending)
    assert retry_at == clock.now() + timedelta(minutes=2)

    clock.set(retry_at)
    run_due_work(bot.core, chat)
    assert invitation_statuses(bot)["zoe.fletcher"] == "invited"
    assert invitation_statuses(bot)["nathan.osei"] == "invited"
    assert [o.to for o in chat.delivered].count("zoe.fletcher") == 1
    with bot.core.sessions() as session:
        statuses = {
            w.status
            for w in session.scalars(
                select(models.ScheduledWork).where(models.ScheduledWork.kind == "fallback_check")
            )
        }
    assert statuses == {"done"}


def test_next_due_at_is_the_earliest_pending_item(bot: Bot, clock: SimulatedClock) -> None:
    assert next_due_at(bot.core) is None
    say(bot, "ben.okafor", CONVENE)
    assert next_due_at(bot.core) == clock.now() + timedelta(hours=1)

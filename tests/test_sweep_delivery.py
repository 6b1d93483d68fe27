"""The sweep delivers its items' messages in batches, yet as if each were delivered at once:
a threaded message leaves before the next item runs (so a later version updates it in place),
and nothing is left in the outbox when the sweep returns. On SQLite and PostgreSQL."""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from bench.sweep_cost import measure, prepare
from bot import jobs
from bot.app import Bot
from bot.jobs import run_due_work
from bot.messages import Kind, Message, Outgoing
from bot.outbox.deliver import Deliverer
from bot.storage import models
from bot.storage.outbox_models import OutboxRow, OutboxStatus
from bot.unit import Unit
from tests.helpers import Recording


def _schedule(bot: Bot, kind: str, count: int) -> None:
    due = bot.core.clock.now() - timedelta(minutes=1)
    with bot.core.sessions() as session, session.begin():
        session.execute(
            insert(models.ScheduledWork),
            [{"kind": kind, "status": "pending", "due_at": due, "payload": {}}] * count,
        )


def test_a_threaded_message_leaves_before_the_next_item_so_the_next_version_updates_it(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    versions = iter(range(1, 10))

    def quorum_view(unit: Unit, work: models.ScheduledWork) -> list[Outgoing]:
        text = f"quorum view, version {next(versions)}"
        return [Outgoing("asha.patel", Message(Kind.QUORUM, text), thread="quorum:test")]

    monkeypatch.setitem(jobs.JOBS, "test_quorum", quorum_view)
    _schedule(bot, "test_quorum", 3)
    channel = Recording()
    assert run_due_work(bot.core, Deliverer(bot.core, [channel])) == 3
    # Each version went out before the next was written: none superseded, each later one
    # an update of the message before it (the reference the platform gave it), as when
    # each item was delivered at once.
    assert channel.sent == [
        ("quorum view, version 1", None),
        ("quorum view, version 2", "ref-1"),
        ("quorum view, version 3", "ref-2"),
    ]


def test_messages_of_many_items_all_leave_before_the_sweep_returns(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    numbers = iter(range(100))

    def nudge(unit: Unit, work: models.ScheduledWork) -> list[Outgoing]:
        n = next(numbers)
        return [Outgoing(f"person-{n}", Message(Kind.NUDGE, f"nudge {n}"))]

    monkeypatch.setitem(jobs.JOBS, "test_nudge", nudge)
    _schedule(bot, "test_nudge", 19)  # two batches of 8 and three left over
    channel = Recording()
    deliverer = Deliverer(bot.core, [channel], batch=8)
    assert run_due_work(bot.core, deliverer) == 19
    assert sorted(text for text, _ in channel.sent) == sorted(f"nudge {n}" for n in range(19))
    with bot.core.sessions() as session:
        pending = session.scalar(
            select(func.count()).where(OutboxRow.status == OutboxStatus.PENDING)
        )
    assert pending == 0


def test_the_sweep_benchmark_runs_at_tiny_sizes(tmp_path: Path) -> None:
    sweepers = [prepare(f"sqlite:///{tmp_path / f's{size}.db'}", size, 5) for size in (10, 40)]
    try:
        # Each round checks that every due nudge was done and sent, once.
        measure(sweepers, argparse.Namespace(rounds=1, due=5))
    finally:
        for sweeper in sweepers:
            sweeper.bot.core.close()
    assert all(len(s.wall) == len(s.cpu) == len(s.empty) == 1 for s in sweepers)

"""The scheduled-work engine under stress: replicas, kills and platform outages.

Nothing may be lost, and with several bot processes nothing may be sent twice.
"""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import create_engine, insert, text

from bot.app import Bot, build_core
from bot.jobs import _DUE_NOW, has_due_work, pending_work, run_due_work
from bot.messages import Outgoing
from bot.outbox.deliver import LEASE
from bot.ports import DeliveryFailed
from bot.settings import Settings
from bot.storage import models
from fakes.postgres import PostgresServer
from handlers.console import ConsoleChat
from scheduling.clock import SimulatedClock
from tests.conftest import MONDAY_0930
from tests.helpers import CONVENE, say, take_sent

REPO = Path(__file__).resolve().parent.parent
ACTIONS = 120
# Tuesday 24 Nov 2026, 10:00 GMT: every action (due Wed 25th) has its first nudge due.
SWEEP_AT = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
NUDGE = re.compile(r"Reminder: action NV-40213/A(\d+) ")
# When a process started after one died may take over the rows it held.
AFTER_LEASE = SWEEP_AT + LEASE + timedelta(seconds=1)


@pytest.fixture
def pg_url(postgres_server: PostgresServer, postgres_template: str) -> str:
    name = f"engine_{os.getpid()}_{time.monotonic_ns()}"
    admin = create_engine(postgres_server.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name} TEMPLATE {postgres_template}"))
    admin.dispose()
    return postgres_server.url_for(name)


def with_actions(bot: Bot, count: int = ACTIONS) -> None:
    say(bot, "ben.okafor", CONVENE)
    owners = ["megan.price", "olivia.bennett", "bethany.cole", "zoe.fletcher", "ian.campbell"]
    for number in range(count):
        reply = say(
            bot,
            "asha.patel",
            f"/strategy action NV-40213 owner={owners[number % 5]} "
            f'due="in 2 working days" text="Follow-up task number {number + 1}"',
        )
        assert "recorded" in reply.text
    take_sent(bot)


@dataclass
class Sweeper:
    process: subprocess.Popen[bytes]
    output: Path

    def nudged(self) -> list[int]:
        return [int(n) for n in NUDGE.findall(self.output.read_text(encoding="utf-8"))]


def start_sweepers(
    url: str, folder: Path, count: int, delay: float, at: datetime = SWEEP_AT
) -> Iterator[Sweeper]:
    go = folder / "go"
    go.unlink(missing_ok=True)
    sweepers = []
    for index in range(count):
        output = folder / f"sweeper-{index}-{time.monotonic_ns()}.txt"
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.sweep_process",
                url,
                at.isoformat(),
                str(output),
                str(go),
                str(delay),
            ],
            cwd=REPO,
        )
        sweepers.append(Sweeper(process, output))
    deadline = time.monotonic() + 60
    while not all(Path(f"{s.output}.ready").exists() for s in sweepers):
        assert time.monotonic() < deadline, "the bot processes did not start"
        assert all(s.process.poll() is None for s in sweepers), "a bot process died"
        time.sleep(0.05)
    go.touch()
    yield from sweepers


@pytest.fixture(params=["postgresql", "sqlite"])
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database two bot processes share: PostgreSQL's, or one SQLite file."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


def test_two_bot_processes_on_one_database_never_send_a_nudge_twice(
    shared_url: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Each claims the next due item in one statement: on PostgreSQL skipping the rows
    the other has locked, on SQLite under the file's one write lock."""
    bot = bot_on(shared_url, request)
    with_actions(bot)
    sweepers = list(start_sweepers(shared_url, tmp_path, count=2, delay=0.01))
    for sweeper in sweepers:
        assert sweeper.process.wait(timeout=120) == 0
    counts = Counter(n for s in sweepers for n in s.nudged())
    assert sorted(counts) == list(range(1, ACTIONS + 1)), "every action nudged"
    assert set(counts.values()) == {1}, "no action nudged twice"
    assert all(s.nudged() for s in sweepers), "both processes did part of the work"


def test_a_bot_killed_in_the_middle_of_a_sweep_loses_nothing(
    pg_url: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    bot = bot_on(pg_url, request)
    with_actions(bot)
    (victim,) = start_sweepers(pg_url, tmp_path, count=1, delay=0.02)
    deadline = time.monotonic() + 60
    while len(victim.nudged()) < ACTIONS // 4:
        assert time.monotonic() < deadline and victim.process.poll() is None
        time.sleep(0.01)
    victim.process.send_signal(signal.SIGKILL)
    victim.process.wait(timeout=30)
    before_restart = victim.nudged()
    assert 0 < len(before_restart) < ACTIONS, "killed in the middle of the sweep"

    # Restarted later than the dead process's lease: what it had in flight is free again.
    (restarted,) = start_sweepers(pg_url, tmp_path, count=1, delay=0, at=AFTER_LEASE)
    assert restarted.process.wait(timeout=120) == 0
    counts = Counter(before_restart + restarted.nudged())
    assert sorted(counts) == list(range(1, ACTIONS + 1)), "every due nudge was sent"
    # At most the one in flight at the kill may go twice: sent, but not yet marked sent.
    assert sum(c - 1 for c in counts.values()) <= 1


@dataclass
class OutageChat:
    """A chat platform down for the first `failures` deliveries: 429s, then errors."""

    failures: int
    delivered: list[Outgoing] = field(default_factory=list)
    refused: int = 0

    def deliver(self, outgoing: Sequence[Outgoing]) -> None:
        if self.refused < self.failures:
            self.refused += 1
            if self.refused % 2:
                raise DeliveryFailed("rate limited (429)", retry_after=90)
            raise DeliveryFailed("503 service unavailable")
        self.delivered.extend(outgoing)


def test_every_nudge_arrives_once_the_platform_recovers(bot: Bot, clock: SimulatedClock) -> None:
    with_actions(bot, count=20)
    clock.set(SWEEP_AT)
    chat = OutageChat(failures=30)
    for _ in range(40):  # 40 minutes, a sweep a minute
        run_due_work(bot.core, chat)
        clock.advance(timedelta(minutes=1))
    nudged = Counter(int(m) for o in chat.delivered for m in NUDGE.findall(o.message.text + " "))
    assert chat.refused == 30
    assert sorted(nudged) == list(range(1, 21))
    assert set(nudged.values()) == {1}


def bot_on(url: str, request: pytest.FixtureRequest) -> Bot:
    """The `bot` fixture's set-up, on a database of the test's own."""
    core = build_core(
        Settings(database_url=url, strategy_directory=None), SimulatedClock(MONDAY_0930)
    )
    request.addfinalizer(core.close)
    return Bot(core, ConsoleChat(core.directory, Console(file=io.StringIO(), width=200)))


def test_a_frozen_bot_process_cannot_hold_its_claim(
    pg_url: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """A process stopped (SIGSTOP) in the middle of a delivery holds a lease, not a
    transaction: once the lease has run out another process sends what it held."""
    bot = bot_on(pg_url, request)
    with_actions(bot, count=10)
    # Each delivery takes 30 s: the victim is frozen holding its first lease.
    (victim,) = start_sweepers(pg_url, tmp_path, count=1, delay=30)
    try:
        deadline = time.monotonic() + 30
        while not holding_a_lease(pg_url):
            assert time.monotonic() < deadline, "the victim never claimed anything"
            time.sleep(0.05)
        victim.process.send_signal(signal.SIGSTOP)
        assert not idle_in_transaction(pg_url), "a delivery holds no transaction open"
        (rescuer,) = start_sweepers(pg_url, tmp_path, count=1, delay=0, at=AFTER_LEASE)
        assert rescuer.process.wait(timeout=120) == 0
        assert victim.nudged() == []
        assert sorted(rescuer.nudged()) == list(range(1, 11))
        left = [w for w in pending_work(bot.core) if w.due_at <= SWEEP_AT]
        assert left == [], "the frozen process's claim was taken over"
    finally:
        victim.process.send_signal(signal.SIGKILL)
        victim.process.wait(timeout=30)


def holding_a_lease(url: str) -> bool:
    return bool(_count(url, "SELECT count(*) FROM outbox WHERE leased_by IS NOT NULL"))


def idle_in_transaction(url: str) -> bool:
    return bool(
        _count(
            url,
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE state = 'idle in transaction' AND datname = current_database()",
        )
    )


def _count(url: str, query: str) -> int:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(query)).scalar() or 0)
    finally:
        engine.dispose()


def test_looking_for_due_work_walks_the_due_index_when_nothing_is_due(
    pg_url: str, request: pytest.FixtureRequest
) -> None:
    """With many items done in the past and many pending in the future, PostgreSQL's
    planner took pending and due to be common, and scanned the table (all of it, when
    nothing was due) unless the query asks for the due order the index holds."""
    bot = bot_on(pg_url, request)
    engine = bot.core.sessions.kw["bind"]
    now = bot.core.clock.now()
    rows = [
        {
            "kind": "action_nudge",
            "status": "done" if n % 2 else "pending",
            "due_at": now - timedelta(days=1) if n % 2 else now + timedelta(days=30 + n % 300),
            "attempts": 0,
            "payload": {},
        }
        for n in range(20_000)
    ]
    with engine.begin() as connection:
        connection.execute(insert(models.ScheduledWork), rows)
        connection.exec_driver_sql("ANALYZE scheduled_work")
        statement = _DUE_NOW.compile(engine)
        plan = connection.exec_driver_sql(
            f"EXPLAIN {statement}", statement.construct_params({"now": now})
        ).scalars()
        assert "Seq Scan" not in "\n".join(plan)
    assert not has_due_work(bot.core)

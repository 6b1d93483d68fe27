"""The sweep: what a delivered nudge costs the bot, against the size of the scheduled-work table.

    python -m bench.sweep_cost [--sizes 1000,100000] [--due 200] [--rounds 5] [--profile]
    python -m bench.sweep_cost --postgresql [--sizes 1000,1000000]
    python -m bench.sweep_cost --database URL [--sizes 1000]

For each size a fresh database (a temporary SQLite file; with `--postgresql` a
database on a throwaway server started as the tests do, fakes/postgres.py) gets
one discussion with `--due` open actions (at least 20), then that many
scheduled-work rows, half done in the past and half due in the future (seeded
in bulk: Core inserts on SQLite, COPY on PostgreSQL). Each round makes `--due`
nudges due now, each keyed as a real one (`nudge:{action id}`: its action's one
pending nudge, which the sweep's previous round scheduled, falls due), and
times the real sweep (`run_due_work` with the real deliverer): each item
claimed, performed in its unit of work with its nudge written to the outbox,
the outbox claimed, sent and marked. The channel is a recording double that
takes each message at once, and the time spent inside it is taken off: what is
left is the bot's own time per delivered nudge, the platform's excluded
(bench/delivery.py measures delivery to a fake Slack). Wall and CPU time (this
process; PostgreSQL's own work shows in wall time only), the median of
`--rounds` rounds after one to warm up, the sizes taking turns so that the
machine's other load falls on all alike; and an empty sweep. `--profile` prints
the top of a cProfile of one sweep at the largest size.
Prints the figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from rich.console import Console
from sqlalchemy import Connection, delete, insert, text

from bench.databases import database
from bot.app import Bot, build_core
from bot.jobs import run_due_work
from bot.messages import Outgoing
from bot.outbox.deliver import Deliverer
from bot.settings import Settings
from bot.storage import models
from handlers.console import ConsoleChat
from scheduling.clock import SimulatedClock

START = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
CHUNK = 10_000


@dataclass
class Recording:
    """A platform that takes each message at once; the time spent in it is counted apart."""

    name: str = "console"
    sent: int = 0
    wall: float = 0.0
    cpu: float = 0.0
    texts: list[str] = field(default_factory=list)

    def send(self, outgoing: Outgoing, earlier: str | None) -> str:
        wall, cpu = time.perf_counter(), time.process_time()
        self.sent += 1
        self.texts.append(outgoing.message.text)
        self.wall += time.perf_counter() - wall
        self.cpu += time.process_time() - cpu
        return ""


@dataclass
class Sweeper:
    """The bot on one database: a discussion with open actions, `size` scheduled rows."""

    size: int
    bot: Bot
    discussion_id: int
    action_ids: list[int]
    wall: list[float] = field(default_factory=list)  # ms per delivered nudge, per round
    cpu: list[float] = field(default_factory=list)
    empty: list[float] = field(default_factory=list)  # ms per empty sweep

    def make_due(self, due: int) -> None:
        """The pending nudges of `due` actions due now: each action's one, with its key."""
        now = self.bot.core.clock.now()
        rows = [
            {**_row(self, "pending", now - timedelta(minutes=1), n, attempts=0), "key": key}
            for n in range(due)
            for key in [f"nudge:{self.action_ids[n]}"]
        ]
        keys = [row["key"] for row in rows]
        pending = models.ScheduledWork.status == models.WorkStatus.PENDING
        with self.bot.core.sessions() as session, session.begin():
            session.execute(
                delete(models.ScheduledWork).where(models.ScheduledWork.key.in_(keys), pending)
            )
            session.execute(insert(models.ScheduledWork), rows)

    def sweep(self, due: int, profile: cProfile.Profile | None = None) -> None:
        self.make_due(due)
        channel = Recording()
        deliverer = Deliverer(self.bot.core, [channel])
        profiling: AbstractContextManager[Any] = profile if profile else nullcontext()
        wall, cpu = time.perf_counter(), time.process_time()
        with profiling:
            done = run_due_work(self.bot.core, deliverer)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if done != due or channel.sent != due:
            raise SystemExit(f"the sweep did {done} items and sent {channel.sent}, not {due}")
        self.wall.append((wall - channel.wall) * 1000 / channel.sent)
        self.cpu.append((cpu - channel.cpu) * 1000 / channel.sent)
        started = time.perf_counter()
        run_due_work(self.bot.core, deliverer)
        self.empty.append((time.perf_counter() - started) * 1000)


def _row(sweeper: Sweeper, status: str, due_at: datetime, n: int, attempts: int) -> dict[str, Any]:
    return {
        "kind": "action_nudge",
        "status": status,
        "due_at": due_at,
        "discussion_id": sweeper.discussion_id,
        "action_id": sweeper.action_ids[n % len(sweeper.action_ids)],
        "attempts": attempts,
        "payload": {},
    }


def prepare(url: str, size: int, actions: int) -> Sweeper:
    core = build_core(Settings(database_url=url, strategy_directory=None), SimulatedClock(START))
    bot = Bot(core, ConsoleChat(core.directory, Console(file=io.StringIO())))
    actor, chair = core.directory.contact("ben.okafor"), core.directory.contact("asha.patel")
    assert actor and chair
    bot.command(
        actor,
        "/strategy convene NV-40213 children=C1 category=standard "
        'meeting="tomorrow 2pm" known=olivia.bennett',
    )
    for n in range(max(actions, 20)):
        bot.command(
            chair,
            f'/strategy action NV-40213 owner=megan.price due="friday" text="Benchmark task {n}"',
        )
    with core.sessions() as session:
        discussion_id = session.query(models.Discussion.id).scalar()
        action_ids = [a for (a,) in session.query(models.Action.id)]
    sweeper = Sweeper(size, bot, discussion_id, action_ids)
    run_due_work(core, Deliverer(core, [Recording()]))  # what the commands left due
    seed(sweeper)
    return sweeper


def seed(sweeper: Sweeper) -> None:
    """`size` rows: half done a day ago, half pending 30 to 330 days ahead."""
    now = sweeper.bot.core.clock.now()

    def row(n: int) -> dict[str, Any]:
        if n % 2:
            return _row(sweeper, "done", now - timedelta(days=1), n, attempts=1)
        return _row(sweeper, "pending", now + timedelta(days=30 + n % 300), n, attempts=0)

    with sweeper.bot.core.sessions() as session, session.begin():
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            _copy(connection, row, sweeper.size)
        else:
            for start in range(0, sweeper.size, CHUNK):
                rows = [row(n) for n in range(start, min(start + CHUNK, sweeper.size))]
                connection.execute(insert(models.ScheduledWork), rows)
    with sweeper.bot.core.sessions() as session, session.begin():
        session.connection().exec_driver_sql("ANALYZE")


def _copy(connection: Connection, row: Callable[[int], dict[str, Any]], size: int) -> None:
    columns = ["kind", "status", "due_at", "discussion_id", "action_id", "attempts", "payload"]
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY scheduled_work ({', '.join(columns)}) FROM STDIN") as copy:
        for n in range(size):
            values = row(n)
            copy.write_row([*(values[c] for c in columns[:-1]), "{}"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="one database URL, the sizes in turn in it")
    parser.add_argument("--postgresql", action="store_true", help="a throwaway server")
    parser.add_argument("--sizes", help="default 1000,100000 (1000,1000000 on PostgreSQL)")
    parser.add_argument("--due", type=int, default=200, help="nudges due per sweep")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    postgresql = args.postgresql or (args.database or "").startswith("postgres")
    sizes = [
        int(s) for s in (args.sizes or ("1000,1000000" if postgresql else "1000,100000")).split(",")
    ]
    with database(args.postgresql) as fresh:
        if args.database:
            sweepers = []
            for size in sizes:  # one database: each size measured on its own, in turn
                with_size = prepare_in(args.database, size, args.due)
                measure([with_size], args)
                sweepers.append(with_size)
        else:
            sweepers = [prepare(fresh(f"sweep_{size}"), size, args.due) for size in sizes]
            measure(sweepers, args)
        report(sweepers, args, "PostgreSQL" if postgresql else "SQLite")
        if args.profile:
            profile = cProfile.Profile()
            sweepers[-1].sweep(args.due, profile)
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(30)
            print(out.getvalue())
        for sweeper in sweepers:
            sweeper.bot.core.close()


def prepare_in(url: str, size: int, actions: int) -> Sweeper:
    """`prepare`, on a database that may hold an earlier size: its scheduled work cleared."""
    sweeper = prepare(url, 0, actions)
    with sweeper.bot.core.sessions() as session, session.begin():
        session.execute(text("DELETE FROM scheduled_work"))
    sweeper.size = size
    seed(sweeper)
    return sweeper


def measure(sweepers: list[Sweeper], args: argparse.Namespace) -> None:
    for round_ in range(args.rounds + 1):
        for sweeper in sweepers:
            sweeper.sweep(args.due)
            if round_ == 0:  # warming up
                sweeper.wall.clear(), sweeper.cpu.clear(), sweeper.empty.clear()


def report(sweepers: list[Sweeper], args: argparse.Namespace, name: str) -> None:
    print(
        f"database: {name}; {args.due} nudges due per sweep; median of {args.rounds} rounds; "
        "the bot's own time (the platform's taken off)"
    )
    print(
        f"{'scheduled rows':>15} {'ms/nudge wall':>14} {'ms/nudge CPU':>13} "
        f"{'empty sweep (ms)':>17}"
    )
    for s in sweepers:
        print(
            f"{s.size:>15,} {statistics.median(s.wall):>14.2f} {statistics.median(s.cpu):>13.2f} "
            f"{statistics.median(s.empty):>17.2f}"
        )


if __name__ == "__main__":
    main()

"""How long a sweep takes as the scheduled-work table grows.

    python bench/sweep_cost.py [--database URL] [--sizes 1000,10000,100000] [--due 50]

For each size it fills `scheduled_work` with that many finished and future
rows, makes `--due` nudges due now, and times a sweep that delivers them (and
an empty sweep). The sweep should cost the same whatever the table's size:
it reads only what is due, through the (status, due_at) index. Prints the
figures; asserts nothing. The default database is a temporary SQLite file;
pass a PostgreSQL URL to measure production.
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from sqlalchemy import delete, insert

from bot.app import Bot, build_core
from bot.jobs import run_due_work
from bot.settings import Settings
from bot.storage import models
from handlers.console import ConsoleChat
from scheduling.clock import SimulatedClock

START = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def fill(bot: Bot, size: int, due: int, action_ids: list[int], discussion_id: int) -> None:
    now = bot.core.clock.now()
    with bot.core.sessions() as session, session.begin():
        session.execute(delete(models.ScheduledWork))
        rows = [
            {
                "kind": "action_nudge",
                "status": "done" if n % 2 else "pending",
                "due_at": now - timedelta(days=1) if n % 2 else now + timedelta(days=30 + n % 300),
                "discussion_id": discussion_id,
                "action_id": action_ids[n % len(action_ids)],
                "attempts": 1 if n % 2 else 0,
                "payload": {},
            }
            for n in range(size)
        ]
        for chunk in range(0, len(rows), 5000):
            session.execute(insert(models.ScheduledWork), rows[chunk : chunk + 5000])
        session.execute(
            insert(models.ScheduledWork),
            [
                {
                    "kind": "action_nudge",
                    "status": "pending",
                    "due_at": now - timedelta(minutes=1),
                    "discussion_id": discussion_id,
                    "action_id": action_ids[n % len(action_ids)],
                    "attempts": 0,
                    "payload": {},
                    "key": None,
                }
                for n in range(due)
            ],
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--due", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{Path(folder) / 'bench.db'}"
        clock = SimulatedClock(START)
        core = build_core(Settings(database_url=url, strategy_directory=None), clock)
        bot = Bot(core, ConsoleChat(core.directory, Console(file=io.StringIO())))
        actor = core.directory.contact("ben.okafor")
        chair = core.directory.contact("asha.patel")
        assert actor and chair
        bot.command(
            actor,
            "/strategy convene NV-40213 children=C1 category=standard "
            'meeting="tomorrow 2pm" known=olivia.bennett',
        )
        for n in range(20):
            bot.command(
                chair,
                f'/strategy action NV-40213 owner=megan.price due="friday" '
                f'text="Benchmark task {n}"',
            )
        with core.sessions() as session:
            discussion_id = session.query(models.Discussion.id).scalar()
            action_ids = [a for (a,) in session.query(models.Action.id)]
        print(f"database: {url.split('://')[0]}, {args.due} nudges due per sweep")
        print(f"{'rows':>10} {'sweep (ms)':>12} {'per item (ms)':>14} {'empty sweep (ms)':>17}")
        for size in (int(s) for s in args.sizes.split(",")):
            timings, empty = [], []
            for _ in range(3):
                fill(bot, size, args.due, action_ids, discussion_id)
                started = time.perf_counter()
                done = run_due_work(core, bot.chat)
                timings.append(time.perf_counter() - started)
                assert done == args.due, done
                started = time.perf_counter()
                run_due_work(core, bot.chat)
                empty.append(time.perf_counter() - started)
            sweep = statistics.median(timings) * 1000
            print(
                f"{size:>10} {sweep:>12.1f} {sweep / args.due:>14.2f} "
                f"{statistics.median(empty) * 1000:>17.2f}"
            )
        core.close()


if __name__ == "__main__":
    main()

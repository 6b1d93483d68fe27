"""Delivery throughput from the outbox to Slack, with Slack's round trip and rate limit.

    python bench/delivery.py [--people 1000] [--latency 0.05] [--workers 1,8,16] [--same 5]

Writes one nudge each to `--people` people into the outbox, then times the
deliverer sending them to the local fake Slack, whose every call takes
`--latency` seconds, with each number of senders in `--workers`. Slack allows
about one message a second per conversation: different people's DMs are
different conversations, so they go in parallel, while `--same` messages to one
person are paced a second apart whatever the number of senders (timed too).
Prints the figures; asserts nothing. The database is a temporary SQLite file,
or pass `--database` a PostgreSQL URL.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete

from bot.app import build_core
from bot.core import Core
from bot.messages import Kind, Message, Outgoing
from bot.outbox.deliver import Deliverer
from bot.settings import Settings
from bot.storage.db import transaction
from bot.storage.outbox_models import OutboxRow, ThreadBinding
from bot.unit import unit_of_work
from fakes.slack import TOKEN, FakeSlack
from handlers.slack.app import create_web_client
from handlers.slack.chat import SlackChat
from handlers.slack.users import SlackUsers
from scheduling.clock import SimulatedClock

START = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


class NumberedUsers(SlackUsers):
    """The benchmark's people are not in the directory: person N is Slack user UN."""

    def user_id(self, contact_id: str) -> str | None:
        return "U" + contact_id.upper().replace("-", "")


def fill(core: Core, people: list[str]) -> None:
    with transaction(core.sessions) as session:
        session.execute(delete(OutboxRow))
        session.execute(delete(ThreadBinding))
    with unit_of_work(core) as unit:
        unit.emit(
            [
                Outgoing(who, Message(Kind.NUDGE, f"Reminder: action NV-40213/A{n + 1} is due"))
                for n, who in enumerate(people)
            ]
        )


def timed(core: Core, chat: SlackChat, workers: int) -> float:
    started = time.perf_counter()
    Deliverer(core, [chat], workers=workers).deliver_due()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database")
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--workers", default="1,8,16")
    parser.add_argument("--same", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{Path(folder) / 'bench.db'}"
        core = build_core(
            Settings(database_url=url, strategy_directory=None), SimulatedClock(START)
        )
        fake = FakeSlack(latency=args.latency).start()
        client = create_web_client(TOKEN, fake.api_url)
        chat = SlackChat(client, core, NumberedUsers(client, core.directory), None)
        people = [f"person-{n}" for n in range(args.people)]
        latency = f"{args.latency * 1000:.0f} ms"
        print(f"{args.people} nudges to {args.people} people, Slack latency {latency}")
        for workers in [int(w) for w in args.workers.split(",")]:
            fill(core, people)
            fake.messages.clear()
            seconds = timed(core, chat, workers)
            sent = len(fake.messages)
            print(
                f"  {workers:>3} senders: {sent} sent in {seconds:6.1f} s = "
                f"{sent / seconds:6.1f} messages/s"
            )
        workers = max(int(w) for w in args.workers.split(","))
        fill(core, ["person-0"] * args.same)
        fake.messages.clear()
        seconds = timed(core, chat, workers)
        print(
            f"  {args.same} messages to one person with {workers} senders: {seconds:.1f} s "
            f"(Slack's limit: one a second per conversation, so at least {args.same - 1} s)"
        )
        fake.stop()
        core.close()


if __name__ == "__main__":
    main()

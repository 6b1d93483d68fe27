"""A bot process for the engine tests: it sweeps due work, printing what it sends.

    python -m tests.sweep_process DATABASE_URL NOW OUTPUT GO_FILE [DELAY_SECONDS]

It builds the real core on the given database with the clock fixed at NOW,
touches OUTPUT + ".ready", waits for GO_FILE to exist (so that several
processes start sweeping together), then sweeps until nothing is due and the
outbox is empty. The console channel prints each message to OUTPUT;
DELAY_SECONDS slows every delivery down, as a slow chat platform would, to
widen the windows the tests aim at (two senders at once, a kill in the middle
of a delivery).
"""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path

from rich.console import Console

from bot.app import build_core
from bot.jobs import run_due_work
from bot.messages import Outgoing
from bot.outbox.deliver import Deliverer
from bot.settings import Settings
from handlers.console import ConsoleChat
from scheduling.clock import SimulatedClock


class SlowChat:
    name = "console"

    def __init__(self, chat: ConsoleChat, delay: float) -> None:
        self.chat, self.delay = chat, delay

    def send(self, outgoing: Outgoing, earlier: str | None) -> str:
        time.sleep(self.delay)
        return self.chat.send(outgoing, earlier)


def main(url: str, now: str, output: str, go: str, delay: str = "0") -> None:
    core = build_core(
        Settings(database_url=url, strategy_directory=None),
        SimulatedClock(datetime.fromisoformat(now)),
    )
    with open(output, "a", buffering=1, encoding="utf-8") as out:
        chat = SlowChat(ConsoleChat(core.directory, Console(file=out, width=400)), float(delay))
        Path(output + ".ready").touch()
        while not Path(go).exists():
            time.sleep(0.01)
        deliverer = Deliverer(core, [chat])
        while run_due_work(core, deliverer):
            pass
        deliverer.deliver_due()
    core.close()


if __name__ == "__main__":
    main(*sys.argv[1:])

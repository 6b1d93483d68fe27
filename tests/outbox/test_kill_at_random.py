"""SIGKILL at random moments of delivery (several kills in a row, at seeded random points,
mid-batch and mid-send): nothing is lost, and each kill duplicates at most the row it had
in flight. Real bot processes (tests/sweep_process.py) on SQLite and PostgreSQL."""

from __future__ import annotations

import random
import shutil
import signal
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from bot.outbox.deliver import LEASE
from tests.test_engine import (
    ACTIONS,
    SWEEP_AT,
    bot_on,
    pg_url,  # noqa: F401  (the fixture)
    start_sweepers,
    with_actions,
)

KILLS = 3


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database of the test's own that separate processes can open."""
    if request.param == "sqlite":
        path = tmp_path / "kills.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    return str(request.getfixturevalue("pg_url"))


@pytest.mark.slow
def test_kills_at_random_moments_lose_nothing_and_duplicate_at_most_one_row_each(
    url: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> None:
    bot = bot_on(url, request)
    with_actions(bot)
    chance = random.Random(14)
    points = sorted(chance.sample(range(5, ACTIONS - 5), KILLS))
    nudged: list[int] = []
    at = SWEEP_AT
    for point in points:
        (victim,) = start_sweepers(url, tmp_path, count=1, delay=0.02, at=at)
        deadline = time.monotonic() + 60
        while len(nudged) + len(victim.nudged()) < point:
            assert time.monotonic() < deadline and victim.process.poll() is None
            time.sleep(0.002)
        time.sleep(chance.uniform(0, 0.02))  # anywhere inside a send, or between two
        victim.process.send_signal(signal.SIGKILL)
        victim.process.wait(timeout=30)
        nudged += victim.nudged()
        at += LEASE + timedelta(seconds=1)  # the next process starts after the dead one's lease
    (last,) = start_sweepers(url, tmp_path, count=1, delay=0, at=at)
    assert last.process.wait(timeout=120) == 0
    counts = Counter(nudged + last.nudged())
    assert sorted(counts) == list(range(1, ACTIONS + 1)), "every due nudge was sent"
    assert sum(c - 1 for c in counts.values()) <= KILLS, "at most the row in flight, per kill"

"""The benchmarks still run (at tiny sizes, without looking at the figures)."""

from __future__ import annotations

import time
from pathlib import Path

from bench.history import measure, prepare


def test_the_history_benchmark_runs_at_tiny_sizes(tmp_path: Path) -> None:
    bots = {size: prepare(f"sqlite:///{tmp_path / f'h{size}.db'}", size) for size in (5, 20)}
    try:
        results = measure(bots, 1, time.process_time)
    finally:
        for bot in bots.values():
            bot.core.close()
    assert set(results) == {5, 20}
    assert set(results[20]) == {"convene", "accept", "status", "actions", "report (one week)"}

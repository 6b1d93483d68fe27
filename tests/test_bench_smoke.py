"""The benchmarks still run (at tiny sizes, without looking at the figures)."""

from __future__ import annotations

import time
from pathlib import Path

from bench import simulate as simulate_bench
from bench import statements as statements_bench
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


def test_the_simulation_benchmark_counts_runs_and_buckets() -> None:
    run = simulate_bench.measure(2, per_day=2, seed=1)
    assert (run.referrals, run.days) == (2, 1)
    assert run.cpu > 0 and run.sent > 0
    total, spent = simulate_bench.buckets(2, per_day=2, seed=1)
    labels = [label for label, _ in spent]
    assert total > 0 and len(labels) == len(set(labels))
    assert "SQLAlchemy ORM (sessions, loading, unit of work)" in labels


def test_the_statements_benchmark_counts_statements_and_lazy_loads() -> None:
    kinds, sites, _lazy = statements_bench.count(2, days=1)
    assert kinds["SELECT"] > 0 and kinds["INSERT"] > 0
    assert sum(sites.values()) == sum(kinds.values())
    assert any("outbox" in statement for statement, _where in sites)

"""Operations: the sweeper runs the sweep, `jobs` lists what is due, logs are JSON lines."""

from __future__ import annotations

import json
import logging
import re
import threading
from datetime import timedelta
from pathlib import Path

from typer.testing import CliRunner

from bot.app import Bot
from bot.cli import app
from bot.jobs import pending_work
from bot.logs import JsonFormatter
from scheduling.clock import SimulatedClock
from scheduling.scheduler import start_sweeper
from tests.helpers import CONVENE, say


def test_the_sweeper_sweeps_at_start_up_and_then_every_interval() -> None:
    calls: list[int] = []
    enough = threading.Event()

    def sweep() -> int:
        calls.append(1)
        if len(calls) >= 3:
            enough.set()
        return 0

    scheduler = start_sweeper(sweep, interval_seconds=0.05)
    try:
        assert enough.wait(timeout=10)
    finally:
        scheduler.shutdown(wait=True)
    assert len(calls) >= 3


def test_a_failing_sweep_is_logged_and_the_sweeper_carries_on() -> None:
    calls: list[int] = []
    again = threading.Event()

    def sweep() -> int:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("database restarting")
        again.set()
        return 1

    scheduler = start_sweeper(sweep, interval_seconds=0.05)
    try:
        assert again.wait(timeout=10)
    finally:
        scheduler.shutdown(wait=True)


def test_pending_work_lists_what_is_due(bot: Bot, clock: SimulatedClock) -> None:
    say(bot, "ben.okafor", CONVENE)
    kinds = [(w.kind, w.case) for w in pending_work(bot.core) if "calendar" not in w.kind]
    assert kinds == [
        ("fallback_check (health)", "NV-40213"),
        ("fallback_check (police)", "NV-40213"),
        ("meeting_start", "NV-40213"),
        ("deadline_warning", "NV-40213"),  # at the start of the due day
        ("deadline_warning", "NV-40213"),  # and 2 hours before working hours end
    ]


def test_strategy_bot_jobs_marks_overdue_work(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    runner = CliRunner()
    script = f"as ben.okafor\n{CONVENE.replace('today 9am', '2026-11-23 09:00')}\n"
    result = runner.invoke(
        app, ["console", "--database", url, "--start", "2026-11-23T09:30:00+00:00"], input=script
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        app,
        ["jobs", "--database", url, "--now", "2026-11-24T12:00:00+00:00"],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    # By Tuesday noon the fallback checks (Monday 10:30) are overdue; the rest is to come.
    rows = {
        line.split("│")[2].strip(): line
        for line in result.output.splitlines()
        if line.count("│") > 4
    }
    assert "OVERDUE" in rows["fallback_check (health)"]
    assert "OVERDUE" in rows["fallback_check (police)"]
    assert "OVERDUE" not in rows["meeting_start"] and "OVERDUE" not in rows["deadline_warning"]
    assert re.search(r"\d+ pending, 2 overdue\.", result.output)


def test_logs_are_json_lines_with_their_fields() -> None:
    record = logging.LogRecord(
        "bot", logging.WARNING, __file__, 1, "scheduled work failed", None, None
    )
    record.event, record.work_id = "work_failed", 7
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "scheduled work failed"
    assert (entry["level"], entry["event"], entry["work_id"]) == ("warning", "work_failed", 7)


def test_scheduled_work_logs_what_it_did(bot: Bot, clock: SimulatedClock, caplog: object) -> None:
    import pytest

    assert isinstance(caplog, pytest.LogCaptureFixture)
    say(bot, "ben.okafor", CONVENE)
    with caplog.at_level(logging.INFO, logger="bot.jobs"):
        clock.advance(timedelta(hours=1))
        bot.run_due_work()
    done = [r for r in caplog.records if getattr(r, "event", None) == "work_done"]
    kinds = [getattr(r, "kind", None) for r in done]
    assert kinds.count("fallback_check") == 2

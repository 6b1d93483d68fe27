"""Operations see the bot: `serve` logs JSON lines on standard error and serves /metrics."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from bot import metrics
from bot.app import Bot
from bot.cli import app
from fakes.slack import TOKEN, FakeSlack
from scheduling.clock import SimulatedClock
from tests.helpers import CONVENE, say
from tests.serving import serving, wait_until
from tests.slack.harness import SIGNING_SECRET

runner = CliRunner()


def json_lines(path: Path) -> list[dict[str, Any]]:
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        assert line.startswith("{"), f"not a JSON line on standard error: {line!r}"
        lines.append(json.loads(line))
    return lines


def metric(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in /metrics")


@pytest.mark.slow
def test_serve_logs_its_work_as_json_lines_and_serves_metrics(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'bot.db'}"
    # Three hours ago (real time, as `serve` runs on the wall clock) a discussion was
    # convened: its fallback checks, an hour after the invitations, are overdue now.
    start = (datetime.now(UTC) - timedelta(hours=3)).isoformat(timespec="seconds")
    script = (
        "as ben.okafor\n"
        "/strategy convene NV-40213 children=C1:2020-05-14 category=standard "
        'meeting="in 5 hours" identified="now" known=olivia.bennett\n'
    )
    result = runner.invoke(app, ["console", "--database", database, "--start", start], input=script)
    assert result.exit_code == 0, result.output
    fake = FakeSlack().start()
    try:
        fake.fail("chat.postMessage", 400, times=1, error="channel_not_found")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TEAMS_"))}
        env |= {
            "DATABASE_URL": database,
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_API_URL": fake.api_url,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "OUTBOX_DIR": str(tmp_path / "outbox"),
        }
        stderr = tmp_path / "stderr.log"
        with serving(tmp_path, env, stderr=stderr) as port:
            base = f"http://127.0.0.1:{port}"

            def swept() -> bool:
                return any(e.get("event") == "sweep" for e in json_lines(stderr))

            wait_until(swept)
            httpx.post(f"{base}/slack/events", content=b"unsigned")  # a refused request
            scraped = httpx.get(f"{base}/metrics").text
    finally:
        fake.stop()
    assert "As you gave `client`" not in stderr.read_text()
    events = json_lines(stderr)
    done = [e for e in events if e.get("event") == "work_done"]
    failed = [e for e in events if e.get("event") == "delivery_failed"]
    assert done
    assert all(isinstance(e["work_id"], int) and e["attempts"] >= 1 for e in done)
    # The refused message waits in the outbox (the work that wrote it is done).
    assert failed and failed[0]["attempts"] == 1 and "channel_not_found" in failed[0]["error"]
    sweep = next(e for e in events if e.get("event") == "sweep")
    assert sweep["items"] >= len(done) and sweep["level"] == "info"

    assert metric(scraped, "strategy_bot_scheduled_work_pending") >= 1  # the meeting, at least
    assert metric(scraped, "strategy_bot_scheduled_work_overdue") >= 0
    assert metric(scraped, "strategy_bot_scheduled_work_oldest_overdue_seconds") >= 0
    assert f'strategy_bot_work_done_total{{kind="{done[0]["kind"]}"}}' in scraped
    assert 'strategy_bot_deliveries_total{outcome="sent",platform="slack"}' in scraped
    assert 'strategy_bot_deliveries_total{outcome="failed",platform="slack"}' in scraped
    assert 'strategy_bot_request_seconds_count{platform="slack",status="401"} 1.0' in scraped


def test_the_scheduled_work_gauges_come_from_the_database(bot: Bot, clock: SimulatedClock) -> None:
    say(bot, "ben.okafor", CONVENE)
    metrics.watch(bot.core)
    clock.advance(timedelta(hours=2))  # the fallback checks (after 60 minutes) are overdue
    scraped = metrics.exposition().decode()
    assert metric(scraped, "strategy_bot_scheduled_work_overdue") >= 2
    age = metric(scraped, "strategy_bot_scheduled_work_oldest_overdue_seconds")
    assert 3600 <= age <= 2 * 3600
    bot.run_due_work()
    scraped = metrics.exposition().decode()
    assert metric(scraped, "strategy_bot_scheduled_work_overdue") == 0
    assert metric(scraped, "strategy_bot_scheduled_work_oldest_overdue_seconds") == 0

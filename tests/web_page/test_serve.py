"""`strategy-bot serve` serves the answer pages beside Slack, and its access log hides tokens."""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import httpx
import pytest
from rich.console import Console

from bot.app import Bot, build_core
from bot.settings import Settings
from fakes.slack import TOKEN, FakeSlack
from handlers.console import ConsoleChat
from scheduling.clock import SimulatedClock, SystemClock
from tests.helpers import invitation_statuses, say
from tests.serving import serving
from tests.slack.harness import SIGNING_SECRET
from tests.web_page.conftest import assert_secure, invitation_link


@pytest.mark.slow
def test_serve_answers_a_link_and_logs_no_token(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'bot.db'}"
    # Convened and linked beforehand, on the wall clock (the server runs on it too).
    core = build_core(Settings(database_url=database), SimulatedClock(SystemClock().now()))
    bot = Bot(core, ConsoleChat(core.directory, Console(file=io.StringIO())))
    tomorrow = core.calendar.next_working_day(core.calendar.local_date(core.clock.now()))
    say(
        bot,
        "ben.okafor",
        "/strategy convene NV-40213 children=C1:2020-05-14 category=standard "
        f'meeting="{tomorrow.isoformat()} 14:00" known=olivia.bennett',
    )
    token = invitation_link(bot, "olivia.bennett")
    core.close()

    fake = FakeSlack().start()
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TEAMS_", "DATABASE"))
    }
    env |= {
        "DATABASE_URL": database,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_API_URL": fake.api_url,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "OUTBOX_DIR": str(tmp_path / "outbox"),
        "LINK_SECRET": "serve-test-secret-0123456789abcdefghij",
        "PUBLIC_URL": "https://strategy-bot.northvale.example",
    }
    output: list[str] = []
    try:
        with serving(tmp_path, env, output=output) as port, httpx.Client(timeout=30) as http:
            link = f"http://127.0.0.1:{port}/answer/{token}"
            page = http.get(link)
            assert page.status_code == 200
            assert_secure(page)
            csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
            assert csrf is not None
            answered = http.post(link, data={"csrf": csrf.group(1), "intent": "accept"})
            assert answered.status_code == 303
            assert http.get(f"http://127.0.0.1:{port}/answer/{'Q' * 43}").status_code == 404
    finally:
        fake.stop()
    # `serving` has checked the process exited cleanly; read back what it did.
    core = build_core(Settings(database_url=database), SystemClock())
    try:
        after = Bot(core, ConsoleChat(core.directory, Console(file=io.StringIO())))
        assert invitation_statuses(after)["olivia.bennett"] == "accepted"
    finally:
        core.close()
    (printed,) = output
    # Live bots log JSON lines; uvicorn's access log is among them.
    access = [
        json.loads(line)["message"]
        for line in printed.splitlines()
        if line.startswith("{") and json.loads(line)["logger"] == "uvicorn.access"
    ]
    assert any('"POST /answer/[token] HTTP/1.1" 303' in line for line in access), access
    assert token not in printed

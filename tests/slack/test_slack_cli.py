"""Connecting: `strategy-bot serve` in HTTP mode, Socket Mode, the manifest, and refusals."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
import yaml
from slack_sdk.signature import SignatureVerifier
from typer.testing import CliRunner

from bot.cli import app
from fakes.slack import SIGNING_SECRET, TOKEN, FakeSlack
from tests.serving import serving, wait_until

runner = CliRunner()
MANIFEST = Path(__file__).resolve().parents[2] / "handlers" / "slack" / "manifest.yaml"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


def environment(tmp_path: Path, fake: FakeSlack, **extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TEAMS_", "DATABASE"))
    }
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_API_URL": fake.api_url,
        "OUTBOX_DIR": str(tmp_path / "outbox"),
        **extra,
    }
    return env


@pytest.mark.slow
def test_serve_answers_slack_over_http(tmp_path: Path, fake: FakeSlack) -> None:
    env = environment(tmp_path, fake, SLACK_SIGNING_SECRET=SIGNING_SECRET)
    with serving(tmp_path, env) as port:
        body = urlencode(
            {
                "command": "/strategy",
                "text": "status",
                "user_id": "U0NVAP10001",  # Asha Patel in the sample directory
                "trigger_id": "1.2.serve",
                "response_url": fake.response_url("serve"),
            }
        )
        stamp = str(int(time.time()))
        signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=stamp, body=body)
        response = httpx.post(
            f"http://127.0.0.1:{port}/slack/events",
            content=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": signature,
            },
        )
        assert response.status_code == 200
        wait_until(lambda: fake.replies("serve"))
        (reply,) = fake.replies("serve")
        assert reply["response_type"] == "ephemeral"
        assert "You have no upcoming strategy discussions." in reply["blocks"][0]["text"]["text"]


@pytest.mark.slow
def test_with_an_app_token_strategy_bot_connects_in_socket_mode(
    tmp_path: Path, fake: FakeSlack
) -> None:
    env = environment(tmp_path, fake, SLACK_APP_TOKEN="xapp-1-test")
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # It asked Slack for a Socket Mode connection with the app token (FakeSlack refuses it).
    opened = [c for c in fake.calls if c.method == "apps.connections.open"]
    assert opened and opened[0].token == "xapp-1-test", result.stderr
    assert result.returncode != 0
    assert "not_allowed_token_type" in result.stderr


def test_serve_refuses_without_what_slack_needs(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(name, raising=False)
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == 2
    assert "Nothing to serve" in result.output and "SLACK_BOT_TOKEN=" in result.output

    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == 2
    assert "needs SLACK_SIGNING_SECRET" in result.output


def test_the_manifest_is_printed_for_http_or_socket_mode() -> None:
    result = runner.invoke(app, ["slack", "manifest", "--url", "https://bot.northvale.example/"])
    assert result.exit_code == 0, result.output
    printed = yaml.safe_load(result.output)
    endpoint = "https://bot.northvale.example/slack/events"
    assert printed["features"]["slash_commands"][0]["url"] == endpoint
    assert printed["settings"]["event_subscriptions"]["request_url"] == endpoint
    assert printed["settings"]["interactivity"]["request_url"] == endpoint

    result = runner.invoke(app, ["slack", "manifest", "--socket-mode"])
    printed = yaml.safe_load(result.output)
    assert printed["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in printed["settings"]["interactivity"]
    assert "url" not in printed["features"]["slash_commands"][0]

    result = runner.invoke(app, ["slack", "manifest", "--url", "http://insecure.example"])
    assert result.exit_code == 2
    assert "https" in result.output and "For example" in result.output

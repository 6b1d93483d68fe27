"""`strategy-bot` with Teams' credentials set serves Teams at /api/messages."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from tests.serving import serving, wait_until
from tests.teams.fakes import APP_ID, APP_PASSWORD, TENANT_ID, FakeBotFramework, FakeEntra
from tests.teams.harness import BOT_ACCOUNT


@pytest.mark.slow
def test_strategy_bot_with_the_teams_credentials_serves_teams(tmp_path: Path) -> None:
    entra = FakeEntra(tmp_path)
    teams = FakeBotFramework(entra)
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TEAMS_", "DATABASE"))
    }
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "OUTBOX_DIR": str(tmp_path / "outbox"),
        "TEAMS_APP_ID": APP_ID,
        "TEAMS_APP_PASSWORD": APP_PASSWORD,
        "TEAMS_TENANT_ID": TENANT_ID,
        "TEAMS_SERVICE_URL": teams.service_url,
        "TEAMS_LOGIN_URL": entra.url,
        "TEAMS_OPENID_METADATA_URL": teams.openid_metadata_url,
        "REQUESTS_CA_BUNDLE": str(entra.ca_path),
    }
    # `strategy-bot serve`, which plain `strategy-bot` runs when only Teams is configured.
    try:
        with serving(tmp_path, env) as port:
            chat = teams.personal_chat("29:1asha-patel")
            activity = {
                "type": "message",
                "id": "serve-1",
                "channelId": "msteams",
                "serviceUrl": teams.service_url,
                "from": {"id": "29:1asha-patel", "name": "Asha Patel"},
                "recipient": BOT_ACCOUNT,
                "conversation": {"id": chat, "conversationType": "personal", "tenantId": TENANT_ID},
                "text": "status",
            }
            url = f"http://127.0.0.1:{port}/api/messages"
            assert httpx.post(url, json=activity).status_code == 401  # no token
            signed = {"Authorization": f"Bearer {teams.token()}"}
            assert httpx.post(url, json=activity, headers=signed, timeout=30).status_code == 200
            wait_until(lambda: bool(list(teams.messages_in(chat))))
            [reply] = list(teams.messages_in(chat))
            assert "You have no upcoming strategy discussions." in str(reply.cards)
    finally:
        teams.stop()
        entra.stop()

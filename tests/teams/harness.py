"""The Teams bot served for real (uvicorn on 127.0.0.1) between local fakes of Microsoft.

Tests post Activity JSON to /api/messages with tokens signed like the Bot
Framework's, as Teams would, and read what the bot sent on the fake Bot
Connector named by the activities' serviceUrl.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from bot.app import build_core
from bot.directory import Contact
from bot.intents import INTENTS, IntentTable
from bot.settings import Settings
from handlers.teams.bot import MESSAGING_ENDPOINT, TeamsBot
from handlers.teams.settings import TeamsSettings
from handlers.web import create_web_app
from scheduling.clock import Clock
from tests.teams.fakes import APP_ID, APP_PASSWORD, TENANT_ID, FakeBotFramework, FakeEntra

BOT_ACCOUNT = {"id": f"28:{APP_ID}", "name": "strategy-bot"}


def teams_settings(entra: FakeEntra, teams: FakeBotFramework, **overrides: Any) -> TeamsSettings:
    values: dict[str, Any] = {
        "teams_app_id": APP_ID,
        "teams_app_password": APP_PASSWORD,
        "teams_tenant_id": TENANT_ID,
        "teams_service_url": teams.service_url,
        "teams_login_url": entra.url,
        "teams_openid_metadata_url": teams.openid_metadata_url,
        "teams_notices_channel": None,
    }
    values.update(overrides)
    return TeamsSettings(**values)


@contextmanager
def trusting(ca_path: Path) -> Iterator[None]:
    """Let msal (requests) trust the fake Entra's certificate authority."""
    before = os.environ.get("REQUESTS_CA_BUNDLE")
    os.environ["REQUESTS_CA_BUNDLE"] = str(ca_path)
    try:
        yield
    finally:
        if before is None:
            del os.environ["REQUESTS_CA_BUNDLE"]
        else:
            os.environ["REQUESTS_CA_BUNDLE"] = before


class Served:
    """An ASGI app under uvicorn in a thread, on a free port of 127.0.0.1."""

    def __init__(self, app: Any) -> None:
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        config = uvicorn.Config(app, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the bot's web server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(10)
        self._socket.close()


class TeamsHarness:
    """The fakes of Microsoft, and the bot served between them (restartable, same database)."""

    def __init__(
        self,
        entra: FakeEntra,
        teams: FakeBotFramework,
        database_url: str,
        clock: Clock,
        settings: dict[str, Any],
        intents: IntentTable = INTENTS,
        directory: Path | None = None,
    ) -> None:
        self.entra, self.teams = entra, teams
        self.intents = intents
        self.settings = Settings(database_url=database_url, strategy_directory=directory)
        self.teams_settings = teams_settings(entra, teams, **settings)
        self.clock = clock
        self._start_bot()

    @classmethod
    @contextmanager
    def start(
        cls,
        database_url: str,
        clock: Clock,
        folder: Path,
        intents: IntentTable = INTENTS,
        directory: Path | None = None,
        **settings: Any,
    ) -> Iterator[TeamsHarness]:
        """`directory`: a partner directory file instead of the sample."""
        entra = FakeEntra(folder)
        teams = FakeBotFramework(entra)
        try:
            with trusting(entra.ca_path):
                harness = cls(entra, teams, database_url, clock, settings, intents, directory)
                try:
                    yield harness
                finally:
                    harness._stop_bot()
        finally:
            teams.stop()
            entra.stop()

    def restart(self) -> None:
        """Stop the bot and start a new one on the same database, as after a deployment."""
        self._stop_bot()
        self._start_bot()

    def _start_bot(self) -> None:
        self.core = build_core(self.settings, self.clock)
        web = create_web_app()
        self.bot = TeamsBot(self.core, self.teams_settings, web, intents=self.intents)
        self.served = Served(web)
        self.http = httpx.Client(base_url=self.served.url, timeout=30)

    def _stop_bot(self) -> None:
        self.http.close()
        self.served.stop()
        self.core.close()

    # --- Activities, as Teams posts them -------------------------------------------

    def post(self, activity: dict[str, Any], token: str | None = "valid") -> httpx.Response:
        headers = {}
        if token == "valid":
            token = self.teams.token(activity.get("serviceUrl"))
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        response = self.http.post(MESSAGING_ENDPOINT, json=activity, headers=headers)
        self.bot.bot.settle()  # what the request kicked off is delivered in the background
        return response

    def activity(
        self, user: Contact | None, conversation: dict[str, Any], **fields: Any
    ) -> dict[str, Any]:
        sender = (
            {"id": user.chat_id("teams"), "name": user.name}
            if user is not None
            else {"id": "29:1someone-outside", "name": "Someone Else"}
        )
        return {
            "id": uuid.uuid4().hex,
            "channelId": "msteams",
            "serviceUrl": self.teams.service_url,
            "timestamp": "2026-11-23T09:30:00.000Z",
            "from": sender,
            "recipient": BOT_ACCOUNT,
            "conversation": {"tenantId": TENANT_ID, **conversation},
            "channelData": {"tenant": {"id": TENANT_ID}},
            "locale": "en-GB",
            **fields,
        }

    def personal(self, user: Contact) -> dict[str, Any]:
        user_id = user.chat_id("teams")
        assert user_id is not None
        return {"id": self.teams.personal_chat(user_id), "conversationType": "personal"}

    def say(self, user: Contact, text: str) -> tuple[httpx.Response, dict[str, Any]]:
        activity = self.activity(user, self.personal(user), type="message", text=text)
        return self.post(activity), activity

    def click(self, user: Contact, card_activity_id: str, data: dict[str, Any]) -> httpx.Response:
        value = {"action": {"type": "Action.Execute", "verb": data["action"], "data": data}}
        activity = self.activity(
            user,
            self.personal(user),
            type="invoke",
            name="adaptiveCard/action",
            replyToId=card_activity_id,
            value={**value, "trigger": "manual"},
        )
        return self.post(activity)

    def install_in_channel(self) -> httpx.Response:
        channel = self.teams.channel()
        activity = self.activity(
            None,
            {"id": channel, "conversationType": "channel"},
            type="installationUpdate",
            action="add",
            channelData={
                "tenant": {"id": TENANT_ID},
                "team": {"id": channel, "name": "Safeguarding partnership"},
                "channel": {"id": channel, "name": "General"},
            },
        )
        return self.post(activity)

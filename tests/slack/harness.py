"""strategy-bot in Slack, as the tests drive it.

The real web app (`handlers.web.create_web_app`) runs under uvicorn on
127.0.0.1; requests are signed with the signing secret exactly as Slack signs
them and sent over HTTP. The real slack_sdk WebClient talks to FakeSlack, also
over HTTP. Work that Bolt does after answering runs in an executor the tests
can wait on, so every check sees the work finished.
"""

from __future__ import annotations

import itertools
import json
import logging
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier

from bot.app import Bot, build_core
from bot.core import Core
from bot.directory import Contact
from bot.settings import Settings
from handlers.slack.app import SlackApp, create_slack_app, create_web_client
from handlers.slack.render import text_of
from handlers.web import SLACK_EVENTS, create_web_app
from scheduling.clock import SimulatedClock
from tests.serving import WebServer
from tests.slack.fake_slack import TEAM, TOKEN, FakeSlack, Posted

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
NOTICES = "C0NOTICES"


class TrackedExecutor(ThreadPoolExecutor):
    """A thread pool that can say when all the work handed to it is done."""

    def __init__(self) -> None:
        super().__init__(max_workers=8, thread_name_prefix="slack-test")
        self._pending = 0
        self._idle = threading.Condition()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._idle:
            self._pending += 1
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(self._done)
        return future

    def _done(self, _future: Future[Any]) -> None:
        with self._idle:
            self._pending -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float = 20) -> None:
        with self._idle:
            assert self._idle.wait_for(lambda: self._pending == 0, timeout), "work still running"


class ErrorLog(logging.Handler):
    """Collects errors logged anywhere while a test runs: none is expected unless allowed."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class Sent:
    response: httpx.Response
    trigger: str
    reply_name: str | None = None  # the response URL's name, for commands and buttons


@dataclass
class SlackTest:
    """One strategy-bot in Slack on a fresh database."""

    database_url: str
    core: Core
    clock: SimulatedClock
    fake: FakeSlack
    slack: SlackApp
    executor: TrackedExecutor
    server: WebServer
    http: httpx.Client
    errors: ErrorLog
    errors_allowed: bool = False  # set by a test that provokes errors on purpose
    _numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def bot(self) -> Bot:
        return self.slack.bot

    # --- people ---------------------------------------------------------------

    def contact(self, who: str) -> Contact:
        contact = self.core.directory.contact(who)
        assert contact is not None, who
        return contact

    def user_id(self, who: str) -> str:
        user = self.contact(who).chat_id("slack")
        assert user is not None, who
        return user

    def dms(self, who: str) -> list[Posted]:
        return self.fake.conversation(self.fake.dm_channel(self.user_id(who)))

    def dm_texts(self, who: str) -> list[str]:
        return [m.words for m in self.dms(who)]

    def reply_texts(self, sent: Sent) -> list[str]:
        assert sent.reply_name is not None
        return [text_of(r.get("blocks", [])) for r in self.fake.replies(sent.reply_name)]

    # --- sending signed requests ----------------------------------------------

    def post(
        self,
        body: str,
        content_type: str,
        *,
        retry: int | None = None,
        timestamp: int | None = None,
        secret: str = SIGNING_SECRET,
        signature: str | None = None,
        wait: bool = True,
    ) -> httpx.Response:
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature
            or SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body),
        }
        if retry is not None:
            headers["X-Slack-Retry-Num"] = str(retry)
            headers["X-Slack-Retry-Reason"] = "http_timeout"
        response = self.http.post(self.server.url + SLACK_EVENTS, content=body, headers=headers)
        if wait:
            self.executor.wait_idle()
        return response

    def new_trigger(self) -> str:
        return f"{next(self._numbers)}.{int(time.time())}.trigger"

    def command(
        self, who: str, text: str, *, trigger: str | None = None, retry: int | None = None
    ) -> Sent:
        trigger = trigger or self.new_trigger()
        name = f"command-{trigger}"
        form = {
            "token": "legacy",
            "team_id": TEAM,
            "team_domain": "northvale",
            "channel_id": "C0WORKING",
            "channel_name": "referrals",
            "user_id": self.user_id(who) if "." in who else who,
            "user_name": who,
            "command": "/strategy",
            "text": text,
            "api_app_id": "A0STRATBOT",
            "response_url": self.fake.response_url(name),
            "trigger_id": trigger,
        }
        response = self.post(urlencode(form), "application/x-www-form-urlencoded", retry=retry)
        return Sent(response, trigger, name)

    def interaction(self, payload: dict[str, Any], *, retry: int | None = None) -> httpx.Response:
        body = urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded", retry=retry)

    def click(
        self,
        who: str,
        action: str,
        value: str,
        *,
        message: Posted | None = None,
        home: bool = False,
        trigger: str | None = None,
        retry: int | None = None,
    ) -> Sent:
        """Press a button: on `message` (a DM the person has), or in their App Home."""
        user = self.user_id(who) if "." in who else who
        trigger = trigger or self.new_trigger()
        name = f"click-{trigger}"
        payload: dict[str, Any] = {
            "type": "block_actions",
            "team": {"id": TEAM},
            "user": {"id": user, "team_id": TEAM},
            "api_app_id": "A0STRATBOT",
            "token": "legacy",
            "trigger_id": trigger,
            "actions": [
                {
                    "type": "button",
                    "action_id": action,
                    "block_id": "buttons",
                    "value": value,
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        if home:
            payload["container"] = {"type": "view", "view_id": "VHOME"}
            payload["view"] = {"id": "VHOME", "type": "home"}
            name = ""
        else:
            channel = message.channel if message else self.fake.dm_channel(user)
            ts = message.ts if message else "1700000000.000000"
            payload["container"] = {"type": "message", "message_ts": ts, "channel_id": channel}
            payload["channel"] = {"id": channel}
            payload["message"] = {"ts": ts, "blocks": message.blocks if message else []}
            payload["response_url"] = self.fake.response_url(name)
        return Sent(self.interaction(payload, retry=retry), trigger, name or None)

    def submit(
        self,
        who: str,
        view_id: str,
        values: dict[str, dict[str, dict[str, Any]]],
        *,
        trigger: str | None = None,
        retry: int | None = None,
        private_metadata: str | None = None,
    ) -> httpx.Response:
        """Submit a modal the bot opened, with these state values."""
        user = self.user_id(who) if "." in who else who
        view = self.fake.views[view_id]
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM},
            "user": {"id": user, "team_id": TEAM},
            "api_app_id": "A0STRATBOT",
            "token": "legacy",
            "trigger_id": trigger or self.new_trigger(),
            "view": {
                **view,
                "id": view_id,
                "hash": f"h{view_id}",
                "private_metadata": private_metadata
                if private_metadata is not None
                else view.get("private_metadata", ""),
                "state": {"values": values},
            },
        }
        return self.interaction(payload, retry=retry)

    def opened(self, sent: Sent) -> str:
        """The id of the modal a command or a click opened."""
        view_id = self.fake.opened_by_trigger.get(sent.trigger)
        assert view_id is not None, "no modal was opened"
        return view_id

    def open_home(self, who: str, *, event_id: str | None = None, retry: int | None = None) -> None:
        body = {
            "token": "legacy",
            "team_id": TEAM,
            "api_app_id": "A0STRATBOT",
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._numbers):08d}",
            "event_time": int(time.time()),
            "event": {
                "type": "app_home_opened",
                "user": self.user_id(who) if "." in who else who,
                "channel": "D0HOME",
                "tab": "home",
            },
        }
        self.post(json.dumps(body), "application/json", retry=retry)

    def advance(self, delta: Any) -> None:
        self.clock.advance(delta)
        self.slack.due_work()
        self.executor.wait_idle()


def text_input(value: str) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def choice(value: str | None) -> dict[str, Any]:
    return {"type": "static_select", "selected_option": {"value": value} if value else None}


def choices(*values: str) -> dict[str, Any]:
    return {"type": "multi_static_select", "selected_options": [{"value": v} for v in values]}


@contextmanager
def slack_test(
    database_url: str,
    clock: SimulatedClock,
    *,
    emails: dict[str, str] | None = None,
    settings: Settings | None = None,
    fake: FakeSlack | None = None,
) -> Iterator[SlackTest]:
    """strategy-bot in Slack; pass `fake` to reuse a workspace (a restart of the bot)."""
    own_fake = fake is None
    fake = fake or FakeSlack(emails=dict(emails or {})).start()
    outbox = tempfile.TemporaryDirectory(prefix="strategy-bot-outbox-")
    settings = settings or Settings(
        database_url=database_url, strategy_directory=None, outbox_dir=Path(outbox.name)
    )
    core = build_core(settings, clock)
    executor = TrackedExecutor()
    client = create_web_client(TOKEN, fake.api_url)
    slack = create_slack_app(
        core, client, signing_secret=SIGNING_SECRET, notices_channel=NOTICES, executor=executor
    )
    server = WebServer(create_web_app(slack=slack.app)).start()
    errors = ErrorLog()
    logging.getLogger().addHandler(errors)
    http = httpx.Client(timeout=30)
    try:
        yield SlackTest(
            settings.database_url, core, clock, fake, slack, executor, server, http, errors
        )
    finally:
        logging.getLogger().removeHandler(errors)
        http.close()
        server.stop()
        executor.shutdown(wait=True)
        slack.close()
        if own_fake:
            fake.stop()
        core.close()
        outbox.cleanup()

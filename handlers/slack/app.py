"""The Bolt app: strategy-bot's listeners on Slack's events, commands, buttons and forms."""

from __future__ import annotations

import re
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass

from fastapi import FastAPI, Request, Response
from slack_bolt import App
from slack_bolt.adapter.fastapi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.app import Bot
from bot.core import Core
from bot.intents import INTENTS, IntentTable
from handlers.slack import SLACK_EVENTS as SLACK_EVENTS  # where it always was
from handlers.slack.chat import SlackChat
from handlers.slack.listeners import SlackListeners
from handlers.slack.users import SlackUsers

SLACK_API_URL = "https://slack.com/api/"
# Where Slack sends events, slash commands and interactions (HTTP mode).
ANY = re.compile(".+")


def retry_handlers() -> list[RetryHandler]:
    """Retry rate limits (after their Retry-After), 500 and 503, and dropped connections.

    The handlers share one count of attempts: up to 3 retries in all per call.
    """
    return [
        ConnectionErrorRetryHandler(max_retry_count=3),
        RateLimitErrorRetryHandler(max_retry_count=3),
        ServerErrorRetryHandler(max_retry_count=3),
    ]


def create_web_client(
    token: str, api_url: str = SLACK_API_URL, timeout_seconds: float = 20.0
) -> WebClient:
    """The real slack_sdk client; `api_url` points it at Slack, or at a local server in tests.
    Each call gives up after `timeout_seconds` (then the retry handlers may try again)."""
    return WebClient(
        token=token,
        base_url=api_url if api_url.endswith("/") else api_url + "/",
        retry_handlers=retry_handlers(),
        timeout=max(1, round(timeout_seconds)),
    )


@dataclass
class SlackApp:
    """Everything strategy-bot runs in Slack."""

    app: App  # the Bolt app, to mount on the web app or run in Socket Mode
    bot: Bot  # the core with the Slack Channel
    chat: SlackChat
    listeners: SlackListeners
    executor: Executor

    def due_work(self) -> int:
        """Run the scheduled work that has fallen due (the sweeper calls this)."""
        return self.bot.run_due_work()

    def mount(self, web: FastAPI) -> None:
        """Receive Slack's requests on the web app."""
        mount_bolt(self.app, web)

    def close(self) -> None:
        """Wait for a delivery in the background (the work in `executor` is its owner's)."""
        self.bot.settle()


def mount_bolt(app: App, web: FastAPI) -> None:
    """A Bolt app's routes on the web app: Slack's requests at SLACK_EVENTS, each one's
    signature checked by slack_bolt."""
    handler = SlackRequestHandler(app)

    @web.post(SLACK_EVENTS)
    async def slack_events(request: Request) -> Response:
        return await handler.handle(request)


def create_slack_app(
    core: Core,
    client: WebClient,
    *,
    signing_secret: str | None,
    notices_channel: str | None = None,
    executor: Executor | None = None,
    intents: IntentTable = INTENTS,
    bot: Bot | None = None,
) -> SlackApp:
    """The Bolt app for this core.

    It answers as soon as its listener has acknowledged
    (`process_before_response`); the slow work runs afterwards in `executor`.
    What the core sends goes to Slack; `bot`, when given, is the one Bot of a
    process serving several platforms (handlers/composition.py), which the
    listeners then drive instead of a Bot of their own.
    """
    users = SlackUsers(client, core.directory)
    chat = SlackChat(client, core, users, notices_channel)
    bot = bot if bot is not None else Bot(core, chat, intents)
    executor = executor or ThreadPoolExecutor(max_workers=16, thread_name_prefix="slack")
    app = App(
        # As Bolt expects: it makes its client from the token (so it never finds the
        # token twice, given and in SLACK_BOT_TOKEN), and that client is then given
        # our client's address, retries and timeout. The token is checked on the
        # first request instead of here, when the client could not yet reach Slack.
        token=client.token,
        token_verification_enabled=False,
        # Empty in Socket Mode, where Slack's requests come over the app's own
        # connection; an HTTP request then never verifies.
        signing_secret=signing_secret or "",
        process_before_response=True,
        listener_executor=executor,
    )
    app.client.base_url = client.base_url
    app.client.timeout = client.timeout
    app.client.retry_handlers = client.retry_handlers
    listeners = SlackListeners(bot, client, chat, users, executor)
    app.command("/strategy")(listeners.acknowledging(listeners.strategy))
    # Every button and every modal is an intent by its name (the core knows which).
    app.action(ANY)(listeners.acknowledging(listeners.button))
    app.view(ANY)(listeners.form)
    app.event("app_home_opened")(listeners.acknowledging(listeners.home_opened))
    return SlackApp(app, bot, chat, listeners, executor)

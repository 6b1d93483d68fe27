"""Running strategy-bot in Slack, for real: the Bolt app from the settings, Socket Mode."""

from __future__ import annotations

import logging

from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.core import Core
from bot.ports import ChatPort
from handlers.slack.app import SlackApp, create_slack_app, create_web_client
from handlers.slack.settings import SlackSettings
from scheduling.scheduler import start_sweeper

log = logging.getLogger(__name__)


def slack_for(
    core: Core, settings: SlackSettings, deliver_through: ChatPort | None = None
) -> SlackApp:
    """The Bolt app and the Slack ChatPort for this core, from the settings (the core's
    messages go `deliver_through` when given, else to Slack)."""
    if not settings.slack_bot_token:
        raise ValueError("Slack needs SLACK_BOT_TOKEN")
    client = create_web_client(
        settings.slack_bot_token, settings.slack_api_url, settings.http_timeout_seconds
    )
    return create_slack_app(
        core,
        client,
        signing_secret=settings.slack_signing_secret,
        notices_channel=settings.slack_notices_channel,
        deliver_through=deliver_through,
    )


def run_socket_mode(core: Core, settings: SlackSettings) -> None:
    """Connect to Slack over Socket Mode (SLACK_APP_TOKEN) and run until interrupted."""
    if not settings.slack_app_token:
        raise ValueError("Socket Mode needs SLACK_APP_TOKEN")
    slack = slack_for(core, settings)
    sweeper = start_sweeper(slack.due_work)
    log.info("connecting to Slack in Socket Mode")
    try:
        # Connects, then blocks until the process is interrupted (untyped in slack_bolt).
        SocketModeHandler(slack.app, settings.slack_app_token).start()  # type: ignore[no-untyped-call]
    finally:
        sweeper.shutdown(wait=False)
        slack.close()

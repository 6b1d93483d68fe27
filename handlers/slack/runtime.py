"""Running strategy-bot in Slack, for real: the Bolt app from the settings (served, with
Socket Mode or over HTTP, by handlers/composition.py and handlers/web.py)."""

from __future__ import annotations

from bot.core import Core
from bot.ports import ChatPort
from handlers.slack.app import SlackApp, create_slack_app, create_web_client
from handlers.slack.settings import SlackSettings


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

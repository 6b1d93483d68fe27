"""Running strategy-bot in Slack, for real: the Bolt app from the settings (served, with
Socket Mode or over HTTP, by handlers/composition.py and handlers/web.py)."""

from __future__ import annotations

from bot.app import Bot
from bot.core import Core
from handlers.slack.app import SlackApp, create_slack_app, create_web_client
from handlers.slack.settings import SlackSettings


def slack_for(core: Core, settings: SlackSettings, bot: Bot | None = None) -> SlackApp:
    """The Bolt app and the Slack Channel for this core, from the settings (driving `bot`,
    the process's one Bot, when given)."""
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
        bot=bot,
    )

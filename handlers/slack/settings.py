"""Slack's settings, read once from the environment (and an optional `.env` file)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from bot.settings import HttpTimeout


class SlackSettings(HttpTimeout):
    """Set SLACK_BOT_TOKEN to connect to Slack."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # The app's bot token (xoxb-...). With it, `strategy-bot` connects to Slack.
    slack_bot_token: str | None = None
    # An app-level token (xapp-..., scope connections:write) selects Socket Mode;
    # without it Slack sends HTTP requests to `strategy-bot serve` at /slack/events.
    slack_app_token: str | None = None
    # Verifies that HTTP requests come from Slack (required in HTTP mode).
    slack_signing_secret: str | None = None
    # The Web API base URL: Slack's own, or a local server for tests and staging.
    slack_api_url: str = "https://slack.com/api/"
    # Where convening notices go (case reference only): a channel id, e.g. C0123ABCD.
    # The bot must be a member. None means the channel named by the core.
    slack_notices_channel: str | None = None

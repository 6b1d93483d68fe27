"""The chat platforms strategy-bot has adapters for, each by the key it registers.

The partner directory names a contact's identity on each platform by that key
(`chat: {slack: U0123ABCD, teams: 29:..., console: asha.patel}`), so the
directory accepts exactly the keys registered here.
"""

from __future__ import annotations

from handlers import console, slack, teams
from handlers.slack.settings import SlackSettings
from handlers.teams.settings import TeamsSettings

PLATFORM_KEYS: tuple[str, ...] = (slack.PLATFORM, teams.PLATFORM, console.PLATFORM)


def chat_configured() -> bool:
    """Whether a chat platform is configured, so that `strategy-bot` connects to it."""
    return slack.slack_configured(SlackSettings()) or teams.teams_configured(TeamsSettings())

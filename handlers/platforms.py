"""The chat platforms strategy-bot has adapters for, each by the key it registers.

The partner directory names a contact's identity on each platform by that key
(`chat: {slack: U0123ABCD, teams: 29:..., console: asha.patel}`), so the
directory accepts exactly the keys registered here.
"""

from __future__ import annotations

from bot.routing import CONSOLE
from handlers import slack, teams
from handlers.slack.settings import SlackSettings
from handlers.teams.settings import TeamsSettings

# The console's key is handlers/console.py's PLATFORM, named here without importing the
# console (and rich with it) into every process.
PLATFORM_KEYS: tuple[str, ...] = (slack.PLATFORM, teams.PLATFORM, CONSOLE)


def chat_configured() -> bool:
    """Whether a chat platform is configured, so that `strategy-bot` connects to it."""
    return slack.slack_configured(SlackSettings()) or teams.teams_configured(TeamsSettings())

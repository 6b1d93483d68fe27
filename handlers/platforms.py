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

# Where `strategy-bot serve` listens by default (here, not in handlers/web.py, so that
# the command line can show it without importing the web stack).
DEFAULT_PORT = 3000


def chat_configured() -> bool:
    """Whether a chat platform is configured, so that `strategy-bot` connects to it."""
    return slack.slack_configured(SlackSettings()) or teams.teams_configured(TeamsSettings())

"""The chat platforms strategy-bot has adapters for, each by the key it registers.

The partner directory names a contact's identity on each platform by that key
(`chat: {slack: U0123ABCD, teams: 29:..., console: asha.patel}`), so the
directory accepts exactly the keys registered here.
"""

from __future__ import annotations

from handlers import console, slack, teams

PLATFORM_KEYS: tuple[str, ...] = (slack.PLATFORM, teams.PLATFORM, console.PLATFORM)

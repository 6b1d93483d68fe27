"""Slack: strategy-bot as a Bolt app, over HTTP (`serve`) or Socket Mode.

`app.py` (the Bolt app and what it mounts on the web app), `listeners.py`
(commands, buttons, modals, the App Home: translated into `Bot.command` and
`Bot.act`), `render.py` (Block Kit from templates/slack/), `chat.py` (the
Channel the outbox sends through), `users.py` (who is who), `settings.py`,
`runtime.py` and `cli.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from handlers.slack.settings import SlackSettings

# Where Slack posts its events on the web app (here so that the manifest needs no SDK).
SLACK_EVENTS = "/slack/events"

# The platform's key in the partner directory: `chat: {slack: U0123ABCD}`.
PLATFORM = "slack"


def slack_configured(settings: SlackSettings) -> bool:
    """Whether `strategy-bot` connects to Slack: a bot token is set."""
    return bool(settings.slack_bot_token)

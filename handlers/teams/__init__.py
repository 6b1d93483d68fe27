"""Microsoft Teams: the bot on Microsoft's Teams SDK for Python (microsoft-teams-apps).

`bot.py` (the SDK app on /api/messages: activities translated into
`Bot.command` and `Bot.act`), `chat.py` (the ChatPort), `cards.py` (Adaptive
Cards from templates/teams/), `store.py` (conversations and message ids kept
in the database), `settings.py`, `package.py` and `app/` (the app package).
The SDK is slow to import, so only `bot.py`, `chat.py` and `auth.py` import
it, and nothing imports them until Teams is served.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from handlers.teams.settings import TeamsSettings

# The platform's key in the partner directory: `chat: {teams: <Entra object id>}`.
PLATFORM = "teams"


def teams_configured(settings: TeamsSettings) -> bool:
    """Whether the app's credentials are set, so that `strategy-bot` serves Teams."""
    return bool(settings.teams_app_id and settings.teams_app_password)

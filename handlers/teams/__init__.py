"""Microsoft Teams: the bot on Microsoft's Teams SDK for Python (microsoft-teams-apps).

`bot.py` (the SDK app on /api/messages), `chat.py` (the ChatPort), `cards.py`
(Adaptive Cards from templates/teams/), `store.py` (conversations and message
ids kept in the database), `package.py` and `app/` (the app package). The SDK
is slow to import, so only `bot.py`, `chat.py` and `auth.py` import it, and
nothing imports them until Teams is served.
"""

from __future__ import annotations

from bot.settings import Settings


def teams_configured(settings: Settings) -> bool:
    """Whether the app's credentials are set, so that `strategy-bot` serves Teams."""
    return bool(settings.teams_app_id and settings.teams_app_password)

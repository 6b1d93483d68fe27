"""Microsoft Teams' settings, read once from the environment (and an optional `.env` file)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from bot.settings import HttpTimeout


class TeamsSettings(HttpTimeout):
    """Set the app's credentials (TEAMS_APP_ID, TEAMS_APP_PASSWORD) to serve Teams."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # The bot's Microsoft Entra app registration (the Azure Bot resource): its
    # application (client) id, a client secret, and the tenant (single-tenant bot).
    # With the id and secret set, `strategy-bot` serves Teams at /api/messages.
    teams_app_id: str | None = None
    teams_app_password: str | None = None
    teams_tenant_id: str | None = None
    # The Bot Connector endpoint for people who have never written to the bot
    # (otherwise each conversation's own serviceUrl is used).
    teams_service_url: str = "https://smba.trafficmanager.net/teams"
    # The channel conversation id (19:...@thread.tacv2) for convening notices. None
    # means the channel of the team the app was last installed in.
    teams_notices_channel: str | None = None
    # Microsoft's endpoints, overridable for national clouds, staging and tests:
    # where the bot gets its tokens, and the metadata that verifies incoming tokens.
    teams_login_url: str = "https://login.microsoftonline.com"
    teams_openid_metadata_url: str = (
        "https://login.botframework.com/v1/.well-known/openidconfiguration"
    )

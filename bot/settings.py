"""Configuration, read once from the environment (and an optional `.env` file)."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # Where the bot keeps its data. The default is a SQLite file in the working
    # directory; production uses PostgreSQL, e.g. postgresql://bot@db/strategy.
    database_url: str = "sqlite:///strategy-bot.db"
    # The partner directory (YAML). None means the bundled synthetic sample.
    strategy_directory: Path | None = None
    # Overrides the partnership's own time zone (the directory's `timezone`).
    strategy_tz: str | None = None

    # --- Slack (set SLACK_BOT_TOKEN to connect) ---
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

    # --- Microsoft Teams (set the app's credentials to serve) ---
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

    # --- Calendar invites: Microsoft Graph, SMTP, the outbox ---
    # Microsoft Graph, app-only (client credentials). Configured when the tenant
    # id, client id, organiser mailbox and a secret or certificate are all set.
    graph_tenant_id: str | None = None
    graph_client_id: str | None = None
    graph_client_secret: str | None = None
    # A certificate instead of a secret: PEM file holding the private key and
    # certificate, and the certificate's SHA-1 thumbprint (hex) as in Azure.
    graph_certificate_path: Path | None = None
    graph_certificate_thumbprint: str | None = None
    # The mailbox that organises the meetings (the chair's or a shared one).
    graph_organiser_mailbox: str | None = None
    # Email domains in the Graph tenant, comma separated: their contacts get
    # Outlook invitations through Graph, everyone else an email invitation.
    graph_tenant_domains: str = ""
    # Overrides for the Graph and login endpoints (national clouds, tests).
    graph_base_url: str = "https://graph.microsoft.com"
    graph_login_base_url: str = "https://login.microsoftonline.com"
    # Fernet key (urlsafe base64, 32 bytes) encrypting the msal token cache at
    # rest. Without it the token cache is kept in memory only.
    graph_token_cache_key: str | None = None
    # SMTP for email invitations (and other mail). No host means the outbox.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_starttls: bool = True
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_sender: str = "strategy-bot@localhost"
    # With neither Graph nor SMTP, invitations are written here as .eml/.ics files.
    outbox_dir: Path = Path("outbox")

    # --- Timeouts: a frozen process or a hung network call never holds work for long ---
    # Every outgoing HTTP call (Slack, the Bot Connector, Graph, login, signing keys).
    http_timeout_seconds: float = 20.0
    # Every SMTP connection and command.
    smtp_timeout_seconds: float = 30.0
    # PostgreSQL ends a statement running longer than this, and a session idle in an
    # open transaction longer than this (its locks released, its work back in the
    # queue for the other bot processes within the next sweep).
    database_statement_timeout_seconds: float = 60.0
    database_idle_in_transaction_timeout_seconds: float = 90.0

    # --- Answering by link (email pages) ---
    # The bot's public base URL, e.g. https://strategy-bot.my-council.gov.uk: links
    # in emails are built from it, never from a request's Host header.
    public_url: str | None = None
    # Signs the answer pages' CSRF tokens (at least 32 characters, e.g. from
    # `python -c "import secrets; print(secrets.token_urlsafe(32))"`). Give every
    # replica the same value. Unset: a random secret per process, so a form opened
    # before a restart, or on another replica, must be reloaded before it is sent.
    link_secret: str | None = None

    # --- Records and reports ---

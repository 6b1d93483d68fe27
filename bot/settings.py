"""Configuration, read once from the environment (and an optional `.env` file).

The core's own settings: the database, the directory, the calendar and mail.
Each chat platform's adapter has a settings class of its own
(handlers/slack/settings.py, handlers/teams/settings.py).
"""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class HttpTimeout(BaseSettings):
    """HTTP_TIMEOUT_SECONDS: read by the core's settings and by each adapter's."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # Every outgoing HTTP call (Slack, the Bot Connector, Graph, login, signing keys)
    # gives up after this long: a hung network call never holds work for long.
    http_timeout_seconds: float = 20.0


class Settings(HttpTimeout):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # Where the bot keeps its data. The default is a SQLite file in the working
    # directory; production uses PostgreSQL, e.g. postgresql://bot@db/strategy.
    database_url: str = "sqlite:///strategy-bot.db"
    # The partner directory (YAML). None means the bundled synthetic sample.
    strategy_directory: Path | None = None
    # Overrides the partnership's own time zone (the directory's `timezone`).
    strategy_tz: str | None = None

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
    # (and http_timeout_seconds, from HttpTimeout). Every SMTP connection and command.
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

    # --- Finding a time (convening without a meeting time) ---
    # Simulated calendars (YAML, see docs/find-a-time.md) whose free/busy the bot may
    # read instead of Graph's. None: with the bundled sample directory and no Graph,
    # the bundled sample calendars; otherwise none (Graph's, or everyone is polled).
    strategy_calendars: Path | None = None
    # Overrides of the slot rules as JSON, e.g. {"poll_working_minutes": 90,
    # "slot_minutes": 45} (scheduling/slots.py SlotRules: slot_minutes, max_slots,
    # lead_minutes, step_minutes, day_spacing_minutes, poll_working_minutes,
    # poll_time_left_divisor, same_day_poll_minutes).
    find_time_rules: dict[str, int] = {}

    # --- Records and reports ---

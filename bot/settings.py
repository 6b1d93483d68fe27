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

    # --- Microsoft Teams (set the app's credentials to serve) ---

    # --- Calendar invites: Microsoft Graph, SMTP, the outbox ---

    # --- Records and reports ---

"""Assemble the core from configuration: the imperative shell's starting point."""

from __future__ import annotations

from dataclasses import dataclass, replace

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from bot import commands
from bot.calendar.routing import invites_from_settings
from bot.core import Core
from bot.directory import Contact, Directory, load_directory
from bot.errors import InputError
from bot.messages import Message, latest_per_thread
from bot.ports import ChatPort
from bot.services.due_work import run_due_work
from bot.services.sync import sync_directory
from bot.settings import Settings
from bot.storage.db import (
    alembic_config,
    make_engine,
    make_sessionmaker,
    migrate,
    normalise_url,
    transaction,
)
from scheduling.clock import Clock
from scheduling.workdays import WorkingCalendar


class SchemaOutOfDate(RuntimeError):
    pass


def load_partner_directory(settings: Settings) -> Directory:
    directory = load_directory(settings.strategy_directory)
    if settings.strategy_tz:
        calendar = replace(directory.partnership.calendar, timezone=settings.strategy_tz)
        directory = replace(
            directory, partnership=replace(directory.partnership, calendar=calendar)
        )
    return directory


def build_core(settings: Settings, clock: Clock) -> Core:
    """Open the database (migrating a SQLite file; PostgreSQL is migrated explicitly),
    load the directory and copy it into the database."""
    url = normalise_url(settings.database_url)
    if url.startswith("sqlite"):
        migrate(url)
    engine = make_engine(
        url,
        statement_timeout=settings.database_statement_timeout_seconds,
        idle_in_transaction_timeout=settings.database_idle_in_transaction_timeout_seconds,
    )
    _require_current_schema(engine, url)
    directory = load_partner_directory(settings)
    core = Core(
        sessions=make_sessionmaker(engine),
        directory=directory,
        calendar=WorkingCalendar(directory.partnership.calendar),
        clock=clock,
        invites=invites_from_settings(settings, clock, directory.partnership.calendar.timezone),
    )
    with transaction(core.sessions) as session:
        sync_directory(session, directory)
    return core


def _require_current_schema(engine: Engine, url: str) -> None:
    expected = set(ScriptDirectory.from_config(alembic_config(url)).get_heads())
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    if current != expected:
        raise SchemaOutOfDate(
            f"The database schema is at {', '.join(sorted(current)) or 'nothing'}, the code "
            f"needs {', '.join(sorted(expected))}: run 'strategy-bot migrate' first."
        )


@dataclass
class Bot:
    """The core plus a chat platform: what every adapter drives."""

    core: Core
    chat: ChatPort

    def identify(self, platform: str, chat_id: str) -> Contact:
        contact = self.core.directory.by_chat_id(platform, chat_id)
        if contact is None:
            raise InputError(
                "You are not in the partner directory, so strategy-bot cannot act for you.",
                "ask your partnership's administrator to add your chat identity",
            )
        return contact

    def command(self, actor: Contact, text: str) -> Message:
        """Run a typed command, send what it produced, and return the reply for the actor."""
        outcome = commands.handle(self.core, actor, text)
        self.chat.deliver(latest_per_thread(outcome.outgoing))
        self.run_due_work()
        return outcome.reply

    def run_due_work(self) -> int:
        return run_due_work(self.core, self.chat)

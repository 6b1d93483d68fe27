"""What every `strategy-bot` command does with its hostile arguments: a message, exit 2.

Times on the command line (--now, --start) are ISO 8601; without an offset
they are local time in the partnership's zone. The database is opened here,
so that an unknown or unreachable URL, or a SQLite file that does not exist
for a command that only reads, is a message and not a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import NoReturn

import typer
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError

from bot.app import SchemaOutOfDate, build_core, load_partner_directory
from bot.calendar.routing import CalendarSettingsError
from bot.core import Core
from bot.directory import DirectoryError
from bot.find_time.settings import FindTimeSettingsError
from bot.settings import Settings
from bot.text_input import shown
from handlers.platforms import PLATFORM_KEYS
from scheduling.clock import Clock, as_utc
from scheduling.time_limits import TimeTextError, check_exists, check_year
from scheduling.workdays import WorkingCalendar

BAD_INPUT = 2
# Problems with the configuration (the directory, the schema): exit status 1.
BAD_SETUP = 1


def fail(message: str, code: int = BAD_INPUT) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def calendar_of(settings: Settings) -> WorkingCalendar:
    try:
        return WorkingCalendar(load_partner_directory(settings).partnership.calendar)
    except DirectoryError as problem:
        fail(str(problem), BAD_SETUP)


def instant_option(text: str, option: str, calendar: WorkingCalendar) -> datetime:
    """An ISO 8601 time from the command line, in UTC (no offset: local time)."""
    try:
        parsed = datetime.fromisoformat(text.strip())
        check_year(text, parsed, option)
        if parsed.tzinfo is None:
            check_exists(text, parsed.date(), parsed.time(), calendar)
            return calendar.at_local(parsed.date(), parsed.time())
        return as_utc(parsed)
    except TimeTextError as problem:
        fail(str(problem))
    except ValueError:
        fail(
            f"{option} takes an ISO 8601 time such as '2026-11-23T09:30' (local time) or "
            f"'2026-11-23T09:30+00:00', not '{shown(text)}'."
        )


def open_core(settings: Settings, clock: Clock, *, reading: bool = False) -> Core:
    """The core on the configured database. `reading`: the command only reads, so a
    SQLite file that does not exist is a mistake (a typo), not a database to create."""
    url = database_url(settings.database_url)
    if reading and url.get_backend_name() == "sqlite":
        path = url.database or ""
        if path in ("", ":memory:") or not Path(path).exists():
            fail(f"The database file '{shown(path)}' does not exist (check --database).")
    with database_errors(settings.database_url):
        try:
            return build_core(settings, clock, platforms=PLATFORM_KEYS)
        except (
            DirectoryError,
            SchemaOutOfDate,
            CalendarSettingsError,
            FindTimeSettingsError,
        ) as problem:
            fail(str(problem), BAD_SETUP)


def database_url(text: str) -> URL:
    try:
        return make_url(text)
    except ArgumentError:
        fail(f"'{shown(text)}' is not a database URL; e.g. sqlite:///strategy-bot.db")


@contextmanager
def database_errors(text: str) -> Iterator[None]:
    """An unknown kind of database, or one that cannot be reached: a message, exit 2."""
    url = database_url(text)
    try:
        yield
    except NoSuchModuleError:
        fail(
            f"'{url.get_backend_name()}' is not a database strategy-bot can use: "
            "give sqlite:///FILE or postgresql://user@host/db."
        )
    except (OperationalError, DBAPIError) as problem:
        reason = str(problem.orig or problem).strip().splitlines()[0]
        fail(f"Cannot open the database {url.render_as_string()}: {shown(reason, 300)}")

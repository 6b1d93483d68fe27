"""Shared fixtures: every database test runs on SQLite and on a real PostgreSQL server.

PostgreSQL tests may be skipped on a developer's machine without the server
binaries, with the reason shown; under CI (CI=true) a missing server fails.
"""

from __future__ import annotations

import io
import itertools
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import create_engine, text

from bot.app import Bot, build_core
from bot.settings import Settings
from bot.storage.db import migrate
from fakes.postgres import PostgresServer, PostgresUnavailable
from handlers.console import ConsoleChat
from scheduling.clock import SimulatedClock

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
_database_numbers = itertools.count(1)


@pytest.fixture(scope="session", autouse=True)
def _outbox_outside_the_tree(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """With no mail server configured, calendar invitations are written to OUTBOX_DIR
    (default ./outbox): keep the tests' ones out of the working tree."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OUTBOX_DIR", str(tmp_path_factory.mktemp("outbox")))
        yield


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    try:
        server = PostgresServer.start()
    except PostgresUnavailable as reason:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI: {reason}")
        pytest.skip(f"PostgreSQL not available here: {reason}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_template(postgres_server: PostgresServer) -> str:
    """A database migrated once, copied for each test (CREATE DATABASE ... TEMPLATE)."""
    admin = create_engine(postgres_server.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("CREATE DATABASE strategy_template"))
    admin.dispose()
    migrate(postgres_server.url_for("strategy_template"))
    return "strategy_template"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, migrated, empty database for one test."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "test.db"
        shutil.copy(template, path)
        return f"sqlite:///{path}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    template_name: str = request.getfixturevalue("postgres_template")
    name = f"test_{os.getpid()}_{next(_database_numbers)}"
    admin = create_engine(server.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name} TEMPLATE {template_name}"))
    admin.dispose()
    return server.url_for(name)


# --- The core, on a fresh database, with the bundled sample directory ----------

MONDAY_0930 = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)  # Mon 23 Nov 2026, 09:30 GMT


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(MONDAY_0930)


@pytest.fixture
def bot(database_url: str, clock: SimulatedClock) -> Iterator[Bot]:
    core = build_core(Settings(database_url=database_url, strategy_directory=None), clock)
    chat = ConsoleChat(core.directory, Console(file=io.StringIO(), width=200))
    yield Bot(core, chat)
    core.close()


@pytest.fixture
def convened(bot: Bot) -> Bot:
    """The bot after Ben Okafor convened the standard discussion for NV-40213."""
    from tests.helpers import CONVENE, say, take_sent

    say(bot, "ben.okafor", CONVENE)
    take_sent(bot)
    return bot

"""Engines, sessions and migrations."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.audit_rows import written_together

if TYPE_CHECKING:  # alembic is imported when migrating, not by every command
    from alembic.config import Config


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgresql:// URLs (SQLAlchemy would pick psycopg2)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(
    url: str,
    statement_timeout: float | None = None,
    idle_in_transaction_timeout: float | None = None,
) -> Engine:
    """An engine; on PostgreSQL every session gets the given timeouts (seconds), so that
    a process that stops responding mid-transaction cannot keep rows locked for ever."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    options = [
        f"-c {name}={round(seconds * 1000)}"
        for name, seconds in (
            ("statement_timeout", statement_timeout),
            ("idle_in_transaction_session_timeout", idle_in_transaction_timeout),
        )
        if seconds
    ]
    connect_args = {"options": " ".join(options)} if options else {}
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # Write-ahead logging with synchronous=NORMAL: a commit appends to the log without
    # waiting for the disk, which the outbox's few small commits per message need. A
    # crash of the process loses nothing; a power cut may lose the last transactions,
    # never corrupt the file. PostgreSQL, the production database, is not affected.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(
    sessions: sessionmaker[Session], connection: Connection | None = None
) -> Iterator[Session]:
    """One unit of work: committed if the block succeeds, rolled back if it raises. On
    `connection` if given (one the caller holds for several), else one from the pool.
    Its audit events are written together before it commits (bot/storage/audit_rows.py)."""
    with (
        sessions(bind=connection) if connection else sessions() as session,
        session.begin(),
        written_together(session),
    ):
        yield session


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("bot") / "migrations"))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def migrate(url: str, revision: str = "heads") -> None:
    """Bring the database schema up to `revision` (every newest revision by default)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


@cache
def migration_heads() -> frozenset[str] | None:
    """The newest revisions in bot/migrations/versions, read from the scripts' text, so that
    a process whose database is current starts without alembic (about 11 MB and a fifth of
    a second). None when a script does not name its revisions as plain strings: then ask
    alembic (tests/test_storage.py checks that both agree)."""
    revisions: set[str] = set()
    earlier: set[str] = set()
    for script in (resources.files("bot") / "migrations" / "versions").iterdir():
        if not script.name.endswith(".py"):
            continue
        names = _constants(script.read_text(encoding="utf-8"))
        revision, down = names.get("revision"), names.get("down_revision")
        if not isinstance(revision, str) or names.get("depends_on") is not None:
            return None
        downs = (down,) if isinstance(down, str) else down or ()
        if not (isinstance(downs, tuple) and all(isinstance(d, str) for d in downs)):
            return None
        revisions.add(revision)
        earlier.update(downs)
    return frozenset(revisions - earlier) or None


def _constants(source: str) -> dict[str, object]:
    """A module's top-level `name = literal` and `name: type = literal` assignments."""
    found: dict[str, object] = {}
    for node in ast.parse(source).body:
        targets: list[ast.expr]
        if isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        elif isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        else:
            continue
        for target in targets:
            if isinstance(target, ast.Name):
                try:
                    found[target.id] = ast.literal_eval(value)
                except ValueError:  # not a literal: unknown
                    found[target.id] = value
    return found


def schema_is_current(engine: Engine) -> bool:
    """Whether the database's schema is at every newest revision, read without alembic
    (False when that cannot be told so: alembic then migrates or explains)."""
    expected = migration_heads()
    if expected is None:
        return False
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return False
        rows = connection.execute(text("SELECT version_num FROM alembic_version"))
        return {row[0] for row in rows} == expected

"""Fresh databases for the benchmarks: SQLite files, or databases on a throwaway server."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from bot.storage.db import migrate


@contextmanager
def database(postgresql: bool) -> Iterator[Callable[[str], str]]:
    """Gives a fresh database URL per name: SQLite files in a temporary folder, or
    migrated PostgreSQL databases on a server started as the tests do (fakes/postgres.py)."""
    if not postgresql:
        with tempfile.TemporaryDirectory() as folder:
            yield lambda name: f"sqlite:///{Path(folder) / name}.db"
        return
    from fakes.postgres import PostgresServer

    server = PostgresServer.start()
    try:

        def fresh(name: str) -> str:
            admin = create_engine(server.url, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f"CREATE DATABASE {name}"))
            admin.dispose()
            url = server.url_for(name)
            migrate(url)
            return url

        yield fresh
    finally:
        server.stop()

"""The schema: migrations match the models, and the audit trail is append-only."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError

from bot.storage import registry  # noqa: F401  (every table in the metadata)
from bot.storage.db import make_engine, make_sessionmaker, normalise_url
from bot.storage.models import AuditEvent, Base


def test_migrations_match_the_models(database_url: str) -> None:
    engine = create_engine(normalise_url(database_url))
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_event SET actor = 'x'", "DELETE FROM audit_event"]
)
def test_audit_events_cannot_be_changed_or_deleted(database_url: str, statement: str) -> None:
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    with sessions() as session, session.begin():
        session.add(
            AuditEvent(
                occurred_at=datetime(2026, 11, 23, 9, tzinfo=UTC),
                actor="asha.patel",
                event="convened",
                details={"case": "NV-40213"},
            )
        )
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text(statement))
    with sessions() as session:
        event = session.scalars(select(AuditEvent)).one()
    assert event.actor == "asha.patel"
    assert event.occurred_at == datetime(2026, 11, 23, 9, tzinfo=UTC)
    engine.dispose()


def test_the_migrations_are_one_line_that_goes_down_and_up_again(database_url: str) -> None:
    from alembic import command
    from alembic.script import ScriptDirectory

    from bot.storage.db import alembic_config

    config = alembic_config(database_url)
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1
    command.downgrade(config, "base")
    command.upgrade(config, "head")
    engine = create_engine(normalise_url(database_url))
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    engine.dispose()

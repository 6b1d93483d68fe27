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


def test_the_migration_keeps_references_and_renumbers_only_duplicates(database_url: str) -> None:
    """A database from before 0011 with the old fault (two NV-80001/A1 in one case),
    on SQLite and PostgreSQL: the fresh database is taken back to 0010 first."""
    from alembic import command

    from bot.storage.db import alembic_config

    config = alembic_config(database_url)
    command.downgrade(config, "0010_link_tokens")
    engine = create_engine(normalise_url(database_url))
    rows = [
        "INSERT INTO partnership (id, name) VALUES (1, 'P')",
        "INSERT INTO agency (id, partnership_id, key, name, kind) VALUES (1, 1, 'a', 'A', 'x')",
        "INSERT INTO contact (id, agency_id, key, name, role, email, active)"
        " VALUES (1, 1, 'ian', 'Ian', 'x', 'i@x', TRUE)",
        'INSERT INTO "case" (id, partnership_id, reference, created_at)'
        " VALUES (1, 1, 'NV-80001', '2026-11-01 09:00:00')",
        "INSERT INTO child (id, case_id, pseudonym, date_of_birth)"
        " VALUES (1, 1, 'C1', '2018-01-01')",
    ]
    with engine.begin() as connection:
        for row in rows:
            connection.execute(text(row))
        for d in (1, 2):
            connection.execute(
                text(
                    "INSERT INTO discussion (id, case_id, convenor_id, chair_id, category,"
                    " harm_tags, identified_at, due_date, deadline_at, deadline_rule, meeting_at,"
                    " status, convened_at) VALUES (:d, 1, 1, 1, 'standard', '[]',"
                    " '2026-11-01 09:00:00', '2026-11-04', '2026-11-04 23:59:59', 'r',"
                    " '2026-11-02 10:00:00', 'held', '2026-11-01 09:00:00')"
                ),
                {"d": d},
            )
            connection.execute(text("INSERT INTO discussion_child VALUES (:d, 1)"), {"d": d})
        for action_id, d, n in ((1, 1, 1), (2, 1, 2), (3, 2, 1)):
            connection.execute(
                text(
                    "INSERT INTO action (id, discussion_id, number, description, owner_id,"
                    " due_at, status, created_by_id, created_at, urgent) VALUES (:id, :d, :n,"
                    " 'x', 1, '2026-11-10 23:59:59', 'open', 1, '2026-11-02 10:00:00', FALSE)"
                ),
                {"id": action_id, "d": d, "n": n},
            )
    command.upgrade(config, "head")
    with engine.connect() as connection:
        numbers = connection.execute(text("SELECT id, number FROM discussion ORDER BY id"))
        assert numbers.all() == [(1, 1), (2, 2)]
        actions = connection.execute(text("SELECT id, case_id, number FROM action ORDER BY id"))
        # The references people had are kept; only the duplicate A1 of #2 is now A3.
        assert actions.all() == [(1, 1, 1), (2, 1, 2), (3, 1, 3)]
        dates = connection.execute(text("SELECT date_of_birth FROM discussion_child"))
        assert [str(d) for d in dates.scalars()] == ["2018-01-01", "2018-01-01"]
        details = connection.execute(
            text("SELECT CAST(details AS TEXT) FROM audit_event WHERE event = 'action_renumbered'")
        ).scalar_one()
        assert "NV-80001/A1" in details and "NV-80001/A3" in details
    engine.dispose()


def test_the_newest_revision_read_from_the_scripts_is_alembics() -> None:
    """Start-up tells a current schema without alembic (bot/storage/db.py): the scripts'
    own text must give the heads alembic gives."""
    from alembic.script import ScriptDirectory

    from bot.storage.db import _constants, alembic_config, migration_heads

    expected = set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())
    assert migration_heads() == expected
    source = 'revision: str = "0002"\ndown_revision = ("0001a", "0001b")\nother = f()\n'
    names = _constants(source)
    assert (names["revision"], names["down_revision"]) == ("0002", ("0001a", "0001b"))
    assert not isinstance(names["other"], str)


def test_a_schema_is_current_only_at_the_newest_revision(database_url: str) -> None:
    from alembic import command

    from bot.storage.db import alembic_config, schema_is_current

    engine = make_engine(database_url)
    assert schema_is_current(engine)
    command.downgrade(alembic_config(database_url), "0015_link_items")
    assert not schema_is_current(engine)
    command.downgrade(alembic_config(database_url), "base")
    assert not schema_is_current(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))
    assert not schema_is_current(engine)
    engine.dispose()

"""No statement on a hot path reads a table that grows with history from end to end.

A short simulation (handlers/simulated/run.py) drives convening, answers by
chat and by link, actions, nudges, records and their circulation, reviews and
the outbox's threads; then the same database takes what the simulation does not
do (messages whose threads are already bound, as Slack, Teams and email leave
them, `/strategy status`, `/strategy actions`, the compliance report). Every
distinct statement is then explained (EXPLAIN QUERY PLAN) against the file the
simulation leaves, and a step that SCANs a growing table, MATERIALIZEs it or
reads it through an AUTOMATIC index fails the test, and so does a SEARCH by
an index whose entries for one key grow with history (a person's invitations).
The planner's statistics are those a new database has: migration 0016 ran
ANALYZE while the tables were empty, so SQLite uses its default estimates, as
in a deployment installed new (bench/history.py runs ANALYZE after seeding,
which a deployment does not: its figures cannot show these plans).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import date, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, insert, select

import handlers.simulated.run as simulated
from bot.app import Bot, build_core
from bot.core import Core
from bot.messages import Kind, Message, Outgoing
from bot.record.report import compliance_report
from bot.settings import Settings
from bot.storage.db import transaction
from bot.storage.outbox_models import OutboxRow, ThreadBinding
from bot.unit import unit_of_work
from handlers.simulated.model import model
from scheduling.clock import Clock, SimulatedClock
from tests.helpers import Recording

# Tables that do not grow with history: the directory (copied in at start-up, one row a
# person or agency), per-person platform state, and SQLite's and Alembic's own.
STATIC = {
    "partnership",
    "agency",
    "contact",
    "teams_conversation",
    "graph_token_cache",
    "alembic_version",
    "sqlite_master",
    "sqlite_temp_master",
    "sqlite_sequence",
}

# Statements that may read a growing table whole, each by a fragment of its SQL.
ALLOWED = {
    # Migration 0011 (discussion series), run once as the schema is built: backfills.
    "UPDATE discussion_child SET date_of_birth": "migration backfill",
    "SELECT id, case_id FROM discussion ORDER BY case_id, id": "migration: case ids",
    "FROM action a JOIN discussion d ON d.id = a.discussion_id": "migration: action numbers",
    # The simulation's own summary of who accepted (handlers/simulated/run.py
    # _first_invited), run once at its end: not the bot's.
    "SELECT invitation.status FROM invitation JOIN discussion": "the simulation's summary",
}

# Indexes whose every entry for one key grows with history: a SEARCH by that key alone
# reads all of a person's past too.
LIFELONG = {
    "ix_invitation_contact": "every invitation the person ever had",
}

_EXPLAINED = ("SELECT", "UPDATE", "DELETE", "WITH")
# A table and its alias, plain or in a nested join "(invitation AS invitation_1 ...".
_NAMED = re.compile(
    r'\b(?:FROM|JOIN|UPDATE|INTO)\s+\(?\s*"?(\w+)"?(?:\s+(?:AS\s+)?"?(\w+)"?)?', re.I
)
# A derived table's name: "(SELECT ...) AS candidate".
_DERIVED = re.compile(r'\)\s+AS\s+"?(\w+)"?', re.I)
_NOT_ALIASES = {
    "where", "on", "join", "left", "right", "inner", "outer", "cross", "natural", "order",
    "group", "set", "limit", "using", "union", "and", "or", "returning", "values", "select",
    "having", "window", "except", "intersect", "as", "full",
}  # fmt: skip
_CONSTANTS = re.compile(r"SCAN (\d+ )?CONSTANT ROWS?$")  # "IN (VALUES (?, ?), ...)"
_STEP = re.compile(r"(SCAN|SEARCH|MATERIALIZE)\s+(\S+)")


def _tables_by_name(sql: str) -> dict[str, str]:
    """The statement's tables by the names its plan gives them (the table or its alias);
    a derived table's name maps to "" (its own reads are steps of the plan too)."""
    names: dict[str, str] = dict.fromkeys(_DERIVED.findall(sql), "")
    for table, alias in _NAMED.findall(sql):
        names.setdefault(table, table)
        if alias and alias.lower() not in _NOT_ALIASES:
            names[alias] = table
    return names


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return str(value)
    if isinstance(value, (list, dict)):
        return str(value)
    return value


def _parameters(parameters: Any) -> Any:
    if isinstance(parameters, list):  # executemany: one set is enough to explain it
        parameters = parameters[0] if parameters else ()
    if isinstance(parameters, dict):
        return {key: _plain(value) for key, value in parameters.items()}
    return tuple(_plain(value) for value in parameters or ())


def growing_reads(database: Path, statements: dict[str, Any]) -> list[str]:
    """Each statement whose plan reads a growing table whole, with the offending steps."""
    found = []
    with closing(sqlite3.connect(database)) as connection:
        tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master")}
        growing = tables - STATIC
        for sql, parameters in statements.items():
            one_line = " ".join(sql.split())
            if not one_line.upper().startswith(_EXPLAINED):
                continue
            if any(fragment in one_line for fragment in ALLOWED):
                continue
            plan = connection.execute(f"EXPLAIN QUERY PLAN {sql}", _parameters(parameters))
            steps = [(row[0], row[1], row[3]) for row in plan]
            bad = _bad_steps(steps, _tables_by_name(one_line), growing)
            if bad:
                found.append(_shown(one_line) + "".join(f"\n    {step}" for step in bad))
    return found


def _shown(sql: str) -> str:
    """The statement's start and its FROM onwards (an ORM load lists many columns first)."""
    start = sql.find(" FROM ")
    if start <= 200:
        return sql[:700]
    return f"{sql[:200]} ... {sql[start : start + 500]}"


def _bad_steps(
    steps: list[tuple[int, int, str]], names: dict[str, str], growing: set[str]
) -> list[str]:
    """Steps that read a growing table whole: a SCAN of it, an automatic index over it,
    a MATERIALIZE of anything that does either beneath it; and a SEARCH of a LIFELONG index."""
    reads: dict[int, bool] = {}
    bad = []
    for node, _parent, detail in steps:
        match = _STEP.match(detail)
        if match is None:
            continue
        name = match[2].strip('"')
        if name.startswith("(") or _CONSTANTS.match(
            detail
        ):  # "(join-1)", "(subquery-2)": its reads are its children
            continue
        # A name the statement does not explain is taken for a growing table: the guard
        # is not to pass because it could not tell.
        table = names.get(name, f"? {name}")
        whole = (table in growing or table.startswith("?")) and (
            match[1] == "SCAN" or "AUTOMATIC" in detail
        )
        reads[node] = whole
        lifelong = next(
            (why for index, why in LIFELONG.items() if f"INDEX {index} " in detail), None
        )
        if whole:
            bad.append(f"{detail}  (table {table})")
        elif lifelong is not None:
            bad.append(f"{detail}  ({lifelong})")
    children: dict[int, list[int]] = {}
    for node, parent, _detail in steps:
        children.setdefault(parent, []).append(node)

    def beneath(node: int) -> Iterator[int]:
        for child in children.get(node, []):
            yield child
            yield from beneath(child)

    for node, _parent, detail in steps:
        if detail.startswith("MATERIALIZE") and any(reads.get(n) for n in beneath(node)):
            bad.insert(0, detail)
    return bad


class Statements:
    """Each distinct statement run on the engines it is attached to, with one set of its
    parameters."""

    def __init__(self) -> None:
        self.seen: dict[str, Any] = {}
        self.engines: list[Any] = []

    def attach(self, core: Core) -> Core:
        engine = core.sessions.kw["bind"]
        event.listen(engine, "before_cursor_execute", self._seen)
        self.engines.append(engine)
        return core

    def detach(self) -> None:
        for engine in self.engines:
            event.remove(engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: object, _cursor: object, sql: str, parameters: Any, *_: object) -> None:
        self.seen.setdefault(sql, parameters)


class Ran:
    """What the module's simulation and production paths ran, on the file they leave."""

    def __init__(self, database: Path, statements: dict[str, Any], earlier: list[str]) -> None:
        self.database, self.statements, self.earlier = database, statements, earlier


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ran]:
    folder = tmp_path_factory.mktemp("plans")
    statements = Statements()

    def recorded_core(settings: Settings, clock: Clock) -> Core:
        return statements.attach(build_core(settings, clock))

    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(simulated, "build_core", recorded_core)
            result = simulated.simulate(12, 1, days=2, folder=folder)
        # The paths the guard is about, all taken: a change to the simulation that
        # skipped one would leave its statements unchecked.
        assert result.convened and result.reviews and result.by_link and result.report
        assert sum(result.nudges.values()) and sum(result.replies.values())
        database = folder / "simulation.db"
        earlier = _production_paths(database, statements)
        yield Ran(database, statements.seen, earlier)
    finally:
        statements.detach()


def test_no_hot_statement_reads_a_growing_table_whole(ran: Ran) -> None:
    sql = "\n".join(ran.statements)
    for taken in ("UPDATE thread_binding", "record_delivery", "link_token", "scheduled_work"):
        assert taken in sql, taken
    # Messages went to threads bound before (the claim returned their binding).
    assert any(reference.startswith("D1 ") for reference in ran.earlier)

    found = growing_reads(ran.database, ran.statements)

    assert not found, "statements reading a table that grows with history:\n" + "\n".join(found)


def test_the_record_deadline_reads_the_discussions_outbox_rows_not_every_undeliverable_one(
    ran: Ran,
) -> None:
    # Its rows pending or undeliverable: by status alone, that is every message that
    # could never be delivered, since the start.
    counted = [sql for sql in ran.statements if "WHERE outbox.discussion_id = ?" in sql]
    assert counted
    with closing(sqlite3.connect(ran.database)) as connection:
        for sql in counted:
            plan = connection.execute(
                f"EXPLAIN QUERY PLAN {sql}", _parameters(ran.statements[sql])
            ).fetchall()
            assert [row[3] for row in plan] == [
                "SEARCH outbox USING INDEX ix_outbox_discussion (discussion_id=? AND status=?)"
            ]


def _production_paths(database: Path, statements: Statements) -> list[str]:
    """What the simulation does not do, on its database: messages to threads already
    bound (one binding per thread the simulation wrote, as Slack, Teams and email leave
    them), status, the actions list and the report. The earlier references the channel
    was given."""
    start = model().start + timedelta(days=30)
    settings = Settings(database_url=f"sqlite:///{database}", strategy_directory=None)
    core = build_core(settings, SimulatedClock(start))
    try:
        with transaction(core.sessions) as session:
            threads = session.execute(
                select(OutboxRow.recipient, OutboxRow.thread)
                .where(OutboxRow.thread.is_not(None))
                .distinct()
            ).all()
            session.execute(
                insert(ThreadBinding),
                [
                    {
                        "recipient": recipient,
                        "thread": thread,
                        "channel": "slack",
                        "reference": f"D1 {n}",
                        "updated_at": start,
                    }
                    for n, (recipient, thread) in enumerate(threads)
                ],
            )
        statements.attach(core)  # the seeding above is the test's, not the bot's
        channel = Recording("slack")
        bot = Bot(core, channel)
        with unit_of_work(core) as unit:  # new versions of threads already bound
            unit.emit(
                [
                    Outgoing(recipient, Message(Kind.NOTICE, "updated"), thread=thread)
                    for recipient, thread in threads[:3]
                ]
            )
        bot.send()
        social_worker = core.directory.contact("ben.okafor")
        police = core.directory.contact("megan.price")
        assert social_worker is not None and police is not None
        case = "NV-90001"
        for who, command in (
            (
                social_worker,
                f"/strategy convene {case} children=C1 category=standard "
                'meeting="tomorrow 2pm" known=olivia.bennett',
            ),
            (police, f"/strategy accept {case}"),
            (police, f"/strategy status {case}"),
            (police, "/strategy status"),
            (police, "/strategy actions"),
        ):
            bot.command(who, command)
        today = core.calendar.local_date(start)
        with unit_of_work(core) as unit:
            compliance_report(unit, today - timedelta(days=60), today)
        return [earlier for _text, earlier in channel.sent if earlier is not None]
    finally:
        core.close()

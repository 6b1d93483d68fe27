"""The core keeps the database ids of the directory's contacts from the start-up sync
(bot/storage/row_ids.py): a command points at a contact by id, without reading its row
or joining the contact table to match its key. A key the sync did not see is looked up
as before, with the same answer and the same refusal. On SQLite and PostgreSQL."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import select

from bot.app import Bot, build_core
from bot.errors import InputError
from bot.settings import Settings
from bot.shared import contact_id, contact_row
from bot.storage import models
from bot.storage.db import transaction
from bot.storage.row_ids import row_ids
from handlers.console import ConsoleChat
from scheduling.clock import SimulatedClock
from tests.helpers import Ran, recorded_statements, say

ADD = (
    '/strategy action NV-40213 owner=megan.price due="in 2 working days" '
    'text="Complete a DASH risk assessment"'
)


# A statement that finds a contact by its key (a look-up, or a join to match it).
_BY_KEY = re.compile(r'\bcontact\.(?:"key"|key) (?:=|IN)')


def by_key(ran: list[Ran]) -> list[str]:
    return [r.sql for r in ran if _BY_KEY.search(r.sql)]


def contact_loads(ran: list[Ran]) -> list[str]:
    """The statements that read contact rows of their own (not joined to another row)."""
    return [r.sql for r in ran if r.sql.startswith("SELECT contact.")]


def ids_in_database(bot: Bot) -> dict[str, int]:
    with bot.core.sessions() as session:
        return {k: i for k, i in session.execute(select(models.Contact.key, models.Contact.id))}


def test_the_sync_keeps_the_id_of_every_contact_row(bot: Bot) -> None:
    assert bot.core.row_ids.contacts == ids_in_database(bot)
    with bot.core.sessions() as session:
        agencies = {k: i for k, i in session.execute(select(models.Agency.key, models.Agency.id))}
        # Every session of this core carries them: the same object, not a copy.
        assert row_ids(session) is bot.core.row_ids
    assert bot.core.row_ids.agencies == agencies


def test_a_departed_contact_keeps_its_id(
    bot: Bot, database_url: str, clock: SimulatedClock
) -> None:
    """Someone no longer in the directory keeps their row (inactive) and their id: an old
    action they own still names them, as a query by key would."""
    with transaction(bot.core.sessions) as session:
        agency = session.scalars(select(models.Agency)).first()
        assert agency is not None
        session.add(
            models.Contact(
                agency_id=agency.id, key="left.person", name="Left", role="police", email="x@y"
            )
        )
    again = build_core(Settings(database_url=database_url, strategy_directory=None), clock)
    try:
        with again.sessions() as session:
            row = session.scalars(
                select(models.Contact).where(models.Contact.key == "left.person")
            ).one()
            assert row.active is False
            assert again.row_ids.contacts["left.person"] == row.id
            assert contact_id(session, "left.person") == row.id
    finally:
        again.close()


def test_adding_an_action_reads_no_contact_row(convened: Bot) -> None:
    with recorded_statements(convened) as ran:
        reply = say(convened, "asha.patel", ADD)
    assert "Action NV-40213/A1 recorded for Megan Price" in reply.text
    assert by_key(ran) == []
    assert contact_loads(ran) == []
    with convened.core.sessions() as session:
        action = session.scalars(select(models.Action)).one()
        assert action.owner.key == "megan.price"


def test_status_and_actions_match_the_viewer_by_id(convened: Bot) -> None:
    say(convened, "asha.patel", ADD)
    megan = ids_in_database(convened)["megan.price"]
    with recorded_statements(convened) as ran:
        assert "NV-40213" in say(convened, "megan.price", "/strategy status NV-40213").text
        assert "NV-40213/A1" in say(convened, "megan.price", "/strategy actions").text
        assert "NV-40213" in say(convened, "megan.price", "/strategy status").text
    assert by_key(ran) == []
    assert sum(1 for r in ran if megan in _values(r)) >= 3


def test_a_key_the_sync_did_not_see_is_looked_up_as_before(convened: Bot) -> None:
    """Another process's sync may have added the row: the id is read, and kept."""
    megan = convened.core.row_ids.contacts.pop("megan.price")
    with recorded_statements(convened) as ran:
        reply = say(convened, "asha.patel", ADD)
    assert "Action NV-40213/A1 recorded for Megan Price" in reply.text
    assert len(by_key(ran)) == 1
    assert convened.core.row_ids.contacts["megan.price"] == megan
    with convened.core.sessions() as session:
        assert session.scalars(select(models.Action.owner_id)).one() == megan


def test_a_key_with_no_row_gets_the_same_refusal(bot: Bot) -> None:
    with bot.core.sessions() as session:
        for look_up in (contact_id, contact_row):
            with pytest.raises(InputError) as refused:
                look_up(session, "nobody.here")
            assert str(refused.value) == "'nobody.here' is not in the partner directory."
    assert "nobody.here" not in bot.core.row_ids.contacts


def test_an_unknown_owner_is_still_refused(convened: Bot) -> None:
    reply = say(
        convened,
        "asha.patel",
        '/strategy action NV-40213 owner=nobody.here due="friday" text="Check the housing"',
    )
    assert "nobody.here" in reply.text
    with convened.core.sessions() as session:
        assert session.scalars(select(models.Action)).all() == []


def test_each_core_keeps_the_ids_of_its_own_database(
    bot: Bot, tmp_path: Path, clock: SimulatedClock
) -> None:
    """Two bots in one process, on two databases: each session carries its own core's ids."""
    other = build_core(
        Settings(database_url=f"sqlite:///{tmp_path}/other.db", strategy_directory=None), clock
    )
    try:
        second = Bot(other, ConsoleChat(other.directory, Console(file=io.StringIO())))
        assert other.row_ids.contacts == ids_in_database(second)
        other.row_ids.contacts.pop("megan.price")
        assert bot.core.row_ids.contacts == ids_in_database(bot)
        with other.sessions() as session:
            assert row_ids(session) is other.row_ids
        with bot.core.sessions() as session:
            assert row_ids(session) is bot.core.row_ids
    finally:
        other.close()


def _values(ran: Ran) -> list[object]:
    parameters = ran.parameters
    if isinstance(parameters, dict):
        return list(parameters.values())
    return list(parameters or ())

"""`strategy-bot jobs` lists what could not be delivered; the migration keeps old threads."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from rich.console import Console
from sqlalchemy import create_engine, select, text
from typer.testing import CliRunner

from bot.app import Bot, build_core
from bot.cli import app
from bot.settings import Settings
from bot.storage.db import alembic_config, normalise_url
from bot.storage.outbox_models import ThreadBinding
from handlers.console import ConsoleChat
from handlers.teams.store import TeamsStore
from scheduling.clock import SimulatedClock
from tests.conftest import MONDAY_0930
from tests.helpers import CONVENE, say
from tests.outbox.test_delivery import Refusing


def test_jobs_lists_who_could_not_be_reached(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    core = build_core(
        Settings(database_url=url, strategy_directory=None), SimulatedClock(MONDAY_0930)
    )
    chat = Refusing("console", {"megan.price"})
    say(Bot(core, chat), "ben.okafor", CONVENE)
    core.close()
    result = CliRunner().invoke(
        app,
        ["jobs", "--database", url, "--now", "2026-11-23T10:00:00+00:00"],
        env={"COLUMNS": "250"},
    )
    assert result.exit_code == 0, result.output
    [row] = [line for line in result.output.splitlines() if "megan.price" in line]
    assert "UNDELIVERABLE" in row and "invitation" in row and "NV-40213" in row
    assert "1 message(s) could not be delivered on any channel" in result.output
    assert "add a chat id or an email in the directory" in result.output


def test_the_migration_moves_slack_and_teams_threads_into_thread_bindings(
    database_url: str,
) -> None:
    config = alembic_config(database_url)
    command.downgrade(config, "0014_find_a_time")
    engine = create_engine(normalise_url(database_url))
    now = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO slack_message (recipient, thread, channel, ts, posted_at) "
                "VALUES ('megan.price', 'invitation:1', 'D0MEGAN', '1700000000.0001', :now)"
            ),
            {"now": now},
        )
        connection.execute(
            text(
                "INSERT INTO teams_conversation (key, conversation_id, service_url, updated_at) "
                "VALUES ('29:1asha-patel', 'a:chat-asha', 'https://smba.example', :now)"
            ),
            {"now": now},
        )
        connection.execute(
            text(
                "INSERT INTO teams_message (conversation_id, thread, activity_id, updated_at) "
                "VALUES ('a:chat-asha', 'quorum:1', 'act-7', :now)"
            ),
            {"now": now},
        )
    engine.dispose()
    command.upgrade(config, "head")

    core = build_core(
        Settings(database_url=database_url, strategy_directory=None), SimulatedClock(MONDAY_0930)
    )
    TeamsStore(core).adopt_bindings(core.directory, "teams")  # as the Teams channel does
    with core.sessions() as session:
        bindings = {
            (b.recipient, b.thread): (b.channel, b.reference)
            for b in session.scalars(select(ThreadBinding))
        }
    core.close()
    assert bindings == {
        ("megan.price", "invitation:1"): ("slack", "D0MEGAN 1700000000.0001"),
        ("asha.patel", "quorum:1"): ("teams", "a:chat-asha act-7"),
    }


def test_the_console_says_a_later_version_updates_the_earlier(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    core = build_core(
        Settings(database_url=url, strategy_directory=None), SimulatedClock(MONDAY_0930)
    )
    out = io.StringIO()
    bot = Bot(core, ConsoleChat(core.directory, Console(file=out, width=200)))
    say(bot, "ben.okafor", CONVENE)
    say(bot, "megan.price", "/strategy accept NV-40213")
    core.close()
    assert "updated for Megan Price" in out.getvalue()

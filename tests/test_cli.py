"""The command line as a newcomer meets it: the console, the demo, migrate, the wheel."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from bot.app import SchemaOutOfDate, build_core
from bot.cli import app
from bot.settings import Settings
from fakes.postgres import PostgresServer
from scheduling.clock import SimulatedClock
from tests.conftest import MONDAY_0930

runner = CliRunner()
REPO = Path(__file__).resolve().parent.parent


def console(tmp_path: Path, script: str) -> str:
    result = runner.invoke(
        app,
        [
            "console",
            "--database",
            f"sqlite:///{tmp_path / 'c.db'}",
            "--start",
            MONDAY_0930.isoformat(),
        ],
        input=script,
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_the_console_reads_a_script_from_a_pipe_and_ends_with_the_input(tmp_path: Path) -> None:
    output = console(
        tmp_path,
        "\n".join(
            [
                "/strategy help",
                "as nobody.at.all",
                "as ben.okafor",
                "/strategy help",
                'strategy convene NV-40213 children=C1 category=standard meeting="tomorrow 2pm" '
                "known=olivia.bennett",
                "clock +90m",
                "frobnicate",
                "help",
            ]
        ),
    )
    assert "First choose who you are" in output
    assert "'nobody.at.all' is not in the directory" in output
    assert "You are now Ben Okafor, Social worker" in output
    assert "/strategy convene NV-40213 children=" in output  # help lists convene for convenors
    assert "── to Olivia Bennett (Health visitor)" in output
    assert "── to Asha Patel (Team manager)" in output
    # At the cutoff, health has not confirmed: the MASH nurse is invited.
    assert "── to Zoe Fletcher (MASH nurse)" in output
    assert "The time is now Mon 23 Nov 2026, 11:00 GMT." in output
    assert "Unknown console command 'frobnicate'" in output
    assert "clock tomorrow 9am" in output  # the console help


def test_a_typed_record_that_cannot_be_finalised_says_its_changes_were_saved(
    tmp_path: Path,
) -> None:
    output = console(
        tmp_path,
        "\n".join(
            [
                "as ben.okafor",
                'strategy convene NV-40213 children=C1 category=standard meeting="today 10am" '
                "known=olivia.bennett",
                "clock +1h",
                "as asha.patel",
                'strategy record NV-40213 s47="joint: C1 has bruising" finalise=yes',
            ]
        ),
    )
    assert "── not finalised, reply to Asha Patel" in output
    assert "your changes are saved in the draft" in output
    assert "Your other changes are saved in the draft" in output
    assert "nothing changed" not in output.split("finalise=yes")[-1]


def test_the_console_refuses_a_clock_it_cannot_read(tmp_path: Path) -> None:
    output = console(tmp_path, "clock whenever\nclock")
    assert "could not read 'whenever'" in output
    assert "The time is now Mon 23 Nov 2026, 09:30 GMT." in output


def test_who_lists_the_directory(tmp_path: Path) -> None:
    output = console(tmp_path, "who")
    assert "Northvale Police (police)" in output
    assert "zoe.fletcher" in output and "MASH nurse" in output


def test_the_demo_tells_the_whole_story() -> None:
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    story = [
        "Only a social worker or team manager",  # a bad input, refused
        "── to Megan Price (Domestic abuse unit)",  # invitations
        "Strategy discussion convened for case NV-40213",  # the convenor's reply
        'declined: "On annual leave',  # a health decline
        "Zoe Fletcher (MASH nurse) has been invited",  # the fallback
        "you have accepted",  # acceptances
        "can go ahead",  # quorum met
        "No reply from: Callum Fraser",  # the meeting time
        "Action NV-40213/A1 recorded",  # actions added
        "Reminder: action NV-40213/A1",  # a nudge
        "Action NV-40213/A2 was closed by you",  # an action closed
        "── to Tessa Morgan (GP) · by email in production",  # a GP reached only by email
        "(open @tessa.morgan answers through the link",  # her email's links are shown
        "open @tessa.morgan accept",  # she answers through the page
        "(known to the family: GP): accepted [reached by email]",  # the chair's view updates
        "You accepted the invitation. The chair can see your answer.",  # the page thanks her
        "Review strategy discussion 2 for case NV-40213#2",  # a review of the first case
        "Megan Price (attended the last discussion: Domestic abuse unit)",  # continuity
        "Open actions carried forward: NV-40213/A1, NV-40213/A3",
        "Action NV-40213/A4 recorded",  # the numbering continues across the case
        "of which the same police unit and health professional as the first  1/1 (100%)",
        "0 waiting, 0 could not be delivered",  # the outbox: everything delivered
    ]
    positions = [result.output.find(marker) for marker in story]
    assert all(p >= 0 for p in positions), list(zip(story, positions, strict=True))
    assert positions == sorted(positions)


def test_strategy_bot_with_no_command_starts_the_console_on_a_sqlite_file(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "STRATEGY_DIRECTORY")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
        ],
        input="as asha.patel\n/strategy status\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "You have no upcoming strategy discussions." in result.stdout
    assert (tmp_path / "strategy-bot.db").exists()


def test_migrate_brings_an_empty_database_up_to_date(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    result = runner.invoke(app, ["migrate", "--database", url])
    assert result.exit_code == 0, result.output
    engine = create_engine(url)
    with engine.connect() as connection:
        tables = {
            row[0]
            for row in connection.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))
        }
    engine.dispose()
    assert {"discussion", "invitation", "action", "audit_event", "scheduled_work"} <= tables


def test_postgresql_must_be_migrated_explicitly(postgres_server: PostgresServer) -> None:
    admin = create_engine(postgres_server.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("CREATE DATABASE unmigrated"))
    admin.dispose()
    url = postgres_server.url_for("unmigrated")
    settings = Settings(database_url=url, strategy_directory=None)
    with pytest.raises(SchemaOutOfDate, match="run 'strategy-bot migrate' first"):
        build_core(settings, SimulatedClock(MONDAY_0930))
    assert runner.invoke(app, ["migrate", "--database", url]).exit_code == 0
    build_core(settings, SimulatedClock(MONDAY_0930)).close()


@pytest.mark.slow
def test_a_wheel_installed_in_a_fresh_virtual_environment_runs_the_demo(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(REPO),
            "--no-deps",
            "-w",
            str(tmp_path / "dist"),
            "-q",
        ],
        check=True,
        timeout=300,
    )
    wheel = next((tmp_path / "dist").glob("strategy_bot-*.whl"))
    # Dependencies come from the site-packages of the interpreter running the tests
    # (a virtual environment's, or the system's), without their .pth files, so that an
    # editable strategy-bot there is not seen; strategy-bot itself comes only from the
    # wheel, so a file left out of the wheel fails here.
    venv.EnvBuilder(system_site_packages=False, with_pip=False).create(tmp_path / "venv")
    python = tmp_path / "venv" / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    ours = [path for path in sys.path if Path(path).name in ("site-packages", "dist-packages")]
    (Path(purelib) / "dependencies-of-the-test-run.pth").write_text(
        "\n".join(ours) + "\n", encoding="utf-8"
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "-q",
            str(wheel),
        ],
        check=True,
        timeout=300,
    )
    where = subprocess.run(
        [str(python), "-c", "import bot, templates; print(bot.__file__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    )
    assert str(tmp_path / "venv") in where.stdout
    demo = subprocess.run(
        [str(tmp_path / "venv" / "bin" / "strategy-bot"), "demo"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert demo.returncode == 0, demo.stderr
    assert "Action NV-40213/A2 was closed by you" in demo.stdout

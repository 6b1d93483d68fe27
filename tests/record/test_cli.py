"""The command line: record import and export, and the report in each format."""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import select
from typer.testing import CliRunner

from bot.app import Bot, build_core
from bot.cli import app
from bot.settings import Settings
from bot.storage import models
from bot.storage.db import make_engine, make_sessionmaker
from bot.storage.record_models import RecordVersion
from handlers.console import ConsoleChat
from scheduling.clock import SimulatedClock
from tests.conftest import MONDAY_0930
from tests.helpers import CONVENE, say

runner = CliRunner()
AFTER_THE_MEETING = "2026-11-24T15:00:00+00:00"

RECORD = """\
# The record of NV-40213, written after the meeting (synthetic).
attended: [asha.patel, ben.okafor, megan.price, olivia.bennett]
absent: {bethany.cole: teaching all afternoon; sent a written report}
children: [C1, C2]
concern: bruising to C1's arm seen at school after police attended a domestic abuse incident
harm: [physical, emotional]
shared:
  police: two call-outs to the address since October
  health: C2 missed her last two health visiting appointments
s47: {decision: joint, rationale: injury and account meet the threshold}
family: "partial: mother told today; her partner after the police interview"
marac: {decision: yes, note: police to refer after the DASH assessment}
lado: no
actions:
  - {owner: megan.price, due: in 2 working days, text: Complete a DASH risk assessment}
  - {owner: george.palmer, due: friday, text: Check refuge places}
finalise: true
"""


@pytest.fixture
def database(sqlite_template: Path, tmp_path: Path) -> str:
    """A SQLite database in which NV-40213 has been convened, answered and held."""
    shutil.copy(sqlite_template, tmp_path / "cli.db")
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    clock = SimulatedClock(MONDAY_0930)
    core = build_core(Settings(database_url=url, strategy_directory=None), clock)
    bot = Bot(core, ConsoleChat(core.directory, Console(file=io.StringIO())))
    say(bot, "ben.okafor", CONVENE)
    say(bot, "megan.price", "/strategy accept NV-40213")
    say(bot, "olivia.bennett", "/strategy accept NV-40213")
    clock.advance(timedelta(days=1, hours=5))
    bot.run_due_work()
    core.close()
    return url


def versions(url: str) -> list[tuple[int, str]]:
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        rows = [(v.version, v.status) for v in session.scalars(select(RecordVersion))]
    engine.dispose()
    return rows


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_a_record_file_is_imported_finalised_and_exported(database: str, tmp_path: Path) -> None:
    path = tmp_path / "record.yaml"
    path.write_text(RECORD, encoding="utf-8")
    code, output = invoke(
        "record",
        "import",
        "NV-40213",
        str(path),
        "--as",
        "asha.patel",
        "--database",
        database,
        "--now",
        AFTER_THE_MEETING,
    )
    assert code == 0, output
    assert "Saved: attended, absent, children, concern, harm, shared.police" in output
    assert "Action NV-40213/A2 recorded for George Palmer" in output
    assert "Record of case NV-40213 finalised: version 1." in output
    assert "── to George Palmer (Housing officer)" in output  # told of the action
    assert versions(database) == [(1, "final")]

    pdf, markdown = tmp_path / "record.pdf", tmp_path / "record.md"
    for target in (pdf, markdown):
        code, output = invoke(
            "record",
            "export",
            "NV-40213",
            "--output",
            str(target),
            "--as",
            "megan.price",
            "--database",
            database,
        )
        assert code == 0, output
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = markdown.read_text(encoding="utf-8")
    assert "| Section 47 enquiry | joint | injury and account meet the threshold |" in text
    assert "| MARAC referral | yes | police to refer after the DASH assessment |" in text
    assert "| Bethany Cole |" in text and "teaching all afternoon; sent a written report" in text
    code, output = invoke(
        "record",
        "export",
        "NV-40213",
        "--output",
        str(pdf),
        "--as",
        "george.palmer",
        "--database",
        database,
    )
    assert code == 2 and "You have no strategy discussion for case NV-40213" in output

    # Importing the same file again is a change to a final record: it needs a reason...
    code, output = invoke(
        "record",
        "import",
        "NV-40213",
        str(path),
        "--as",
        "asha.patel",
        "--database",
        database,
        "--now",
        AFTER_THE_MEETING,
    )
    assert code == 2 and "A change is a correction: give its reason" in " ".join(output.split())
    # ...and with one it is version 2, with no second copy of the actions.
    path.write_text(RECORD.replace("lado: no", "lado: no\nreason: LADO was left out"), "utf-8")
    code, output = invoke(
        "record",
        "import",
        "NV-40213",
        str(path),
        "--as",
        "asha.patel",
        "--database",
        database,
        "--now",
        AFTER_THE_MEETING,
    )
    assert code == 0, output
    assert versions(database) == [(1, "final"), (2, "final")]
    engine = make_engine(database)
    with make_sessionmaker(engine)() as session:
        assert len(session.scalars(select(models.Action)).all()) == 2
    engine.dispose()


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("- just a list", "must hold the record's fields"),
        ("s47: [joint", "is not valid YAML"),
        ("actions:\n  - {owner: megan.price, text: DASH}", "Action 1 in the file has no due"),
        ("actions:\n  - {owner: nobody, due: friday, text: DASH}", "'nobody' is not in the"),
        ("s47: joint", "Give the rationale for the s47 decision"),
        ("s47: {verdict: joint}", "takes decision and rationale"),
    ],
)
def test_a_bad_file_writes_nothing(
    database: str, tmp_path: Path, content: str, problem: str
) -> None:
    path = tmp_path / "record.yaml"
    path.write_text(content, encoding="utf-8")
    code, output = invoke(
        "record",
        "import",
        "NV-40213",
        str(path),
        "--as",
        "asha.patel",
        "--database",
        database,
        "--now",
        AFTER_THE_MEETING,
    )
    assert code == 2, output
    assert problem in " ".join(output.split())
    assert versions(database) == []


def test_the_report_in_every_format(database: str, tmp_path: Path) -> None:
    base = [
        "report",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
        "--database",
        database,
        "--now",
        "2026-11-30T10:00:00+00:00",
    ]
    code, output = invoke(*base)
    assert code == 0, output
    assert "Discussions held" in output and "Referral and Assessment" in output
    code, output = invoke(*base, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(output)))
    overall = {r["figure"]: r for r in rows if r["group_type"] == "overall"}
    assert overall["held"]["count"] == "1"
    assert overall["health_attended"]["count"] == "1"  # from the acceptances: no record yet
    assert overall["records_finalised"]["count"] == "0"
    code, output = invoke(*base, "--format", "json")
    assert json.loads(output)["overall"]["within_timescale"] == {
        "count": 1,
        "total": 1,
        "percent": 100.0,
    }
    chart = tmp_path / "chart.png"
    code, output = invoke(*base, "--format", "png", "--output", str(chart))
    assert code == 0 and chart.read_bytes().startswith(b"\x89PNG")
    for bad, problem in [
        (["--format", "xml"], "--format takes table, csv, json, png"),
        (["--format", "png"], "A chart needs a file"),
    ]:
        code, output = invoke(*base, *bad)
        assert code == 2 and problem in output
    code, output = invoke("report", "--from", "1/11/2026", "--to", "2026-11-30")
    assert code == 2 and "--from takes a date as YYYY-MM-DD" in output
    code, output = invoke("report", "--from", "2026-11-30", "--to", "2026-11-01")
    assert code == 2 and "is before --from" in output

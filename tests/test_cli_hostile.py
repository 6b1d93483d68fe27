"""Every command line mistake is a message and exit status 2, never a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app

runner = CliRunner()
NOW = "2026-11-23T09:30:00+00:00"
HUGE = "x" * 100_000
NO_FILE = "sqlite:///typo.db"
UNREACHABLE = "postgresql://nobody@127.0.0.1:1/strategy"
HOSTILE_TIMES = ["yesterday", "", "+99999999999d", "9999-12-31T23:59+00:00", "0001-01-01", HUGE]


def cases(folder: Path) -> list[list[str]]:
    db = f"sqlite:///{folder / 'real.db'}"
    bad_record = folder / "bad.yaml"
    bad_record.write_text(
        'actions:\n  - {owner: megan.price, due: "+99999999999d", text: "Visit the family"}\n'
        '  - {owner: megan.price, due: "in 99999999999 minutes", text: "Visit the family"}\n',
        encoding="utf-8",
    )
    commands: list[list[str]] = []
    for database in ["foo://bar", "::::", UNREACHABLE, "sqlite:////no/such/folder/x.db"]:
        commands += [
            ["jobs", "--database", database],
            ["migrate", "--database", database],
            ["console", "--database", database],
            ["serve", "--database", database],
            ["report", "--from", "2026-11-01", "--to", "2026-11-30", "--database", database],
        ]
    commands += [
        ["jobs", "--database", NO_FILE],
        ["report", "--from", "2026-11-01", "--to", "2026-11-30", "--database", NO_FILE],
        [
            "record",
            "export",
            "NV-40213",
            "--output",
            "x.pdf",
            "--as",
            "asha.patel",
            "--database",
            NO_FILE,
        ],
        [
            "record",
            "export",
            "NV-40213",
            "--output",
            "/no/such/folder/x.pdf",
            "--as",
            "asha.patel",
            "--database",
            db,
        ],
        [
            "report",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--format",
            "png",
            "--output",
            "/no/such/folder/x.png",
            "--database",
            db,
        ],
        ["record", "import", "NV-40213", str(bad_record), "--as", "asha.patel", "--database", db],
        ["record", "import", "NV-40213", str(folder / "missing.yaml"), "--as", "asha.patel"],
        ["report", "--from", "2026-13-01", "--to", "2026-11-30", "--database", db],
        ["simulate", "--referrals", "1", "--seed", "1", "--chart", "/no/such/folder/x.png"],
        ["when", HUGE],
        ["when", "\x00\x1b[2J"],
        ["deadline", "--identified", "99999999999 minutes ago", "--category", "standard"],
        ["deadline", "--identified", "today", "--category", "nonsense"],
    ]
    for when in HOSTILE_TIMES[1:]:
        commands.append(["deadline", "--identified", when, "--category", "standard"])
    for when in HOSTILE_TIMES:
        commands += [
            ["jobs", "--database", db, "--now", when],
            ["console", "--database", db, "--start", when],
            ["when", "tomorrow 2pm", "--now", when],
            [
                "report",
                "--from",
                "2026-11-01",
                "--to",
                "2026-11-30",
                "--database",
                db,
                "--now",
                when,
            ],
        ]
    return commands


def test_hostile_arguments_get_a_message_and_exit_status_2(
    tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(sqlite_template, tmp_path / "real.db")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-hostile")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    failures = []
    for args in cases(tmp_path):
        result = runner.invoke(app, args, input="")
        crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
        shown = " ".join(a[:40] for a in args)
        if crashed or "Traceback" in result.output or result.exit_code != 2:
            failures.append(f"{shown}: exit {result.exit_code}, {result.exception!r}")
        elif not result.output.strip():
            failures.append(f"{shown}: no message")
    assert failures == [], "\n".join(failures)
    assert not (tmp_path / "typo.db").exists()  # a command that only reads creates nothing


def test_a_start_without_an_offset_is_local_time(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["console", "--database", f"sqlite:///{tmp_path / 'c.db'}", "--start", "2027-06-01T09:30"],
        input="clock\n",
    )
    assert result.exit_code == 0, result.output
    assert "The time is now Tue 1 Jun 2027, 09:30 BST." in result.output

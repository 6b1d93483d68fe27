"""Routing: the directory's `reach:` keys, and which channels reach each person (bot/routing.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from bot.cli import app as cli_app
from bot.cli_directory import check_command
from bot.directory import Directory, check_directory, load_directory
from bot.messages import Kind
from bot.routing import Router, describe, reach_of, reach_problems
from handlers.platforms import PLATFORM_KEYS

DIRECTORY = (Path(__file__).parent / "data" / "directories" / "reach.yaml").read_text(
    encoding="utf-8"
)


@pytest.fixture
def directory(tmp_path: Path) -> Directory:
    path = tmp_path / "directory.yaml"
    path.write_text(DIRECTORY, encoding="utf-8")
    return load_directory(path, PLATFORM_KEYS)


def test_the_order_is_the_contacts_else_the_agencys_else_the_partnerships(
    directory: Directory,
) -> None:
    assert directory.partnership.reach == ("teams", "slack", "email")
    assert directory.partnership.email_copy_of_invitations
    ways = {
        c.id: [(r.channel, r.address) for r in reach_of(directory, c)] for c in directory.contacts()
    }
    assert ways["tm.one"] == [("teams", "29:1tm"), ("email", "tm@tv.example")]
    assert ways["sw.one"] == [("email", "sw@tv.example")]  # no Teams id: Teams cannot reach them
    # Slack finds people by email when the directory has no Slack id.
    assert ways["pc.one"] == [("slack", "U0TV0000001"), ("email", "pc@tv.example")]
    assert ways["pc.two"] == [("email", "pc2@tv.example")]
    assert ways["gp.one"] == []
    assert ways["gp.two"] == [("slack", None)]


def test_the_router_keeps_the_channels_this_process_has(directory: Directory) -> None:
    both = Router(directory, ["teams", "slack", "email"])
    assert both.channels("tm.one") == ["teams", "email"]
    assert both.channels("pc.one") == ["slack", "email"]
    teams_only = Router(directory, ["teams", "email"])
    assert teams_only.channels("pc.one") == ["email"]
    assert teams_only.channels("gp.two") == []
    assert teams_only.channels("nobody") == []
    assert teams_only.notices() == ["teams"]
    assert both.notices() == ["teams", "slack"]
    console = Router(directory, ["console"])
    assert console.channels("gp.one") == ["console"] and console.notices() == ["console"]


def test_invitations_also_go_by_email_to_people_reached_in_chat_when_asked(
    directory: Directory,
) -> None:
    router = Router(directory, ["teams", "slack", "email"])
    assert router.copies("tm.one", Kind.INVITATION) == ["email"]
    assert router.copies("tm.one", Kind.NUDGE) == []
    assert router.copies("pc.two", Kind.INVITATION) == []  # email is their route already
    assert Router(directory, ["teams"]).copies("tm.one", Kind.INVITATION) == []


def test_reach_problems_name_the_unreachable_and_the_unconfigured(directory: Directory) -> None:
    problems = {p.contact.id: p.unconfigured for p in reach_problems(directory, ["teams", "email"])}
    assert problems == {"gp.one": (), "gp.two": ("slack",)}
    assert describe(["teams", "email"]) == "Teams, then email"
    assert "add a chat id or an email" in describe([])


def test_the_sample_reaches_everyone_with_email_alone() -> None:
    sample = load_directory()
    assert reach_problems(sample, ["email"]) == []
    router = Router(sample, ["teams", "slack", "email"])
    assert router.channels("asha.patel") == ["teams", "slack", "email"]
    assert router.channels("megan.price") == ["slack", "email"]
    for email_only in ("tessa.morgan", "umar.farooq", "yasmin.ali", "callum.fraser", "owen.hughes"):
        assert router.channels(email_only) == ["email"], email_only


@pytest.mark.parametrize(
    ("old", "new", "line", "problem"),
    [
        ("reach: [teams, email]", "reach: [teams, fax]", 9, "unknown channel 'fax'"),
        ("reach: [teams, email]", "reach: [teams, teams]", 9, "listed twice"),
        ("reach: [teams, email]", "reach: teams", 9, "must be a list of channels"),
        ("reach: [email]}", "reach: []}", 18, "must be a list of channels"),
        ("email_copy_of_invitations: true", "email_copy_of_invitations: maybe", 4, "true or false"),
        ("order: [teams, slack, email]", "order: [pigeon]", 4, "unknown channel 'pigeon'"),
        ("email_copy_of_invitations: true", "copies: true", 4, "unknown key 'copies'"),
    ],
)
def test_bad_reach_is_reported_with_its_line(
    tmp_path: Path, old: str, new: str, line: int, problem: str
) -> None:
    path = tmp_path / "directory.yaml"
    assert old in DIRECTORY
    path.write_text(DIRECTORY.replace(old, new, 1), encoding="utf-8")
    problems = check_directory(path, PLATFORM_KEYS)
    assert [(p.line, problem in p.message) for p in problems] == [(line, True)], problems


def test_directory_check_reports_who_cannot_be_reached(tmp_path: Path) -> None:
    app = typer.Typer()
    app.command()(check_command)
    path = tmp_path / "directory.yaml"
    path.write_text(DIRECTORY, encoding="utf-8")
    result = CliRunner().invoke(app, [str(path), "--platforms", "teams"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[1] == "Reach, with Teams, email:"
    assert f"{path}:25: contact 'gp.one' cannot be reached at all" in result.output
    assert f"{path}:26: contact 'gp.two' is only reached on Slack, which is not configured" in (
        result.output
    )
    with_slack = CliRunner().invoke(app, [str(path), "--platforms", "teams,slack"])
    assert "gp.two" not in with_slack.output and with_slack.exit_code == 1
    wrong = CliRunner().invoke(app, [str(path), "--platforms", "fax"])
    assert wrong.exit_code == 2 and "unknown chat platform fax" in wrong.output


def test_the_console_says_how_someone_would_be_reached(tmp_path: Path) -> None:
    script = "as tessa.morgan\nas megan.price\n"
    result = CliRunner().invoke(
        cli_app, ["console", "--database", f"sqlite:///{tmp_path / 'bot.db'}"], input=script
    )
    assert result.exit_code == 0, result.output
    assert (
        "In production they are reached by email (tessa.morgan@northvale-health.nhs.example)."
        in (result.output)
    )
    assert "reached by Slack (U0NVMP20005), then email" in result.output

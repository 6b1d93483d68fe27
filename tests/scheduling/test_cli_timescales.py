"""The `deadline` and `when` commands, through Typer's test runner."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from bot.cli_timescales import deadline_command, when_command
from scheduling.rules import CalendarSettings
from scheduling.timetext import TimeTextError, parse_meeting_time
from scheduling.workdays import WorkingCalendar

app = typer.Typer()
app.command("deadline")(deadline_command)
app.command("when")(when_command)
runner = CliRunner()

# Well after every example, so that each identification time is in the past.
LATER = "2027-01-15T12:00:00+00:00"
NOW = "2026-11-20T10:00:00+00:00"  # Friday 20 November 2026, 10:00 GMT


def run(*args: str) -> Any:
    return runner.invoke(app, list(args))


def run_json(*args: str) -> dict[str, Any]:
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    payload: dict[str, Any] = json.loads(result.stdout)
    return payload


# -- deadline ---------------------------------------------------------------------

STANDARD_RULE = (
    "standard: by the end of the 3rd working day after the day the concern was identified (day 0)"
)


@pytest.mark.parametrize(
    ("identified", "category", "expected"),
    [
        (
            "2026-12-18 16:00",
            "standard",
            {
                "category": "standard",
                "identified_at": "2026-12-18T16:00:00+00:00",
                "due_date": "2026-12-23",
                "deadline": "2026-12-23T23:59:59+00:00",
                "rule": STANDARD_RULE,
                "working_days": 3,
                "region": "england_wales",
            },
        ),
        (
            "2026-12-23 10:00",
            "standard",
            {
                "category": "standard",
                "identified_at": "2026-12-23T10:00:00+00:00",
                "due_date": "2026-12-30",
                "deadline": "2026-12-30T23:59:59+00:00",
                "rule": STANDARD_RULE,
                "working_days": 3,
                "region": "england_wales",
            },
        ),
        (
            "Sat 21 Nov 2026 11:00",
            "standard",
            {
                "category": "standard",
                "identified_at": "2026-11-21T11:00:00+00:00",
                "due_date": "2026-11-25",
                "deadline": "2026-11-25T23:59:59+00:00",
                "rule": STANDARD_RULE,
                "working_days": 3,
                "region": "england_wales",
            },
        ),
        (
            "21/11/2026 14:00",
            "serious_harm",
            {
                "category": "serious_harm",
                "identified_at": "2026-11-21T14:00:00+00:00",
                "due_date": "2026-11-21",
                "deadline": "2026-11-21T23:59:59+00:00",
                "rule": "serious_harm: by the end of the same calendar day",
                "working_days": 0,
                "region": "england_wales",
            },
        ),
        (
            "2026-04-02 12:00",
            "immediate_action",
            {
                "category": "immediate_action",
                "identified_at": "2026-04-02T12:00:00+01:00",
                "due_date": "2026-04-07",
                "deadline": "2026-04-07T23:59:59+01:00",
                "rule": "immediate_action: by the end of the 1st working day after the day the "
                "concern was identified (day 0)",
                "working_days": 1,
                "region": "england_wales",
            },
        ),
        (
            "18 May 2026 12:00",
            "complex",
            {
                "category": "complex",
                "identified_at": "2026-05-18T12:00:00+01:00",
                "due_date": "2026-05-26",
                "deadline": "2026-05-26T23:59:59+01:00",
                "rule": "complex: by the end of the 5th working day after the day the concern "
                "was identified (day 0)",
                "working_days": 5,
                "region": "england_wales",
            },
        ),
    ],
)
def test_deadline_json_for_the_examples_of_the_issue(
    identified: str, category: str, expected: dict[str, Any]
) -> None:
    payload = run_json(
        "deadline", "--identified", identified, "--category", category, "--now", LATER
    )
    assert payload == expected


def test_deadline_across_the_spring_clock_change() -> None:
    payload = run_json(
        "deadline", "--identified", "2026-03-28 23:30", "--category", "standard", "--now", LATER
    )
    assert payload["identified_at"] == "2026-03-28T23:30:00+00:00"
    assert payload["due_date"] == "2026-04-01"
    assert payload["deadline"] == "2026-04-01T23:59:59+01:00"


def test_deadline_in_words() -> None:
    result = run(
        "deadline", "--identified", "2026-12-18 16:00", "--category", "standard", "--now", LATER
    )
    assert result.exit_code == 0
    assert result.stdout == (
        "standard concern identified Fri 18 Dec 2026, 16:00 GMT: strategy discussion due by "
        "Wed 23 Dec 2026 (deadline Wed 23 Dec 2026, 23:59 GMT).\n"
        f"Rule: {STANDARD_RULE}\n"
    )


@pytest.mark.parametrize(
    ("identified", "identified_at", "due_date"),
    [
        ("now", "2026-11-20T10:00:00+00:00", "2026-11-25"),
        ("yesterday 4pm", "2026-11-19T16:00:00+00:00", "2026-11-24"),
        ("yesterday", "2026-11-19T09:00:00+00:00", "2026-11-24"),
        ("2 hours ago", "2026-11-20T08:00:00+00:00", "2026-11-25"),
        ("monday 10am", "2026-11-16T10:00:00+00:00", "2026-11-19"),
    ],
)
def test_deadline_reads_the_identification_time_relative_to_now(
    identified: str, identified_at: str, due_date: str
) -> None:
    payload = run_json(
        "deadline", "--identified", identified, "--category", "standard", "--now", NOW
    )
    assert (payload["identified_at"], payload["due_date"]) == (identified_at, due_date)


@pytest.mark.parametrize(
    ("region", "due_date"),
    [
        ("england_wales", "2026-12-02"),
        ("scotland", "2026-12-03"),
        ("northern_ireland", "2026-12-02"),
    ],
)
def test_deadline_by_region(region: str, due_date: str) -> None:
    payload = run_json(
        "deadline",
        "--identified",
        "27/11/2026 12:00",
        "--category",
        "standard",
        "--region",
        region,
        "--now",
        LATER,
    )
    assert payload["due_date"] == due_date
    assert payload["region"] == region


def test_now_without_an_offset_is_local_time() -> None:
    payload = run_json(
        "deadline", "--identified", "now", "--category", "serious_harm", "--now", "2026-06-01T23:30"
    )
    assert payload["identified_at"] == "2026-06-01T23:30:00+01:00"
    assert payload["due_date"] == "2026-06-01"


def test_without_now_the_real_clock_is_used() -> None:
    before = datetime.now(UTC)
    payload = run_json("deadline", "--identified", "now", "--category", "serious_harm")
    identified_at = datetime.fromisoformat(payload["identified_at"])
    assert before <= identified_at <= datetime.now(UTC)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--category", "urgent", "--now", NOW],
            "Unknown category 'urgent'. Valid categories: serious_harm, sexual_abuse_forensic, "
            "immediate_action, standard, complex.\n",
        ),
        (
            ["--category", "standard", "--region", "wales", "--now", NOW],
            "Unknown region 'wales'. Valid regions: england_wales, scotland, northern_ireland.\n",
        ),
        (
            ["--category", "standard", "--now", "next tuesday"],
            "--now takes an ISO 8601 time such as '2026-11-23T09:30' (local time) or "
            "'2026-11-23T09:30+00:00', not 'next tuesday'.\n",
        ),
    ],
)
def test_deadline_refuses_unknown_values(args: list[str], message: str) -> None:
    result = run("deadline", "--identified", "now", *args)
    assert result.exit_code == 2
    assert result.stderr == message
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("identified", "fragment"),
    [
        ("tomorrow", "'tomorrow' is Sat 21 Nov 2026, which is in the future"),
        ("Christmas Eve", "I could not read 'Christmas Eve' as a date or time."),
    ],
)
def test_deadline_refuses_unusable_identification_times(identified: str, fragment: str) -> None:
    result = run(
        "deadline", "--identified", identified, "--category", "standard", "--now", NOW, "--json"
    )
    assert result.exit_code == 2
    assert fragment in result.stderr
    assert result.stdout == ""


# -- when ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "now", "expected"),
    [
        (
            "Monday 10am",
            NOW,
            {
                "at": "2026-11-23T10:00:00+00:00",
                "echo": "Mon 23 Nov 2026, 10:00 GMT",
                "warnings": [],
            },
        ),
        (
            "tomorrow 2pm",
            NOW,
            {
                "at": "2026-11-21T14:00:00+00:00",
                "echo": "Sat 21 Nov 2026, 14:00 GMT",
                "warnings": ["Sat 21 Nov 2026 is not a working day (Saturday)."],
            },
        ),
        (
            "3/12 14:00",
            NOW,
            {
                "at": "2026-12-03T14:00:00+00:00",
                "echo": "Thu 3 Dec 2026, 14:00 GMT",
                "warnings": [],
            },
        ),
        (
            "in 2 hours",
            "2026-06-01T10:00",  # local, BST
            {
                "at": "2026-06-01T12:00:00+01:00",
                "echo": "Mon 1 Jun 2026, 12:00 BST",
                "warnings": [],
            },
        ),
    ],
)
def test_when_json(text: str, now: str, expected: dict[str, Any]) -> None:
    assert run_json("when", text, "--now", now) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "friday",
            {
                "at": "2026-11-27T23:59:59+00:00",
                "echo": "end of Fri 27 Nov 2026",
                "warnings": [],
                "due_date": "2026-11-27",
            },
        ),
        (
            "in 3 working days",
            {
                "at": "2026-11-25T23:59:59+00:00",
                "echo": "end of Wed 25 Nov 2026",
                "warnings": [],
                "due_date": "2026-11-25",
            },
        ),
        (
            "tomorrow 5pm",
            {
                "at": "2026-11-21T17:00:00+00:00",
                "echo": "Sat 21 Nov 2026, 17:00 GMT",
                "warnings": [],
                "due_date": "2026-11-21",
            },
        ),
    ],
)
def test_when_due_json(text: str, expected: dict[str, Any]) -> None:
    assert run_json("when", text, "--due", "--now", NOW) == expected


def test_when_in_words_with_a_warning() -> None:
    result = run("when", "monday 18:30", "--now", NOW)
    assert result.exit_code == 0
    assert result.stdout == (
        "Mon 23 Nov 2026, 18:30 GMT\n"
        "Warning: Mon 23 Nov 2026, 18:30 GMT is outside working hours (09:00 to 17:00).\n"
    )


def test_when_in_a_region() -> None:
    payload = run_json("when", "30/11 10am", "--now", NOW, "--region", "scotland")
    assert payload["warnings"] == [
        "Mon 30 Nov 2026 is not a working day (Saint Andrew's Day (bank holiday))."
    ]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["Monday"], "add a time, e.g. 'Monday 10am'"),
        (["today 9am"], "which is in the past"),
        (["Christmas Eve"], "I could not read 'Christmas Eve'"),
        (["yesterday", "--due"], "which is in the past"),
        (["gibberish", "--due"], "I could not read 'gibberish'"),
        (["Monday 10am", "--region", "mars"], "Unknown region 'mars'"),
    ],
)
def test_when_refuses_unusable_text(args: list[str], fragment: str) -> None:
    result = run("when", *args, "--now", NOW, "--json")
    assert result.exit_code == 2
    assert fragment in result.stderr
    assert result.stdout == ""


def test_when_prints_the_same_message_as_the_chat_user_gets() -> None:
    now = datetime.fromisoformat(NOW)
    with pytest.raises(TimeTextError) as raised:
        parse_meeting_time("Monday", now, WorkingCalendar(CalendarSettings()))
    result = run("when", "Monday", "--now", NOW)
    assert result.exit_code == 2
    assert result.stderr == f"{raised.value}\n"


# -- a partnership's own rules ------------------------------------------------------


@pytest.fixture
def partnership_file(tmp_path: Any) -> str:
    """The sample partnership with a Christmas Eve closure and a 4-day complex timescale."""
    from bot.directory import sample_directory_path

    text = sample_directory_path().read_text(encoding="utf-8")
    text = text.replace("closure_days: []", "closure_days: [2026-12-24, 2026-12-31]")
    text = text.replace("complex: 5,", "complex: 4,")
    path = tmp_path / "partnership.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_deadline_applies_the_partnerships_closures_and_timescales(partnership_file: str) -> None:
    def due(identified: str, category: str, *directory: str) -> dict[str, Any]:
        return run_json(
            "deadline",
            "--identified",
            identified,
            "--category",
            category,
            "--now",
            LATER,
            *directory,
        )

    # Day 0 is Mon 21 Dec: Tue 22, Wed 23, Thu 24 nationally...
    assert due("2026-12-21 10:00", "standard")["due_date"] == "2026-12-24"
    # ...but the partnership is closed on Christmas Eve, so after the holidays: Tue 29.
    assert due("2026-12-21 10:00", "standard", "--directory", partnership_file)["due_date"] == (
        "2026-12-29"
    )
    # Its complex timescale is 4 working days, not 5.
    assert due("2026-11-23 10:00", "complex")["due_date"] == "2026-11-30"
    local = due("2026-11-23 10:00", "complex", "--directory", partnership_file)
    assert (local["due_date"], local["working_days"]) == ("2026-11-27", 4)
    assert local["rule"].startswith("complex: by the end of the 4th working day")


def test_when_warns_about_a_partnership_closure_day(partnership_file: str) -> None:
    payload = run_json("when", "24/12 10am", "--now", NOW, "--directory", partnership_file)
    assert payload["at"] == "2026-12-24T10:00:00+00:00"
    assert any("closure day" in warning for warning in payload["warnings"])


def test_a_broken_directory_is_reported_with_exit_status_2(tmp_path: Any) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("partnership: {}\n", encoding="utf-8")
    result = run(
        "deadline", "--identified", "now", "--category", "standard", "--directory", str(broken)
    )
    assert result.exit_code == 2
    assert "broken.yaml:1:" in result.output

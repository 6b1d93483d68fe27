"""The demo's finding-a-time scene: free/busy for the council's staff, a poll for the GP."""

from __future__ import annotations

from typer.testing import CliRunner

from bot.cli import app


def test_the_demo_finds_a_time_with_calendars_and_a_poll() -> None:
    result = CliRunner().invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    story = [
        "Calendars read for: Asha Patel, Ben Okafor",  # the tally, sent first
        "Asked by poll: Tessa Morgan, Ian Campbell",  # the convenor's reply
        "finding a time: 1 of 2 answered",  # the tally, updated in place
        "You said you can make: Tuesday 1 December, 09:30; Thursday",  # the GP's page
        "the meeting is at Tue 1 Dec 2026, 09:30 GMT (slot 2)",
        "can all come",
    ]
    positions = [result.output.find(marker) for marker in story]
    assert all(p >= 0 for p in positions), list(zip(story, positions, strict=True))
    assert positions == sorted(positions)


def test_the_demo_cancels_a_search_and_refuses_a_late_answer() -> None:
    result = CliRunner().invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    story = [
        "Finding a time for case NV-41200",
        "This poll is no longer needed: Ben Okafor cancelled the strategy discussion",
        "Case NV-41200: the search for a time was cancelled by Ben Okafor",
        "The search for a time for case NV-41200 was cancelled",  # Tessa's late answer
        "0 waiting, 0 could not be delivered",
    ]
    positions = [result.output.find(marker) for marker in story]
    assert all(p >= 0 for p in positions), list(zip(story, positions, strict=True))
    assert positions == sorted(positions)

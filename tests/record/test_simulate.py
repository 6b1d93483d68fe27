"""The simulation: the real bot on synthetic referrals, deterministic, and the fallback's effect.

Small runs keep the suite quick; `strategy-bot simulate --referrals 200 --seed 1`
is the full-size run (see the README for its figures and time).
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from bot.cli import app
from bot.record.report_output import as_dict
from bot.storage import models
from bot.storage.link_models import LinkToken
from handlers.simulated import simulate


def test_the_same_seed_gives_the_same_result_and_another_seed_another() -> None:
    first, again, other = simulate(4, seed=7), simulate(4, seed=7), simulate(4, seed=8)
    assert as_dict(first.report) == as_dict(again.report)
    assert (first.messages, first.emails) == (again.messages, again.emails)
    assert as_dict(first.report) != as_dict(other.report)
    assert first.convened == 4 and first.refused == []
    assert first.report.overall.held == 4


def test_the_mash_nurse_fallback_keeps_health_at_every_discussion() -> None:
    with_fallback = simulate(8, seed=1).report.overall
    without = simulate(8, seed=1, fallback=False).report.overall
    assert with_fallback.held == without.held == 8
    assert with_fallback.health_attended.count == 8
    assert with_fallback.health_via_fallback.count > 0
    assert without.health_attended.count < 8  # the shortfall the fallback closes
    assert without.health_via_fallback.count == 0
    assert without.minimum_attendance.count < with_fallback.minimum_attendance.count


def test_the_command_line_prints_the_report_or_json() -> None:
    runner = CliRunner()
    result = runner.invoke(
        app, ["simulate", "--referrals", "2", "--seed", "2", "--days", "2", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["simulation"]["referrals"] == 2 and data["simulation"]["fallback"] is True
    assert data["report"]["overall"]["held"] == 2
    result = runner.invoke(
        app, ["simulate", "--referrals", "1", "--seed", "2", "--days", "1", "--no-fallback"]
    )
    assert result.exit_code == 0, result.output
    assert "MASH nurse fallback OFF" in result.output
    assert "Health attended" in result.output
    assert runner.invoke(app, ["simulate", "--referrals", "0", "--seed", "2"]).exit_code == 2


def test_reviews_are_convened_for_a_share_of_cases_and_counted_in_the_report() -> None:
    result = simulate(12, seed=5)
    assert result.refused == []
    assert result.reviews > 0
    overall = result.report.overall
    assert overall.held == result.convened + result.reviews  # discussions, not cases
    assert overall.reviews.count == result.reviews
    assert overall.reviews_same_people.total == result.reviews


def test_the_simulation_routes_as_production_and_counts_by_channel() -> None:
    result = simulate(8, seed=3)
    assert result.undeliverable == 0  # the sample directory reaches everyone
    assert set(result.invitations) == {"email", "slack", "teams"}
    assert sum(result.invitations.values()) > 8
    # The police are invited in Slack: one per discussion at least.
    assert result.invitations["slack"] >= 8
    assert set(result.replies) <= {"email", "slack", "teams"}

    # Email is answered less often than chat.
    def rate(channel: str) -> float:
        return result.replies.get(channel, 0) / result.invitations[channel]

    assert rate("email") < rate("slack")


def test_email_people_answer_through_their_links_and_are_never_counted_silent(
    tmp_path: Path,
) -> None:
    result = simulate(12, seed=3, folder=tmp_path)
    assert 0 < result.by_link <= result.replies["email"]
    engine = create_engine(f"sqlite:///{tmp_path / 'simulation.db'}")
    try:
        with Session(engine) as session:
            answers = [
                e
                for e in session.scalars(select(models.AuditEvent))
                if e.event in ("accepted", "declined") and e.details.get("via") == "web"
            ]
            used = session.scalars(select(LinkToken).where(LinkToken.last_used_at.is_not(None)))
            assert len(list(used)) == len(answers) == result.by_link
            for event in answers:
                invitation = session.scalars(
                    select(models.Invitation)
                    .join(models.Contact, models.Invitation.contact_id == models.Contact.id)
                    .where(
                        models.Invitation.discussion_id == event.discussion_id,
                        models.Contact.key == event.actor,
                    )
                ).one()
                # Answered by link: never "no reply" (still invited) at the meeting.
                assert invitation.status != models.InvitationStatus.INVITED
    finally:
        engine.dispose()

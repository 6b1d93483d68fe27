"""Delivery to Slack through the outbox: an outage delays but loses nothing, and the reply
to the person who acted is independent of everything else that is sent."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import yaml
from sqlalchemy import select

from bot.app import Bot
from bot.outbox.rows import stuck
from bot.settings import Settings
from bot.storage import models
from bot.storage.outbox_models import OutboxStatus
from scheduling.clock import SimulatedClock
from tests.conftest import MONDAY_0930
from tests.helpers import CONVENE
from tests.slack.harness import TEAM, SlackTest, slack_test

CONVENE_TEXT = CONVENE.removeprefix("/strategy ")


def invitees(core_bot: Bot) -> set[str]:
    """Everyone invited but the chair and the convenor (who are told otherwise)."""
    with core_bot.core.sessions() as session:
        invited = {i.contact.key for i in session.scalars(select(models.Invitation))}
    return invited - {"asha.patel", "ben.okafor"}


def invitations_in_slack(slack: SlackTest) -> Counter[str]:
    return Counter(
        who
        for who in invitees(slack.bot)
        for text in slack.dm_texts(who)
        if "You are invited" in text
    )


# --- a platform outage, an unreachable response_url ------------------------------------


def test_a_slack_outage_during_a_convene_delays_but_delivers_every_invitation(
    slack_db: SlackTest,
) -> None:
    slack = slack_db
    slack.errors_allowed = True  # the failed attempts are logged
    slack.fake.fail("chat.postMessage", 503, times=8)  # two rounds of the client's own retries
    slack.command("ben.okafor", CONVENE_TEXT)
    people = invitees(slack.bot)
    assert len(people) >= 3
    assert sum(invitations_in_slack(slack).values()) < len(people)  # held up by the outage
    with slack.core.sessions() as session:
        waiting = [m for m in stuck(session) if m.status == OutboxStatus.PENDING]
    assert waiting and all(
        m.attempts >= 1 and "Slack refused" in (m.problem or "") for m in waiting
    )

    for _ in range(6):  # Slack is back; each sweep sends what is due again
        slack.advance(timedelta(seconds=30))
    assert invitations_in_slack(slack) == Counter({who: 1 for who in people})
    with slack.core.sessions() as session:
        assert not [m for m in stuck(session) if m.status == OutboxStatus.PENDING]


def test_an_unreachable_response_url_does_not_stop_the_invitations(slack_db: SlackTest) -> None:
    slack = slack_db  # on SQLite and PostgreSQL, as the issue asks
    slack.errors_allowed = True  # the lost reply is logged
    form = {
        "team_id": TEAM,
        "channel_id": "C0WORKING",
        "user_id": slack.user_id("ben.okafor"),
        "user_name": "ben.okafor",
        "command": "/strategy",
        "text": CONVENE_TEXT,
        "api_app_id": "A0STRATBOT",
        "response_url": "http://127.0.0.1:9/nobody-listens-here",
        "trigger_id": slack.new_trigger(),
    }
    response = slack.post(urlencode(form), "application/x-www-form-urlencoded")
    assert response.status_code == 200
    people = invitees(slack.bot)
    assert people and invitations_in_slack(slack) == Counter({who: 1 for who in people})
    assert any("could not answer" in r.getMessage() for r in slack.errors.records)


def test_someone_slack_does_not_know_is_not_skipped_silently(
    tmp_path: Path, sqlite_template: Path
) -> None:
    """Megan has no Slack id and users.lookupByEmail says users_not_found: Slack cannot
    reach her, and with no other channel here the chair is told at once, in Slack."""
    sample = Path(__file__).resolve().parents[2] / "bot" / "data" / "sample_directory.yaml"
    data = yaml.safe_load(sample.read_text(encoding="utf-8"))
    for agency in data["agencies"]:
        for contact in agency["contacts"]:
            if contact["id"] == "megan.price":
                del contact["chat"]["slack"]
    directory = tmp_path / "directory.yaml"
    directory.write_text(yaml.safe_dump(data), encoding="utf-8")
    (tmp_path / "db.sqlite").write_bytes(sqlite_template.read_bytes())
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'db.sqlite'}",
        strategy_directory=directory,
        outbox_dir=tmp_path / "outbox",
    )
    with slack_test("", SimulatedClock(MONDAY_0930), settings=settings) as slack:
        slack.command("ben.okafor", CONVENE_TEXT)
        told = "\n".join(slack.dm_texts("asha.patel"))
        assert "Megan Price cannot be reached" in told
        assert "no Slack account" in told and "add a chat id" in told
        with slack.core.sessions() as session:
            [lost] = [m for m in stuck(session) if m.status == OutboxStatus.UNDELIVERABLE]
        assert lost.recipient == "megan.price" and lost.kind == "invitation"

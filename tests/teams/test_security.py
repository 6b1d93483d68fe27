"""Only Teams gets in, and the bot proves who it is when it writes to Teams."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from bot.jobs import pending_work
from scheduling.clock import SimulatedClock
from tests.conftest import MONDAY_0930
from tests.contract.teams_driver import TeamsDriver
from tests.helpers import table_counts
from tests.teams.fakes import APP_ID, APP_PASSWORD, BOT_SCOPE, signing_key
from tests.teams.harness import TeamsHarness

CONVENE = (
    "convene NV-40213 children=C1:2020-05-14 category=standard "
    'meeting="tomorrow 2pm" known=olivia.bennett'
)


def test_an_activity_without_a_valid_token_is_refused_and_changes_nothing(
    teams: TeamsHarness,
) -> None:
    ben = teams.core.directory.contact("ben.okafor")
    assert ben is not None
    activity = teams.activity(ben, teams.personal(ben), type="message", text=CONVENE)
    fake = teams.teams
    refused = {
        "no token": None,
        "not a token": "not-a-jwt",
        "signed with another key": fake.token(key=signing_key("someone else")),
        "for another bot": fake.token(audience="11111111-2222-4333-8444-555555555555"),
        "for another serviceUrl": fake.token("https://smba.trafficmanager.net/emea/"),
        "expired": fake.token(expires_in=-3600),
    }
    before = table_counts(teams.bot.bot)
    for why, token in refused.items():
        assert teams.post(activity, token=token).status_code == 401, why
    assert table_counts(teams.bot.bot) == before
    assert fake.posted == []

    # The same activity with the Bot Framework's token goes through.
    assert teams.post(activity).status_code == 200
    assert table_counts(teams.bot.bot)["discussion"] == 1


def test_the_bot_writes_to_teams_with_the_token_entra_gave_it(driver: TeamsDriver) -> None:
    teams = driver.harness
    driver.command("ben.okafor", CONVENE)
    assert teams.teams.posted, "the bot sent nothing"
    assert teams.teams.refused == []  # every call carried a token Entra issued
    form = teams.entra.requests[0]
    assert form["client_id"] == [APP_ID]
    assert form["client_secret"] == [APP_PASSWORD]
    assert form["scope"] == [BOT_SCOPE]
    assert len(teams.entra.requests) == 1  # msal keeps the token until it expires


def test_with_the_wrong_secret_nothing_reaches_teams_and_reminders_wait(
    sqlite_template: Path, tmp_path: Path
) -> None:
    path = tmp_path / "teams.db"
    shutil.copy(sqlite_template, path)
    clock = SimulatedClock(MONDAY_0930)
    with TeamsHarness.start(
        f"sqlite:///{path}", clock, tmp_path, teams_app_password="not-the-secret"
    ) as teams:
        driver = TeamsDriver(teams, clock)
        ben = teams.core.directory.contact("ben.okafor")
        assert ben is not None
        response, _ = teams.say(ben, CONVENE)
        assert response.status_code == 500  # the discussion is recorded; Teams was not reached
        assert teams.teams.posted == []
        assert any(r["client_secret"] == ["not-the-secret"] for r in teams.entra.requests)
        # The fallback check falls due, fails to deliver, and stays pending for a retry.
        driver.advance(timedelta(minutes=61))
        assert teams.teams.posted == []
        failed = [w for w in pending_work(teams.core) if w.attempts]
        assert failed and all("invalid_client" in (w.last_error or "") for w in failed)

"""Only Teams gets in, and the bot proves who it is when it writes to Teams."""

from __future__ import annotations

import logging
import shutil
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest

from bot.jobs import pending_work
from handlers.teams.bot import MESSAGING_ENDPOINT
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


OTHER_TENANT = "99999999-0000-4000-8000-0000000000ff"
AGENT_365 = "5a807f24-c9de-44ee-a3a7-329e88a00ffc"  # the app the SDK's Entra path accepts


def test_every_token_case_is_refused_logged_with_its_reason_and_sends_nothing(
    teams: TeamsHarness, caplog: pytest.LogCaptureFixture
) -> None:
    ben = teams.core.directory.contact("ben.okafor")
    assert ben is not None
    good = teams.activity(ben, teams.personal(ben), type="message", text=CONVENE)
    fake = teams.teams
    entra_token = jwt.encode(
        {
            "iss": f"https://login.microsoftonline.com/{OTHER_TENANT}/v2.0",
            "tid": OTHER_TENANT,
            "aud": APP_ID,
            "azp": AGENT_365,
            "exp": int(time.time()) + 3600,
        },
        signing_key("entra"),
        "RS256",
        headers={"kid": "entra-key"},
    )
    elsewhere = "https://attacker.example/teams"
    cases: dict[str, tuple[dict[str, Any], str | None, str]] = {
        "no token": (good, None, "no bearer token"),
        "not a token": (good, "not-a-jwt", "not a JWT"),
        "another key": (good, fake.token(key=signing_key("someone else")), "signature"),
        "another bot": (
            good,
            fake.token(audience="11111111-2222-4333-8444-555555555555"),
            "audience",
        ),
        "another serviceUrl": (
            good,
            fake.token("https://smba.trafficmanager.net/emea/"),
            "service URL",
        ),
        "serviceUrl moved to the attacker's": (
            {**good, "serviceUrl": elsewhere},
            fake.token(),
            "service URL",
        ),
        "no serviceurl claim": (good, fake.token(serviceurl=None), "no serviceurl claim"),
        "no serviceUrl in the activity": (
            {k: v for k, v in good.items() if k != "serviceUrl"},
            fake.token(),
            "service URL",
        ),
        "expired": (good, fake.token(expires_in=-3600), "expired"),
        "no expiry": (good, fake.token(expires_in=None), "no exp claim"),
        "not valid yet": (good, fake.token(not_before_in=3600), "not valid yet"),
        "HS256 with the public key": (good, fake.token(algorithm="HS256"), "algorithm"),
        "unknown key": (good, fake.token(kid="made-up"), "unknown signing key"),
        "key not endorsed for Teams": (
            good,
            fake.token(key=signing_key("webchat only"), kid=fake.kid_not_for_teams),
            "not endorsed for msteams",
        ),
        "Entra issuer, another tenant": (good, entra_token, "is not the Bot Framework"),
        "another issuer": (
            good,
            fake.token(issuer="https://sts.windows.net/x/"),
            "is not the Bot Framework",
        ),
        "another channel": ({**good, "channelId": "webchat"}, fake.token(), "channel"),
        "another tenant (conversation)": (
            {**good, "conversation": {**good["conversation"], "tenantId": OTHER_TENANT}},
            fake.token(),
            "tenant",
        ),
        "another tenant (channelData)": (
            {**good, "channelData": {"tenant": {"id": OTHER_TENANT}}},
            fake.token(),
            "tenant",
        ),
        "no tenant": (
            {
                **good,
                "channelData": {},
                "conversation": {k: v for k, v in good["conversation"].items() if k != "tenantId"},
            },
            fake.token(),
            "names no tenant",
        ),
    }
    before = table_counts(teams.bot.bot)
    fetches = fake.key_fetches
    for why, (activity, token, reason) in cases.items():
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="handlers.teams.endpoint"):
            assert teams.post(activity, token=token).status_code == 401, why
        logged = [r for r in caplog.records if getattr(r, "event", "") == "teams_refused"]
        assert len(logged) == 1, why
        assert reason in logged[0].reason, (why, logged[0].reason)
        if token:
            assert token not in caplog.text and token[-20:] not in caplog.text, why
    assert table_counts(teams.bot.bot) == before
    assert fake.posted == [] and fake.calls == []
    # No request made the bot fetch keys: not the Entra tenant's, nor again the Bot Framework's.
    assert fake.key_fetches == fetches
    assert not [path for path in teams.entra.gets if "keys" in path]
    assert teams.post(good).status_code == 200


def test_a_broken_body_is_a_client_error_not_a_crash(teams: TeamsHarness) -> None:
    token = teams.teams.token()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    huge = b'{"text": "' + b"x" * 1_100_000 + b'"}'
    for body, status in [(b"{not json", 400), (b"[1, 2]", 400), (huge, 413)]:
        response = teams.http.post(MESSAGING_ENDPOINT, content=body, headers=headers)
        assert response.status_code == status


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


def test_calls_to_the_bot_connector_give_up_after_the_timeout(teams: TeamsHarness) -> None:
    timeout = teams.settings.http_timeout_seconds
    assert teams.bot.app.http_client.http.timeout.read == timeout
    assert teams.bot.app.api.http.http.timeout.read == timeout  # the client that sends

"""The Graph calendar port: real O365 and msal code against local login and Graph servers."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from bot.calendar.port import Answer, Attendee, CalendarRefused, CalendarUnavailable, Meeting
from bot.calendar.routing import CalendarSettingsError, invites_from_settings
from bot.calendar.tokens import DatabaseTokenBackend
from bot.settings import Settings
from bot.storage.calendar_models import GraphTokenCache
from bot.storage.db import make_engine, make_sessionmaker, transaction
from scheduling.clock import SimulatedClock
from tests.calendar.conftest import ORGANISER, graph_for
from tests.calendar.servers import Certificate, FakeMicrosoft

MEETING = Meeting(
    uid="f81d4fae-7dec-11d0-a765-00a0c91e6bf6@strategy-bot",
    sequence=0,
    subject="Strategy discussion NV-40213",
    body="Strategy discussion for case NV-40213",
    start=datetime(2026, 6, 24, 13, 0, tzinfo=UTC),  # 14:00 in London (BST)
    end=datetime(2026, 6, 24, 14, 0, tzinfo=UTC),
    timezone="Europe/London",
    organiser_name="Asha Patel (via strategy-bot)",
    organiser_email="strategy-bot@northvale.gov.example",
    attendees=(
        Attendee("Asha Patel", "asha.patel@northvale.gov.example", chair=True),
        Attendee("Olivia Bennett", "olivia.bennett@northvale-health.nhs.example"),
        Attendee("Strategy discussions", ORGANISER),  # the organiser mailbox itself
    ),
    stamp=datetime(2026, 6, 22, 9, 0, tzinfo=UTC),
)


def test_create_signs_in_app_only_and_makes_one_teams_meeting(
    microsoft: FakeMicrosoft, certificate: Certificate
) -> None:
    graph = graph_for(microsoft, certificate)
    created = graph.create(MEETING, transaction_id="strategy-bot-tx-1")

    [token_call] = microsoft.calls("POST", "/oauth2/v2.0/token")
    assert token_call.body["grant_type"] == "client_credentials"
    assert token_call.body["scope"] == f"{microsoft.graph_url}/.default"
    [post] = microsoft.calls("POST", f"/users/{ORGANISER}/calendar/events")
    sent = post.body
    assert sent["transactionId"] == "strategy-bot-tx-1"
    assert sent["start"] == {"dateTime": "2026-06-24T14:00:00", "timeZone": "GMT Standard Time"}
    assert sent["isOnlineMeeting"] is True
    assert sent["onlineMeetingProvider"] == "teamsForBusiness"
    assert sent["body"] == {"contentType": "text", "content": MEETING.body}
    assert [a["emailAddress"]["address"] for a in sent["attendees"]] == [
        "asha.patel@northvale.gov.example",
        "olivia.bennett@northvale-health.nhs.example",
    ]
    assert all(a["type"] == "required" for a in sent["attendees"])
    assert created.event_id in microsoft.events
    assert created.join_url and created.join_url.startswith("https://teams.example/")


def test_a_certificate_credential_signs_a_client_assertion(
    microsoft: FakeMicrosoft, certificate: Certificate, app_certificate: Certificate
) -> None:
    graph = graph_for(microsoft, certificate, secret=None, app_certificate=app_certificate)
    graph.create(MEETING, transaction_id="tx-cert")
    [token_call] = microsoft.calls("POST", "/oauth2/v2.0/token")
    assert "client_secret" not in token_call.body
    assert token_call.body["client_assertion_type"].endswith("jwt-bearer")
    assert len(microsoft.events) == 1  # the fake verified the signature before issuing a token


def test_a_throttled_create_waits_as_long_as_retry_after_asks(
    microsoft: FakeMicrosoft, certificate: Certificate
) -> None:
    microsoft.fail("POST", "/calendar/events", 429, retry_after="1")
    started = time.monotonic()
    graph_for(microsoft, certificate).create(MEETING, transaction_id="tx-429")
    posts = microsoft.calls("POST", "/calendar/events")
    assert len(posts) == 2
    assert (posts[1].at - posts[0].at).total_seconds() >= 0.95
    assert time.monotonic() - started < 5
    assert len(microsoft.events) == 1


def test_a_create_whose_answer_was_lost_is_not_made_twice(
    microsoft: FakeMicrosoft, certificate: Certificate
) -> None:
    # Graph made the event, but the client saw a 503 (a gateway timing out, say).
    microsoft.fail("POST", "/calendar/events", 503, after_handling=True)
    created = graph_for(microsoft, certificate).create(MEETING, transaction_id="tx-lost")
    assert len(microsoft.calls("POST", "/calendar/events")) == 2
    assert list(microsoft.events) == [created.event_id]


def test_server_errors_are_retried_then_reported_as_unavailable(
    microsoft: FakeMicrosoft, certificate: Certificate
) -> None:
    graph = graph_for(microsoft, certificate)
    created = graph.create(MEETING, transaction_id="tx-5xx")
    microsoft.fail("PATCH", "/events/", 502, times=2)
    graph.update(created.event_id, replace(MEETING, sequence=1))  # the third try works
    assert len(microsoft.calls("PATCH")) == 3

    microsoft.fail("PATCH", "/events/", 503, times=99)
    with pytest.raises(CalendarUnavailable, match="HTTP 503, still failing after retries"):
        graph.update(created.event_id, replace(MEETING, sequence=2))
    assert len(microsoft.calls("PATCH")) == 3 + 4  # four attempts, then it gives up


def test_a_refusal_is_not_retried(microsoft: FakeMicrosoft, certificate: Certificate) -> None:
    microsoft.fail("POST", "/calendar/events", 403, times=9)
    with pytest.raises(CalendarRefused, match="HTTP 403"):
        graph_for(microsoft, certificate).create(MEETING, transaction_id="tx-403")
    assert len(microsoft.calls("POST", "/calendar/events")) == 1


def test_wrong_credentials_are_a_refusal(
    microsoft: FakeMicrosoft, certificate: Certificate
) -> None:
    with pytest.raises(CalendarRefused, match="invalid_client"):
        graph_for(microsoft, certificate, secret="not-the-secret").create(MEETING, "tx")
    assert microsoft.calls("POST", "/calendar/events") == []


def test_an_unreachable_graph_is_unavailable(certificate: Certificate) -> None:
    fake = FakeMicrosoft(certificate).start()
    graph = graph_for(fake, certificate, attempts=2)
    fake.stop()
    with pytest.raises(CalendarUnavailable):
        graph.create(MEETING, transaction_id="tx-down")


def test_update_moves_the_event_and_changes_its_attendees(
    microsoft: FakeMicrosoft, certificate: Certificate
) -> None:
    graph = graph_for(microsoft, certificate)
    created = graph.create(MEETING, transaction_id="tx-update")
    moved = replace(
        MEETING,
        sequence=1,
        start=datetime(2026, 6, 25, 9, 0, tzinfo=UTC),
        end=datetime(2026, 6, 25, 10, 0, tzinfo=UTC),
        attendees=(*MEETING.attendees, Attendee("Zoe Fletcher", "zoe.fletcher@nhs.example")),
    )
    graph.update(created.event_id, moved)
    [patch] = microsoft.calls("PATCH")
    assert patch.body["start"] == {
        "dateTime": "2026-06-25T10:00:00",
        "timeZone": "GMT Standard Time",
    }
    assert [a["emailAddress"]["address"] for a in patch.body["attendees"]][-1] == (
        "zoe.fletcher@nhs.example"
    )
    graph.update(created.event_id, replace(moved, sequence=2))
    # nothing about the attendees changed: they are not sent again
    assert "attendees" not in microsoft.calls("PATCH")[1].body


def test_cancel_and_replies(microsoft: FakeMicrosoft, certificate: Certificate) -> None:
    graph = graph_for(microsoft, certificate)
    created = graph.create(MEETING, transaction_id="tx-replies")
    answered = datetime(2026, 6, 22, 10, 15, tzinfo=UTC)
    microsoft.reply(
        created.event_id,
        "olivia.bennett@northvale-health.nhs.example",
        "tentativelyAccepted",
        answered,
    )
    replies = graph.replies(created.event_id)
    assert replies["olivia.bennett@northvale-health.nhs.example"].answer is Answer.TENTATIVE
    assert replies["olivia.bennett@northvale-health.nhs.example"].at == answered
    assert replies["asha.patel@northvale.gov.example"].answer is Answer.NONE
    assert replies["asha.patel@northvale.gov.example"].at is None

    graph.cancel(created.event_id, "The discussion is cancelled.")
    assert microsoft.events[created.event_id]["isCancelled"] is True
    assert microsoft.events[created.event_id]["cancelComment"] == "The discussion is cancelled."


def test_the_token_cache_is_encrypted_in_the_database_and_shared(
    database_url: str, microsoft: FakeMicrosoft, certificate: Certificate
) -> None:
    key = Fernet.generate_key().decode()
    clock = SimulatedClock(datetime(2026, 6, 22, 9, tzinfo=UTC))
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)

    def process() -> tuple[DatabaseTokenBackend, object]:
        tokens = DatabaseTokenBackend(f"{microsoft.tenant}:{microsoft.client_id}", key)
        return tokens, graph_for(microsoft, certificate, tokens)

    tokens, graph = process()
    with transaction(sessions) as session:
        tokens.read(session)
        graph.create(MEETING, transaction_id="tx-token")  # type: ignore[attr-defined]
        tokens.write(session, clock)
    assert len(microsoft.tokens_issued) == 1
    with sessions() as session:
        stored = session.scalars(select(GraphTokenCache)).one().data
    assert microsoft.tokens_issued[0] not in stored  # encrypted at rest
    assert microsoft.tokens_issued[0] in Fernet(key.encode()).decrypt(stored.encode()).decode()

    # Another bot process reads the cache and needs no new token.
    tokens, graph = process()
    with transaction(sessions) as session:
        tokens.read(session)
        graph.replies(next(iter(microsoft.events)))  # type: ignore[attr-defined]
        tokens.write(session, clock)
    assert len(microsoft.tokens_issued) == 1

    # With another key the old cache cannot be read: a new token is fetched, nothing breaks.
    tokens = DatabaseTokenBackend(
        f"{microsoft.tenant}:{microsoft.client_id}", Fernet.generate_key().decode()
    )
    graph = graph_for(microsoft, certificate, tokens)
    with transaction(sessions) as session:
        tokens.read(session)
        graph.replies(next(iter(microsoft.events)))
        tokens.write(session, clock)
    assert len(microsoft.tokens_issued) == 2
    engine.dispose()


def test_partial_graph_settings_are_refused_with_what_is_missing() -> None:
    with pytest.raises(CalendarSettingsError, match="GRAPH_CLIENT_ID, GRAPH_ORGANISER_MAILBOX"):
        invites_from_settings(Settings(graph_tenant_id="t", graph_client_secret="s"))
    with pytest.raises(CalendarSettingsError, match="GRAPH_TENANT_DOMAINS"):
        invites_from_settings(
            Settings(
                graph_tenant_id="t",
                graph_client_id="c",
                graph_client_secret="s",
                graph_organiser_mailbox=ORGANISER,
            )
        )
    with pytest.raises(CalendarSettingsError, match="Fernet"):
        invites_from_settings(
            Settings(
                graph_tenant_id="t",
                graph_client_id="c",
                graph_client_secret="s",
                graph_organiser_mailbox=ORGANISER,
                graph_tenant_domains="northvale.gov.example",
                graph_token_cache_key="not-a-key",
            )
        )
    assert invites_from_settings(Settings()).graph is None


def test_retry_after_as_an_http_date_counts_from_the_servers_own_date() -> None:
    import requests

    from bot.calendar.graph import _retry_after

    response = requests.Response()
    response.headers["Date"] = "Mon, 23 Nov 2026 09:30:00 GMT"
    response.headers["Retry-After"] = "Mon, 23 Nov 2026 09:30:07 GMT"
    assert _retry_after(requests.HTTPError(response=response)) == 7.0
    response.headers["Retry-After"] = "2"
    assert _retry_after(requests.HTTPError(response=response)) == 2.0

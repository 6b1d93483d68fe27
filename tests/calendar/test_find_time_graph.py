"""Finding a time with free/busy from Graph: the tenant's calendars read, everyone else polled.

The bot runs with real Graph code (O365, msal) against the local fake Graph,
with no simulated calendars: the council and the health trust share the
Microsoft 365 tenant, the police do not.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import Bot
from bot.calendar.port import Invites
from bot.mail import OutboxMailer
from bot.storage.find_time_models import TimeSearch
from tests.calendar.conftest import SENDER, graph_for
from tests.calendar.servers import Certificate, FakeMicrosoft
from tests.helpers import say, take_sent

TENANT = ("northvale.gov.example", "northvale-health.nhs.example")
OLIVIA = "olivia.bennett@northvale-health.nhs.example"
FIND = (
    "/strategy convene NV-40213 children=C1:2020-05-14 category=standard "
    'identified="today 9am" tags=domestic_abuse known=olivia.bennett'
)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def graph_bot(
    bot: Bot, microsoft: FakeMicrosoft, certificate: Certificate, tmp_path: Path
) -> Iterator[Bot]:
    bot.core.availability = None  # Graph's free/busy, not the sample calendars
    bot.core.invites = Invites(
        mailer=OutboxMailer(tmp_path, clock=bot.core.clock),
        organiser_email=SENDER,
        graph=graph_for(microsoft, certificate),
        tenant_domains=frozenset(TENANT),
    )
    yield bot


def _search(bot: Bot) -> TimeSearch:
    with bot.core.sessions() as session:
        search = session.scalars(select(TimeSearch)).one()
        session.expunge(search)
        return search


def test_the_tenant_calendars_are_read_and_only_the_police_officer_is_polled(
    graph_bot: Bot, microsoft: FakeMicrosoft
) -> None:
    # The health visitor is in clinic every day but Wednesday afternoon.
    for day in (23, 24, 26):
        microsoft.busy(OLIVIA, at(day, 9), at(day, 17, 30))
    microsoft.busy(OLIVIA, at(25, 9), at(25, 13))
    microsoft.busy("asha.patel@northvale.gov.example", at(25, 13), at(25, 14))

    say(graph_bot, "ben.okafor", FIND)
    items = take_sent(graph_bot)

    [call] = microsoft.calls("POST", "/calendar/getSchedule")
    assert "megan.price@northvale.police.example" not in call.body["schedules"]
    assert OLIVIA in call.body["schedules"]
    polled = {o.to for o in items if o.message.template == "messages/poll.txt.j2"}
    assert polled == {"megan.price"}
    search = _search(graph_bot)
    starts = [datetime.fromisoformat(s) for s, _ in search.slots]
    wednesday = [s for s in starts if s.day == 25]
    assert wednesday and all(s.hour >= 14 for s in wednesday)  # Olivia free, the chair too

    say(graph_bot, "megan.price", "/strategy available NV-40213 1,2,3,4")
    search = _search(graph_bot)
    assert search.closed_by == "all_answered"
    assert search.chosen_slot is not None
    assert datetime.fromisoformat(search.slots[search.chosen_slot - 1][0]) in wednesday


def test_throttling_is_waited_out_and_a_person_graph_cannot_resolve_is_polled(
    graph_bot: Bot, microsoft: FakeMicrosoft
) -> None:
    microsoft.fail("POST", "/calendar/getSchedule", 429, retry_after="0")
    microsoft.unresolvable.add(OLIVIA)

    say(graph_bot, "ben.okafor", FIND)
    items = take_sent(graph_bot)

    assert len(microsoft.calls("POST", "/calendar/getSchedule")) == 2  # throttled, then read
    search = _search(graph_bot)
    assert "busy" in search.availability["asha.patel"]
    assert "unknown" in search.availability["olivia.bennett"]
    polled = {o.to for o in items if o.message.template == "messages/poll.txt.j2"}
    assert polled == {"megan.price", "olivia.bennett"}


def test_graph_down_means_everyone_is_polled_and_the_search_still_starts(
    graph_bot: Bot, microsoft: FakeMicrosoft
) -> None:
    microsoft.fail("POST", "/calendar/getSchedule", 503, times=20)

    reply = say(graph_bot, "ben.okafor", FIND)

    assert "Finding a time for case NV-40213" in reply.text
    assert all("unknown" in a for a in _search(graph_bot).availability.values())

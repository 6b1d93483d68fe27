"""Messages reach people who never wrote to the bot, and still reach them after a restart."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.storage.outbox_models import ThreadBinding
from bot.storage.teams_models import TeamsConversation
from scheduling.clock import SimulatedClock
from tests.conftest import MONDAY_0930
from tests.contract.teams_driver import TeamsDriver, card_text
from tests.teams.fakes import TENANT_ID
from tests.teams.harness import TeamsHarness

CONVENE = (
    'convene NV-40213 children=C1:2020-05-14 category=standard identified="today 9am" '
    'meeting="tomorrow 2pm" tags=domestic_abuse known=olivia.bennett'
)


@pytest.fixture
def harness(database_url: str, tmp_path: Path) -> Iterator[TeamsHarness]:
    """On SQLite and PostgreSQL: what is remembered must survive on both."""
    with TeamsHarness.start(database_url, SimulatedClock(MONDAY_0930), tmp_path) as harness:
        assert harness.install_in_channel().status_code == 200
        yield harness
        assert harness.teams.card_problems == []


def test_invitations_start_a_chat_with_people_who_never_wrote_to_the_bot(
    harness: TeamsHarness,
) -> None:
    assert isinstance(harness.clock, SimulatedClock)
    driver = TeamsDriver(harness, harness.clock)
    driver.command("ben.okafor", CONVENE)
    started = harness.teams.started_chats()
    # Ben wrote to the bot; Olivia, Megan and the chair never did: a chat was started for each.
    assert len(started) == 3
    for person in ("29:1olivia-bennett", "29:1megan-price", "29:1asha-patel"):
        conversation = harness.teams.conversations[harness.teams.personal_chat(person)]
        assert conversation.members == [person]
    assert "You are invited" in "\n".join(driver.inbox("olivia.bennett"))
    # The channel gets the case reference, nothing more.
    assert any("NV-40213" in post for post in driver.channel_posts())

    harness.bot.store.flush()
    with harness.core.sessions() as session:
        saved = {c.key: c for c in session.scalars(select(TeamsConversation))}
        bindings = list(session.scalars(select(ThreadBinding)))
        threads = {b.thread for b in bindings if b.channel == "teams"}
    assert saved["29:1olivia-bennett"].conversation_id == "a:chat-1olivia-bennett"
    assert saved["29:1olivia-bennett"].tenant_id == TENANT_ID
    assert saved["29:1ben-okafor"].service_url == harness.teams.service_url
    assert saved["channel:strategy-discussions"].conversation_id.startswith("19:")
    assert any(t.startswith("quorum:") for t in threads)
    assert sum(t.startswith("invitation:") for t in threads) == 2


def test_after_a_restart_reminders_reach_the_same_chats_and_cards_update_in_place(
    harness: TeamsHarness,
) -> None:
    assert isinstance(harness.clock, SimulatedClock)
    driver = TeamsDriver(harness, harness.clock)
    driver.command("ben.okafor", CONVENE)
    driver.command(
        "asha.patel",
        'action NV-40213 owner=megan.price due="in 2 working days" text="Complete a DASH form"',
    )
    chats_before = set(harness.teams.conversations)
    quorum = next(
        p
        for p in harness.teams.messages_in(harness.teams.personal_chat("29:1asha-patel"))
        if "waiting for the statutory partners" in card_text(p.cards[0])
    )

    harness.restart()  # a new process: nothing in memory, only the database

    driver.advance(timedelta(minutes=61))  # the health fallback falls due
    driver.advance(timedelta(days=1))  # and Tuesday's reminder
    assert "Reminder: action NV-40213/A1" in "\n".join(driver.inbox("megan.price"))
    assert "You are invited" in "\n".join(driver.inbox("zoe.fletcher"))
    # Only the fallbacks, new to the discussion, needed a chat started: the MASH nurse,
    # and the MASH police officer (the police had not confirmed either).
    new = set(harness.teams.conversations) - chats_before
    assert new == {"a:chat-1zoe-fletcher", "a:chat-1nathan-osei"}
    assert len(harness.teams.started_chats()) == 3 + len(new)
    # The chair's card from before the restart is the one that was updated.
    assert quorum.versions >= 2
    assert "Zoe Fletcher" in card_text(quorum.cards[0])
    assert (
        len(
            [
                p
                for p in harness.teams.messages_in(quorum.conversation_id)
                if "statutory partners" in card_text(p.cards[0])
            ]
        )
        == 1
    )

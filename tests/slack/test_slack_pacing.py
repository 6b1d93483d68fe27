"""Slack's one-message-a-second pace is per conversation actually posted to: a DM is posted
to the user (U...) and updated in its D... channel, and both are the same pace."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.app import Bot
from bot.messages import Kind, Message, Outgoing
from bot.storage.db import transaction
from bot.storage.outbox_models import ThreadBinding
from fakes.slack import TOKEN, FakeSlack
from handlers.slack.app import create_web_client
from handlers.slack.chat import SlackChat
from handlers.slack.users import SlackUsers

PACE = 0.4
MEGAN = "U0NVMP20005"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    slack = FakeSlack().start()
    yield slack
    slack.stop()


def chat_for(bot: Bot, fake: FakeSlack) -> SlackChat:
    client = create_web_client(TOKEN, fake.api_url)
    return SlackChat(client, bot.core, SlackUsers(client, bot.core.directory), None, pace=PACE)


def dm(text: str, thread: str) -> Outgoing:
    return Outgoing("megan.price", Message(Kind.NOTICE, text), thread=thread)


def timed(work: object) -> float:
    started = time.monotonic()
    assert callable(work)
    work()
    return time.monotonic() - started


def test_an_update_in_the_dm_channel_waits_for_the_post_to_the_user(
    bot: Bot, fake: FakeSlack
) -> None:
    chat = chat_for(bot, fake)
    reference = chat.send(dm("first", "t:1"), None)
    channel = reference.split(" ")[0]
    assert channel == fake.dm_channel(MEGAN)  # posted to U..., it lives in D...
    assert chat.pace.key(MEGAN) == channel
    # The update goes to D...: the same conversation, so it waits its second.
    assert timed(lambda: chat.send(dm("first, updated", "t:1"), reference)) >= PACE * 0.9
    # And a new post to the user waits after the update.
    assert timed(lambda: chat.send(dm("second", "t:2"), None)) >= PACE * 0.9
    assert [p.text for p in fake.conversation(channel)] == ["first, updated", "second"]


def test_after_a_restart_the_user_is_paced_as_the_dm_channel_bound_before(
    bot: Bot, fake: FakeSlack
) -> None:
    channel = fake.dm_channel(MEGAN)
    earlier = chat_for(bot, fake).send(dm("before the restart", "t:1"), None)
    with transaction(bot.core.sessions) as session:
        session.add(
            ThreadBinding(
                recipient="megan.price",
                thread="t:1",
                channel="slack",
                reference=earlier,
                updated_at=datetime(2026, 11, 23, 9, 30, tzinfo=UTC),
            )
        )
    restarted = chat_for(bot, fake)  # nothing in memory
    restarted.send(dm("new thread", "t:2"), None)
    assert restarted.pace.key(MEGAN) == channel
    assert timed(lambda: restarted.send(dm("updated", "t:1"), earlier)) >= PACE * 0.9

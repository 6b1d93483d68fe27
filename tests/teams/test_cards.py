"""Every card the bot can send is valid for the Adaptive Card schema 1.5, which Teams renders."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from bot.app import Bot, build_core
from bot.errors import InputError
from bot.intents.forms import with_problem
from bot.messages import Kind, Message, Outgoing, message
from bot.settings import Settings
from handlers.console import ConsoleChat
from handlers.teams.cards import card_for, form_card, message_card
from scheduling.clock import SimulatedClock
from tests.conftest import MONDAY_0930
from tests.contract.teams_driver import executes
from tests.helpers import CONVENE, say
from tests.teams.fakes import card_problems

STORY = [
    ("ben.okafor", CONVENE),
    ("ian.campbell", "/strategy convene NV-40214 children=C1 category=standard meeting=x"),
    ("olivia.bennett", '/strategy decline NV-40213 reason="**On leave** until _Friday_"'),
    ("megan.price", "/strategy accept NV-40213"),
    ("bethany.cole", "/strategy delegate NV-40213 to=callum.fraser"),
    ("asha.patel", "/strategy status NV-40213"),
    (
        "asha.patel",
        '/strategy action NV-40213 owner=megan.price due="in 2 working days" text="DASH form"',
    ),
    ("megan.price", '/strategy more-time NV-40213/A1 due="friday" reason="Victim not yet seen"'),
    ("asha.patel", '/strategy refuse NV-40213/A1 reason="Needed before the conference"'),
    ("megan.price", "/strategy actions"),
    ("megan.price", "/strategy help"),
]


@pytest.fixture(scope="module")
def story(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Bot, list[Any]]]:
    """A whole discussion played on the console; every message it produced, and each reply."""
    path = tmp_path_factory.mktemp("cards") / "cards.db"
    shutil.copy(sqlite_template, path)
    clock = SimulatedClock(MONDAY_0930)
    core = build_core(Settings(database_url=f"sqlite:///{path}", strategy_directory=None), clock)
    bot = Bot(core, ConsoleChat(core.directory, Console(file=io.StringIO())))
    replies = [say(bot, who, text) for who, text in STORY]
    clock.advance(timedelta(days=1))
    bot.run_due_work()
    replies.append(say(bot, "megan.price", '/strategy close NV-40213/A1 outcome="Done"'))
    assert isinstance(bot.chat, ConsoleChat)
    yield bot, [*bot.chat.sent, *replies]
    core.close()


def cards_for(bot: Bot, items: list[Any]) -> Iterator[dict[str, Any]]:
    for item in items:
        if isinstance(item, Outgoing):
            yield card_for(bot.intents, bot.core.directory, item)
        else:
            yield message_card(item)


def test_every_card_of_a_whole_discussion_is_valid(story: tuple[Bot, list[Any]]) -> None:
    bot, items = story
    cards = list(cards_for(bot, items))
    templates = {i.message.template if isinstance(i, Outgoing) else i.template for i in items}
    # The cards with a layout of their own are among them, and the generic one.
    assert {
        "messages/invitation.txt.j2",
        "messages/quorum.txt.j2",
        "messages/action_assigned.txt.j2",
        "messages/action_nudge.txt.j2",
        "messages/error.txt.j2",
        "messages/status.txt.j2",
    } <= templates
    for card in cards:
        assert card_problems(card) == [], json.dumps(card)[:500]
        assert card["version"] == "1.5"


def test_the_convene_form_and_the_notes_are_valid(story: tuple[Bot, list[Any]]) -> None:
    bot, _ = story
    convenor = bot.core.directory.contact("ben.okafor")
    assert convenor is not None
    convene = bot.form(convenor, "convene")
    problem = InputError("Not a case", "NV-40213")
    for card in (
        form_card(convene),
        form_card(with_problem(convene, {"case": "NV-4", "tags": "injury,missing"}, problem)),
        message_card(message(Kind.NOTICE, "teams/channel_hint.txt.j2")),
        message_card(message(Kind.NOTICE, "teams/installed_channel.txt.j2")),
        message_card(message(Kind.NOTICE, "teams/welcome.txt.j2", convenor=True)),
        # The record summary (its wording is the records' own; any text will do here).
        message_card(Message(Kind.RECORD, "Record of NV-40213\n- Decision: s47")),
        message_card(Message(Kind.RECORD, "Your actions from NV-40213")),
    ):
        assert card_problems(card) == [], json.dumps(card)[:500]


def test_what_people_typed_is_shown_as_typed_never_as_markdown(
    story: tuple[Bot, list[Any]],
) -> None:
    bot, items = story
    text = json.dumps(list(cards_for(bot, items)))
    assert "**On leave** until _Friday_" in text
    assert '"TextBlock"' not in text  # TextRuns are never read as markdown


def test_each_button_is_an_action_execute_carrying_what_it_is_about(
    story: tuple[Bot, list[Any]],
) -> None:
    bot, items = story
    invitation = next(
        i
        for i in items
        if isinstance(i, Outgoing) and i.message.template.endswith("invitation.txt.j2")
    )
    card = next(cards_for(bot, [invitation]))
    actions = {e["data"]["action"]: (e, inputs) for e, inputs in executes(card)}
    assert set(actions) == {"accept", "decline", "delegate"}
    for execute, _ in actions.values():
        assert execute["data"]["value"] == "NV-40213#1"
        assert execute["data"]["thread"] == invitation.thread
    [reason] = actions["decline"][1]
    assert reason["id"] == "reason" and reason["isRequired"] is True


def test_the_schema_check_catches_a_broken_card() -> None:
    good = message_card(message(Kind.NOTICE, "teams/channel_hint.txt.j2"))
    assert card_problems(good) == []
    bad_verb = {**good, "actions": [{"type": "Action.Execute", "title": "Go", "verb": 5}]}
    assert card_problems(bad_verb)
    heavy = json.loads(json.dumps(good))
    heavy["body"][0]["inlines"][0]["weight"] = "heavy"
    assert card_problems(heavy)
    assert card_problems({**good, "body": [{"type": "Marquee", "text": "x"}]})
    assert card_problems({**good, "version": 1.5, "colour": "red"})

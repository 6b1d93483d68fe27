"""A new intent, registered here and nowhere else, works on every platform with no adapter changed.

`kudos` takes one field. Typed, it is a command on the console, in Slack and in
Teams; on a message, it is a button: in Slack it opens a modal rendered from
its field, in Teams an Action.Execute with the field's card under it. Adding a
field to an intent adds it to every platform's form, because each form is
rendered from the intent's fields.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.directory import Contact
from bot.forms import Field
from bot.intents import INTENTS, Intent, Values
from bot.messages import Kind, Message, Outcome, Outgoing
from bot.unit import Unit, unit_of_work
from scheduling.clock import SimulatedClock
from tests.conftest import MONDAY_0930
from tests.contract.conftest import PLATFORMS
from tests.contract.drivers import PlatformDriver


def _kudos(unit: Unit, actor: Contact, values: Values) -> Outcome:
    return Outcome(Message(Kind.REPLY, f"Kudos noted from {actor.name}: {values.text('note')}"))


KUDOS = Intent(
    "kudos",
    _kudos,
    (Field("note", label="What went well", required=True, missing="Say what went well."),),
    usage='/strategy kudos note="..."',
    button="Send kudos",
    title="Kudos",
    submit="Send",
)


@pytest.fixture(params=sorted(PLATFORMS))
def toy(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path
) -> Iterator[PlatformDriver]:
    path = tmp_path / "toy.db"
    shutil.copy(sqlite_template, path)
    intents = INTENTS.with_intents(KUDOS)
    platform = PLATFORMS[request.param]
    with platform(f"sqlite:///{path}", SimulatedClock(MONDAY_0930), intents) as driver:
        yield driver


def test_a_new_intent_is_a_typed_command_everywhere(toy: PlatformDriver) -> None:
    reply = toy.command("megan.price", '/strategy kudos note="the DASH was done in a day"')
    assert "Kudos noted from Megan Price: the DASH was done in a day" in reply
    missing = toy.command("megan.price", "/strategy kudos")
    assert "Say what went well." in missing and '/strategy kudos note="..."' in missing


def test_a_new_intent_is_a_button_with_its_form_everywhere(toy: PlatformDriver) -> None:
    bot = toy.bot
    button = bot.button("kudos", "")
    assert (button.label, button.command) == ("Send kudos", '/strategy kudos note="..."')
    with unit_of_work(bot.core) as unit:  # a message, as any intent or job sends one
        unit.emit([Outgoing("megan.price", Message(Kind.NOTICE, "Say thanks?", buttons=(button,)))])
    bot.send()
    assert "Say thanks?" in "\n".join(toy.inbox("megan.price"))
    reply = toy.press("megan.price", "kudos", "", note="the medical was arranged at once")
    assert "Kudos noted from Megan Price: the medical was arranged at once" in reply

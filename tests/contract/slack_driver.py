"""The contract suite's Slack driver: people use strategy-bot through Slack itself.

Commands are signed slash-command requests; a button is pressed by sending the
block_actions payload Slack would send for the button on the person's message
(and, when it opens a form, by submitting the form the bot opened). What people
see is read back from FakeSlack: their direct messages as they stand now
(updates in place included), and the replies sent to response URLs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from bot.intents import INTENTS, IntentTable
from scheduling.clock import SimulatedClock
from tests.contract.drivers import PlatformDriver
from tests.slack.harness import NOTICES, SlackTest, choice, choices, slack_test, text_input

# How a modal's input takes a value, by its element type.
ELEMENTS = {"static_select": choice, "multi_static_select": choices}


class SlackDriver:
    name = "slack"

    def __init__(self, slack: SlackTest) -> None:
        self.slack = slack
        self.bot = slack.bot

    def command(self, user: str, text: str) -> str:
        sent = self.slack.command(user, text.removeprefix("/strategy").strip())
        return "\n".join(self.slack.reply_texts(sent))

    def press(self, user: str, action: str, value: str, **fields: str) -> str:
        message = next(
            (
                m
                for m in self.slack.dms(user)
                for block in m.blocks
                if block["type"] == "actions"
                for e in block["elements"]
                if e["action_id"] == action and e.get("value", "") == value
            ),
            None,
        )
        assert message is not None, f"{user} has no {action} button for {value}"
        sent = self.slack.click(user, action, value, message=message)
        view_id = self.slack.fake.opened_by_trigger.get(sent.trigger)
        if view_id is not None:  # the button opened its form: fill it in, by field name
            inputs = {
                b["block_id"]: b["element"]["type"]
                for b in self.slack.fake.views[view_id]["blocks"]
                if b["type"] == "input"
            }
            values: dict[str, dict[str, dict[str, Any]]] = {}
            for name, given in fields.items():
                assert name in inputs, f"the {action} form has no field '{name}'"
                element = ELEMENTS.get(inputs[name], text_input)
                values[name] = {name: element(given)}
            answer = self.slack.submit(user, view_id, values)
            assert answer.text == "", answer.text  # the form closed: accepted
        return "\n".join(self.slack.reply_texts(sent))

    def inbox(self, user: str) -> list[str]:
        return self.slack.dm_texts(user)

    def channel_posts(self) -> list[str]:
        return [m.words for m in self.slack.fake.conversation(NOTICES)]

    def advance(self, delta: timedelta) -> None:
        self.slack.advance(delta)


@contextmanager
def slack_platform(
    database_url: str, clock: SimulatedClock, intents: IntentTable = INTENTS
) -> Iterator[PlatformDriver]:
    with slack_test(database_url, clock, intents=intents) as slack:
        yield SlackDriver(slack)
        assert slack.fake.problems == [], "Block Kit refused by slack_sdk's models"

"""The contract played in Microsoft Teams: Activity JSON in, cards on the fake Bot Connector out.

People type to the bot in their one-to-one chat and press Action.Execute
buttons on the cards they received, filling in the form under a button the
way the Teams client sends it. What each person sees is read back from the
cards in their chat, as Teams would show them: the latest version of each
message (an update in place, or the card an action's answer put in place),
without the replies to their own commands.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.directory import Contact
from bot.intents import INTENTS, IntentTable
from scheduling.clock import SimulatedClock
from tests.teams.fakes import card_problems
from tests.teams.harness import TeamsHarness


def card_lines(card: dict[str, Any]) -> list[str]:
    """The text a card shows (not what its forms hide until a button opens them)."""
    lines: list[str] = []

    def walk(element: dict[str, Any]) -> None:
        kind = element.get("type")
        if kind == "TextBlock":
            lines.append(element["text"])
        elif kind == "RichTextBlock":
            lines.append(
                "".join(i if isinstance(i, str) else i.get("text", "") for i in element["inlines"])
            )
        elif kind == "FactSet":
            lines.extend(f"{f['title']}: {f['value']}" for f in element["facts"])
        for child in element.get("items", []) + element.get("body", []):
            walk(child)

    walk(card)
    return lines


def card_text(card: dict[str, Any]) -> str:
    return "\n".join(card_lines(card))


def executes(card: dict[str, Any]) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Each Action.Execute on a card, with the inputs it sends (those of its form)."""
    for action in card.get("actions", []):
        if action["type"] == "Action.Execute":
            yield action, [e for e in card.get("body", []) if e["type"].startswith("Input.")]
        elif action["type"] == "Action.ShowCard":
            yield from executes(action["card"])


class TeamsDriver:
    name = "teams"

    def __init__(self, harness: TeamsHarness, clock: SimulatedClock) -> None:
        self.harness, self.clock = harness, clock
        self.teams = harness.teams
        self.bot = harness.bot.bot
        # What an action's answer put in place of a card, as the Teams client shows it.
        self.replaced: dict[tuple[str, str], dict[str, Any]] = {}
        self.replies: set[str] = set()

    def _contact(self, user: str) -> Contact:
        contact = self.harness.bot.core.directory.contact(user)
        assert contact is not None, user
        return contact

    def _chat(self, user: str) -> str:
        teams_id = self._contact(user).chat_id("teams")
        assert teams_id is not None
        return self.teams.personal_chat(teams_id)

    def cards(self, user: str) -> list[tuple[str, dict[str, Any]]]:
        """(activity id, card) for each message in the person's chat, as it now shows."""
        chat = self._chat(user)
        shown = []
        for posted in self.teams.messages_in(chat):
            if posted.activity.get("replyToId") in self.replies:
                continue
            card = self.replaced.get((chat, posted.activity_id)) or posted.cards[0]
            shown.append((posted.activity_id, card))
        return shown

    def command(self, user: str, text: str) -> str:
        response, activity = self.harness.say(self._contact(user), text)
        assert response.status_code == 200, response.text
        self.replies.add(activity["id"])
        answers = [
            p
            for p in self.teams.messages_in(self._chat(user))
            if p.activity.get("replyToId") == activity["id"]
        ]
        assert len(answers) == 1, answers
        return card_text(answers[0].cards[0])

    def press(self, user: str, action: str, value: str, **fields: str) -> str:
        for activity_id, card in reversed(self.cards(user)):
            for execute, inputs in executes(card):
                data = execute["data"]
                if (data.get("action"), data.get("value")) != (action, value):
                    continue
                offered = {i["id"]: i for i in inputs}
                for name, given in fields.items():
                    assert name in offered, f"the {action} form has no field '{name}'"
                    choices = [c["value"] for c in offered[name].get("choices", [])]
                    assert not choices or given in choices, f"{given} is not offered: {choices}"
                for name, field in offered.items():
                    assert not field.get("isRequired") or fields.get(name), f"{name} is required"
                return self._invoke(user, activity_id, {**data, **fields})
        raise AssertionError(f"{user} has no {action} button for {value}")

    def _invoke(self, user: str, activity_id: str, data: dict[str, Any]) -> str:
        response = self.harness.click(self._contact(user), activity_id, data)
        assert response.status_code == 200, response.text
        answer = response.json()
        if answer["type"] == "application/vnd.microsoft.card.adaptive":
            assert card_problems(answer["value"]) == []
            self.replaced[(self._chat(user), activity_id)] = answer["value"]
            return card_text(answer["value"])
        assert answer["type"] == "application/vnd.microsoft.activity.message", answer
        return str(answer["value"])

    def inbox(self, user: str) -> list[str]:
        return [card_text(card) for _, card in self.cards(user)]

    def channel_posts(self) -> list[str]:
        return [
            card_text(card)
            for conversation in self.teams.conversations.values()
            if conversation.kind == "channel"
            for posted in self.teams.messages_in(conversation.id)
            for card in posted.cards
        ]

    def advance(self, delta: timedelta) -> None:
        self.clock.advance(delta)
        self.harness.bot.run_due_work()


@contextmanager
def teams_platform(
    database_url: str, clock: SimulatedClock, intents: IntentTable = INTENTS
) -> Iterator[TeamsDriver]:
    with (
        tempfile.TemporaryDirectory(prefix="teams-") as folder,
        TeamsHarness.start(database_url, clock, Path(folder), intents=intents) as harness,
    ):
        assert harness.install_in_channel().status_code == 200
        yield TeamsDriver(harness, clock)
        assert harness.teams.card_problems == []
        assert harness.teams.refused == []

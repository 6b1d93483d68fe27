"""Drivers: one per chat platform, so the same flow can be played on each.

A driver acts as a directory contact the way a person would on that platform
(typing a command, pressing a button on a message they received) and reads
back what each person sees, as plain text with the platform's markup removed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol

from bot.app import Bot
from bot.directory import Contact
from bot.messages import Delivery, Outgoing
from handlers.console import ConsoleChat
from scheduling.clock import SimulatedClock


class PlatformDriver(Protocol):
    name: str
    bot: Bot  # the bot the platform drives, for what a test sets up behind the scenes

    def command(self, user: str, text: str) -> str:
        """Type a `/strategy ...` command as this contact; the reply only they see."""
        ...

    def press(self, user: str, action: str, value: str, **fields: str) -> str:
        """Press a button on a message this contact received (it must be there).

        `action` is accept, decline (reason=...), delegate (to=...) or
        close (outcome=...); `value` is what the button is about (a case
        or action reference). Returns the reply the contact sees, if any.
        """
        ...

    def inbox(self, user: str) -> list[str]:
        """The current text of each direct message the contact has, oldest first."""
        ...

    def channel_posts(self) -> list[str]:
        """Everything posted to a channel."""
        ...

    def advance(self, delta: timedelta) -> None:
        """Move the clock on; scheduled work that falls due runs."""
        ...


class ConsoleDriver:
    """The console: a button is pressed by typing the command it stands for."""

    name = "console"

    def __init__(self, bot: Bot, clock: SimulatedClock) -> None:
        assert isinstance(bot.chat, ConsoleChat)
        self.bot, self.clock, self.chat = bot, clock, bot.chat

    def _contact(self, user: str) -> Contact:
        contact = self.bot.core.directory.contact(user)
        assert contact is not None, user
        return contact

    def command(self, user: str, text: str) -> str:
        return self.bot.command(self._contact(user), text).reply.text

    def press(self, user: str, action: str, value: str, **fields: str) -> str:
        offered = [
            b
            for o in self._current(user)
            for b in o.message.buttons
            if b.action == action and b.value == value
        ]
        assert offered, f"{user} has no {action} button for {value}"
        # On the console a button is pressed by typing what it stands for.
        typed = " ".join(f'{name}="{given}"' for name, given in fields.items())
        return self.command(user, f"/strategy {action} {value} {typed}")

    def _current(self, user: str) -> list[Outgoing]:
        latest: dict[object, Outgoing] = {}
        for index, item in enumerate(self.chat.sent):
            if item.to == user and item.delivery is Delivery.DIRECT:
                latest[item.thread if item.thread is not None else index] = item
        return list(latest.values())

    def inbox(self, user: str) -> list[str]:
        return [o.message.text for o in self._current(user)]

    def channel_posts(self) -> list[str]:
        return [o.message.text for o in self.chat.sent if o.delivery is Delivery.CHANNEL]

    def advance(self, delta: timedelta) -> None:
        self.clock.advance(delta)
        self.bot.run_due_work()

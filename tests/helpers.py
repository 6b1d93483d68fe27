"""Small helpers for driving the bot in tests as a chat user would."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import Engine, event, func, select

from bot.app import Bot
from bot.messages import Delivery, Message, Outgoing
from bot.storage import models
from handlers.console import ConsoleChat

CONVENE = (
    "/strategy convene NV-40213 children=C1:2020-05-14,C2:2023-02-09 category=standard "
    'identified="today 9am" meeting="tomorrow 2pm" tags=domestic_abuse '
    "known=olivia.bennett,bethany.cole"
)


def say(bot: Bot, who: str, text: str) -> Message:
    actor = bot.core.directory.contact(who)
    assert actor is not None, who
    return bot.command(actor, text).reply


def sent(bot: Bot) -> list[Outgoing]:
    assert isinstance(bot.chat, ConsoleChat)
    return bot.chat.sent


def take_sent(bot: Bot) -> list[Outgoing]:
    """Everything sent since the last call."""
    items = list(sent(bot))
    sent(bot).clear()
    return items


def to(bot_items: list[Outgoing], who: str) -> list[Outgoing]:
    return [o for o in bot_items if o.to == who and o.delivery is Delivery.DIRECT]


def count(bot: Bot, model: Any) -> int:
    with bot.core.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def table_counts(bot: Bot) -> dict[str, int]:
    return {
        m.__tablename__: count(bot, m)
        for m in (
            models.Case,
            models.Child,
            models.Discussion,
            models.Invitation,
            models.Action,
            models.AuditEvent,
            models.ScheduledWork,
        )
    }


def audit_events(bot: Bot) -> list[tuple[str, str, dict[str, Any]]]:
    with bot.core.sessions() as session:
        return [
            (e.actor, e.event, e.details)
            for e in session.scalars(select(models.AuditEvent).order_by(models.AuditEvent.id))
        ]


def invitation_statuses(bot: Bot) -> dict[str, str]:
    with bot.core.sessions() as session:
        return {i.contact.key: i.status for i in session.scalars(select(models.Invitation))}


@dataclass
class Checkouts:
    """Connections taken from an engine's pool while counted: how many, and most at once."""

    taken: int = 0
    out: int = 0
    peak: int = 0

    def checkout(self, *_args: object) -> None:
        self.taken, self.out = self.taken + 1, self.out + 1
        self.peak = max(self.peak, self.out)

    def checkin(self, *_args: object) -> None:
        self.out -= 1


@contextmanager
def counting_checkouts(engine: Engine) -> Iterator[Checkouts]:
    counted = Checkouts()
    event.listen(engine, "checkout", counted.checkout)
    event.listen(engine, "checkin", counted.checkin)
    try:
        yield counted
    finally:
        event.remove(engine, "checkout", counted.checkout)
        event.remove(engine, "checkin", counted.checkin)


class Ran(NamedTuple):
    """One statement run on the database: its SQL on one line, and its parameters."""

    sql: str
    parameters: Any


@contextmanager
def recorded_statements(bot: Bot) -> Iterator[list[Ran]]:
    """Every statement run on the bot's engine inside the block, in order."""
    ran: list[Ran] = []

    def seen(_conn: object, _cursor: object, statement: str, parameters: Any, *_: object) -> None:
        ran.append(Ran(" ".join(statement.split()), parameters))

    engine = bot.core.sessions.kw["bind"]
    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield ran
    finally:
        event.remove(engine, "before_cursor_execute", seen)


@dataclass
class Recording:
    """A channel that takes every message at once and remembers it, with the reference
    of the earlier version it updates; its references are ref-1, ref-2, ..."""

    name: str = "console"
    sent: list[tuple[str, str | None]] = field(default_factory=list)  # (text, earlier)

    def send(self, outgoing: Outgoing, earlier: str | None) -> str:
        self.sent.append((outgoing.message.text, earlier))
        return f"ref-{len(self.sent)}"

"""Platform-neutral messages: what the core says, and to whom.

Adapters turn these into console text, Slack Block Kit or Teams cards. The
wording comes from `templates/`; the core only chooses a template and fills it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from templates import render


@dataclass(frozen=True)
class Button:
    """A response a person can give with one click (or by typing `command`)."""

    label: str
    action: str  # accept, decline, delegate, close_action
    value: str  # what the action is about, e.g. "NV-40213" or "NV-40213/A1"
    command: str  # the equivalent text command, e.g. "/strategy accept NV-40213"


@dataclass(frozen=True)
class Message:
    template: str
    text: str
    context: Mapping[str, Any] = field(default_factory=dict)
    buttons: tuple[Button, ...] = ()


def message(template: str, buttons: tuple[Button, ...] = (), /, **context: Any) -> Message:
    return Message(template, render(template, **context), context, buttons)


class Delivery(StrEnum):
    DIRECT = "direct"
    CHANNEL = "channel"


@dataclass(frozen=True)
class Outgoing:
    """One message to send.

    `thread` names the conversation item the message belongs to (for example
    the invitation to one person); sending again with the same `thread` and
    recipient updates the earlier message in place where the platform can.
    """

    to: str  # a contact key, or a channel name for Delivery.CHANNEL
    message: Message
    delivery: Delivery = Delivery.DIRECT
    thread: str | None = None


@dataclass
class Outcome:
    """What a service did: the reply to the person who asked, and everything to send."""

    reply: Message
    outgoing: list[Outgoing] = field(default_factory=list)


def latest_per_thread(outgoing: list[Outgoing]) -> list[Outgoing]:
    """Drop a threaded message when a later one in the same batch replaces it anyway."""
    last = {(o.to, o.thread): i for i, o in enumerate(outgoing) if o.thread is not None}
    return [o for i, o in enumerate(outgoing) if o.thread is None or last[(o.to, o.thread)] == i]

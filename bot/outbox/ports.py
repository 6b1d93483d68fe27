"""A ChatPort (something with `deliver(outgoing)`) seen as a Channel, for the outbox.

The simulation's people and the tests' doubles take whole batches; wrapped,
they take one message at a time and return no reference (they update nothing
in place on their own).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.messages import Outgoing
from bot.ports import Channel, ChatPort


@dataclass
class PortChannel:
    port: ChatPort
    name: str = "console"

    def send(self, outgoing: Outgoing, earlier: str | None) -> str:
        self.port.deliver([outgoing])
        return ""


def as_channel(chat: Channel | ChatPort) -> Channel:
    """The chat itself when it is a Channel; otherwise the ChatPort, wrapped."""
    if hasattr(chat, "send") and hasattr(chat, "name"):
        return chat  # type: ignore[return-value]
    return PortChannel(chat, str(getattr(chat, "platform", "console")))

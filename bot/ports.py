"""The ports the core depends on; adapters in `handlers/` implement them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.messages import Outgoing


class ChatPort(Protocol):
    def deliver(self, outgoing: Sequence[Outgoing]) -> None:
        """Send each message: a direct message to a contact, or a post to a channel.

        A message whose `thread` and recipient were seen before updates the
        earlier message in place. Raises if the platform refused a message.
        """
        ...


class DeliveryFailed(Exception):
    """The chat platform did not take a message; `retry_after` (seconds) if it said when."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after

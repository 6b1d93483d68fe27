"""The ports the core depends on; adapters in `handlers/` implement them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from bot.messages import Button, Message, Outgoing


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


class Unreachable(Exception):
    """Permanent: this channel can never reach this recipient (no id on the platform, user
    not found, app not installed, address refused). The outbox moves the message on to the
    recipient's next channel instead of trying again here."""


class Channel(Protocol):
    """One way out of the bot (Slack, Teams, email, the console), sending one message at a
    time for the durable outbox. Adapters implement it; the core never imports them."""

    name: str  # "slack", "teams", "email" or "console": the names routing uses

    def send(self, outgoing: Outgoing, earlier: str | None) -> str:
        """Send one message and return a reference to where it went on this channel.

        `earlier` is the reference returned for the previous message of the same thread
        to the same recipient on this channel, if any: update it in place where the
        platform can. Raises DeliveryFailed (try again later, after `retry_after` when
        given) or Unreachable (never on this channel).
        """
        ...


class LinkMaker(Protocol):
    """Links to the answer pages for the buttons of one message to one person, for a
    channel that cannot carry buttons (email). The core implements it
    (bot/links/buttons.py); the email channel is given one when it is composed."""

    def links(self, contact_key: str, message: Message) -> Mapping[Button, str]:
        """The page's address for each button that has an item for this person (one
        secret token per item, issued now and never stored); none for the others."""
        ...

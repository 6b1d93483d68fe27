"""Delivering through the routing, until the durable outbox's deliverer takes over.

`FirstRouteChat` is the ChatPort `strategy-bot serve` hands the core when it
serves several ways out at once: each direct message goes to the first channel
of its recipient's route that can reach them (bot/routing.py), falling to the
next on `Unreachable`; channel notices go to every chat platform's own notices
channel; an invitation's email copy goes too when the directory asks for it.

It is deliberately small and keeps the references of earlier messages (for
updates in place) in memory only. The deliverer (issue 14, "delivery") replaces
it: it takes the same `route` (Router.channels) and the same channels by name.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence

from bot.messages import Delivery, Outgoing
from bot.ports import Channel, ChatPort, Unreachable
from bot.routing import Router

log = logging.getLogger(__name__)


class PortChannel:
    """A platform's ChatPort seen as a Channel: `reaches` says whether the platform can
    reach the recipient at all (an id, or found by email); when not, Unreachable."""

    def __init__(self, name: str, port: ChatPort, reaches: Callable[[Outgoing], bool]) -> None:
        self.name = name
        self.port = port
        self.reaches = reaches

    def send(self, outgoing: Outgoing, earlier: str | None) -> str:
        if outgoing.delivery is Delivery.DIRECT and not self.reaches(outgoing):
            raise Unreachable(f"{self.name} cannot reach {outgoing.to}")
        self.port.deliver([outgoing])  # the platform remembers its own threads
        return earlier or f"{self.name}:{outgoing.to}:{outgoing.thread or ''}"


class FirstRouteChat:
    """A ChatPort that sends each message on the first channel of its recipient's route."""

    def __init__(self, router: Router, channels: Mapping[str, Channel]) -> None:
        self.router = router
        self.channels = channels  # filled in as each platform is set up
        self._earlier: dict[tuple[str, str, str], str] = {}  # (to, thread, channel) -> reference

    def deliver(self, outgoing: Sequence[Outgoing]) -> None:
        for item in outgoing:
            if item.delivery is Delivery.CHANNEL:
                for name in self.router.notices():
                    self._send(name, item)
                continue
            sent_on = self._first(item)
            for name in self.router.copies(item.to, item.message.kind):
                if name != sent_on:
                    self._send(name, item)

    def _first(self, item: Outgoing) -> str | None:
        for name in self.router.channels(item.to):
            try:
                self._send(name, item)
            except Unreachable as reason:
                log.warning("not reached on %s, trying the next channel: %s", name, reason)
                continue
            return name
        log.error(
            "no channel reaches %s: the message was not delivered (add a chat id or an "
            "email for them in the directory)",
            item.to,
        )
        return None

    def _send(self, name: str, item: Outgoing) -> None:
        channel = self.channels.get(name)
        if channel is None:
            raise Unreachable(f"{name} is not running in this process")
        key = (item.to, item.thread or "", name)
        earlier = self._earlier.get(key) if item.thread else None
        reference = channel.send(item, earlier)
        if item.thread:
            self._earlier[key] = reference

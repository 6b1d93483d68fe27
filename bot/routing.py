"""Routing: which channels reach each person, in the order the partnership chose.

A person can be reached on Teams (by the Entra object id or Teams id in their
`chat: {teams: ...}`), on Slack (by their Slack id, or found by their email when
they have none), and by email (their address, which everyone has). The order
comes from the directory's `reach:` keys: the contact's own, else their
agency's, else the partnership's (bot/directory/reach.py).

A process only has some of those channels (`configured`): the `Router` gives the
deliverer each person's channels among them, first choice first; the next is
tried when one cannot reach them. The console reaches everyone. This module is
pure: it reads the directory and nothing else.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from bot.directory import Contact, Directory
from bot.directory.model import EMAIL, REACH_CHANNELS, SLACK, TEAMS
from bot.messages import Kind
from bot.wording import say

CONSOLE = "console"
CHAT_CHANNELS: tuple[str, ...] = (TEAMS, SLACK)


@dataclass(frozen=True)
class Reach:
    """One way to reach a person: the channel, and their id or address on it.

    `address` is None for Slack without an id in the directory: they are looked
    up by their email address when a message is sent.
    """

    channel: str
    address: str | None


def order_for(directory: Directory, contact: Contact) -> tuple[str, ...]:
    """The channels the directory names for this person, in order (theirs, else their
    agency's, else the partnership's)."""
    if contact.reach is not None:
        return contact.reach
    agency = directory.agency_of(contact)
    return agency.reach if agency.reach is not None else directory.partnership.reach


def reach_of(directory: Directory, contact: Contact) -> list[Reach]:
    """Every way the directory allows to reach this person, in order, whatever is configured.

    Teams needs an id; Slack takes the id or finds the person by email; email
    always has the address.
    """
    ways: list[Reach] = []
    for channel in order_for(directory, contact):
        if channel == EMAIL:
            ways.append(Reach(EMAIL, contact.email))
        elif channel == SLACK:
            ways.append(Reach(SLACK, contact.chat_id(SLACK)))
        elif contact.chat_id(channel):
            ways.append(Reach(channel, contact.chat_id(channel)))
    return ways


def describe(channels: Collection[str]) -> str:
    """ "Teams, then email"; "nothing" when the list is empty (templates/words.yaml)."""
    words = {
        TEAMS: say("reach.teams"),
        SLACK: say("reach.slack"),
        EMAIL: say("reach.email"),
        CONSOLE: say("reach.console"),
    }
    names = [words.get(channel, channel) for channel in channels]
    return say("reach.then").join(names) if names else say("reach.nothing")


def configured_channels(slack: bool, teams: bool) -> list[str]:
    """The ways out a process has: its chat platforms, and always email (SMTP, or the
    outbox folder when no server is configured)."""
    return [name for name, on in ((TEAMS, teams), (SLACK, slack)) if on] + [EMAIL]


class Router:
    """Each person's channels among those this process has (`configured`).

    `channels` is the `route` the deliverer is given: ordered channel names,
    the first choice first.
    """

    def __init__(self, directory: Directory, configured: Collection[str]) -> None:
        self.directory = directory
        self.configured = frozenset(configured)

    def channels(self, contact_key: str) -> list[str]:
        """The channels to try for this contact, in order; empty: nothing here reaches them."""
        if CONSOLE in self.configured:
            return [CONSOLE]  # the console shows everyone's messages
        contact = self.directory.contact(contact_key)
        if contact is None:
            return []
        return [
            r.channel for r in reach_of(self.directory, contact) if r.channel in self.configured
        ]

    def copies(self, contact_key: str, kind: Kind) -> list[str]:
        """Channels that also get a copy of this message besides its route: email, for an
        invitation to someone reached in chat, when the partnership asks for it."""
        wanted = kind is Kind.INVITATION and self.directory.partnership.email_copy_of_invitations
        if not wanted or EMAIL not in self.configured:
            return []
        route = self.channels(contact_key)
        return [EMAIL] if route and route[0] in CHAT_CHANNELS else []

    def notices(self) -> list[str]:
        """Where channel notices go: every chat platform here, each to its own notices channel."""
        if CONSOLE in self.configured:
            return [CONSOLE]
        return [channel for channel in CHAT_CHANNELS if channel in self.configured]


@dataclass(frozen=True)
class ReachProblem:
    """A contact nothing reaches: `unconfigured` names the chat platforms their only routes
    are on, when those are not set up in this deployment (empty: no route at all)."""

    contact: Contact
    unconfigured: tuple[str, ...]


def reach_problems(directory: Directory, configured: Collection[str]) -> list[ReachProblem]:
    """Contacts who cannot be reached at all, or only on chat platforms not configured."""
    have = frozenset(configured)
    problems: list[ReachProblem] = []
    for contact in directory.contacts():
        ways = [r.channel for r in reach_of(directory, contact)]
        if not ways:
            problems.append(ReachProblem(contact, ()))
        elif not any(channel in have for channel in ways):
            problems.append(ReachProblem(contact, tuple(ways)))
    return problems


__all__ = [
    "CHAT_CHANNELS",
    "CONSOLE",
    "EMAIL",
    "REACH_CHANNELS",
    "SLACK",
    "TEAMS",
    "Reach",
    "ReachProblem",
    "Router",
    "configured_channels",
    "describe",
    "order_for",
    "reach_of",
    "reach_problems",
]

"""The interim delivery through the routing (handlers/first_route.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest

from bot.directory import load_directory
from bot.messages import Delivery, Kind, Message, Outgoing
from bot.ports import Unreachable
from bot.routing import Router
from handlers.first_route import FirstRouteChat, PortChannel


class Taking:
    def __init__(self, name: str, refuse: set[str] | None = None) -> None:
        self.name = name
        self.refuse = refuse or set()
        self.sent: list[tuple[Outgoing, str | None]] = []

    def send(self, outgoing: Outgoing, earlier: str | None) -> str:
        if outgoing.to in self.refuse:
            raise Unreachable(f"{outgoing.to} is not on {self.name}")
        self.sent.append((outgoing, earlier))
        return f"{self.name}-{len(self.sent)}"


def out(to: str, kind: Kind = Kind.NOTICE, thread: str | None = None) -> Outgoing:
    return Outgoing(to, Message(kind, f"to {to}"), thread=thread)


def test_each_message_goes_to_the_first_channel_that_reaches_its_person() -> None:
    directory = load_directory()
    teams, slack, email = Taking("teams", refuse={"asha.patel"}), Taking("slack"), Taking("email")
    chat = FirstRouteChat(
        Router(directory, ["teams", "slack", "email"]),
        {"teams": teams, "slack": slack, "email": email},
    )
    chat.deliver([out("ben.okafor"), out("megan.price"), out("tessa.morgan"), out("asha.patel")])
    assert [o.to for o, _ in teams.sent] == ["ben.okafor"]
    # Asha is not on Teams after all (not installed): Slack is next in her order.
    assert [o.to for o, _ in slack.sent] == ["megan.price", "asha.patel"]
    assert [o.to for o, _ in email.sent] == ["tessa.morgan"]


def test_updates_get_the_earlier_reference_and_notices_go_to_every_chat_platform() -> None:
    directory = load_directory()
    teams, slack, email = Taking("teams"), Taking("slack"), Taking("email")
    chat = FirstRouteChat(
        Router(directory, ["teams", "slack", "email"]),
        {"teams": teams, "slack": slack, "email": email},
    )
    chat.deliver([out("tessa.morgan", Kind.INVITATION, "invitation:1")])
    chat.deliver([out("tessa.morgan", Kind.INVITATION, "invitation:1")])
    assert [earlier for _, earlier in email.sent] == [None, "email-1"]
    notice = Outgoing("strategy-discussions", Message(Kind.NOTICE, "NV-1"), Delivery.CHANNEL)
    chat.deliver([notice])
    assert teams.sent[-1][0] is notice and slack.sent[-1][0] is notice
    assert len(email.sent) == 2


def test_nobody_reached_is_logged_and_a_copy_goes_by_email_when_asked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    directory = load_directory()
    partnership = directory.partnership
    copying = replace(directory, partnership=replace(partnership, email_copy_of_invitations=True))
    teams, email = Taking("teams"), Taking("email", refuse={"tessa.morgan"})
    chat = FirstRouteChat(Router(copying, ["teams", "email"]), {"teams": teams, "email": email})
    chat.deliver([out("olivia.bennett", Kind.INVITATION, "invitation:2")])
    assert [o.to for o, _ in teams.sent] == [o.to for o, _ in email.sent] == ["olivia.bennett"]
    chat.deliver([out("tessa.morgan")])  # refused by the mail server, and nothing else left
    assert all(o.to != "tessa.morgan" for o, _ in email.sent)
    assert "no channel reaches tessa.morgan" in caplog.text


def test_a_platform_port_is_unreachable_for_people_it_cannot_reach() -> None:
    class Port:
        def __init__(self) -> None:
            self.delivered: list[Outgoing] = []

        def deliver(self, outgoing: Sequence[Outgoing]) -> None:
            self.delivered.extend(outgoing)

    port = Port()
    channel = PortChannel("teams", port, lambda o: o.to == "ben.okafor")
    assert channel.send(out("ben.okafor", thread="t"), None) == "teams:ben.okafor:t"
    with pytest.raises(Unreachable):
        channel.send(out("tessa.morgan"), None)
    assert [o.to for o in port.delivered] == ["ben.okafor"]

"""The email Channel against a real local SMTP server: what email-only people receive."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from bot.app import Bot, build_core
from bot.directory import Directory
from bot.mail import SmtpMailer
from bot.messages import Button, Delivery, Kind, Message, Outgoing
from bot.ports import DeliveryFailed, Unreachable
from bot.routing import Router
from bot.settings import Settings
from handlers.email.channel import EmailChannel
from handlers.first_route import FirstRouteChat
from scheduling.clock import SimulatedClock
from tests.email.conftest import Inbox
from tests.helpers import say

CONVENE = (
    "/strategy convene NV-40213 children=C1:2020-05-14,C2:2023-02-09 category=standard "
    'identified="today 9am" meeting="tomorrow 2pm" tags=domestic_abuse '
    "known=olivia.bennett,tessa.morgan referrer=callum.fraser"
)


class Recording:
    """A chat platform as a Channel, for these tests: it reaches people with an id on it."""

    def __init__(self, name: str, directory: Directory) -> None:
        self.name = name
        self.directory = directory
        self.sent: list[Outgoing] = []

    def send(self, outgoing: Outgoing, earlier: str | None) -> str:
        contact = self.directory.contact(outgoing.to)
        if outgoing.delivery is Delivery.DIRECT and (
            contact is None or not contact.chat_id(self.name)
        ):
            raise Unreachable(f"no {self.name} id")
        self.sent.append(outgoing)
        return earlier or f"{self.name}:{len(self.sent)}"

    def to(self, who: str) -> list[str]:
        return [o.message.text for o in self.sent if o.to == who]


def body(email: EmailMessage, subtype: str) -> str:
    part = email.get_body((subtype,))
    assert part is not None, f"no text/{subtype} part"
    return str(part.get_content())


def mailer(inbox: Inbox) -> SmtpMailer:
    return SmtpMailer(
        host="127.0.0.1",
        port=inbox.port,
        starttls=False,
        attempts=1,
        sender="strategy-bot@northvale.gov.example",
    )


@pytest.fixture
def routed(
    database_url: str, clock: SimulatedClock, inbox: Inbox
) -> Iterator[tuple[Bot, dict[str, Recording]]]:
    core = build_core(Settings(database_url=database_url, strategy_directory=None), clock)
    router = Router(core.directory, ["teams", "slack", "email"])
    chats = {name: Recording(name, core.directory) for name in ("teams", "slack")}
    email = EmailChannel(
        core.directory,
        mailer(inbox),
        has_chat=lambda key: any(c in ("teams", "slack") for c in router.channels(key)),
    )
    yield Bot(core, FirstRouteChat(router, {**chats, "email": email})), chats
    core.close()


def test_a_gp_and_a_school_are_invited_by_email_and_told_how_to_answer(
    routed: tuple[Bot, dict[str, Recording]], inbox: Inbox
) -> None:
    bot, chats = routed
    say(bot, "ben.okafor", CONVENE)
    [gp] = inbox.to("tessa.morgan@northvale-health.nhs.example")
    assert gp["Subject"] == "Strategy discussion: your invitation (NV-40213)"
    assert gp["Reply-To"] == "asha.patel@northvale.gov.example"
    text = body(gp, "plain")
    assert "Dear Tessa Morgan" in text
    assert "You are invited to a strategy discussion for case NV-40213" in text
    assert "Reply to this email to reach the chair, Asha Patel" in text
    assert "- Accept" in text and "/strategy" not in text  # no chat: no chat command
    html = body(gp, "html")
    assert "<li>Accept</li>" in html and "Children&#39;s Social Care" in html
    assert inbox.to("callum.fraser@northvale-schools.example")  # the school, by email only
    # Chat people get chat, not email; the chair sees who is reached how.
    assert not inbox.to("olivia.bennett@northvale-health.nhs.example")
    assert any("You are invited" in t for t in chats["teams"].to("olivia.bennett"))
    assert any("You are invited" in t for t in chats["slack"].to("megan.price"))
    [quorum] = [t for t in chats["teams"].to("asha.patel") if "Invitations:" in t]
    assert "Tessa Morgan" in quorum and "[reached by email]" in quorum
    assert "Megan Price" in quorum and "[reached by Slack, then email]" in quorum


def test_an_update_is_a_new_email_only_when_it_matters_to_the_person(
    routed: tuple[Bot, dict[str, Recording]], inbox: Inbox
) -> None:
    bot, _ = routed
    say(bot, "ben.okafor", CONVENE)
    gp = "tessa.morgan@northvale-health.nhs.example"
    # Others answering do not change her invitation: no new email.
    say(bot, "olivia.bennett", "/strategy accept NV-40213")
    say(bot, "megan.price", "/strategy accept NV-40213")
    assert len(inbox.to(gp)) == 1
    say(bot, "tessa.morgan", "/strategy accept NV-40213")
    _, second = inbox.to(gp)
    assert "you accepted" in body(second, "plain")


def chair_view(status: str, met: bool) -> Outgoing:
    invitees = [{"contact": "ian.campbell", "status": status}]
    text = f"Case NV-40213: {'quorum met' if met else 'waiting'}. Ian Campbell: {status}"
    message = Message(
        Kind.QUORUM, text, context={"case": "NV-40213", "met": met, "invitees": invitees}
    )
    return Outgoing(to="tessa.morgan", message=message, thread="quorum:1")


def test_a_chair_by_email_hears_of_quorum_met_or_at_risk_not_every_reply(
    inbox: Inbox, routed: tuple[Bot, dict[str, Recording]]
) -> None:
    bot, _ = routed
    channel = EmailChannel(bot.core.directory, mailer(inbox))
    reference = channel.send(chair_view("waiting for a reply", met=False), None)
    again = channel.send(chair_view("waiting for a reply", met=False), reference)
    assert again == reference and len(inbox.messages) == 1
    at_risk = channel.send(chair_view("declined", met=False), again)
    met = channel.send(chair_view("accepted", met=True), at_risk)
    assert len({reference, at_risk, met}) == 3
    assert len(inbox.messages) == 3
    assert channel.send(chair_view("accepted", met=True), met) == met
    assert len(inbox.messages) == 3


def test_the_record_is_not_emailed_twice_and_chat_commands_are_offered_to_chat_people(
    inbox: Inbox, routed: tuple[Bot, dict[str, Recording]]
) -> None:
    bot, _ = routed
    channel = EmailChannel(bot.core.directory, mailer(inbox), has_chat=lambda key: True)
    record = Outgoing("tessa.morgan", Message(Kind.RECORD, "The record of NV-40213."))
    assert channel.send(record, None).startswith("email:tessa.morgan")
    assert inbox.messages == []  # circulation emails the record (with its PDF) already
    button = Button("close", "NV-40213/A1", "Close", "/strategy close NV-40213/A1")
    nudge = Message(Kind.NUDGE, "Action NV-40213/A1 is due today.", buttons=(button,))
    channel.send(Outgoing("megan.price", nudge), None)
    [email] = inbox.to("megan.price@northvale.police.example")
    assert email["Subject"] == "Reminder: an open action"
    assert "type /strategy close NV-40213/A1" in body(email, "plain")


def test_a_refused_address_is_unreachable_and_a_server_down_is_retried_later(
    inbox: Inbox, routed: tuple[Bot, dict[str, Recording]], tmp_path: Path
) -> None:
    bot, _ = routed
    inbox.refuse.add("tessa.morgan@northvale-health.nhs.example")
    channel = EmailChannel(bot.core.directory, mailer(inbox))
    note = Outgoing("tessa.morgan", Message(Kind.NOTICE, "A note."))
    with pytest.raises(Unreachable, match="refused"):
        channel.send(note, None)
    with pytest.raises(Unreachable):
        channel.send(Outgoing("someone.else", Message(Kind.NOTICE, "?")), None)
    down = SmtpMailer(host="127.0.0.1", port=1, starttls=False, attempts=1, timeout=2)
    with pytest.raises(DeliveryFailed):
        EmailChannel(bot.core.directory, down).send(note, None)

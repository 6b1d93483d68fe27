"""Circulation: everyone invited gets the record by chat and by email, each delivery recorded;
owners who were not invited get only their actions; outages delay, never lose."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from bot.app import Bot
from bot.jobs import run_due_work
from bot.links.tokens import find_link
from bot.mail import SmtpMailer
from bot.messages import Kind, Outgoing
from bot.storage import models
from bot.storage.link_models import LinkItem, LinkToken
from bot.storage.outbox_models import OutboxRow, OutboxStatus
from bot.storage.record_models import RecordDelivery, RecordVersion
from scheduling.clock import SimulatedClock
from tests.helpers import audit_events, say, take_sent, to
from tests.record.conftest import COMPLETE_RECORD, record_emails

INVITED = ["asha.patel", "ben.okafor", "olivia.bennett", "bethany.cole", "megan.price"]
HOUSING_ACTION = (
    '/strategy action NV-40213 owner=george.palmer due="friday" '
    'text="Find the mother and children a refuge place if the partner returns"'
)


def deliveries(bot: Bot) -> list[tuple[int, str, str, str, str]]:
    with bot.core.sessions() as session:
        rows = session.scalars(select(RecordDelivery).order_by(RecordDelivery.id)).all()
        return [
            (d.record_version.version, d.contact.key, d.channel, d.scope, d.status) for d in rows
        ]


def finalise(bot: Bot) -> list[Outgoing]:
    say(
        bot,
        "asha.patel",
        '/strategy action NV-40213 owner=megan.price due="in 2 working days" '
        'text="Complete a DASH risk assessment with the mother"',
    )
    say(bot, "asha.patel", HOUSING_ACTION)
    say(bot, "asha.patel", COMPLETE_RECORD)
    take_sent(bot)
    reply = say(bot, "asha.patel", "/strategy record NV-40213 finalise")
    assert "finalised: version 1" in reply.text
    assert (
        "circulated to 5 people invited or present (direct message, and email with the PDF), "
        "and their actions to 1 other action owner, due by Wed 25 Nov 2026, 23:59 GMT"
    ) in reply.text
    return take_sent(bot)


def test_everyone_invited_gets_the_record_and_each_delivery_is_recorded(
    held: Bot, outbox: Path
) -> None:
    sent = finalise(held)
    # A direct message each: invited, attended or not (the school declined).
    assert [o.to for o in sent] == [*INVITED, "george.palmer"]
    megan = to(sent, "megan.price")[0].message.text
    assert "the record of the strategy discussion on Tue 24 Nov 2026, 14:00 GMT" in megan
    assert "Section 47 enquiry: yes, joint with police" in megan
    assert "NV-40213/A1: Complete a DASH risk assessment with the mother" in megan
    assert "emailed to you at megan.price@northvale.police.example" in megan
    assert "/strategy record NV-40213 show" in megan
    school = to(sent, "bethany.cole")[0].message.text
    assert "NV-40213/A1" not in school  # only your own actions are listed

    # Not invited, but holds an action: only that action, nothing else about the case.
    housing = to(sent, "george.palmer")[0].message.text
    assert "NV-40213/A2: Find the mother and children a refuge place" in housing
    assert "only your actions are shared with you" in housing
    assert "Section 47" not in housing and "A1" not in housing

    # An email each, the PDF and the Markdown attached for those invited.
    mails = record_emails(outbox)
    assert [m["To"] for m in mails] == [
        "asha.patel@northvale.gov.example",
        "ben.okafor@northvale.gov.example",
        "olivia.bennett@northvale-health.nhs.example",
        "bethany.cole@northvale-schools.example",
        "megan.price@northvale.police.example",
        "george.palmer@northvale-community.example",
    ]
    first = mails[0]
    assert first["Subject"] == "Strategy discussion record, case NV-40213"
    attachments = {a.get_filename(): a for a in first.iter_attachments()}
    assert set(attachments) == {"NV-40213-strategy-record-v1.pdf", "NV-40213-strategy-record-v1.md"}
    pdf = attachments["NV-40213-strategy-record-v1.pdf"].get_content()
    assert pdf.startswith(b"%PDF-") and len(pdf) > 2000
    markdown = attachments["NV-40213-strategy-record-v1.md"].get_content()
    assert "# Strategy discussion record: case NV-40213" in markdown
    assert "| Bethany Cole | Northvale Schools and Early Years |" in markdown
    assert "no: declined: teaching all afternoon |" in markdown
    housing_mail = mails[-1]
    assert housing_mail["Subject"] == "Actions for you from a strategy discussion, case NV-40213"
    assert list(housing_mail.iter_attachments()) == []
    body = housing_mail.get_body()
    assert body is not None and "Section 47" not in body.get_content()

    recorded = deliveries(held)
    assert len(recorded) == 12
    for person in INVITED:
        assert (1, person, "chat", "full", "sent") in recorded
        assert (1, person, "email", "full", "sent") in recorded
    assert (1, "george.palmer", "chat", "actions", "sent") in recorded
    assert (1, "george.palmer", "email", "actions", "sent") in recorded
    with held.core.sessions() as session:
        version = session.scalars(select(RecordVersion)).one()
        assert version.circulation_due_at == datetime(2026, 11, 25, 23, 59, 59, tzinfo=UTC)
        assert all(d.delivered_at <= version.circulation_due_at for d in version.deliveries)
        email = next(d for d in version.deliveries if d.channel == "email")
        assert email.detail == "asha.patel@northvale.gov.example"
    # Anyone invited can read the final record in chat; the reading is audited.
    shown = say(held, "bethany.cole", "/strategy record NV-40213 show").text
    assert shown.startswith("# Strategy discussion record: case NV-40213")
    assert ("bethany.cole", "record_read", {"version": 1}) in audit_events(held)
    delivered = [e for e in audit_events(held) if e[1] == "record_delivered"]
    assert len(delivered) == 12
    assert delivered[0] == (
        "system",
        "record_delivered",
        {"version": 1, "contact": "asha.patel", "channel": "chat", "scope": "full"},
    )


@dataclass
class FailingChat:
    """A chat platform that is down for the first `failures` deliveries."""

    failures: int
    delivered: list[Outgoing] = field(default_factory=list)

    def deliver(self, outgoing: Sequence[Outgoing]) -> None:
        if self.failures > 0 and outgoing:
            self.failures -= 1
            raise ConnectionError("chat platform unavailable")
        self.delivered.extend(outgoing)


def test_an_outage_delays_a_delivery_but_never_loses_it(held: Bot, clock: SimulatedClock) -> None:
    say(held, "asha.patel", COMPLETE_RECORD)
    outage = FailingChat(failures=3)
    held.chat = outage  # the platform goes down just as the record is finalised
    say(held, "asha.patel", "/strategy record NV-40213 finalise")
    # Each record summary is in the outbox; the first three tries failed and wait there.
    assert len([o for o in outage.delivered if o.message.kind is Kind.RECORD]) == 2
    assert len([d for d in deliveries(held) if d[2] == "email"]) == 5
    with held.core.sessions() as session:
        pending = session.scalars(
            select(OutboxRow).where(OutboxRow.status == OutboxStatus.PENDING)
        ).all()
        assert len(pending) == 3 and all(r.message["kind"] == "record" for r in pending)
        assert all(r.last_error == "ConnectionError: chat platform unavailable" for r in pending)
    clock.advance(timedelta(minutes=5))
    run_due_work(held.core, outage)
    assert sorted(d[1] for d in deliveries(held) if d[2] == "chat") == sorted(INVITED)
    records = [o.to for o in outage.delivered if o.message.kind is Kind.RECORD]
    assert sorted(records) == sorted(INVITED)  # each person once


@dataclass
class Refusing:
    """aiosmtpd, refusing some recipients as a real server would."""

    refuse: set[str]
    received: list[str] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.extend(envelope.rcpt_tos)
        return "250 Message accepted"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Refusing, int]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Refusing({"bethany.cole@northvale-schools.example"})
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()
        asyncio.set_event_loop(None)


def test_a_refused_address_is_recorded_and_the_chair_told(
    held: Bot, smtp_server: tuple[Refusing, int]
) -> None:
    server, port = smtp_server
    held.core.mailer = SmtpMailer(host="127.0.0.1", port=port, starttls=False, attempts=1)
    say(held, "asha.patel", COMPLETE_RECORD)
    take_sent(held)
    say(held, "asha.patel", "/strategy record NV-40213 finalise")
    assert sorted(server.received) == sorted(
        f"{k}@{d}"
        for k, d in [
            ("asha.patel", "northvale.gov.example"),
            ("ben.okafor", "northvale.gov.example"),
            ("olivia.bennett", "northvale-health.nhs.example"),
            ("megan.price", "northvale.police.example"),
        ]
    )
    assert (1, "bethany.cole", "email", "full", "refused") in deliveries(held)
    assert (1, "bethany.cole", "chat", "full", "sent") in deliveries(held)
    told = [o.message.text for o in to(take_sent(held), "asha.patel")]
    assert any(
        "the email with record version 1 to Bethany Cole (bethany.cole@northvale-schools.example) "
        "was refused by the mail server: 550 5.1.1 No such mailbox here" in text
        for text in told
    )
    with held.core.sessions() as session:
        pending = session.scalars(
            select(models.ScheduledWork).where(models.ScheduledWork.status == "pending")
        ).all()
        assert [w for w in pending if w.kind == "record_delivery"] == []  # not retried forever


def test_with_a_public_url_each_full_record_email_links_to_its_reader_s_own_page(
    held: Bot, outbox: Path
) -> None:
    held.core.public_url = "https://strategy-bot.northvale.example"
    finalise(held)
    mails = record_emails(outbox)
    links: dict[str, str] = {}
    for mail in mails:
        body = mail.get_body()
        assert body is not None
        found = re.findall(r"\.example/answer/(\S+)", body.get_content())
        links[str(mail["To"]).split("@")[0]] = found[0] if found else ""
    # Everyone it is circulated to in full has a link of their own; the housing officer,
    # who gets only their action, has none.
    assert links.pop("george.palmer") == ""
    assert len(set(links.values())) == len(links) == 5
    with held.core.sessions() as session:
        for who, token in links.items():
            row = find_link(session, token, held.core.clock.now())
            assert row is not None and row.item == LinkItem.RECORD and row.contact.key == who
        # Only the hashes are kept.
        stored = session.scalars(select(LinkToken.token_hash)).all()
        assert not set(links.values()) & set(stored)

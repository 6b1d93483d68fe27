"""Links in emails: one token per person and item, bound to them, never stored; valid MIME."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from html.parser import HTMLParser

import pytest
import typer
from sqlalchemy import select
from typer.testing import CliRunner

from bot.app import Bot, build_core
from bot.cli_directory import check_command
from bot.directory.loader import sample_directory_path
from bot.links.buttons import DatabaseLinks, find_open_poll, links_for, no_link_warning
from bot.links.tokens import find_link
from bot.messages import Button, Kind, Message, Outgoing
from bot.ports import DeliveryFailed
from bot.routing import Router
from bot.settings import Settings
from bot.shared import contact_row
from bot.storage.find_time_models import TimeSearch
from bot.storage.link_models import LinkItem, LinkToken
from bot.storage.models import AuditEvent
from bot.storage.outbox_models import OutboxRow, ThreadBinding
from handlers.email.channel import EmailChannel
from scheduling.clock import SimulatedClock
from tests.email.conftest import Inbox
from tests.email.test_email_channel import CONVENE, body, mailer
from tests.helpers import audit_events, say
from tests.web_page.conftest import answering

PUBLIC_URL = "http://localhost:8000"
LINK = re.compile(r"http://localhost:8000/answer/([A-Za-z0-9_-]{43})")
GP = "tessa.morgan@northvale-health.nhs.example"
CHAIR = "asha.patel@northvale.gov.example"


def routed_bot(database_url: str, clock: SimulatedClock, inbox: Inbox, channels: list[str]) -> Bot:
    """Everyone routed over `channels` (email last), emails carrying links."""
    core = build_core(Settings(database_url=database_url, strategy_directory=None), clock)
    router = Router(core.directory, channels)
    email = EmailChannel(
        core.directory,
        replace(mailer(inbox), clock=clock),  # the Date header from the injected clock
        has_chat=lambda key: router.channels(key)[:1] != ["email"],
        links=DatabaseLinks(core, PUBLIC_URL),
    )
    bot = Bot(core, email)
    bot.reach_through([email], Router(core.directory, ["email"]))
    return bot


@pytest.fixture
def by_email(database_url: str, clock: SimulatedClock, inbox: Inbox) -> Iterator[Bot]:
    bot = routed_bot(database_url, clock, inbox, ["email"])
    yield bot
    bot.core.close()


class Anchors(HTMLParser):
    """Every <a href> of an HTML part, with its text."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href, self._text = dict(attrs).get("href") or "", ""

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._text.strip(), self._href))
            self._href = None


def answer_links(email: EmailMessage) -> dict[str, str]:
    """label -> URL, from the text part's 'Label: URL' lines."""
    found = re.findall(r"^([A-Za-z][A-Za-z ]+): (http://\S+)\r?$", body(email, "plain"), re.M)
    return dict(found)


def test_the_gp_invitation_has_one_link_for_accept_decline_delegate(
    by_email: Bot, inbox: Inbox
) -> None:
    say(by_email, "ben.okafor", CONVENE)
    [gp] = inbox.to(GP)
    links = answer_links(gp)
    assert set(links) == {"Accept", "Decline", "Delegate"}
    assert len(set(links.values())) == 1  # one token for the invitation, not one per button
    [token] = LINK.findall(links["Accept"])
    with by_email.core.sessions() as session:
        row = find_link(session, token, by_email.core.clock.now())
        assert row is not None and row.item == LinkItem.INVITATION
        assert row.contact.key == "tessa.morgan"
        assert sorted(row.intents) == ["accept", "decline", "delegate"]
        assert row.invitation is not None and row.invitation.discussion.case.reference == "NV-40213"
        # Each invitee asked to answer got their own token (the chair and the convenor are
        # confirmed already); the token itself is stored nowhere.
        invitees = {i.contact.key for i in row.invitation.discussion.invitations}
        tokens = session.scalars(select(LinkToken)).all()
        assert {t.contact.key for t in tokens} == invitees - {"asha.patel", "ben.okafor"}
        rows = session.scalars(select(OutboxRow))
        stored = [repr((r.message, r.last_error, r.refusals)) for r in rows]
        stored += [b.reference for b in session.scalars(select(ThreadBinding))]
        stored += [repr(a.details) for a in session.scalars(select(AuditEvent))]
    assert stored and not any(token in text for text in stored)
    html = body(gp, "html")
    assert "reply to this email to reach the chair, Asha Patel" in html  # questions still go to her


def test_the_email_is_valid_mime_with_text_and_html_alternatives(
    by_email: Bot, inbox: Inbox
) -> None:
    say(by_email, "ben.okafor", CONVENE)
    [gp] = inbox.to(GP)
    assert gp.get_content_type() == "multipart/alternative"
    assert gp["MIME-Version"] == "1.0"
    assert gp["To"] == GP and gp["From"] and gp["Date"] and gp["Message-ID"]
    assert gp["Reply-To"] == CHAIR
    assert gp["Subject"] == "Strategy discussion: your invitation (NV-40213)"
    parts = [(p.get_content_type(), p.get_content_charset()) for p in gp.iter_parts()]
    assert parts == [("text/plain", "utf-8"), ("text/html", "utf-8")]
    assert not gp.defects and all(not p.defects for p in gp.iter_parts())
    anchors = Anchors()
    anchors.feed(body(gp, "html"))
    buttons = {text: href for text, href in anchors.links if LINK.fullmatch(href)}
    assert buttons == answer_links(gp)  # the same links, each a labelled <a>
    html = body(gp, "html")
    assert 'lang="en-GB"' in html and "background-color: #00703c" in html  # Accept stands out


def test_a_nudge_carries_one_close_more_time_snooze_link_for_the_owner_only(
    by_email: Bot, inbox: Inbox, clock: SimulatedClock
) -> None:
    say(by_email, "ben.okafor", CONVENE)
    clock.set(datetime(2026, 11, 26, 15, 0, tzinfo=UTC))  # Thursday
    reply = say(
        by_email,
        "asha.patel",
        '/strategy action NV-40213 owner=tessa.morgan due="monday" text="Share the GP record"',
    )
    assert "recorded" in reply.text
    given = len(inbox.to(GP))
    clock.advance(timedelta(days=1))
    by_email.run_due_work()
    nudge = inbox.to(GP)[given:][-1]
    assert nudge["Subject"] == "Reminder: an open action (NV-40213/A1)"
    links = answer_links(nudge)
    assert set(links) == {"Close", "More time", "Snooze"}, links
    [token] = {t for url in links.values() for t in LINK.findall(url)}
    with by_email.core.sessions() as session:
        row = find_link(session, token, clock.now())
        assert row is not None and row.item == LinkItem.ACTION
        assert row.contact.key == "tessa.morgan" and row.action is not None
        assert sorted(row.intents) == ["close", "more-time", "snooze"]


def test_the_chair_gets_approve_and_refuse_links_for_a_request_for_more_time(
    by_email: Bot, inbox: Inbox, clock: SimulatedClock
) -> None:
    say(by_email, "ben.okafor", CONVENE)
    say(
        by_email,
        "asha.patel",
        '/strategy action NV-40213 owner=megan.price due="friday" text="Complete the DASH"',
    )
    asked = len(inbox.to(CHAIR))
    reply = say(
        by_email,
        "megan.price",
        '/strategy more-time NV-40213/A1 due="2/12" reason="The mother is away until Monday"',
    )
    assert reply.text, reply
    request = next(m for m in inbox.to(CHAIR)[asked:] if "decision" in m["Subject"])
    links = answer_links(request)
    assert set(links) == {"Approve", "Refuse"}, links
    [token] = {t for url in links.values() for t in LINK.findall(url)}
    with by_email.core.sessions() as session:
        row = find_link(session, token, clock.now())
        assert row is not None and row.contact.key == "asha.patel"
        assert sorted(row.intents) == ["approve", "refuse"]


def test_a_button_about_nothing_of_theirs_gets_no_link(by_email: Bot) -> None:
    say(by_email, "ben.okafor", CONVENE)
    say(
        by_email,
        "asha.patel",
        '/strategy action NV-40213 owner=megan.price due="friday" text="Complete the DASH"',
    )
    message = Message(
        Kind.NUDGE,
        "x",
        buttons=(
            Button("close", "NV-40213/A1"),  # Megan's, not Tessa's
            Button("accept", "NV-99999"),  # no such case
            Button("accept", "NV-40213#1"),  # hers: a link
            Button("pick", "NV-40213"),  # no link for this intent
        ),
    )
    person = by_email.core.directory.contact("tessa.morgan")
    assert person is not None
    with by_email.core.sessions() as session:
        urls = links_for(session, by_email.core, PUBLIC_URL, person, message)
    assert [b.action for b in urls] == ["accept"]


def test_without_public_url_emails_say_reply_to_the_chair_and_a_warning_says_why(
    database_url: str, clock: SimulatedClock, inbox: Inbox
) -> None:
    core = build_core(Settings(database_url=database_url, strategy_directory=None), clock)
    try:
        email = EmailChannel(core.directory, mailer(inbox))
        bot = Bot(core, email)
        bot.reach_through([email], Router(core.directory, ["email"]))
        say(bot, "ben.okafor", CONVENE)
        text = body(inbox.to(GP)[0], "plain")
        assert "/answer/" not in text and "Reply to this email to reach the chair" in text
        warning = no_link_warning(core.directory, ["teams", "slack", "email"], None)
        assert warning is not None and "cannot answer by link" in warning
        assert no_link_warning(core.directory, ["teams", "slack", "email"], PUBLIC_URL) is None
    finally:
        core.close()


class Broken:
    """A link maker whose database is down."""

    def links(self, contact_key: str, message: Message) -> dict[Button, str]:
        raise ConnectionError("database unavailable")


def test_links_that_cannot_be_issued_leave_the_email_to_be_sent_later(
    by_email: Bot, inbox: Inbox
) -> None:
    channel = EmailChannel(by_email.core.directory, mailer(inbox), links=Broken())
    message = Message(Kind.INVITATION, "x", buttons=(Button("accept", "NV-40213#1"),))
    with pytest.raises(DeliveryFailed, match=r"links for tessa\.morgan not issued"):
        channel.send(Outgoing(to="tessa.morgan", message=message, thread="t"), None)
    assert not inbox.to(GP)  # nothing half-sent: the outbox tries again


def test_directory_check_warns_that_email_people_cannot_answer_by_link_without_public_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = typer.Typer()
    app.command()(check_command)
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    without = CliRunner().invoke(app, [str(sample_directory_path()), "--platforms", "teams,slack"])
    assert without.exit_code == 0, without.output
    assert "PUBLIC_URL is not set:" in without.output
    assert "reached by email and cannot answer by link" in " ".join(without.output.split())
    monkeypatch.setenv("PUBLIC_URL", "https://strategy-bot.my-council.gov.uk")
    with_url = CliRunner().invoke(app, [str(sample_directory_path()), "--platforms", "teams,slack"])
    assert with_url.exit_code == 0 and "PUBLIC_URL" not in with_url.output


def test_the_poll_finder_finds_the_open_poll_for_those_asked_only(by_email: Bot) -> None:
    """The hook for the poll's links: `find_open_poll` is the row's finder."""
    say(
        by_email,
        "ben.okafor",
        "/strategy convene NV-40655 children=C1:2026-06-02 category=standard known=tessa.morgan",
    )
    directory = by_email.core.directory
    with by_email.core.sessions() as session:

        def found(who: str, value: str = "NV-40655") -> TimeSearch | None:
            person = directory.contact(who)
            assert person is not None
            return find_open_poll(session, value, person, contact_row(session, who))

        search = found("tessa.morgan")
        assert search is not None and search.status == "open"
        assert found("tessa.morgan", "NV-40655#1") is search
        assert found("megan.price") is None  # not asked
        assert found("tessa.morgan", "NV-99999") is None


def test_the_gp_answers_the_poll_through_the_link_in_her_email(by_email: Bot, inbox: Inbox) -> None:
    say(
        by_email,
        "ben.okafor",
        "/strategy convene NV-40655 children=C1:2026-06-02 category=standard known=tessa.morgan",
    )
    [poll] = inbox.to(GP)
    links = answer_links(poll)
    assert len(links) == 1 and len(set(LINK.findall(" ".join(links.values())))) == 1
    [token] = LINK.findall(next(iter(links.values())))
    with by_email.core.sessions() as session:
        row = find_link(session, token, by_email.core.clock.now())
        assert row is not None and row.item == LinkItem.POLL
        assert row.contact.key == "tessa.morgan" and row.intents == ["available"]
    with answering(by_email) as served:
        link = f"{served.server.url}/answer/{token}"
        page = served.http.get(link).text
        assert 'name="slots" value="1"' in page
        assert served.post(link, intent="available", slots="1").status_code == 303
    answered = [d for who, event, d in audit_events(by_email) if event == "poll_answered"]
    assert answered == [{"slots": [1], "suggested": None, "via": "web"}]

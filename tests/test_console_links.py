"""The console's `open LINK`: the real answer page, read and answered as its person would."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from rich.console import Console
from sqlalchemy import select

from bot.app import Bot, build_core
from bot.links.buttons import DatabaseLinks
from bot.settings import Settings
from bot.storage import models
from bot.storage.link_models import LinkToken
from handlers.console import ConsoleChat, ConsoleSession
from handlers.console_links import LOCAL_PUBLIC_URL, LinkOpener, console_public_url
from scheduling.clock import SimulatedClock
from tests.helpers import table_counts

CONVENE = (
    '/strategy convene NV-41090 children=C1:2021-07-19 category=standard identified="now" '
    'meeting="tomorrow 11am" tags=neglect known=tessa.morgan'
)
LINK = re.compile(r"Accept: (https?://\S+/answer/[A-Za-z0-9_-]{43})")


class Session:
    """A console session whose output the test reads, line by line."""

    def __init__(self, database_url: str, clock: SimulatedClock, public_url: str | None) -> None:
        settings = Settings(
            database_url=database_url, strategy_directory=None, public_url=public_url
        )
        self.core = build_core(settings, clock)
        self.out = io.StringIO()
        console = Console(file=self.out, width=200, highlight=False, soft_wrap=True)
        chat = ConsoleChat(
            self.core.directory,
            console,
            links=DatabaseLinks(self.core, console_public_url(settings)),
        )
        self.bot = Bot(self.core, chat)
        self.session = ConsoleSession(
            self.bot, clock, console, opener=LinkOpener(self.bot, settings, console, chat)
        )

    def run(self, *lines: str) -> str:
        start = self.out.tell()
        self.session.run(lines, echo=True)
        return self.out.getvalue()[start:]


@pytest.fixture
def console(database_url: str, clock: SimulatedClock) -> Iterator[Session]:
    session = Session(database_url, clock, None)
    yield session
    session.core.close()


def test_an_email_persons_message_shows_their_links_and_open_shows_the_page_without_writing(
    console: Session,
) -> None:
    output = console.run("as ben.okafor", CONVENE)
    assert "── to Tessa Morgan (GP) · by email in production" in output
    [url] = set(LINK.findall(output))
    assert url.startswith(f"{LOCAL_PUBLIC_URL}/answer/")
    assert f"Decline: {url}" in output and f"Delegate: {url}" in output
    before = table_counts(console.bot)
    page = console.run(f"open {url}")
    assert "(HTTP 200)" in page
    assert "Strategy discussion for case NV-41090" in page
    assert "You are invited, and the chair is waiting for your answer." in page
    assert "[Accept the invitation]  open LINK accept" in page
    assert "open LINK decline reason=..." in page
    assert table_counts(console.bot) == before  # opening a link never writes


def test_decline_needs_a_reason_then_goes_through_the_page_as_via_web(console: Session) -> None:
    console.run("as ben.okafor", CONVENE)
    before = table_counts(console.bot)
    refused = console.run("open @tessa.morgan decline")
    assert "not answered; the page says (HTTP 400)" in refused
    assert "Enter why you cannot attend." in refused
    assert table_counts(console.bot) == before
    answered = console.run('open @tessa.morgan decline reason="On leave this week"')
    assert "answered; the page now says (HTTP 200)" in answered
    assert "You declined: “On leave this week”." in answered
    assert "health: not yet confirmed" in answered  # the chair's view updates in the console
    with console.core.sessions() as session:
        event = session.scalars(
            select(models.AuditEvent).where(models.AuditEvent.event == "declined")
        ).one()
        assert event.actor == "tessa.morgan" and event.details["via"] == "web"
        used = session.scalars(select(LinkToken).where(LinkToken.last_used_at.is_not(None))).all()
    assert len(used) == 1
    # A new email (accept or delegate still possible) came with a new link.
    assert "Accept: " in answered and "Decline: " not in answered


def test_delegate_offers_the_colleagues_and_invites_the_one_chosen(console: Session) -> None:
    console.run("as ben.okafor", CONVENE)
    page = console.run("open @tessa.morgan")
    assert "open LINK delegate to=" in page and "olivia.bennett" in page
    answered = console.run("open @tessa.morgan delegate to=olivia.bennett")
    assert "You delegated this discussion to Olivia Bennett" in answered
    assert "── to Olivia Bennett" in answered


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('open "unbalanced', "The quotes do not match."),
        ("open", "Say which link to open."),
        ("open @nobody", "No link was emailed to 'nobody'"),
        ("open @tessa.morgan frobnicate", "This page offers no 'frobnicate' answer now"),
        ("open @tessa.morgan decline colour=blue", "The decline form has no field colour"),
        ("open @tessa.morgan decline because", "'because' is not name=value."),
        ("open @tessa.morgan " + "x" * 3000, "shorten it"),
    ],
)
def test_bad_open_lines_are_refused_with_an_example_and_write_nothing(
    console: Session, line: str, problem: str
) -> None:
    console.run("as ben.okafor", CONVENE)
    before = table_counts(console.bot)
    output = console.run(line)
    assert "refused (nothing was changed)" in output
    assert problem.lower() in output.lower()
    assert "For example: open" in output
    assert table_counts(console.bot) == before


def test_a_link_that_does_not_work_gets_the_pages_one_refusal(console: Session) -> None:
    output = console.run("open " + LOCAL_PUBLIC_URL + "/answer/" + "x" * 43)
    assert "(HTTP 404)" in output and "This link does not work" in output


def test_links_use_public_url_when_it_is_set(database_url: str, clock: SimulatedClock) -> None:
    session = Session(database_url, clock, "https://strategy-bot.my-council.gov.uk/bot")
    try:
        output = session.run("as ben.okafor", CONVENE)
        [url] = set(LINK.findall(output))
        assert url.startswith("https://strategy-bot.my-council.gov.uk/bot/answer/")
        answered = session.run(f"open {url} accept")
        assert "You accepted the invitation." in answered
    finally:
        session.core.close()


def test_a_poll_page_names_each_field_once_and_takes_the_ticked_slots(console: Session) -> None:
    find = "/strategy convene NV-40655 children=C1:2026-06-02 category=standard known=tessa.morgan"
    console.run("as ben.okafor", find)
    page = console.run("open @tessa.morgan")
    assert "[Send my answer]  open LINK available slots=... when=..." in page  # not once a box
    answered = console.run("open @tessa.morgan available slots=2,4")
    assert "answered; the page now says (HTTP 200)" in answered
    assert "You said you can make:" in answered

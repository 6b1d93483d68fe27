"""From the real email to the answer, in headless Chromium: what an email-only person does.

Everyone is reached by email here. The bot sends each invitation through a real
local SMTP server (aiosmtpd); the test reads the email the server received,
takes the link from it, and answers in the browser on the served pages. A
scanner-like client that opens every link in every email changes nothing.
Screenshots go to test-output/screenshots/ (email-*.png).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.app import Bot, build_core
from bot.links.buttons import DatabaseLinks
from bot.routing import Router
from bot.settings import Settings
from fakes.serving import WebServer
from handlers.email.channel import EmailChannel
from scheduling.clock import SimulatedClock
from tests.email.conftest import Inbox
from tests.email.test_email_channel import body, mailer
from tests.helpers import CONVENE, audit_events, invitation_statuses, say, table_counts
from tests.web_page.browser import DESKTOP, chromium, screenshot
from tests.web_page.conftest import serve_pages
from tests.web_page.items import ACTION

__all__ = ["chromium"]  # the module-scoped fixture, imported to be used here

URL = re.compile(
    r"^([A-Z][A-Za-z ]+): (http://127\.0\.0\.1:\d+/answer/[A-Za-z0-9_-]{43})\r?$", re.M
)


@dataclass
class Mailed:
    bot: Bot
    inbox: Inbox
    server: WebServer

    def address(self, who: str) -> str:
        contact = self.bot.core.directory.contact(who)
        assert contact is not None and contact.email
        return contact.email

    def emails(self, who: str) -> list[EmailMessage]:
        return self.inbox.to(self.address(who))

    def link(self, who: str, label: str) -> str:
        """The link for `label` in the newest email to `who` that has one."""
        for email in reversed(self.emails(who)):
            links: dict[str, str] = dict(URL.findall(body(email, "plain")))
            if label in links:
                return links[label]
        raise AssertionError(f"no {label} link in any email to {who}")


@pytest.fixture
def mailed(
    sqlite_template: Path, tmp_path: Path, clock: SimulatedClock, inbox: Inbox
) -> Iterator[Mailed]:
    shutil.copy(sqlite_template, tmp_path / "mailed.db")
    core = build_core(Settings(database_url=f"sqlite:///{tmp_path / 'mailed.db'}"), clock)
    email = EmailChannel(core.directory, replace(mailer(inbox), clock=clock))
    bot = Bot(core, email)
    bot.reach_through([email], Router(core.directory, ["email"]))
    _, server = serve_pages(bot)
    # The links point at the served pages (PUBLIC_URL in production).
    email.links = DatabaseLinks(core, server.url)
    say(bot, "ben.okafor", CONVENE)
    try:
        yield Mailed(bot, inbox, server)
    finally:
        server.stop()
        core.close()


@pytest.fixture
def browser_page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(java_script_enabled=False, viewport=DESKTOP)
    try:
        yield context.new_page()
    finally:
        context.close()


def show_email(page: Any, email: EmailMessage, name: str) -> None:
    """The email's HTML part as a mail client shows it, saved as a screenshot."""
    page.set_content(body(email, "html"))
    screenshot(page, name)


def test_accept_from_the_link_in_the_invitation_email(mailed: Mailed, browser_page: Any) -> None:
    page = browser_page
    [invitation] = mailed.emails("olivia.bennett")
    show_email(page, invitation, "email-invitation")
    assert page.get_by_role("link", name="Accept").is_visible()
    page.get_by_role("link", name="Accept").click()  # the email's own link, in the browser
    assert page.title().startswith("Strategy discussion for case NV-40213 ")
    page.get_by_role("button", name="Accept the invitation").click()
    page.wait_for_url("**?done=accept")
    assert "You accepted" in page.locator(".status").inner_text()
    screenshot(page, "email-accepted")
    assert invitation_statuses(mailed.bot)["olivia.bennett"] == "accepted"
    assert ("olivia.bennett", "accepted", {"via": "web"}) in audit_events(mailed.bot)


def test_decline_with_a_reason_from_the_email(mailed: Mailed, browser_page: Any) -> None:
    page = browser_page
    page.goto(mailed.link("megan.price", "Decline"))
    page.get_by_label("Why you cannot attend").fill("In court all day; DC Walsh can attend")
    page.get_by_role("button", name="Decline the invitation").click()
    page.wait_for_url("**?done=decline")
    assert "You declined: “In court all day; DC Walsh can attend”" in page.content()
    screenshot(page, "email-declined")
    assert invitation_statuses(mailed.bot)["megan.price"] == "declined"
    # The chair hears of it by email too, and Megan gets a new email, with new links.
    assert any("DC Walsh" in body(m, "plain") for m in mailed.emails("asha.patel"))
    assert mailed.link("megan.price", "Accept") != mailed.link("megan.price", "Decline")


def test_decline_without_a_reason_shows_the_error(mailed: Mailed, browser_page: Any) -> None:
    page = browser_page
    page.goto(mailed.link("megan.price", "Decline"))
    page.get_by_role("button", name="Decline the invitation").click()
    assert page.get_by_role("alert").get_by_role("heading").inner_text() == "There is a problem"
    reason = page.get_by_label("Why you cannot attend")
    assert reason.get_attribute("aria-invalid") == "true"
    assert "Enter why you cannot attend." in page.get_by_role("alert").inner_text()
    screenshot(page, "email-decline-error")
    assert invitation_statuses(mailed.bot)["megan.price"] == "invited"


def test_delegate_from_the_email_and_the_colleague_gets_their_own(
    mailed: Mailed, browser_page: Any
) -> None:
    page = browser_page
    page.goto(mailed.link("olivia.bennett", "Delegate"))
    page.get_by_label("Colleague (required)", exact=True).select_option("priya.sharma")
    page.get_by_role("button", name="Delegate", exact=True).click()
    page.wait_for_url("**?done=delegate")
    assert "You delegated this discussion to Priya Sharma" in page.locator(".status").inner_text()
    screenshot(page, "email-delegated")
    statuses = invitation_statuses(mailed.bot)
    assert (statuses["olivia.bennett"], statuses["priya.sharma"]) == ("delegated", "invited")
    # Priya's own invitation email has her own link, which opens her page.
    page.goto(mailed.link("priya.sharma", "Accept"))
    assert page.get_by_role("button", name="Accept the invitation").is_visible()


def test_a_scanner_opening_every_link_in_every_email_changes_nothing(mailed: Mailed) -> None:
    links = {
        url for _, email in mailed.inbox.messages for _, url in URL.findall(body(email, "plain"))
    }
    assert len(links) == 3  # the three invitees asked to answer (tests.helpers.CONVENE)
    before = table_counts(mailed.bot)
    sent = len(mailed.inbox.messages)
    with httpx.Client(follow_redirects=True, timeout=30) as scanner:
        for url in sorted(links):
            for target in (url, f"{url}?done=accept", f"{url}/../accept"):
                assert scanner.get(target).status_code in (200, 404)
                assert scanner.head(target).status_code in (200, 404)
            assert scanner.get(url).status_code == 200
    assert table_counts(mailed.bot) == before
    assert len(mailed.inbox.messages) == sent  # nobody was emailed about anything
    assert set(invitation_statuses(mailed.bot).values()) <= {"invited", "accepted"}


def test_the_email_html_is_readable_without_styles_or_images(
    mailed: Mailed, browser_page: Any
) -> None:
    """Mail clients drop styles: the links still say what they do, each on its own."""
    [invitation] = mailed.emails("megan.price")
    html = re.sub(r' style="[^"]*"', "", body(invitation, "html"))
    browser_page.set_content(html)
    names = [a.inner_text() for a in browser_page.get_by_role("link").all()]
    assert names[:3] == ["Accept", "Decline", "Delegate"]


def test_close_an_action_from_the_link_in_its_email(mailed: Mailed, browser_page: Any) -> None:
    say(mailed.bot, "asha.patel", ACTION.format(owner="olivia.bennett"))
    page = browser_page
    page.goto(mailed.link("olivia.bennett", "Close"))  # the action's own email
    assert page.title().startswith("Action NV-40213/A1 ")
    page.get_by_label("Outcome").fill("Notes shared with DC Price on Tuesday")
    page.get_by_role("button", name="Close the action").click()
    page.wait_for_load_state()
    assert "is closed" in page.get_by_role("heading", level=1).inner_text()
    screenshot(page, "email-action-closed")
    closed = [d for who, event, d in audit_events(mailed.bot) if event == "action_closed"]
    assert len(closed) == 1 and closed[0]["via"] == "web"


def test_ask_for_more_time_from_the_link_in_the_action_email(
    mailed: Mailed, browser_page: Any
) -> None:
    say(mailed.bot, "asha.patel", ACTION.format(owner="olivia.bennett"))
    page = browser_page
    page.goto(mailed.link("olivia.bennett", "More time"))
    page.get_by_label("New due date").fill("2026-12-04")
    page.get_by_label("Why more time is needed").fill("GP records awaited")
    page.get_by_role("button", name="Ask the chair").click()
    page.wait_for_url("**?done=more-time")
    assert "You asked for more time" in page.get_by_role("status").inner_text()
    screenshot(page, "email-action-more-time")
    asked = [d for who, event, d in audit_events(mailed.bot) if event == "more_time_requested"]
    assert [(a["reason"], a["via"]) for a in asked] == [("GP records awaited", "web")]
    # The chair, reached by email too, gets Approve and Refuse links for the request.
    assert mailed.link("asha.patel", "Approve") == mailed.link("asha.patel", "Refuse")

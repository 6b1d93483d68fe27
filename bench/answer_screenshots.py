"""The README's reference screenshots of answering by link, taken in headless Chromium.

    python -m bench.answer_screenshots [--output docs/screenshots]

From the repository's root. Chromium is Debian's (`apt-get install -y chromium`, as
`.ci/run` installs it; `--chromium PATH` or $CHROMIUM for another); nothing downloads one.
Synthetic data only, on a simulated clock: a GP reached only by email gets the
invitation (the email's HTML part, as a mail client shows it), opens her link,
presses Decline without a reason (the error), then accepts (the thank-you), on a
desktop and a phone; then the page of an action given to her (close, more time,
snooze) and of a poll for a time for another case. Each run gives the same
pictures: the link's token, the only thing that changes, is shown as "(your
link)" in the email's picture.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import ViewportSize, sync_playwright

from bot.app import Bot, build_core
from bot.links.buttons import DatabaseLinks
from bot.mail import Email
from bot.routing import Router
from bot.settings import Settings
from bot.storage.db import migrate
from fakes.serving import WebServer
from handlers.email.channel import EmailChannel
from handlers.web import create_web_app
from handlers.web_page import mount_answer_pages
from scheduling.clock import SimulatedClock

START = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
CONVENE = (
    '/strategy convene NV-41090 children=C1:2021-07-19 category=standard identified="now" '
    'meeting="tomorrow 11am" tags=neglect known=tessa.morgan'
)
ACTION = (
    '/strategy action NV-41090 owner=tessa.morgan due="in 3 working days" '
    'text="Share what the practice knows about the family"'
)
FIND = "/strategy convene NV-40655 children=C1:2026-06-02 category=standard known=tessa.morgan"
GP = ("tessa.morgan@northvale-health.nhs.example",)
SECRET = "screenshots-link-secret-0123456789abcdef"
WIDE = ViewportSize(width=1280, height=900)
NARROW = ViewportSize(width=390, height=844)  # a phone
# What this closed network needs (no calls to Google's hosts); headless, no sandbox.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
FLAGS += ["--disable-background-networking", "--disable-component-update", "--disable-sync"]


@dataclass
class Kept:
    """A mailer that keeps what it is given."""

    emails: list[Email] = field(default_factory=list)

    def send(self, email: Email) -> None:
        self.emails.append(email)


def take(output: Path, chromium: str | None = None) -> list[Path]:
    output.mkdir(parents=True, exist_ok=True)
    executable = chromium or os.environ.get("CHROMIUM") or shutil.which("chromium")
    if executable is None:
        raise SystemExit("Chromium not found: apt-get install -y chromium")
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'shots.db'}"
        migrate(url)
        core = build_core(
            Settings(database_url=url, strategy_directory=None), SimulatedClock(START)
        )
        kept = Kept()
        email = EmailChannel(core.directory, kept)
        bot = Bot(core, email)
        bot.reach_through([email], Router(core.directory, ["email"]))
        web = create_web_app()
        mount_answer_pages(web, bot, Settings(link_secret=SECRET))
        server = WebServer(web).start()
        try:
            email.links = DatabaseLinks(core, server.url)
            convenor = core.directory.contact("ben.okafor")
            chair = core.directory.contact("asha.patel")
            assert convenor is not None and chair is not None
            bot.command(convenor, CONVENE)
            gp = next(e for e in kept.emails if e.to == GP)
            assert gp.html is not None
            link = _link(gp, server.url)
            bot.command(chair, ACTION)
            action = _link(
                next(e for e in kept.emails if e.to == GP and "/A1" in e.subject), server.url
            )
            bot.command(convenor, FIND)
            poll = _link(
                next(e for e in kept.emails if e.to == GP and "NV-40655" in e.subject), server.url
            )
            email_html = gp.html.replace(link, "(your link)")
            return _shots(executable, output, email_html, link, {"action": action, "poll": poll})
        finally:
            server.stop()
            core.close()


def _link(email: Email, base: str) -> str:
    """The first answer link in an email's text part."""
    return next(w for w in email.text.split() if w.startswith(f"{base}/answer/"))


def _shots(
    executable: str, output: Path, email_html: str, link: str, pages: dict[str, str]
) -> list[Path]:
    saved: list[Path] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=FLAGS)
        page = browser.new_context(java_script_enabled=False, viewport=WIDE).new_page()

        def shot(name: str) -> None:
            path = output / f"{name}.png"
            page.screenshot(path=str(path), full_page=True)
            saved.append(path)

        page.set_content(email_html)
        shot("email-invitation")
        page.goto(link)
        shot("answer-invitation")
        page.set_viewport_size(NARROW)
        shot("answer-invitation-phone")
        page.set_viewport_size(WIDE)
        page.get_by_role("button", name="Decline the invitation").click()
        shot("answer-decline-error")
        page.goto(link)
        page.get_by_role("button", name="Accept the invitation").click()
        page.wait_for_url("**?done=accept")
        shot("answer-accepted")
        for name, address in pages.items():  # the action's and the poll's pages
            page.goto(address)
            shot(f"answer-{name}")
        browser.close()
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=Path("docs") / "screenshots")
    parser.add_argument("--chromium", help="the Chromium executable (default: chromium)")
    arguments = parser.parse_args()
    for path in take(arguments.output, arguments.chromium):
        print(path)


if __name__ == "__main__":
    main()

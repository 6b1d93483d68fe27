"""The answer pages as the tests drive them: the real web app under uvicorn, over HTTP.

`answer` is the convened discussion for NV-40213 (tests/conftest.py), on SQLite
and PostgreSQL, with the pages mounted on `handlers.web.create_web_app()` and
served on 127.0.0.1. `link(who)` issues a new link for someone's invitation.
"""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from rich.console import Console
from sqlalchemy import select

from bot.app import Bot, build_core
from bot.links.tokens import hash_token, issue_invitation_link
from bot.settings import Settings
from bot.storage import models
from bot.storage.db import transaction
from fakes.serving import WebServer
from handlers.console import ConsoleChat
from handlers.web import create_web_app
from handlers.web_page import AnswerPages, mount_answer_pages
from handlers.web_page.ratelimit import Limits
from handlers.web_page.security import SECURITY_HEADERS, csrf_token
from scheduling.clock import SimulatedClock
from tests.helpers import CONVENE, say, take_sent

SECRET = "test-link-secret-0123456789abcdefghijklmnop"


def invitation_link(bot: Bot, who: str, case: str = "NV-40213") -> str:
    """A new token for `who`'s invitation to the newest discussion of `case`."""
    with transaction(bot.core.sessions) as session:
        invitation = session.scalars(
            select(models.Invitation)
            .join(models.Contact, models.Invitation.contact_id == models.Contact.id)
            .join(models.Discussion, models.Invitation.discussion_id == models.Discussion.id)
            .join(models.Case)
            .where(models.Contact.key == who, models.Case.reference == case)
            .order_by(models.Invitation.id.desc())
        ).first()
        assert invitation is not None, who
        return issue_invitation_link(
            session, invitation, now=bot.core.clock.now(), calendar=bot.core.calendar
        )


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found is not None, "no CSRF token on the page"
    return found.group(1)


def csrf_for(link: str) -> str:
    """The CSRF token the pages expect for `link` (as a stale form would carry it)."""
    return csrf_token(SECRET.encode(), hash_token(link.split("?")[0].rsplit("/", 1)[-1]))


def assert_secure(response: httpx.Response) -> None:
    """The answer pages' headers, and a policy that allows no script and no framing."""
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, name
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "script-src" not in policy  # default-src 'none'


@dataclass
class Answer:
    bot: Bot
    pages: AnswerPages
    server: WebServer
    http: httpx.Client
    shared: set[str] = field(default_factory=set)

    def link(self, who: str) -> str:
        return f"{self.server.url}/answer/{invitation_link(self.bot, who)}"

    def post(self, link: str, **form: str) -> httpx.Response:
        """Send a form as the page would: with the link's CSRF token."""
        return self.http.post(link, data={"csrf": csrf_for(link), **form})


def serve_pages(
    bot: Bot, *, limits: Limits | None = None, shared: set[str] | None = None, **uvicorn: Any
) -> tuple[AnswerPages, WebServer]:
    """The web app with the answer pages for `bot`, started under uvicorn.

    `shared`: more directory ids to treat as shared mailboxes (besides the directory's)."""
    marked = shared if shared is not None else set()
    web = create_web_app()
    pages = mount_answer_pages(
        web,
        bot,
        Settings(link_secret=SECRET),
        is_shared_mailbox=lambda contact: contact.id in marked or contact.shared_mailbox,
        limits=limits,
    )
    return pages, WebServer(web, **uvicorn).start()


@contextmanager
def answering(bot: Bot) -> Iterator[Answer]:
    shared: set[str] = set()
    pages, server = serve_pages(bot, shared=shared)
    try:
        with httpx.Client(follow_redirects=False, timeout=30) as http:
            yield Answer(bot, pages, server, http, shared)
    finally:
        server.stop()


@pytest.fixture
def answer(convened: Bot) -> Iterator[Answer]:
    """The pages for the convened discussion, on SQLite and PostgreSQL."""
    with answering(convened) as served:
        yield served


@pytest.fixture
def answer_sqlite(sqlite_template: Path, tmp_path: Path, clock: SimulatedClock) -> Iterator[Answer]:
    """The same on SQLite only: for the browser tests, which check the page, not the database."""
    shutil.copy(sqlite_template, tmp_path / "answer.db")
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'answer.db'}")
    core = build_core(settings, clock)
    bot = Bot(core, ConsoleChat(core.directory, Console(file=io.StringIO(), width=200)))
    say(bot, "ben.okafor", CONVENE)
    take_sent(bot)
    try:
        with answering(bot) as served:
            yield served
    finally:
        core.close()

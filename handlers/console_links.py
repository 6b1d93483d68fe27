"""`open LINK` in the console: an answer page, read and answered as its person would.

The page is the real one: handlers/web_page's routes, mounted on a web app in
this process and reached over ASGI (httpx's ASGITransport), so
a GET shows and never writes, and an answer is the page's own form, POSTed
with its CSRF token, taking exactly the path a browser's POST takes (the same
checks, the same `Bot.act(..., via="web")`, the same refusals).

    open LINK                       show the page as text (LINK: the address, the token,
                                    or @person for the last link emailed to them here)
    open LINK accept                send the page's Accept form
    open LINK decline reason="..."  a form with its fields, by name
"""

from __future__ import annotations

import asyncio
import secrets
import shlex
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from rich.console import Console
from rich.text import Text

from bot.app import Bot
from bot.errors import refusal
from bot.links.urls import ANSWER_PATH, checked_public_url
from bot.settings import Settings
from bot.text_input import check_length
from handlers.console import ConsoleChat
from handlers.console_page import PageForm, PageText

if TYPE_CHECKING:
    import httpx
    from fastapi import FastAPI

# Where console links point when PUBLIC_URL is not set: `strategy-bot serve`'s default
# address on this machine (the console's links are opened with `open`, not a browser).
LOCAL_PUBLIC_URL = "http://localhost:3000"
OPEN_CHARACTERS = 2000
EXAMPLE = 'open @tessa.morgan accept, open @tessa.morgan decline reason="on leave"'


def console_public_url(settings: Settings) -> str:
    return checked_public_url(settings.public_url or LOCAL_PUBLIC_URL)


@dataclass
class LinkOpener:
    """Opens answer pages for the console (`open ...`), printing what they say."""

    bot: Bot
    settings: Settings
    console: Console
    chat: ConsoleChat
    _web: FastAPI | None = field(default=None, init=False)

    def __call__(self, text: str) -> None:
        try:
            check_length(text, OPEN_CHARACTERS, "The link", EXAMPLE)
            words = shlex.split(text)
        except ValueError:
            raise refusal("open_link.quotes") from None
        if not words:
            raise refusal("open_link.no_link")
        path = self._path(words[0])
        page = self._request("GET", path)
        if len(words) == 1:
            self._show(f"the page at {words[0]}", page.text, page.status_code)
            return
        intent, given = words[1], _fields(words[2:])
        form = next((f for f in PageText.of(page.text).forms if f.intent == intent), None)
        if form is None:
            offered = [f.intent for f in PageText.of(page.text).forms if f.intent]
            raise refusal(
                "open_link.no_such_answer",
                intent=intent[:40],
                offered=offered,
                example=f"open {words[0][:60]} {offered[0] if offered else ''}".strip(),
            )
        unknown = sorted(set(given) - set(form.fields))
        if unknown:
            raise refusal(
                "open_link.no_such_field",
                intent=intent,
                unknown=[n[:40] for n in unknown],
                fields=form.fields,
            )
        answer = self._request("POST", path, _filled(form, given))
        if answer.status_code == 303:
            done = self._request("GET", path + answer.headers["location"])
            self._show("answered; the page now says", done.text, done.status_code)
        else:
            self._show("not answered; the page says", answer.text, answer.status_code)

    def _request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> httpx.Response:
        """One request to the pages, as a browser on this machine would send it."""
        # The web stack loads with the first page opened: a console session that opens
        # none does without it (about 15 MB).
        import httpx
        from fastapi import FastAPI

        from handlers.web_page import mount_answer_pages

        if self._web is None:
            settings = self.settings
            if not settings.link_secret:
                # One console process: a secret of its own is exactly right (no replicas).
                settings = settings.model_copy(update={"link_secret": secrets.token_urlsafe(32)})
            self._web = FastAPI()
            mount_answer_pages(self._web, self.bot, settings)
        # As behind a proxy that serves PUBLIC_URL's path prefix (if any) as the root path.
        public = urlsplit(console_public_url(self.settings))
        transport = httpx.ASGITransport(
            app=self._web, root_path=public.path, client=("127.0.0.1", 50000)
        )

        async def send() -> httpx.Response:
            base = f"{public.scheme}://{public.netloc}"
            async with httpx.AsyncClient(transport=transport, base_url=base) as client:
                return await client.request(method, path, data=form)

        return asyncio.run(send())

    def _path(self, link: str) -> str:
        """The page's path for a link: an address, a bare token, or @person."""
        if link.startswith("@"):
            shown = self.chat.links_to.get(link[1:].strip().lower())
            if shown is None:
                raise refusal("open_link.not_emailed", who=link[1:40])
            link = shown
        if "/" not in link:
            return f"{ANSWER_PATH}/{link}"
        # Only the path is used: the page is this bot's, whatever host the link names.
        base_path = urlsplit(console_public_url(self.settings)).path
        return urlsplit(link).path.removeprefix(base_path) or ANSWER_PATH

    def _show(self, heading: str, html: str, status: int) -> None:
        style = "bold cyan" if status < 400 else "bold red"
        self.console.print(Text(f"  ── {heading} (HTTP {status})", style=style))
        page = PageText.of(html)
        forms = iter(page.forms)
        for line, is_heading in page.lines:
            self.console.print(Text(f"  │ {line}", style="bold" if is_heading else ""))
        for form in forms:
            self.console.print(Text(f"  │ [{form.button}]  open LINK {_usage(form)}", "magenta"))


def _usage(form: PageForm) -> str:
    parts = [form.intent]
    for name in dict.fromkeys(form.fields):  # a checkbox group repeats its name
        values = form.choices.get(name)
        parts.append(f"{name}={'|'.join(values[:6]) if values else '...'}")
    return " ".join(parts)


def _fields(words: list[str]) -> dict[str, str]:
    given: dict[str, str] = {}
    for word in words:
        name, equals, value = word.partition("=")
        if not equals or not name:
            raise refusal("open_link.not_name_value", word=word[:40])
        given[name] = value
    return given


def _filled(form: PageForm, given: dict[str, str]) -> dict[str, str]:
    return {**form.hidden, **{name: given.get(name, "") for name in form.fields}}

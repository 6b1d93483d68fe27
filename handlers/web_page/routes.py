"""The answer pages on the bot's web server: GET shows, POST acts.

Routes, all under /answer (`bot.links.urls.ANSWER_PATH`):

    GET, HEAD  /answer/{token}            the item, its state, the forms that can be sent now
    POST       /answer/{token}            one intent, from a form carrying the CSRF token;
                                          answered with 303 to the same page (?done=intent)
    GET, HEAD  /answer/{token}/record.pdf a record link's PDF (the circulated document)
    GET, HEAD  /answer/assets/page.css    the one stylesheet
    anything else under /answer           the same refusal as an unknown token

A GET or HEAD never writes anything, so a mail scanner that opens every link,
follows every redirect or runs the page (there is no script) changes nothing.
An unknown, expired, revoked or no longer bound token, and any other path, get
one identical 404 page that says how to ask for a new link and nothing else.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from bot.app import Bot
from bot.core import Core
from bot.directory import Contact
from bot.errors import InputError
from bot.links.tokens import find_link, hash_token, mark_used
from bot.links.urls import ANSWER_PATH
from bot.settings import Settings
from bot.storage.db import transaction
from bot.storage.link_models import LinkItem, LinkToken
from handlers.web_page.acting import act
from handlers.web_page.action import action_view
from handlers.web_page.forms import Form, filled, is_valid, with_problem
from handlers.web_page.invitation import invitation_view
from handlers.web_page.poll import poll_view
from handlers.web_page.ratelimit import Limits, RateLimiter
from handlers.web_page.record import PDF_PATH, pdf_name, record_view
from handlers.web_page.render import render_page, stylesheet
from handlers.web_page.security import (
    BadBody,
    SecurityHeaders,
    csrf_ok,
    csrf_token,
    fingerprint,
    install_log_redaction,
    read_form,
    server_secret,
)
from handlers.web_page.view import ANSWERER, IDENTIFY, PageView

log = logging.getLogger(__name__)

ViewBuilder = Callable[[Core, Session, LinkToken, Contact], PageView]
# One view per kind of item.
VIEWS: Mapping[str, ViewBuilder] = {
    LinkItem.INVITATION: invitation_view,
    LinkItem.ACTION: action_view,
    LinkItem.POLL: poll_view,
    LinkItem.RECORD: record_view,
}
# An intent after which the item has nothing left to do, so its link stops at once
# (a closed action): the thanks are the answer itself, not a redirect to a dead link.
ENDS_LINK = {"close"}
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def directory_flag(contact: Contact) -> bool:
    """Whether the directory marks `contact` a shared mailbox (`shared_mailbox: true`)."""
    return contact.shared_mailbox


class AnswerPages:
    """The pages for one bot; `router()` gives the routes to mount on the web app."""

    def __init__(
        self,
        bot: Bot,
        settings: Settings,
        *,
        is_shared_mailbox: Callable[[Contact], bool] = directory_flag,
        limits: Limits | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bot = bot
        self.core = bot.core
        self.is_shared_mailbox = is_shared_mailbox
        self.limits = limits or Limits()
        self.secret = server_secret(settings.link_secret)
        window, keys = self.limits.window_seconds, self.limits.max_keys
        self.by_address = RateLimiter(self.limits.per_address, window, keys, monotonic)
        self.by_token = RateLimiter(self.limits.per_token, window, keys, monotonic)

    def router(self) -> APIRouter:
        router = APIRouter(include_in_schema=False)
        router.add_api_route(f"{ANSWER_PATH}/assets/page.css", self.css, methods=["GET", "HEAD"])
        router.add_api_route(f"{ANSWER_PATH}/{{token}}", self.show, methods=["GET", "HEAD"])
        router.add_api_route(
            f"{ANSWER_PATH}/{{token}}/{PDF_PATH}", self.pdf, methods=["GET", "HEAD"]
        )
        router.add_api_route(f"{ANSWER_PATH}/{{token}}", self.answer, methods=["POST"])
        router.add_api_route(ANSWER_PATH, self.unknown, methods=ALL_METHODS)
        router.add_api_route(f"{ANSWER_PATH}/{{rest:path}}", self.unknown, methods=ALL_METHODS)
        return router

    # --- routes ----------------------------------------------------------------

    def css(self) -> Response:
        return Response(stylesheet(), media_type="text/css")

    def unknown(self, request: Request) -> Response:
        return self._limited(request, None) or self._refused(request)

    def show(self, request: Request, token: str) -> Response:
        limited = self._limited(request, token)
        if limited is not None:
            return limited
        with self.core.sessions() as session:  # read only: never committed
            found = self._find(session, token)
            if found is None:
                return self._refused(request)
            link, actor = found
            view = VIEWS[link.item](self.core, session, link, actor)
            done = request.query_params.get("done")
            return self._page(request, link, actor, view, done=done)

    def pdf(self, request: Request, token: str) -> Response:
        """A record link's PDF, as the email attaches it; any other link: the refusal."""
        limited = self._limited(request, token)
        if limited is not None:
            return limited
        with self.core.sessions() as session:  # read only
            found = self._find(session, token)
            version = found[0].record_version if found is not None else None
            if version is None or version.document_pdf is None:
                return self._refused(request)
            disposition = f'attachment; filename="{pdf_name(version)}"'
            return Response(
                version.document_pdf,
                media_type="application/pdf",
                headers={"Content-Disposition": disposition},
            )

    async def answer(self, request: Request, token: str) -> Response:
        limited = self._limited(request, token)
        if limited is not None:
            return limited
        if request.headers.get("sec-fetch-site") == "cross-site":
            return self._problem(request, 403, "cross_site")
        try:
            submitted = await read_form(request, self.limits.max_body_bytes)
        except BadBody as bad:
            return self._problem(request, bad.status, "body")
        return await run_in_threadpool(self._answer, request, token, submitted)

    # --- acting ----------------------------------------------------------------

    def _answer(self, request: Request, token: str, submitted: dict[str, str]) -> Response:
        intent = submitted.get("intent", "")
        with self.core.sessions() as session:
            found = self._find(session, token)
            if found is None:
                return self._refused(request)
            link, actor = found
            if not csrf_ok(self.secret, link.token_hash, submitted.get("csrf")):
                return self._problem(request, 403, "csrf")
            view = VIEWS[link.item](self.core, session, link, actor)
            answerer = filled(ANSWERER, submitted) if self.is_shared_mailbox(actor) else None
            form = view.form(intent)
            if answerer is not None and view.forms:
                # A shared mailbox says who is answering first (a step that changes
                # nothing), and every answer after it carries the two fields.
                if intent == IDENTIFY:
                    status = 200 if is_valid(answerer) else 400
                    return self._page(request, link, actor, view, answerer=answerer, status=status)
                if form is not None and not is_valid(answerer):
                    return self._page(request, link, actor, view, answerer=answerer, status=400)
            if form is None:
                return self._page(request, link, actor, view, notice="not_possible", status=409)
            form = filled(form, submitted)
            if not is_valid(form):
                view = view.replacing(form)
                return self._page(request, link, actor, view, answerer=answerer, status=400)
            fields = {**form.values(), **view.item_fields}
            link_id, link_name = link.id, fingerprint(link.token_hash)
        answered_by = None
        if answerer is not None:
            given = answerer.values()
            answered_by = {"name": given["answerer_name"], "role": given["answerer_role"]}
        try:
            act(self.bot, actor, intent, fields, answered_by=answered_by)
        except InputError as refusal:
            return self._refused_by_core(request, token, form, refusal, answerer)
        with transaction(self.core.sessions) as session:
            used = session.get(LinkToken, link_id)
            if used is not None:
                mark_used(used, self.core.clock.now())
        log.info("answered by link", extra={"link": link_name, "intent": intent})
        if intent in ENDS_LINK:
            html = render_page(
                "closed.html.j2", reference=fields.get("action", ""), **self._common(request)
            )
            return HTMLResponse(html)
        return RedirectResponse(f"?done={intent}", status_code=303)

    def _refused_by_core(
        self,
        request: Request,
        token: str,
        submitted: Form,
        refusal: InputError,
        answerer: Form | None,
    ) -> Response:
        """The page again, with the core's reason on the form's field (or at the top)."""
        with self.core.sessions() as session:
            found = self._find(session, token)
            if found is None:
                return self._refused(request)
            link, actor = found
            view = VIEWS[link.item](self.core, session, link, actor)
            if view.form(submitted.intent) is None:
                return self._page(request, link, actor, view, problem=refusal.problem, status=409)
            shown = with_problem(submitted, refusal.problem, refusal.field)
            problem = None if shown.fields else refusal.problem
            view = view.replacing(shown)
            return self._page(
                request, link, actor, view, answerer=answerer, problem=problem, status=400
            )

    # --- pieces ----------------------------------------------------------------

    def _find(self, session: Session, token: str) -> tuple[LinkToken, Contact] | None:
        link = find_link(session, token, self.core.clock.now())
        if link is None or link.item not in VIEWS:
            return None
        actor = self.core.directory.contact(link.contact.key)
        return None if actor is None else (link, actor)

    def _limited(self, request: Request, token: str | None) -> Response | None:
        address = request.client.host if request.client else "unknown"
        wait = self.by_address.hit(address)
        if wait is None and token is not None:
            wait = self.by_token.hit(hash_token(token))
        if wait is None:
            return None
        html = render_page("limited.html.j2", **self._common(request))
        return HTMLResponse(html, status_code=429, headers={"Retry-After": str(math.ceil(wait))})

    def _refused(self, request: Request) -> Response:
        return HTMLResponse(render_page("refused.html.j2", **self._common(request)), 404)

    def _problem(self, request: Request, status: int, reason: str) -> Response:
        html = render_page("problem.html.j2", reason=reason, **self._common(request))
        return HTMLResponse(html, status_code=status)

    def _page(
        self,
        request: Request,
        link: LinkToken,
        actor: Contact,
        view: PageView,
        *,
        answerer: Form | None = None,
        notice: str | None = None,
        problem: str | None = None,
        done: str | None = None,
        status: int = 200,
    ) -> Response:
        identified = None
        if self.is_shared_mailbox(actor) and view.forms:  # asked only when it can answer
            if answerer is not None and is_valid(answerer):
                identified = answerer.values()
            else:
                answerer = answerer or ANSWERER
        else:
            answerer = None
        asking = answerer if identified is None else None
        forms = view.forms if asking is None else ()
        errors: list[tuple[str | None, str]] = [(None, problem)] if problem else []
        for form in (*([asking] if asking else []), *forms):
            errors += list(form.errors())
        html = render_page(
            view.template,
            title=view.title,
            details=view.details,
            forms=forms,
            asking=asking,
            identified=identified,
            csrf=csrf_token(self.secret, link.token_hash),
            errors=errors,
            notice=notice,
            done=done if done in _DONE else None,
            actor=actor,
            here=request.url.path,
            **self._common(request),
        )
        return HTMLResponse(html, status_code=status)

    def _common(self, request: Request) -> dict[str, Any]:
        root = request.scope.get("root_path", "")
        return {
            "stylesheet": f"{root}{ANSWER_PATH}/assets/page.css",
            "partnership": self.core.directory.partnership.name,
        }


# The answers the page thanks people for after the redirect (its wording is in the template).
_DONE = {"accept", "decline", "delegate", "more-time", "snooze", "approve", "refuse", "available"}


def mount_answer_pages(
    web: FastAPI,
    bot: Bot,
    settings: Settings,
    *,
    is_shared_mailbox: Callable[[Contact], bool] = directory_flag,
    limits: Limits | None = None,
) -> AnswerPages:
    """Serve the answer pages on `web` (the app `strategy-bot serve` runs)."""
    pages = AnswerPages(bot, settings, is_shared_mailbox=is_shared_mailbox, limits=limits)
    web.add_middleware(SecurityHeaders)
    web.include_router(pages.router())
    install_log_redaction()
    return pages

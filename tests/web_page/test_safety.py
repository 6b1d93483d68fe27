"""The answer pages against robots and abuse: scanners, forged links, CSRF, floods, logs."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select

from bot.app import Bot
from bot.links.tokens import revoke_links
from bot.storage import models
from bot.storage.db import transaction
from bot.storage.link_models import LinkToken
from handlers.web_page.ratelimit import Limits, RateLimiter
from handlers.web_page.security import redact
from scheduling.clock import SimulatedClock
from tests.helpers import audit_events, invitation_statuses, table_counts
from tests.web_page.conftest import (
    Answer,
    assert_secure,
    csrf_of,
    invitation_link,
    serve_pages,
)

INVITEES = ("olivia.bennett", "bethany.cole", "megan.price", "asha.patel", "ben.okafor")


def _state(answer: Answer) -> object:
    with answer.bot.core.sessions() as session:
        used = [row.last_used_at for row in session.scalars(select(LinkToken))]
    return (
        table_counts(answer.bot),
        audit_events(answer.bot),
        invitation_statuses(answer.bot),
        used,
        len(answer.bot.chat.sent),  # type: ignore[attr-defined]
    )


def test_a_scanner_opening_every_link_changes_nothing(answer: Answer) -> None:
    """Like Safe Links or Mimecast: GET and HEAD every link, follow every redirect,
    try the 'done' page and stray methods; then the database and the chat are as before."""
    links = [answer.link(who) for who in INVITEES]
    before = _state(answer)
    with httpx.Client(follow_redirects=True, timeout=30) as scanner:
        for link in links:
            for url in (link, link + "?done=accept", link + "/", link + "?intent=accept"):
                assert scanner.get(url).status_code in (200, 404)
                assert scanner.head(url).status_code in (200, 404)
            assert scanner.options(link).status_code == 404
            page = scanner.get(link).text
            assert "<script" not in page.lower()  # nothing for a scanner to run either
    assert _state(answer) == before


def _refusal(answer: Answer, url: str) -> tuple[int, str]:
    response = answer.http.get(url)
    return response.status_code, response.text


def test_every_kind_of_bad_link_gets_the_same_refusal(
    answer: Answer, clock: SimulatedClock
) -> None:
    base = f"{answer.server.url}/answer/"
    good = invitation_link(answer.bot, "olivia.bennett")
    revoked = invitation_link(answer.bot, "bethany.cole")
    cross = invitation_link(answer.bot, "megan.price")
    with transaction(answer.bot.core.sessions) as session:
        invitation = session.scalars(
            select(models.Invitation)
            .join(models.Contact, models.Invitation.contact_id == models.Contact.id)
            .where(models.Contact.key == "bethany.cole")
        ).one()
        revoke_links(session, invitation, now=clock.now(), reason="rescheduled")
        # A token row for Megan pointed at Olivia's invitation: bound to someone else.
        row = session.scalars(select(LinkToken).order_by(LinkToken.id.desc())).first()
        assert row is not None
        olivia = session.scalars(
            select(models.Contact).where(models.Contact.key == "olivia.bennett")
        ).one()
        row.contact_id = olivia.id
    tampered = good[:-2] + ("AA" if good[-2:] != "AA" else "BB")
    bad = [
        base + "A" * 43,  # unknown
        base + tampered,
        base + good[:20],  # cut short
        base + revoked,
        base + cross,
        base + good + "/extra",
        base,
        f"{answer.server.url}/answer",
    ]
    refusals = {_refusal(answer, url) for url in bad}
    assert len(refusals) == 1
    status, body = refusals.pop()
    assert status == 404
    assert "ask the chair of the discussion" in body
    for secret in ("NV-40213", "Olivia", "Bethany", "Megan", "C1", "health"):
        assert secret not in body
    # Expired: the day after the meeting, the good link is refused in the same way.
    assert answer.http.get(base + good).status_code == 200
    clock.set(datetime(2026, 11, 25, 0, 0, tzinfo=UTC))
    assert _refusal(answer, base + good) == (status, body)
    # A POST with a bad link is refused the same way, before anything is read.
    response = answer.http.post(base + tampered, data={"intent": "accept"})
    assert (response.status_code, response.text) == (status, body)


def test_a_post_without_the_right_csrf_token_changes_nothing(answer: Answer) -> None:
    link = answer.link("olivia.bennett")
    other = answer.link("bethany.cole")
    before = _state(answer)
    for form in (
        {"intent": "accept"},
        {"intent": "accept", "csrf": ""},
        {"intent": "accept", "csrf": "0" * 64},
        {"intent": "accept", "csrf": csrf_of(answer.http.get(other).text)},  # another link's
        {"intent": "accept", "csrf": "é"},
    ):
        response = answer.http.post(link, data=form)
        assert response.status_code == 403, form
        assert "nothing was changed" in response.text
    response = answer.http.post(
        link,
        data={"intent": "accept", "csrf": csrf_of(answer.http.get(link).text)},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 403
    assert _state(answer) == before


def test_oversized_and_unreadable_bodies_are_refused(answer: Answer) -> None:
    link = answer.link("olivia.bennett")
    csrf = csrf_of(answer.http.get(link).text)
    before = _state(answer)
    huge = {"csrf": csrf, "intent": "decline", "reason": "x" * 20_000}
    assert answer.http.post(link, data=huge).status_code == 413
    chunks = (b"csrf=" + csrf.encode() + b"&reason=" + b"y" * 1024 for _ in range(20))
    streamed = answer.http.post(
        link,
        content=chunks,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert streamed.status_code == 413  # no Content-Length: counted as it arrives
    as_json = answer.http.post(link, json={"csrf": csrf, "intent": "accept"})
    assert as_json.status_code == 415
    not_utf8 = answer.http.post(
        link,
        content=b"csrf=" + csrf.encode() + b"&intent=accept&reason=\xff\xfe",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert not_utf8.status_code == 400
    assert _state(answer) == before


def test_every_response_carries_the_security_headers(answer: Answer) -> None:
    link = answer.link("olivia.bennett")
    csrf = csrf_of(answer.http.get(link).text)
    responses = [
        answer.http.get(link),
        answer.http.head(link),
        answer.http.get(link + "x"),
        answer.http.get(f"{answer.server.url}/answer/assets/page.css"),
        answer.http.get(f"{answer.server.url}/answer/a/b/c"),
        answer.http.post(link, data={"intent": "accept"}),  # no CSRF
        answer.http.post(link, json={}),
        answer.http.post(link, data={"csrf": csrf, "intent": "decline"}),  # no reason
        answer.http.post(link, data={"csrf": csrf, "intent": "accept"}),  # the redirect
    ]
    assert [r.status_code for r in responses] == [200, 200, 404, 200, 404, 403, 415, 400, 303]
    for response in responses:
        assert_secure(response)
    assert responses[3].headers["content-type"].startswith("text/css")
    assert responses[-1].headers["location"] == "?done=accept"
    # The app's other endpoints are not changed by the pages' middleware.
    health = answer.http.get(f"{answer.server.url}/healthz")
    assert health.status_code == 200 and "Content-Security-Policy" not in health.headers


def test_pages_have_no_script_and_no_inline_style(answer: Answer) -> None:
    link = answer.link("olivia.bennett")
    pages = [answer.http.get(link).text, answer.http.get(link + "x").text]
    pages.append(answer.post(link, intent="decline", reason="").text)
    for html in pages:
        assert not re.search(r"<script|<style|\sstyle=|\son[a-z]+=|javascript:", html, re.I)
        assert '<html lang="en-GB">' in html
        assert 'name="viewport"' in html


def test_too_many_requests_from_one_address_are_refused(convened: Bot) -> None:
    _pages, server = serve_pages(convened, limits=Limits(per_address=5, per_token=100))
    try:
        link = f"{server.url}/answer/{invitation_link(convened, 'olivia.bennett')}"
        codes = [httpx.get(link).status_code for _ in range(5)]
        limited = httpx.get(f"{server.url}/answer/" + "B" * 43)
        assert codes == [200] * 5
        assert limited.status_code == 429
        assert int(limited.headers["Retry-After"]) >= 1
        assert_secure(limited)
        assert "Too many requests" in limited.text
    finally:
        server.stop()


def test_too_many_requests_for_one_link_are_refused(convened: Bot) -> None:
    _pages, server = serve_pages(convened, limits=Limits(per_address=100, per_token=3))
    try:
        link = f"{server.url}/answer/{invitation_link(convened, 'olivia.bennett')}"
        other = f"{server.url}/answer/{invitation_link(convened, 'bethany.cole')}"
        assert [httpx.get(link).status_code for _ in range(4)] == [200, 200, 200, 429]
        assert httpx.post(link, data={"intent": "accept"}).status_code == 429
        assert httpx.get(other).status_code == 200
    finally:
        server.stop()


def test_the_rate_limiter_counts_per_window_and_forgets_the_oldest() -> None:
    now = [100.0]
    limiter = RateLimiter(limit=2, window_seconds=60, max_keys=3, now=lambda: now[0])
    assert [limiter.hit("a") for _ in range(2)] == [None, None]
    assert limiter.hit("a") == pytest.approx(60)
    now[0] += 30
    assert limiter.hit("a") == pytest.approx(30)
    now[0] += 30
    assert limiter.hit("a") is None  # a new window
    for key in ("b", "c", "d"):
        limiter.hit(key)
    assert len(limiter._windows) == 3 and "a" not in limiter._windows


def test_logs_never_contain_a_token(convened: Bot) -> None:
    """The access log (uvicorn's own, at info) and the app's logs show /answer/[token]."""
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record) + " " + repr(vars(record)))

    _pages, server = serve_pages(convened, log_level="info", access_log=True)
    collector = Collect()
    logging.getLogger("handlers.web_page.routes").setLevel(logging.INFO)
    for name in ("uvicorn.access", "uvicorn.error", "handlers.web_page.routes"):
        logging.getLogger(name).addHandler(collector)
    try:
        token = invitation_link(convened, "olivia.bennett")
        link = f"{server.url}/answer/{token}"
        csrf = csrf_of(httpx.get(link).text)
        httpx.head(link + "?done=accept")
        httpx.post(link, data={"csrf": csrf, "intent": "accept"})
        httpx.get(f"{server.url}/answer/{token}/more")
    finally:
        for name in ("uvicorn.access", "uvicorn.error", "handlers.web_page.routes"):
            logging.getLogger(name).removeHandler(collector)
        logging.getLogger("handlers.web_page.routes").setLevel(logging.NOTSET)
        server.stop()
    access = [line for line in lines if '"GET /answer/' in line or '"POST /answer/' in line]
    assert len(access) >= 3, lines
    assert any("/answer/[token]" in line for line in access)
    assert any("answered by link" in line for line in lines)
    for line in lines:
        assert token not in line
    redacted = redact(f'"GET /answer/{token}?done=1 HTTP/1.1"')
    assert redacted == '"GET /answer/[token]?done=1 HTTP/1.1"'


def test_a_link_issued_for_someone_else_is_not_yours(answer: Answer) -> None:
    """Olivia's link acts on Olivia's invitation only: nothing in the form can point it
    at another person's invitation or another case."""
    link = answer.link("olivia.bennett")
    response = answer.post(link, intent="accept", case="XX-99999", to="bethany.cole")
    assert response.status_code == 303
    statuses = invitation_statuses(answer.bot)
    assert statuses["olivia.bennett"] == "accepted"
    assert statuses["bethany.cole"] == "invited"


def test_issuing_a_link_twice_leaves_both_working(answer: Answer) -> None:
    first, second = answer.link("olivia.bennett"), answer.link("olivia.bennett")
    assert answer.http.get(first).status_code == answer.http.get(second).status_code == 200
    with answer.bot.core.sessions() as session:
        assert len(session.scalars(select(LinkToken)).all()) == 2

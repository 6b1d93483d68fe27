"""What keeps the answer pages safe: headers, CSRF, request size, logs without tokens.

- Every response under /answer carries `SECURITY_HEADERS` (no caching, no
  referrer, not indexed, a strict Content-Security-Policy that allows only the
  one stylesheet and same-origin form posts, never framed, no MIME sniffing).
- A form's CSRF token is HMAC-SHA256(server secret, the link token's hash): bound
  to that link and to this deployment. The secret is LINK_SECRET, the same on
  every replica; unset, each process makes a random one at start.
- A POST body is read up to `max_bytes` and must be a URL-encoded form.
- `RedactLinks` replaces the token in any logged /answer/... path with "[token]".
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.links.urls import ANSWER_PATH

log = logging.getLogger(__name__)

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
MIN_SECRET_LENGTH = 32


class SecurityHeaders:
    """ASGI middleware: adds SECURITY_HEADERS to every response under /answer,
    whatever produced it (a page, a refusal, FastAPI's own errors)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._headers = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_answer_path(scope.get("path", "")):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in self._headers}
                kept = [(n, v) for n, v in message.get("headers", []) if n.lower() not in names]
                message["headers"] = kept + self._headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def is_answer_path(path: str) -> bool:
    return path == ANSWER_PATH or path.startswith(ANSWER_PATH + "/")


# --- CSRF ------------------------------------------------------------------------


def server_secret(configured: str | None) -> bytes:
    """The CSRF key: LINK_SECRET, or a random one for this process when it is unset."""
    if configured is None or not configured.strip():
        log.warning(
            "LINK_SECRET is not set: the answer pages use a random secret for this process; "
            "set the same LINK_SECRET on every replica"
        )
        return secrets.token_bytes(32)
    if len(configured.strip()) < MIN_SECRET_LENGTH:
        raise ValueError(f"LINK_SECRET must be at least {MIN_SECRET_LENGTH} characters")
    return configured.strip().encode("utf-8")


def csrf_token(secret: bytes, token_hash: str) -> str:
    return hmac.new(secret, b"answer-form:" + token_hash.encode(), hashlib.sha256).hexdigest()


def csrf_ok(secret: bytes, token_hash: str, submitted: str | None) -> bool:
    if submitted is None:
        return False
    return hmac.compare_digest(csrf_token(secret, token_hash).encode(), submitted.encode())


# --- Request bodies --------------------------------------------------------------


class BadBody(Exception):
    """The body cannot be read as a form: `status` is 413 (too large) or 415/400."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FIELDS = 20


async def read_form(request: Request, max_bytes: int) -> dict[str, str]:
    """The submitted form's fields (repeated ones joined with ","), read up to `max_bytes`."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != FORM_TYPE:
        raise BadBody(415)
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > max_bytes):
        raise BadBody(413)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise BadBody(413)
    try:
        pairs = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=False,
            max_num_fields=MAX_FIELDS,
        )
    except (UnicodeDecodeError, ValueError):
        raise BadBody(400) from None
    fields: dict[str, str] = {}
    for name, value in pairs:
        value = value.replace("\r\n", "\n")
        # A name sent more than once (ticked checkboxes) is joined with commas, the
        # way a typed list is written ("1,3").
        fields[name] = f"{fields[name]},{value}" if name in fields else value
    return fields


# --- Logs --------------------------------------------------------------------------

_LINK = re.compile(re.escape(ANSWER_PATH) + r"/[^/\s?\"']+")


def redact(text: str) -> str:
    return _LINK.sub(ANSWER_PATH + "/[token]", text)


class RedactLinks(logging.Filter):
    """Removes link tokens from a log record (its message and its arguments).

    uvicorn's access log passes the path as an argument, and its formatter reads
    the arguments as a tuple, so they are redacted in place, not flattened.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _redacted(v) for k, v in record.args.items()}
        return True


def _redacted(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


_REDACTOR = RedactLinks()
LOGGERS_TO_REDACT = (
    "uvicorn.access",
    "uvicorn.error",
    "uvicorn",
    "handlers.web_page.routes",
    "handlers.web_page.acting",
    "handlers.web_page.security",
    "",
)


def install_log_redaction() -> None:
    """Attach the filter to the loggers that could see a request's path (idempotent).

    Filters on a logger only see records logged on that logger, so each is named;
    the root logger's handlers get it too, for records that propagate from others.
    """
    for name in LOGGERS_TO_REDACT:
        logger = logging.getLogger(name)
        if _REDACTOR not in logger.filters:
            logger.addFilter(_REDACTOR)
    for handler in logging.getLogger().handlers:
        if _REDACTOR not in handler.filters:
            handler.addFilter(_REDACTOR)


def fingerprint(token_hash: str) -> str:
    """A short, harmless name for a token in logs: the start of its hash."""
    return token_hash[:10]

"""Building a link from a token: `PUBLIC_URL` + `/answer/` + the token.

Links are built only from the configured public base URL, never from the Host
header of a request (which a client chooses).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from bot.errors import InputError

# Where the answer pages are served on the bot's web server (handlers/web_page).
ANSWER_PATH = "/answer"
EXAMPLE = "PUBLIC_URL=https://strategy-bot.my-council.gov.uk"
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


def checked_public_url(public_url: str | None) -> str:
    """`public_url` without a trailing slash, or an InputError saying what is wrong.

    It must be an absolute https URL with no query or fragment; plain http is
    accepted only for this machine (localhost), for development and tests.
    """
    if not public_url or not public_url.strip():
        raise InputError(
            "PUBLIC_URL is not set: links in emails need the bot's public address.", EXAMPLE
        )
    url = public_url.strip().rstrip("/")
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        raise InputError(f"PUBLIC_URL '{public_url}' is not a URL.", EXAMPLE) from None
    if parts.scheme not in ("https", "http") or not host:
        raise InputError(
            f"PUBLIC_URL '{public_url}' must be an absolute https:// address.", EXAMPLE
        )
    if parts.scheme == "http" and host not in _LOCAL_HOSTS:
        raise InputError(
            f"PUBLIC_URL '{public_url}' must use https (plain http only for localhost).", EXAMPLE
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise InputError(
            f"PUBLIC_URL '{public_url}' must be a base address, without a query, a "
            "fragment or credentials.",
            EXAMPLE,
        )
    return url


def link_for(public_url: str | None, token: str) -> str:
    """The address of the answer page for `token`, e.g.
    https://strategy-bot.my-council.gov.uk/answer/Xy3..."""
    return f"{checked_public_url(public_url)}{ANSWER_PATH}/{token}"

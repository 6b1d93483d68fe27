"""Building a link from a token: `PUBLIC_URL` + `/answer/` + the token.

Links are built only from the configured public base URL, never from the Host
header of a request (which a client chooses).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from bot.errors import refusal

# Where the answer pages are served on the bot's web server (handlers/web_page).
ANSWER_PATH = "/answer"
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


def checked_public_url(public_url: str | None) -> str:
    """`public_url` without a trailing slash, or an InputError saying what is wrong.

    It must be an absolute https URL with no query or fragment; plain http is
    accepted only for this machine (localhost), for development and tests.
    """
    if not public_url or not public_url.strip():
        raise refusal("setup.public_url_unset")
    url = public_url.strip().rstrip("/")
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        raise refusal("setup.public_url_not_a_url", url=public_url) from None
    if parts.scheme not in ("https", "http") or not host:
        raise refusal("setup.public_url_not_absolute", url=public_url)
    if parts.scheme == "http" and host not in _LOCAL_HOSTS:
        raise refusal("setup.public_url_not_https", url=public_url)
    if parts.query or parts.fragment or parts.username or parts.password:
        raise refusal("setup.public_url_not_a_base", url=public_url)
    return url


def link_for(public_url: str | None, token: str) -> str:
    """The address of the answer page for `token`, e.g.
    https://strategy-bot.my-council.gov.uk/answer/Xy3..."""
    return f"{checked_public_url(public_url)}{ANSWER_PATH}/{token}"

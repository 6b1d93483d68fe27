"""Every outgoing call gives up after its timeout: a hung server cannot hold the bot."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage

import jwt
import jwt.utils
import pytest
from slack_sdk.errors import SlackApiError

from bot.mail import SmtpMailer
from handlers.slack.app import create_web_client
from handlers.teams.tokens import Refused, TeamsRequestChecker


@pytest.fixture
def hung_server() -> Iterator[int]:
    """A server on 127.0.0.1 that accepts connections and never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield int(listener.getsockname()[1])
    stop.set()
    thread.join(5)
    for connection in held:
        connection.close()
    listener.close()


def test_a_slack_call_gives_up(hung_server: int) -> None:
    client = create_web_client("xoxb-test", f"http://127.0.0.1:{hung_server}/api/", 1)
    started = time.monotonic()
    with pytest.raises((TimeoutError, OSError, SlackApiError)):
        client.chat_postMessage(channel="C1", text="hello")
    # one try and the retry handlers' three more, a second each, plus their waits
    assert time.monotonic() - started < 15


def test_an_smtp_connection_gives_up(hung_server: int) -> None:
    mailer = SmtpMailer(host="127.0.0.1", port=hung_server, starttls=False, timeout=1)
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.org", "b@example.org", "x"
    started = time.monotonic()
    with pytest.raises(OSError):
        mailer._send_once(message, ("b@example.org",))
    assert time.monotonic() - started < 5


def test_fetching_the_teams_signing_keys_gives_up(hung_server: int) -> None:
    checker = TeamsRequestChecker(
        "app", "tenant", f"http://127.0.0.1:{hung_server}/openidconfiguration", 1
    )
    # A well-formed RS256 token (its signature is never reached).
    header = jwt.utils.base64url_encode(b'{"alg":"RS256","kid":"k"}').decode()
    body = jwt.utils.base64url_encode(b'{"iss":"x"}').decode()
    token = f"{header}.{body}.c2ln"
    started = time.monotonic()
    with pytest.raises(Refused, match="could not be fetched"):
        asyncio.run(checker.check(f"Bearer {token}", {"channelId": "msteams"}))
    assert time.monotonic() - started < 5

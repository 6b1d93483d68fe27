"""Fixtures for the calendar tests: certificates, the fake Microsoft servers, a mail server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.calendar.graph import GraphCalendar, GraphCredentials
from bot.calendar.tokens import DatabaseTokenBackend
from bot.mail import SmtpMailer
from tests.calendar.servers import Certificate, FakeMicrosoft, MailServer, make_certificate

ORGANISER = "strategy.discussions@northvale.gov.example"
SENDER = "strategy-bot@northvale.gov.example"


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """The TLS certificate of the local servers (clients trust it as their CA bundle)."""
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def app_certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """The app registration's certificate credential (instead of a secret)."""
    return make_certificate(tmp_path_factory.mktemp("app-cert"), name="strategy-bot-app")


@pytest.fixture
def microsoft(certificate: Certificate, app_certificate: Certificate) -> Iterator[FakeMicrosoft]:
    fake = FakeMicrosoft(certificate, app_certificate=app_certificate).start()
    yield fake
    fake.stop()


@pytest.fixture
def mail_server(certificate: Certificate) -> Iterator[MailServer]:
    server = MailServer(certificate).start()
    yield server
    server.stop()


def graph_for(
    microsoft: FakeMicrosoft,
    certificate: Certificate,
    tokens: DatabaseTokenBackend | None = None,
    *,
    secret: str | None = "s3cret-value",
    app_certificate: Certificate | None = None,
    attempts: int = 4,
    max_wait: float = 5.0,
    backoff: float = 0.01,
) -> GraphCalendar:
    credentials = GraphCredentials(
        tenant_id=microsoft.tenant,
        client_id=microsoft.client_id,
        client_secret=secret,
        private_key_pem=app_certificate.pem if app_certificate else None,
        thumbprint=app_certificate.thumbprint if app_certificate else None,
    )
    return GraphCalendar(
        credentials,
        ORGANISER,
        tokens or DatabaseTokenBackend(f"{microsoft.tenant}:{microsoft.client_id}", None),
        graph_url=microsoft.graph_url,
        login_url=microsoft.login_url,
        verify=str(certificate.cert_path),
        attempts=attempts,
        max_wait=max_wait,
        backoff=backoff,
        timeout=10,
    )


def smtp_for(server: MailServer, certificate: Certificate, **overrides: object) -> SmtpMailer:
    settings: dict[str, object] = {
        "host": "127.0.0.1",
        "port": server.port,
        "sender": SENDER,
        "starttls": True,
        "username": server.username,
        "password": server.password,
        "ssl_context": certificate.client_context(),
        "wait_min": 0.01,
        "wait_max": 0.05,
        "timeout": 10.0,
    }
    settings.update(overrides)
    return SmtpMailer(**settings)  # type: ignore[arg-type]

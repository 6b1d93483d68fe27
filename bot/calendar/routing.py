"""Which way each invitation goes, and building that from the settings.

Contacts whose email domain belongs to the Microsoft 365 tenant get an Outlook
invitation through Graph (when Graph is configured and has not failed for the
meeting); everyone else gets an iCalendar invitation by email. With no mail
server configured, the email invitations are written to the outbox folder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bot.calendar.port import CalendarPort
from bot.mail import Mailer, OutboxMailer, mailer_from_settings
from bot.settings import Settings
from bot.storage.calendar_models import Route
from scheduling.clock import Clock

if TYPE_CHECKING:
    from bot.calendar.graph import GraphCalendar
    from bot.calendar.tokens import DatabaseTokenBackend

DEFAULT_OUTBOX = Path("outbox")


class CalendarSettingsError(ValueError):
    """The calendar settings are incomplete or inconsistent."""


@dataclass
class Invites:
    """How calendar invitations leave the bot."""

    mailer: Mailer
    # The ORGANIZER of email invitations: the address replies would go to.
    organiser_email: str = "strategy-bot@localhost"
    graph: CalendarPort | None = None
    # The Graph token cache, read and written around each use of Graph.
    tokens: DatabaseTokenBackend | None = None
    tenant_domains: frozenset[str] = field(default_factory=frozenset)
    meeting_minutes: int = 60
    # How often Outlook replies are read while a meeting is upcoming.
    poll_minutes: int = 10
    timezone: str = "Europe/London"

    def route(self, email: str, graph_failed: bool) -> Route:
        domain = email.rpartition("@")[2].lower()
        if self.graph is not None and not graph_failed and domain in self.tenant_domains:
            return Route.GRAPH
        return self.email_route

    @property
    def email_route(self) -> Route:
        return Route.OUTBOX if isinstance(self.mailer, OutboxMailer) else Route.EMAIL

    @property
    def outbox(self) -> Path | None:
        return self.mailer.folder if isinstance(self.mailer, OutboxMailer) else None


def outbox_invites(folder: Path = DEFAULT_OUTBOX) -> Invites:
    """The embedded default: invitations written as files, nothing sent."""
    return Invites(mailer=OutboxMailer(folder))


def invites_from_settings(
    settings: Settings,
    clock: Clock | None = None,
    timezone: str = "Europe/London",
    verify: bool | str = True,
) -> Invites:
    """SMTP or the outbox for email invitations, and Graph when it is configured.

    `clock` dates the emails; `verify` is the TLS check for Graph (a CA bundle
    path when testing against local servers).
    """
    domains = frozenset(
        d.strip().lower().lstrip("@") for d in settings.graph_tenant_domains.split(",") if d.strip()
    )
    graph, tokens = _graph(settings, timezone, verify)
    if graph is not None and not domains:
        raise CalendarSettingsError(
            "Graph is configured but GRAPH_TENANT_DOMAINS is empty, so nobody would get an "
            "Outlook invitation: list the tenant's email domains, e.g. "
            "GRAPH_TENANT_DOMAINS=northvale.gov.example"
        )
    return Invites(
        mailer=mailer_from_settings(settings, clock),
        organiser_email=settings.smtp_sender,
        graph=graph,
        tokens=tokens,
        tenant_domains=domains,
        timezone=timezone,
    )


def _certificate(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as error:
        raise CalendarSettingsError(
            f"GRAPH_CERTIFICATE_PATH: cannot read {path} ({error}); give the PEM file that holds "
            "the private key"
        ) from None


def _graph(
    settings: Settings, timezone: str, verify: bool | str
) -> tuple[GraphCalendar | None, DatabaseTokenBackend | None]:
    # Imported here: O365 takes a quarter of a second to load, for nothing
    # when Graph is not configured.
    from bot.calendar.graph import GraphCalendar, GraphCredentials
    from bot.calendar.tokens import DatabaseTokenBackend

    required = {
        "GRAPH_TENANT_ID": settings.graph_tenant_id,
        "GRAPH_CLIENT_ID": settings.graph_client_id,
        "GRAPH_ORGANISER_MAILBOX": settings.graph_organiser_mailbox,
    }
    secret = settings.graph_client_secret
    certificate = settings.graph_certificate_path
    if not any(required.values()) and not secret and not certificate:
        return None, None
    missing = [name for name, value in required.items() if not value]
    if not secret and not certificate:
        missing.append("GRAPH_CLIENT_SECRET (or GRAPH_CERTIFICATE_PATH)")
    if certificate and not settings.graph_certificate_thumbprint:
        missing.append("GRAPH_CERTIFICATE_THUMBPRINT")
    if missing:
        raise CalendarSettingsError(
            f"Microsoft Graph is partly configured: set {', '.join(missing)} as well "
            "(or unset the GRAPH_ settings to send every invitation by email)."
        )
    assert settings.graph_tenant_id and settings.graph_client_id
    assert settings.graph_organiser_mailbox
    credentials = GraphCredentials(
        tenant_id=settings.graph_tenant_id,
        client_id=settings.graph_client_id,
        client_secret=secret,
        private_key_pem=_certificate(certificate) if certificate else None,
        thumbprint=settings.graph_certificate_thumbprint,
    )
    try:
        tokens = DatabaseTokenBackend(
            f"{settings.graph_tenant_id}:{settings.graph_client_id}",
            settings.graph_token_cache_key,
        )
    except ValueError:
        raise CalendarSettingsError(
            "GRAPH_TOKEN_CACHE_KEY is not a Fernet key (32 bytes, urlsafe base64). Make one "
            "with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'"
        ) from None
    graph = GraphCalendar(
        credentials,
        settings.graph_organiser_mailbox,
        tokens,
        graph_url=settings.graph_base_url,
        login_url=settings.graph_login_base_url,
        timezone=timezone,
        verify=verify,
        timeout=settings.http_timeout_seconds,
    )
    return graph, tokens

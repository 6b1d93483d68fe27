"""Which way each invitation goes, and building that from the settings.

Contacts whose email domain belongs to the Microsoft 365 tenant get an Outlook
invitation through Graph (when Graph is configured and has not failed for the
meeting); everyone else gets an iCalendar invitation by email. With no mail
server configured, the email invitations are written to the outbox folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bot.calendar.port import Invites, outbox_invites
from bot.core import Core
from bot.mail import mailer_from_settings
from bot.settings import Settings
from scheduling.clock import Clock

if TYPE_CHECKING:
    from bot.calendar.graph import GraphCalendar
    from bot.calendar.tokens import DatabaseTokenBackend


class CalendarSettingsError(ValueError):
    """The calendar settings are incomplete or inconsistent."""


def invites_of(core: Core) -> Invites:
    """How this core sends invitations: as configured, else as files in ./outbox."""
    return core.invites if core.invites is not None else outbox_invites()


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
    required = {
        "GRAPH_TENANT_ID": settings.graph_tenant_id,
        "GRAPH_CLIENT_ID": settings.graph_client_id,
        "GRAPH_ORGANISER_MAILBOX": settings.graph_organiser_mailbox,
    }
    secret = settings.graph_client_secret
    certificate = settings.graph_certificate_path
    if not any(required.values()) and not secret and not certificate:
        return None, None
    # Imported here, once Graph is configured: O365 (with msal, requests and
    # BeautifulSoup) takes a quarter of a second and about 10 MB to load.
    from bot.calendar.graph import GraphCalendar, GraphCredentials
    from bot.calendar.tokens import DatabaseTokenBackend

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

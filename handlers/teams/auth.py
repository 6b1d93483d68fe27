"""The bot's credentials: tokens for its own calls, and the keys that verify Teams' calls.

Outgoing calls to the Bot Connector carry a token the bot gets from Microsoft
Entra with its app id and secret (client credentials, through msal). Incoming
activities carry a token signed by the Bot Framework, which the SDK verifies
against the keys published at the OpenID metadata address. Both addresses
come from the settings, so that national clouds, staging and the tests can
point them elsewhere.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace

from microsoft_teams.api.auth.cloud_environment import PUBLIC, CloudEnvironment
from msal import ConfidentialClientApplication  # type: ignore[import-untyped]

from handlers.teams.settings import TeamsSettings

# Single-tenant bots get their tokens from their own tenant; this is the
# Bot Framework's tenant for the (older) multi-tenant registrations.
BOT_FRAMEWORK_TENANT = "botframework.com"


class TokenUnavailable(RuntimeError):
    pass


def cloud_for(settings: TeamsSettings) -> CloudEnvironment:
    """Microsoft's public cloud, with the endpoints the settings override."""
    return replace(
        PUBLIC,
        login_endpoint=settings.teams_login_url.rstrip("/"),
        openid_metadata_url=settings.teams_openid_metadata_url,
    )


class EntraTokenProvider:
    """App-only tokens from Microsoft Entra, cached by msal until they expire."""

    def __init__(self, settings: TeamsSettings) -> None:
        if not (settings.teams_app_id and settings.teams_app_password):
            raise ValueError("Teams needs TEAMS_APP_ID and TEAMS_APP_PASSWORD")
        self._app_id = settings.teams_app_id
        self._secret = settings.teams_app_password
        self._login_url = settings.teams_login_url.rstrip("/")
        self._default_tenant = settings.teams_tenant_id or BOT_FRAMEWORK_TENANT
        self._timeout = settings.http_timeout_seconds
        self._clients: dict[str, ConfidentialClientApplication] = {}
        self._lock = threading.Lock()

    async def get_app_token(self, scope: str, tenant_id: str | None) -> str:
        # msal is synchronous: run it off the event loop.
        return await asyncio.to_thread(self.token, scope, tenant_id)

    def token(self, scope: str, tenant_id: str | None = None) -> str:
        result = self._client(tenant_id or self._default_tenant).acquire_token_for_client([scope])
        token = result.get("access_token")
        if not isinstance(token, str):
            raise TokenUnavailable(
                f"Microsoft Entra refused a token for the bot: {result.get('error')}: "
                f"{result.get('error_description')}"
            )
        return token

    def _client(self, tenant: str) -> ConfidentialClientApplication:
        with self._lock:
            client = self._clients.get(tenant)
            if client is None:
                client = ConfidentialClientApplication(
                    self._app_id,
                    client_credential=self._secret,
                    authority=f"{self._login_url}/{tenant}",
                    # The authority is given in full (it may be a national cloud or
                    # a local test server): no need to ask Microsoft to vouch for it.
                    instance_discovery=False,
                    timeout=self._timeout,
                )
                self._clients[tenant] = client
            return client

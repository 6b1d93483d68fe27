"""Incoming Teams requests, checked to the letter before the Teams SDK sees them.

The Bot Framework's authentication protocol, for a single-tenant bot:

- the token is an RS256 JWT issued by the Bot Framework (the issuer in the
  OpenID metadata document), for this bot's app id, with an expiry (and a
  not-before, where present), 5 minutes' leeway for clocks;
- it is signed by a key from the `jwks_uri` the metadata document names (not a
  URL derived from it), and that key is endorsed for the activity's channel
  (`msteams`);
- its `serviceurl` claim is the activity's `serviceUrl`, so a token cannot be
  replayed to make the bot send (with its own connector token) elsewhere;
- the activity is from this bot's tenant (`conversation.tenantId`,
  `channelData.tenant.id`).

Tokens from other issuers (the SDK's Entra path, which accepts any tenant and
does not bind `serviceUrl`) are refused. Keys are fetched without blocking the
event loop, only from the one configured metadata address, and an unknown key
id refreshes them at most once every few minutes, so no request can make the
bot fetch keys on demand. A refusal is a 401 and a log line with its reason
(never the token).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

import httpx
import jwt

from bot.text_input import shown

log = logging.getLogger(__name__)

ALGORITHM = "RS256"
LEEWAY_SECONDS = 300
CHANNEL = "msteams"
# Keys are refreshed after this long, or when a token names an unknown key
# (at most once per REFRESH_AT_MOST_EVERY).
KEYS_MAX_AGE_SECONDS = 24 * 3600
REFRESH_AT_MOST_EVERY_SECONDS = 300
# The Bot Framework's issuer, if the metadata document does not say.
BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"


class Refused(Exception):
    """A request that does not authenticate; `str()` is the reason, safe to log."""


@dataclass(frozen=True)
class SigningKey:
    key: Any  # the public key, for jwt.decode
    endorsements: frozenset[str]


class TeamsRequestChecker:
    """Checks the Authorization header and the activity of each request to /api/messages."""

    def __init__(
        self,
        app_id: str,
        tenant_id: str,
        metadata_url: str,
        timeout_seconds: float,
    ) -> None:
        self.app_id = app_id
        self.tenant_id = tenant_id
        self.metadata_url = metadata_url
        self.timeout = timeout_seconds
        self._issuer: str | None = None
        self._keys: dict[str, SigningKey] = {}
        self._fetched_at = 0.0
        self._tried_at: float | None = None
        self._lock = asyncio.Lock()
        self.fetches = 0  # how many times the keys were fetched (for tests and metrics)

    async def check(self, authorization: str, activity: dict[str, Any]) -> dict[str, Any]:
        """The token's verified claims; raises Refused (with the reason) otherwise."""
        if not authorization.startswith("Bearer ") or len(authorization) < 8:
            raise Refused("no bearer token")
        token = authorization.removeprefix("Bearer ").strip()
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise Refused("not a JWT") from None
        if header.get("alg") != ALGORITHM:
            raise Refused(f"algorithm {shown(str(header.get('alg')), 20)} is not {ALGORITHM}")
        issuer = await self._expected_issuer()
        if unverified.get("iss") != issuer:
            raise Refused(f"issuer {shown(str(unverified.get('iss')))} is not the Bot Framework")
        key = await self._key(str(header.get("kid") or ""))
        channel = activity.get("channelId")
        if channel != CHANNEL:
            raise Refused(f"channel {shown(str(channel), 20)} is not {CHANNEL}")
        if channel not in key.endorsements:
            raise Refused(f"the signing key is not endorsed for {CHANNEL}")
        claims = self._verify(token, key, issuer)
        self._check_service_url(claims, activity)
        self._check_tenant(activity)
        return claims

    def _verify(self, token: str, key: SigningKey, issuer: str) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[ALGORITHM],
                audience=self.app_id,
                issuer=issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise Refused("the token has expired") from None
        except jwt.ImmatureSignatureError:
            raise Refused("the token is not valid yet (nbf)") from None
        except jwt.MissingRequiredClaimError as error:
            raise Refused(f"the token has no {error.claim} claim") from None
        except jwt.InvalidAudienceError:
            raise Refused("the token's audience is not this bot") from None
        except jwt.InvalidSignatureError:
            raise Refused("the signature does not verify") from None
        except jwt.PyJWTError as error:
            raise Refused(f"the token does not verify: {shown(str(error))}") from None
        return claims

    @staticmethod
    def _check_service_url(claims: dict[str, Any], activity: dict[str, Any]) -> None:
        claimed = claims.get("serviceurl")
        given = activity.get("serviceUrl")
        if not isinstance(claimed, str) or not claimed:
            raise Refused("the token has no serviceurl claim")
        if not isinstance(given, str) or given.rstrip("/") != claimed.rstrip("/"):
            raise Refused(f"service URL {shown(str(given))} is not the token's")

    def _check_tenant(self, activity: dict[str, Any]) -> None:
        conversation = activity.get("conversation")
        channel_data = activity.get("channelData")
        tenants = []
        if isinstance(conversation, dict) and "tenantId" in conversation:
            tenants.append(conversation["tenantId"])
        if isinstance(channel_data, dict) and isinstance(channel_data.get("tenant"), dict):
            tenants.append(channel_data["tenant"].get("id"))
        if not tenants:
            raise Refused("the activity names no tenant")
        for tenant in tenants:
            if tenant != self.tenant_id:
                raise Refused(f"tenant {shown(str(tenant))} is not this bot's")

    # --- Keys ------------------------------------------------------------------

    async def prefetch(self) -> None:
        """Fetch the keys now (at start-up), so that the first request need not wait."""
        await self._refresh()

    async def _expected_issuer(self) -> str:
        if self._issuer is None:
            await self._refresh()
        if self._issuer is None:
            raise Refused("the Bot Framework's signing keys could not be fetched")
        return self._issuer

    async def _key(self, kid: str) -> SigningKey:
        if kid not in self._keys or time.monotonic() - self._fetched_at > KEYS_MAX_AGE_SECONDS:
            await self._refresh()
        key = self._keys.get(kid)
        if key is None:
            raise Refused(f"unknown signing key {shown(kid, 40)}")
        return key

    async def _refresh(self) -> None:
        """Fetch the metadata and keys, unless that was tried in the last few minutes:
        whatever requests arrive, the bot fetches no more often than that."""
        async with self._lock:
            now = time.monotonic()
            if self._tried_at is not None and now - self._tried_at < REFRESH_AT_MOST_EVERY_SECONDS:
                return
            self._tried_at = now
            try:
                await self._fetch()
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
                log.warning(
                    "could not fetch the Bot Framework's signing keys: %s",
                    error,
                    extra={"event": "teams_keys_failed", "url": self.metadata_url},
                )
            else:
                self._fetched_at = now

    async def _fetch(self) -> None:
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            metadata = (await client.get(self.metadata_url)).raise_for_status().json()
            jwks = (await client.get(metadata["jwks_uri"])).raise_for_status().json()
        keys = {}
        for entry in jwks["keys"]:
            if entry.get("kty") != "RSA" or "kid" not in entry:
                continue
            keys[str(entry["kid"])] = SigningKey(
                jwt.PyJWK(entry, ALGORITHM).key, frozenset(entry.get("endorsements") or ())
            )
        self.fetches += 1
        self._keys = keys
        self._issuer = str(metadata.get("issuer") or BOT_FRAMEWORK_ISSUER)
        log.info(
            "fetched the Bot Framework's signing keys",
            extra={"event": "teams_keys", "keys": len(keys), "url": metadata["jwks_uri"]},
        )

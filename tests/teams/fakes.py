"""Local stand-ins for Microsoft's services, over real HTTP on 127.0.0.1.

- `FakeEntra` (HTTPS, as msal insists): the tenant's OpenID configuration and
  its token endpoint, which hands the bot an access token for its app id and
  secret (client credentials).
- `FakeBotFramework` (HTTP): the Bot Framework's signing keys, with which the
  tests sign the tokens on the activities they post to the bot, and the Bot
  Connector service the activities name as their `serviceUrl`: it starts
  one-to-one chats, takes messages and updates, checks the bot's token, and
  validates every card against the Adaptive Card schema.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import ipaddress
import itertools
import json
import re
import secrets
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

import jsonschema
import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from jwt.algorithms import RSAAlgorithm

SCHEMA_PATH = Path(__file__).parent / "schema" / "adaptive-card-1.5.json"
CARD = "application/vnd.microsoft.card.adaptive"
BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
BOT_SCOPE = "https://api.botframework.com/.default"

APP_ID = "00000000-0000-4000-8000-00000000b07a"
APP_PASSWORD = "synthetic-secret-for-tests"
TENANT_ID = "00000000-0000-4000-8000-0000000000aa"


@functools.cache
def signing_key(name: str) -> rsa.RSAPrivateKey:
    """An RSA key per name, made once per test run (they are slow to make)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _hs256(payload: dict[str, Any], secret: bytes, kid: str) -> str:
    """An HS256 JWT made by hand (PyJWT rightly refuses to sign with a public key)."""

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = part(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    body = part(json.dumps(payload).encode())
    signature = hmac.new(secret, f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{part(signature)}"


def card_validator() -> jsonschema.Draft6Validator:
    return jsonschema.Draft6Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def card_problems(card: Any) -> list[str]:
    """What is wrong with a card for the Adaptive Card schema 1.5 (nothing, if valid)."""
    problems = []
    for error in _VALIDATOR.iter_errors(card):
        # The schema's anyOf lists bury the real reason: report the most specific one.
        cause = jsonschema.exceptions.best_match(error.context) if error.context else error
        problems.append(f"{list(cause.absolute_path)}: {cause.message[:300]}")
    return problems


_VALIDATOR = card_validator()


class _Server:
    """A threaded HTTP(S) server whose handler calls `handle(method, path, headers, body)`."""

    retry_after = 120  # seconds, sent with a 429

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, payload = owner.handle(self.command, self.path, dict(self.headers), body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                if status == 429:
                    self.send_header("Retry-After", str(owner.retry_after))
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, Any]:
        raise NotImplementedError

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# --- Microsoft Entra: the bot's own tokens ----------------------------------------


def _local_tls(folder: Path) -> tuple[ssl.SSLContext, Path]:
    """A throwaway certificate authority and a certificate for 127.0.0.1 signed by it."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "strategy-bot test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, cert_path, key_path = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context, ca_path


class FakeEntra(_Server):
    """The tenant's token service. Trust its certificate with REQUESTS_CA_BUNDLE=ca_path."""

    def __init__(self, folder: Path, app_id: str = APP_ID, secret: str = APP_PASSWORD) -> None:
        context, self.ca_path = _local_tls(folder)
        self.app_id, self.secret = app_id, secret
        self._key = signing_key("entra")
        self.issued: set[str] = set()
        self.requests: list[dict[str, list[str]]] = []
        self.gets: list[str] = []  # every GET, e.g. for signing keys
        super().__init__(context)
        self.url = f"https://127.0.0.1:{self.port}"

    def handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, Any]:
        if method == "GET":
            self.gets.append(path)
        configuration = re.fullmatch(r"/([^/]+)/v2\.0/\.well-known/openid-configuration", path)
        if method == "GET" and configuration:
            tenant = configuration[1]
            return 200, {
                "issuer": f"{self.url}/{tenant}/v2.0",
                "authorization_endpoint": f"{self.url}/{tenant}/oauth2/v2.0/authorize",
                "token_endpoint": f"{self.url}/{tenant}/oauth2/v2.0/token",
            }
        if method == "POST" and re.fullmatch(r"/[^/]+/oauth2/v2\.0/token", path):
            form = parse_qs(body.decode())
            self.requests.append(form)
            if form.get("grant_type") != ["client_credentials"]:
                return 400, {"error": "unsupported_grant_type"}
            if form.get("client_id") != [self.app_id] or form.get("client_secret") != [self.secret]:
                return 401, {"error": "invalid_client", "error_description": "bad credentials"}
            now = int(time.time())
            claims = {
                "aud": form.get("scope", [""])[0].removesuffix("/.default"),
                "iss": f"https://sts.windows.net/{path.split('/')[1]}/",
                "appid": self.app_id,
                "iat": now,
                "nbf": now,
                "exp": now + 3600,
                "jti": secrets.token_hex(8),
            }
            token = jwt.encode(claims, self._key, "RS256")
            self.issued.add(token)
            return 200, {"token_type": "Bearer", "expires_in": 3599, "access_token": token}
        return 404, {"error": "not_found"}


# --- The Bot Framework: keys for incoming tokens, and the Bot Connector -----------


@dataclass
class Posted:
    """One message the bot put in a conversation, as it now stands."""

    conversation_id: str
    activity_id: str
    activity: dict[str, Any]
    versions: int = 1

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [
            a["content"] for a in self.activity.get("attachments") or [] if a["contentType"] == CARD
        ]


@dataclass
class Conversation:
    id: str
    kind: str  # personal or channel
    members: list[str] = field(default_factory=list)


class FakeBotFramework(_Server):
    def __init__(self, entra: FakeEntra, app_id: str = APP_ID) -> None:
        self.entra = entra
        self.app_id = app_id
        self._key = signing_key("bot framework")
        self.kid = "strategy-bot-test-key"
        self.kid_not_for_teams = "webchat-only-key"
        self.key_fetches = 0
        self.conversations: dict[str, Conversation] = {}
        self.posted: list[Posted] = []
        self.calls: list[tuple[str, str]] = []
        self.refused: list[tuple[str, str]] = []
        self.card_problems: list[str] = []
        # The tenant's people by Entra object id: their Teams user id (29:...).
        self.entra_users: dict[str, str] = {}
        # People the app is not installed for (by either id), and chats the bot was removed from.
        self.not_installed: set[str] = set()
        self.removed: set[str] = set()
        # The member of each one-to-one chat started, as the bot named them.
        self.created: list[dict[str, Any]] = []
        # How many of the next messages to refuse with 429 Too Many Requests.
        self.throttle = 0
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        super().__init__()
        self.url = f"http://127.0.0.1:{self.port}"
        self.service_url = f"{self.url}/teams"
        self.openid_metadata_url = f"{self.url}/v1/.well-known/openidconfiguration"

    # Tokens on incoming activities, as the Bot Framework signs them.

    def token(
        self,
        service_url: str | None = None,
        *,
        audience: str | None = None,
        expires_in: int | None = 3600,
        not_before_in: int | None = -10,
        issuer: str = BOT_FRAMEWORK_ISSUER,
        key: rsa.RSAPrivateKey | None = None,
        kid: str | None = None,
        algorithm: str = "RS256",
        **claims: Any,
    ) -> str:
        """A token as the Bot Framework signs them; each argument can make it wrong.
        `expires_in` / `not_before_in` None leave `exp` / `nbf` out."""
        now = int(time.time())
        payload: dict[str, Any] = {
            "iss": issuer,
            "aud": audience or self.app_id,
            "serviceurl": service_url or self.service_url,
            "iat": now - 10,
        }
        if expires_in is not None:
            payload["exp"] = now + expires_in
        if not_before_in is not None:
            payload["nbf"] = now + not_before_in
        payload.update(claims)
        signing = key or self._key
        if algorithm == "HS256":  # the classic confusion: the public key as an HMAC secret
            secret = self._key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            return _hs256(payload, secret, kid or self.kid)
        return jwt.encode(payload, signing, algorithm, headers={"kid": kid or self.kid})

    def jwks(self) -> dict[str, Any]:
        keys = []
        for kid, key, endorsements in [
            (self.kid, self._key, ["msteams", "webchat"]),
            # A real Bot Framework key, but not endorsed for Teams.
            (self.kid_not_for_teams, signing_key("webchat only"), ["webchat"]),
        ]:
            public: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
            public.update(kid=kid, use="sig", alg="RS256", endorsements=endorsements)
            keys.append(public)
        self.key_fetches += 1
        return {"keys": keys}

    # Conversations the tests start as people talking to the bot.

    def personal_chat(self, user: str) -> str:
        """The one-to-one chat between the bot and this user (one per user, as in Teams)."""
        with self._lock:
            conversation_id = f"a:chat-{user.removeprefix('29:')}"
            self.conversations.setdefault(
                conversation_id, Conversation(conversation_id, "personal", [user])
            )
            return conversation_id

    def channel(self, name: str = "general") -> str:
        with self._lock:
            conversation_id = f"19:{name}@thread.tacv2"
            self.conversations.setdefault(conversation_id, Conversation(conversation_id, "channel"))
            return conversation_id

    def messages_in(self, conversation_id: str) -> Iterator[Posted]:
        return (p for p in list(self.posted) if p.conversation_id == conversation_id)

    def started_chats(self) -> list[str]:
        return [
            path for method, path in self.calls if (method, path) == ("POST", "/v3/conversations")
        ]

    # The Bot Connector API.

    def handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, Any]:
        # The keys are where the metadata says (as in national clouds: not derived
        # from the metadata's own address).
        if method == "GET" and path == "/signing/keys.json":
            return 200, self.jwks()
        if method == "GET" and path == "/v1/.well-known/openidconfiguration":
            return 200, {
                "issuer": BOT_FRAMEWORK_ISSUER,
                "jwks_uri": f"{self.url}/signing/keys.json",
            }
        if not path.startswith("/teams/"):
            return 404, {"error": {"code": "NotFound"}}
        path = unquote(path.removeprefix("/teams"))
        authorization = headers.get("Authorization") or headers.get("authorization") or ""
        if authorization.removeprefix("Bearer ") not in self.entra.issued:
            self.refused.append((method, path))
            return 401, {"error": {"code": "Unauthorized", "message": "bad token"}}
        payload = json.loads(body) if body else {}
        with self._lock:
            self.calls.append((method, path))
            return self._connector(method, path, payload)

    def _connector(self, method: str, path: str, payload: dict[str, Any]) -> tuple[int, Any]:
        if method == "POST" and path == "/v3/conversations":
            return self._create_conversation(payload)
        match = re.fullmatch(r"/v3/conversations/([^/]+)/activities(?:/([^/]+))?", path)
        if match is None or match[1] not in self.conversations:
            return 404, {"error": {"code": "ConversationNotFound"}}
        conversation_id, activity_id = match[1], match[2]
        if conversation_id in self.removed:
            return 403, {"error": {"code": "BotNotInConversationRoster"}}
        if self.throttle > 0:
            self.throttle -= 1
            return 429, {"error": {"code": "Throttled"}}
        self._check_cards(payload)
        if method == "POST":  # a new message (or, with an id, a reply to one)
            new_id = str(next(self._ids))
            self.posted.append(Posted(conversation_id, new_id, payload))
            return 201, {"id": new_id}
        if method == "PUT" and activity_id is not None:
            posted = next(
                (
                    p
                    for p in self.posted
                    if (p.conversation_id, p.activity_id) == (conversation_id, activity_id)
                ),
                None,
            )
            if posted is None:
                return 404, {"error": {"code": "ActivityNotFound"}}
            posted.activity = payload
            posted.versions += 1
            return 200, {"id": activity_id}
        return 405, {"error": {"code": "MethodNotAllowed"}}

    def _create_conversation(self, payload: dict[str, Any]) -> tuple[int, Any]:
        """A one-to-one chat, as the Bot Connector starts them: one member, named by their
        Teams user id or their Entra object id (`aadObjectId`), in this bot's tenant. The
        same person always gets the same chat, whichever id named them."""
        members = payload.get("members") or []
        if payload.get("isGroup") or len(members) != 1 or not payload.get("tenantId"):
            return 400, {"error": {"code": "BadSyntax", "message": "one member, a tenant"}}
        if payload["tenantId"] != TENANT_ID:
            return 403, {"error": {"code": "Forbidden", "message": "Tenant not allowed"}}
        given = members[0]
        named = str(given.get("id", ""))
        object_id = given.get("aadObjectId")
        if object_id is not None and object_id != named:
            return 400, {"error": {"code": "BadSyntax", "message": "id and aadObjectId differ"}}
        user = named if named.startswith("29:") else self.entra_users.get(named)
        if user is None:
            return 404, {"error": {"code": "NotFound", "message": "User not found"}}
        if {named, user} & self.not_installed:
            return 403, {"error": {"code": "Forbidden", "message": "Bot is not installed"}}
        conversation_id = f"a:chat-{user.removeprefix('29:')}"
        self.removed.discard(conversation_id)
        self.conversations.setdefault(
            conversation_id, Conversation(conversation_id, "personal", [user])
        )
        self.created.append(given)
        return 201, {"id": conversation_id}

    def _check_cards(self, payload: dict[str, Any]) -> None:
        for attachment in payload.get("attachments") or []:
            if attachment.get("contentType") == CARD:
                self.card_problems += card_problems(attachment.get("content"))

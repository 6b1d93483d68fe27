"""Local stand-ins for Microsoft's login and Graph servers, and for a mail server.

They speak real HTTP over TLS (a certificate made here with `cryptography`)
and real SMTP (aiosmtpd), so that the product's own O365, msal and smtplib
code runs unchanged against them. Each can be told to fail: throttling with
Retry-After, server errors, refused recipients. Graph's getSchedule answers
free/busy from calendars the test fills in, with people it cannot resolve on cue.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
import socket
import ssl
import threading
import uuid
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse
from zoneinfo import ZoneInfo

import jwt
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

# -- certificates ---------------------------------------------------------------


@dataclass(frozen=True)
class Certificate:
    cert_path: Path  # PEM certificate: also the CA bundle clients trust
    key_path: Path
    pem: str  # private key then certificate, as msal wants for certificate credentials
    thumbprint: str  # SHA-1 of the DER certificate, hex (as Azure shows it)
    public_key_pem: bytes

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_path, self.key_path)
        return context

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert_path))


def make_certificate(folder: Path, name: str = "127.0.0.1") -> Certificate:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=7))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / f"{name}.crt", folder / f"{name}.key"
    cert_path.write_bytes(cert_pem)
    key_path.write_bytes(key_pem)
    return Certificate(
        cert_path=cert_path,
        key_path=key_path,
        pem=(key_pem + cert_pem).decode("ascii"),
        thumbprint=hashlib.sha1(certificate.public_bytes(serialization.Encoding.DER)).hexdigest(),
        public_key_pem=key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


# -- Microsoft: login (tokens) and Graph ------------------------------------------


@dataclass
class Fault:
    method: str
    path_part: str
    status: int
    times: int = 1
    retry_after: str | None = None
    # Do the work, then answer with the failure: the client never learns it succeeded.
    after_handling: bool = False


@dataclass
class Seen:
    method: str
    path: str
    body: Any
    at: dt.datetime


@dataclass
class FakeMicrosoft:
    """The login server (OIDC discovery, client-credentials tokens) and enough of Graph."""

    certificate: Certificate
    tenant: str = "nv-tenant"
    client_id: str = "strategy-bot-app"
    client_secret: str | None = "s3cret-value"
    app_certificate: Certificate | None = None  # accept client assertions signed by it
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    tokens_issued: list[str] = field(default_factory=list)
    # Free/busy for getSchedule: address -> its calendar items, and who cannot be resolved.
    busy_items: dict[str, list[BusyItem]] = field(default_factory=dict)
    unresolvable: set[str] = field(default_factory=set)
    view_only: set[str] = field(default_factory=set)  # answered with availabilityView only
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    @property
    def login_url(self) -> str:
        return f"{self.url}/login"

    @property
    def graph_url(self) -> str:
        return f"{self.url}/graph"

    def start(self) -> FakeMicrosoft:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                fake._handle(self, "GET")

            def do_POST(self) -> None:
                fake._handle(self, "POST")

            def do_PATCH(self) -> None:
                fake._handle(self, "PATCH")

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.socket = self.certificate.server_context().wrap_socket(
            server.socket, server_side=True
        )
        self._server = server
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # -- what tests set up and look at --

    def fail(
        self,
        method: str,
        path_part: str,
        status: int,
        times: int = 1,
        retry_after: str | None = None,
        after_handling: bool = False,
    ) -> None:
        self.faults.append(Fault(method, path_part, status, times, retry_after, after_handling))

    def busy(
        self, address: str, start: dt.datetime, end: dt.datetime, status: str = "busy"
    ) -> None:
        """Put an item in someone's calendar, as getSchedule will report it."""
        self.busy_items.setdefault(address.lower(), []).append(BusyItem(status, start, end))

    def calls(self, method: str, path_part: str = "") -> list[Seen]:
        return [s for s in self.seen if s.method == method and path_part in s.path]

    def reply(self, event_id: str, email: str, response: str, at: dt.datetime) -> None:
        """An attendee answers in Outlook."""
        for attendee in self.events[event_id]["attendees"]:
            if attendee["emailAddress"]["address"].lower() == email.lower():
                attendee["status"] = {
                    "response": response,
                    "time": at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000Z"),
                }
                return
        raise KeyError(email)

    # -- the server --

    def _handle(self, request: BaseHTTPRequestHandler, method: str) -> None:
        path = unquote(urlparse(request.path).path)
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        content_type = request.headers.get("Content-Type") or ""
        body: Any
        if "json" in content_type and raw:
            body = json.loads(raw)
        elif raw:
            body = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        else:
            body = None
        self.seen.append(Seen(method, path, body, dt.datetime.now(dt.UTC)))

        fault = next(
            (f for f in self.faults if f.method == method and f.path_part in path and f.times > 0),
            None,
        )
        if fault is not None:
            fault.times -= 1
            if fault.after_handling:
                self._route(method, path, body, request.headers.get("Authorization"))
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            error = {"error": {"code": "fault", "message": f"scripted {fault.status}"}}
            self._send(request, fault.status, error, headers)
            return
        status, payload = self._route(method, path, body, request.headers.get("Authorization"))
        self._send(request, status, payload)

    def _send(
        self,
        request: BaseHTTPRequestHandler,
        status: int,
        payload: Any,
        headers: dict[str, str] | None = None,
    ) -> None:
        data = json.dumps(payload).encode() if payload is not None else b""
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(data)

    def _route(
        self, method: str, path: str, body: Any, authorization: str | None
    ) -> tuple[int, Any]:
        login = f"/login/{self.tenant}"
        if method == "GET" and path == f"{login}/v2.0/.well-known/openid-configuration":
            return 200, {
                "issuer": f"{self.login_url}/{self.tenant}/v2.0",
                "authorization_endpoint": f"{self.login_url}/{self.tenant}/oauth2/v2.0/authorize",
                "token_endpoint": f"{self.login_url}/{self.tenant}/oauth2/v2.0/token",
            }
        if path.startswith("/login/"):
            if method == "POST" and path == f"{login}/oauth2/v2.0/token":
                return self._token(body)
            return 400, {"error": "invalid_tenant", "error_description": "no such tenant"}
        if not path.startswith("/graph/v1.0/users/"):
            return 404, {"error": {"code": "NotFound", "message": path}}
        if authorization is None or authorization.removeprefix("Bearer ") not in self.tokens_issued:
            return 401, {"error": {"code": "InvalidAuthenticationToken", "message": "no token"}}
        return self._graph(method, path.removeprefix("/graph/v1.0/users/"), body)

    def _token(self, form: dict[str, str]) -> tuple[int, Any]:
        if (
            form.get("grant_type") != "client_credentials"
            or form.get("client_id") != self.client_id
        ):
            return 400, {"error": "unauthorized_client", "error_description": "unknown client"}
        if not form.get("scope", "").endswith("/.default"):
            return 400, {"error": "invalid_scope", "error_description": form.get("scope")}
        if "client_assertion" in form:
            if self.app_certificate is None:
                return 401, {"error": "invalid_client", "error_description": "no certificate"}
            try:
                jwt.decode(
                    form["client_assertion"],
                    self.app_certificate.public_key_pem,
                    algorithms=["RS256", "PS256"],
                    audience=f"{self.login_url}/{self.tenant}/oauth2/v2.0/token",
                )
            except jwt.PyJWTError as error:
                return 401, {"error": "invalid_client", "error_description": str(error)}
        elif form.get("client_secret") != self.client_secret or self.client_secret is None:
            return 401, {"error": "invalid_client", "error_description": "bad secret"}
        token = f"token-{uuid.uuid4()}"
        self.tokens_issued.append(token)
        return 200, {"token_type": "Bearer", "expires_in": 3599, "access_token": token}

    def _graph(self, method: str, resource: str, body: Any) -> tuple[int, Any]:
        mailbox, _, rest = resource.partition("/")
        if isinstance(body, dict) and not isinstance(body.get("isOnlineMeeting", False), bool):
            # Graph's schema: Edm.Boolean
            return 400, {"error": {"code": "BadRequest", "message": "isOnlineMeeting: boolean"}}
        if method == "POST" and rest == "calendar/getSchedule":
            return self._get_schedule(body)
        if method == "POST" and rest == "calendar/events":
            existing = next(
                (
                    e
                    for e in self.events.values()
                    if e["transactionId"] and e["transactionId"] == body.get("transactionId")
                ),
                None,
            )
            if existing is not None:  # Graph's answer to a retried create
                return 201, existing
            event_id = f"AAMk{uuid.uuid4().hex}"
            event = {
                **body,
                "id": event_id,
                "iCalUId": f"040000008200E000{uuid.uuid4().hex}",
                "organizer": {"emailAddress": {"address": mailbox, "name": "Organiser"}},
                "isCancelled": False,
                "attendees": [_with_status(a, None) for a in body.get("attendees", [])],
            }
            if body.get("isOnlineMeeting"):
                event["onlineMeeting"] = {
                    "joinUrl": f"https://teams.example/l/meetup-join/{event_id[-12:]}"
                }
            self.events[event_id] = event
            return 201, event
        event_id, _, action = rest.removeprefix("events/").partition("/")
        if not rest.startswith("events/") or event_id not in self.events:
            return 404, {"error": {"code": "ErrorItemNotFound", "message": rest}}
        event = self.events[event_id]
        if method == "GET" and not action:
            return 200, event
        if method == "PATCH" and not action:
            before = {a["emailAddress"]["address"].lower(): a for a in event["attendees"]}
            for key, value in body.items():
                if key == "attendees":
                    event["attendees"] = [
                        _with_status(a, before.get(a["emailAddress"]["address"].lower()))
                        for a in value
                    ]
                else:
                    event[key] = value
            return 200, event
        if method == "POST" and action == "cancel":
            event["isCancelled"] = True
            event["cancelComment"] = (body or {}).get("comment")
            return 202, None
        return 405, {"error": {"code": "NotAllowed", "message": f"{method} {rest}"}}

    def _get_schedule(self, body: Any) -> tuple[int, Any]:
        """POST /users/{mailbox}/calendar/getSchedule, with Graph's limits and answers.

        At most 20 schedules and 62 days a call (Graph refuses more with 400);
        times come back in UTC (no Prefer: outlook.timezone header is sent).
        """
        try:
            schedules = [str(a) for a in body["schedules"]]
            start = _graph_time(body["startTime"])
            end = _graph_time(body["endTime"])
            interval = int(body.get("availabilityViewInterval", 30))
        except (KeyError, TypeError, ValueError) as error:
            return 400, {"error": {"code": "ErrorInvalidRequest", "message": repr(error)}}
        if not schedules or len(schedules) > 20:
            return 400, {"error": {"code": "ErrorInvalidRequest", "message": "1-20 schedules"}}
        if end <= start or end - start > dt.timedelta(days=62):
            return 400, {
                "error": {"code": "ErrorInvalidRequest", "message": "the window is over 62 days"}
            }
        if not 5 <= interval <= 1440:
            return 400, {"error": {"code": "ErrorInvalidRequest", "message": "interval 5-1440"}}
        value = []
        for address in schedules:
            if address.lower() in self.unresolvable:
                value.append(
                    {
                        "scheduleId": address,
                        "availabilityView": "",
                        "error": {
                            "message": "The specified emailaddress is not found",
                            "responseCode": "ErrorMailRecipientNotFound",
                        },
                    }
                )
                continue
            items = [
                i
                for i in self.busy_items.get(address.lower(), [])
                if i.start < end and start < i.end
            ]
            answer: dict[str, Any] = {
                "scheduleId": address,
                "availabilityView": _view(items, start, end, interval),
            }
            if address.lower() not in self.view_only:
                answer["scheduleItems"] = [i.as_graph() for i in items]
            value.append(answer)
        return 200, {"value": value}


@dataclass(frozen=True)
class BusyItem:
    status: str  # free, tentative, busy, oof, workingElsewhere
    start: dt.datetime
    end: dt.datetime

    def as_graph(self) -> dict[str, Any]:
        return {
            "isPrivate": False,
            "status": self.status,
            "start": {"dateTime": _graph_stamp(self.start), "timeZone": "UTC"},
            "end": {"dateTime": _graph_stamp(self.end), "timeZone": "UTC"},
        }


_VIEW_CODES = {"free": "0", "tentative": "1", "busy": "2", "oof": "3", "workingElsewhere": "4"}
_VIEW_STRENGTH = ["0", "4", "1", "2", "3"]  # which code shows when items overlap
_WINDOWS_ZONES = {"UTC": dt.UTC, "GMT Standard Time": ZoneInfo("Europe/London")}


def _graph_stamp(instant: dt.datetime) -> str:
    return instant.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000")


def _graph_time(value: dict[str, str]) -> dt.datetime:
    """A dateTimeTimeZone as O365 sends it (Windows zone names)."""
    zone = _WINDOWS_ZONES[value["timeZone"]]
    return dt.datetime.fromisoformat(value["dateTime"]).replace(tzinfo=zone).astimezone(dt.UTC)


def _view(items: list[BusyItem], start: dt.datetime, end: dt.datetime, interval: int) -> str:
    step = dt.timedelta(minutes=interval)
    codes = []
    at = start
    while at < end:
        here = [_VIEW_CODES.get(i.status, "2") for i in items if i.start < at + step and at < i.end]
        codes.append(max(here, key=_VIEW_STRENGTH.index) if here else "0")
        at += step
    return "".join(codes)


def _with_status(attendee: dict[str, Any], before: dict[str, Any] | None) -> dict[str, Any]:
    status = (before or {}).get("status") or {"response": "none", "time": "0001-01-01T00:00:00Z"}
    return {**attendee, "status": status}


# -- a mail server ------------------------------------------------------------------


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class MailServer:
    """aiosmtpd with STARTTLS and login, keeping every message it accepts."""

    certificate: Certificate
    username: str = "strategy-bot"
    password: str = "mail-pass"
    received: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)  # address -> SMTP reply
    later: dict[str, int] = field(default_factory=dict)  # address -> "450 later" this many times
    fail_data: int = 0  # answer "try later" to this many messages first
    port: int = 0
    _controller: Controller | None = None

    def start(self) -> MailServer:
        self.port = free_port()
        controller = Controller(
            self,
            hostname="127.0.0.1",
            port=self.port,
            tls_context=self.certificate.server_context(),
            require_starttls=True,
            authenticator=self._authenticate,
            auth_require_tls=True,
        )
        controller.start()
        self._controller = controller
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()

    def _authenticate(
        self, server: SMTPServer, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            self.username.encode(),
            self.password.encode(),
        )
        return AuthResult(success=ok, handled=False)  # False: aiosmtpd answers 535

    async def handle_RCPT(
        self,
        server: SMTPServer,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        if self.later.get(address, 0) > 0:
            self.later[address] -= 1
            return "450 4.2.1 Mailbox temporarily unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:
        if self.fail_data > 0:
            self.fail_data -= 1
            return "451 4.3.0 Mailbox busy, try again later"
        assert isinstance(envelope.content, bytes)
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [r.message for r in self.received if address in r.rcpt_tos]

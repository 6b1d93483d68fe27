"""A stand-in for Slack on 127.0.0.1: its Web API, and the response URLs it hands out.

The real slack_sdk WebClient is pointed at it (SLACK_API_URL) and talks to it
over HTTP. It keeps what a Slack workspace would (the messages in each
conversation, the modals opened, each person's App Home), records every call,
checks every Block Kit payload with slack_sdk's models, and can be told to
answer a method with a rate limit or a server error.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlparse

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from handlers.slack.render import text_of

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"  # the app's, as Slack signs with it
TOKEN = "xoxb-test-token"
TEAM = "T0NORTHVALE"
BOT_USER = "U0STRATBOT"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    status: int = 200
    token: str | None = None  # the bearer token it came with


@dataclass
class Posted:
    """A message in a conversation, as it stands now."""

    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    edits: int = 0

    @property
    def words(self) -> str:
        return text_of(self.blocks)


@dataclass
class Failure:
    status: int
    times: int
    retry_after: int | None = None
    error: str | None = None


@dataclass
class FakeSlack:
    # Slack users the directory may not know, by id: their profile email.
    emails: dict[str, str] = field(default_factory=dict)
    # Where apps.connections.open sends a Socket Mode client (None: it refuses).
    socket_url: str | None = None
    calls: list[Call] = field(default_factory=list)
    # Everything in a payload that slack_sdk's models refused: should stay empty.
    problems: list[str] = field(default_factory=list)
    messages: list[Posted] = field(default_factory=list)
    views: dict[str, dict[str, Any]] = field(default_factory=dict)  # view id -> opened modal
    opened_by_trigger: dict[str, str] = field(default_factory=dict)  # trigger id -> view id
    homes: dict[str, dict[str, Any]] = field(default_factory=dict)  # user id -> App Home
    responses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    failures: dict[str, list[Failure]] = field(default_factory=dict)
    # Seconds every API call takes, as the real Slack's round trip would (the benchmarks).
    latency: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ts: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _server: ThreadingHTTPServer | None = None

    # --- running -------------------------------------------------------------

    def start(self) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake._handle(self)

            def do_POST(self) -> None:
                fake._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    def response_url(self, name: str) -> str:
        return f"{self.base}/respond/{name}"

    def fail(
        self,
        method: str,
        status: int,
        times: int = 1,
        retry_after: int | None = None,
        error: str | None = None,
    ) -> None:
        """Answer the next `times` calls of `method` with this status instead."""
        self.failures.setdefault(method, []).append(Failure(status, times, retry_after, error))

    # --- what the tests read ---------------------------------------------------

    def dm_channel(self, user_id: str) -> str:
        return "D" + user_id[1:]

    def conversation(self, channel: str) -> list[Posted]:
        with self._lock:
            return [m for m in self.messages if m.channel == channel]

    def replies(self, name: str) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.responses.get(name, []))

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method and c.status == 200]

    # --- the server ----------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        if self.latency:
            time.sleep(self.latency)
        url = urlparse(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length).decode("utf-8") if length else ""
        if request.headers.get("Content-Type", "").startswith("application/json"):
            args: dict[str, Any] = json.loads(raw) if raw else {}
        else:
            args = dict(parse_qsl(raw))
        args.update(dict(parse_qsl(url.query)))
        for key in ("blocks", "view"):
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        if url.path.startswith("/respond/"):
            self._respond(request, url.path.removeprefix("/respond/"), args)
            return
        method = url.path.removeprefix("/api/")
        status, headers, body = self._api(method, args, request.headers.get("Authorization"))
        request.send_response(status)
        for name, value in headers.items():
            request.send_header(name, value)
        payload = json.dumps(body).encode()
        request.send_header("Content-Type", "application/json; charset=utf-8")
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        request.wfile.write(payload)

    def _respond(self, request: BaseHTTPRequestHandler, name: str, args: dict[str, Any]) -> None:
        self._check_blocks(f"response {name}", args.get("blocks"))
        with self._lock:
            self.calls.append(Call("response_url", args))
            self.responses.setdefault(name, []).append(args)
        request.send_response(200)
        request.send_header("Content-Length", "2")
        request.end_headers()
        request.wfile.write(b"ok")

    def _api(
        self, method: str, args: dict[str, Any], authorization: str | None
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        token = (authorization or "").removeprefix("Bearer ") or None
        with self._lock:
            pending = self.failures.get(method)
            if pending:
                failure = pending[0]
                failure.times -= 1
                if failure.times <= 0:
                    pending.pop(0)
                self.calls.append(Call(method, args, failure.status, token))
                headers = {}
                if failure.retry_after is not None:
                    headers["Retry-After"] = str(failure.retry_after)
                return failure.status, headers, {"ok": False, "error": failure.error or "failed"}
            self.calls.append(Call(method, args, 200, token))
        if method == "apps.connections.open":
            # Socket Mode: a connection asked for with the app token.
            if self.socket_url is None or not (token or "").startswith("xapp-"):
                return 200, {}, {"ok": False, "error": "not_allowed_token_type"}
            return 200, {}, {"ok": True, "url": self.socket_url}
        if token != TOKEN:
            return 200, {}, {"ok": False, "error": "invalid_auth"}
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return 200, {}, {"ok": False, "error": "unknown_method"}
        body: dict[str, Any] = handler(args)
        return 200, {}, body

    def _check_blocks(self, where: str, blocks: Any) -> None:
        if blocks is None:
            return
        for block in blocks:
            try:
                model = Block.parse(block)
                if model is None or model.to_dict() != block:
                    self.problems.append(f"{where}: not a valid block: {block}")
            except Exception as error:
                self.problems.append(f"{where}: {error}: {block}")

    def _check_view(self, where: str, view: Mapping[str, Any]) -> None:
        try:
            if View(**view).to_dict() != view:
                self.problems.append(f"{where}: the view changed in slack_sdk's models: {view}")
        except Exception as error:
            self.problems.append(f"{where}: {error}: {view}")

    # --- Web API methods (only what strategy-bot calls) ------------------------

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "team_id": TEAM, "user_id": BOT_USER, "bot_id": "B0STRATBOT"}

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args["channel"])
        if channel.startswith(("U", "W")):
            channel = self.dm_channel(channel)  # a user id: their DM with the app
        self._check_blocks("chat.postMessage", args.get("blocks"))
        ts = f"1700000000.{next(self._ts):06d}"
        with self._lock:
            self.messages.append(Posted(channel, ts, args.get("text", ""), args.get("blocks", [])))
        return {"ok": True, "channel": channel, "ts": ts}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        self._check_blocks("chat.update", args.get("blocks"))
        with self._lock:
            for posted in self.messages:
                if posted.channel == args["channel"] and posted.ts == args["ts"]:
                    posted.text, posted.blocks = args.get("text", ""), args.get("blocks", [])
                    posted.edits += 1
                    return {"ok": True, "channel": posted.channel, "ts": posted.ts}
        return {"ok": False, "error": "message_not_found"}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        email = self.emails.get(str(args["user"]))
        if email is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": {"id": args["user"], "profile": {"email": email}}}

    def _users_lookupByEmail(self, args: dict[str, Any]) -> dict[str, Any]:
        for user, email in self.emails.items():
            if email.casefold() == str(args["email"]).casefold():
                return {"ok": True, "user": {"id": user}}
        return {"ok": False, "error": "users_not_found"}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        view = args["view"]
        self._check_view("views.open", view)
        with self._lock:
            view_id = f"V{len(self.views) + 1:05d}"
            self.views[view_id] = view
            self.opened_by_trigger[str(args["trigger_id"])] = view_id
        return {"ok": True, "view": {**view, "id": view_id, "hash": f"h{view_id}"}}

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        view = args["view"]
        self._check_view("views.publish", view)
        with self._lock:
            self.homes[str(args["user_id"])] = view
        return {"ok": True, "view": {**view, "id": "VHOME"}}

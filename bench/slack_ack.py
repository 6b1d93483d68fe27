"""How fast strategy-bot acknowledges Slack, with a big database, beside a bare Bolt app.

    python -m bench.slack_ack                       # 100,000 discussions, SQLite and PostgreSQL
    python -m bench.slack_ack --discussions 20000 --requests 200 --database sqlite

Slack wants an answer within 3 seconds; strategy-bot answers as soon as the
listener has acknowledged and does the work afterwards. This measures, on the
server (from the moment the web app is handed the request to the moment it
starts the response), the time to acknowledge `/strategy convene` and a button
click (Accept on an invitation), with `--discussions` discussions already in
the database. Beside it, in the same run and the same way, a bare Bolt app that
only acknowledges the same requests. The requests are real signed HTTP
requests to uvicorn on 127.0.0.1; the Web API is FakeSlack from the tests.

It also reports, for strategy-bot, the time until the work after the
acknowledgement is done (the convene written, every invitation sent). Nothing
here is asserted: it prints the figures. PostgreSQL is a throwaway server
started from the machine's binaries (as the tests do), unless --postgres-url.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from slack_bolt import Ack, App
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import create_engine, insert, select, text

from bot.app import build_core
from bot.settings import Settings
from bot.storage import models
from bot.storage.db import migrate, normalise_url
from fakes.serving import TrackedExecutor, WebServer
from fakes.slack import SIGNING_SECRET, TOKEN, FakeSlack
from handlers.slack.app import SLACK_EVENTS, create_slack_app, create_web_client, mount_bolt
from handlers.web import create_web_app
from scheduling.clock import SystemClock

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

CASES_SEEDED = 50_000  # NV-00000 .. NV-49999; the benchmark convenes NV-5xxxx and above
WARM_UP = 20


class Timed:
    """ASGI middleware: how long the app takes to start its response, per request."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.seconds: list[float] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()

        async def timed_send(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                self.seconds.append(time.perf_counter() - start)
            await send(message)

        await self.app(scope, receive, timed_send)

    def take(self) -> float:
        return self.seconds.pop()


# --- seeding --------------------------------------------------------------------------


def seed(url: str, discussions: int) -> float:
    """Fill the database with `discussions` held discussions; returns the seconds it took."""
    started = time.perf_counter()
    core = build_core(
        Settings(database_url=url, strategy_directory=None, outbox_dir=Path(tempfile.mkdtemp())),
        SystemClock(),
    )
    core.close()
    engine = create_engine(normalise_url(url))
    with engine.begin() as connection:
        contacts = {
            key: id_
            for key, id_ in connection.execute(select(models.Contact.key, models.Contact.id))
        }
        partnership = connection.execute(select(models.Partnership.id)).scalar_one()
    convenors = [contacts[k] for k in ("ben.okafor", "chloe.dawson", "daniel.mensah")]
    chairs = [contacts[k] for k in ("asha.patel", "marcus.reid")]
    police = [contacts[k] for k in ("ian.campbell", "megan.price", "kieran.walsh")]
    health = [contacts[k] for k in ("olivia.bennett", "priya.sharma", "zoe.fletcher")]
    schools = [contacts[k] for k in ("bethany.cole", "callum.fraser")]
    cases = min(CASES_SEEDED, discussions)
    base = datetime(2024, 1, 8, 9, 0, tzinfo=UTC)
    chunk = 5_000
    with engine.begin() as connection:
        for start in range(0, cases, chunk):
            numbers = range(start, min(start + chunk, cases))
            connection.execute(
                insert(models.Case),
                [
                    {
                        "id": n + 1,
                        "partnership_id": partnership,
                        "reference": f"NV-{n:05d}",
                        "created_at": base,
                    }
                    for n in numbers
                ],
            )
            connection.execute(
                insert(models.Child),
                [
                    {
                        "id": n + 1,
                        "case_id": n + 1,
                        "pseudonym": "C1",
                        "date_of_birth": date(2019, 4, 2),
                    }
                    for n in numbers
                ],
            )
        for start in range(0, discussions, chunk):
            numbers = range(start, min(start + chunk, discussions))
            rows, children, invitations, audits, work = [], [], [], [], []
            for n in numbers:
                at = base + timedelta(hours=n % 20_000)
                case = n % cases + 1
                convenor, chair = convenors[n % 3], chairs[n % 2]
                rows.append(
                    {
                        "id": n + 1,
                        "case_id": case,
                        "convenor_id": convenor,
                        "chair_id": chair,
                        "category": "standard",
                        "harm_tags": ["domestic_abuse"],
                        "identified_at": at,
                        "due_date": (at + timedelta(days=3)).date(),
                        "deadline_at": at + timedelta(days=3),
                        "deadline_rule": "standard: 3 working days",
                        "meeting_at": at + timedelta(days=1),
                        "status": models.DiscussionStatus.HELD,
                        "convened_at": at,
                        "quorum_met_at": at + timedelta(hours=2),
                    }
                )
                children.append({"discussion_id": n + 1, "child_id": case})
                for contact, reason in (
                    (chair, "chair"),
                    (convenor, "convenor"),
                    (police[n % 3], "police"),
                    (health[n % 3], "known to the family"),
                    (schools[n % 2], "referrer"),
                ):
                    invitations.append(
                        {
                            "discussion_id": n + 1,
                            "contact_id": contact,
                            "reason": reason,
                            "status": models.InvitationStatus.ACCEPTED,
                            "via_fallback": False,
                            "invited_at": at,
                            "responded_at": at + timedelta(minutes=30),
                        }
                    )
                audits.append(
                    {
                        "occurred_at": at,
                        "actor": "ben.okafor",
                        "event": "convened",
                        "discussion_id": n + 1,
                        "details": {"case": f"NV-{case - 1:05d}"},
                    }
                )
                work.append(
                    {
                        "kind": models.WorkKind.MEETING_START,
                        "due_at": at + timedelta(days=1),
                        "status": models.WorkStatus.DONE,
                        "discussion_id": n + 1,
                        "payload": {},
                        "attempts": 1,
                        "done_at": at + timedelta(days=1),
                    }
                )
            connection.execute(insert(models.Discussion), rows)
            connection.execute(insert(models.DiscussionChild), children)
            connection.execute(insert(models.Invitation), invitations)
            connection.execute(insert(models.AuditEvent), audits)
            connection.execute(insert(models.ScheduledWork), work)
        if engine.dialect.name == "postgresql":
            for table in ("case", "child", "discussion"):
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                        f'(SELECT max(id) FROM "{table}"))'
                    )
                )
            connection.execute(text("ANALYZE"))
    engine.dispose()
    return time.perf_counter() - started


# --- requests -------------------------------------------------------------------------


@dataclass
class Client:
    http: httpx.Client
    fake: FakeSlack
    numbers: Any = field(default_factory=lambda: iter(range(1, 10**9)))

    def send(self, server: WebServer, body: str) -> None:
        stamp = str(int(time.time()))
        signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=stamp, body=body)
        response = self.http.post(
            server.url + SLACK_EVENTS,
            content=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": signature,
            },
        )
        assert response.status_code == 200, response.text

    def convene(self, case: int) -> str:
        n = next(self.numbers)
        return urlencode(
            {
                "command": "/strategy",
                "user_id": "U0NVBO10003",  # Ben Okafor, social worker
                "text": f"convene NV-{case:05d} children=C1:2020-05-14 category=standard "
                'meeting="tomorrow 2pm" tags=domestic_abuse known=olivia.bennett',
                "trigger_id": f"{n}.bench",
                "response_url": self.fake.response_url(f"bench-{n}"),
            }
        )

    def accept(self, case: int) -> str:
        n = next(self.numbers)
        payload = {
            "type": "block_actions",
            "user": {"id": "U0NVMP20005"},  # Megan Price, police, invited to every convene
            "trigger_id": f"{n}.bench",
            "response_url": self.fake.response_url(f"bench-{n}"),
            "container": {"type": "message", "message_ts": "1.0", "channel_id": "D0NVMP20005"},
            "actions": [{"type": "button", "action_id": "accept", "value": f"NV-{case:05d}"}],
        }
        return urlencode({"payload": json.dumps(payload)})


def bare_app(fake: FakeSlack) -> App:
    """A Bolt app that only acknowledges: the floor for any Bolt app."""
    app = App(
        client=create_web_client(TOKEN, fake.api_url),
        signing_secret=SIGNING_SECRET,
        process_before_response=True,
    )

    def acknowledge(ack: Ack) -> None:
        ack()

    app.command("/strategy")(acknowledge)
    app.action(re.compile(".*"))(acknowledge)
    return app


@dataclass
class Figures:
    ours: dict[str, list[float]] = field(default_factory=lambda: {"convene": [], "click": []})
    bare: dict[str, list[float]] = field(default_factory=lambda: {"convene": [], "click": []})
    done: dict[str, list[float]] = field(default_factory=lambda: {"convene": [], "click": []})


def run(url: str, requests: int) -> Figures:
    fake = FakeSlack().start()
    executor = TrackedExecutor()
    core = build_core(
        Settings(database_url=url, strategy_directory=None, outbox_dir=Path(tempfile.mkdtemp())),
        SystemClock(),
    )
    slack = create_slack_app(
        core,
        create_web_client(TOKEN, fake.api_url),
        signing_secret=SIGNING_SECRET,
        notices_channel="C0NOTICES",
        executor=executor,
    )
    plain = bare_app(fake)
    ours = Timed(create_web_app([slack.mount]))
    bare = Timed(create_web_app([lambda web: mount_bolt(plain, web)]))
    servers = WebServer(ours).start(), WebServer(bare).start()
    client = Client(httpx.Client(timeout=60), fake)
    figures = Figures()
    try:
        for i in range(requests + WARM_UP):
            case = CASES_SEEDED + i
            for kind, body in (("convene", client.convene(case)), ("click", client.accept(case))):
                started = time.perf_counter()
                client.send(servers[0], body)
                executor.wait_idle(timeout=120)
                done = time.perf_counter() - started
                ack = ours.take()
                client.send(servers[1], body.replace(".bench", ".bare"))
                bare_ack = bare.take()
                if i >= WARM_UP:
                    figures.ours[kind].append(ack)
                    figures.bare[kind].append(bare_ack)
                    figures.done[kind].append(done)
    finally:
        client.http.close()
        for server in servers:
            server.stop()
        executor.shutdown()
        slack.close()
        core.close()
        fake.stop()
    return figures


# --- the report -----------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
    return ordered[index] * 1000


def report(database: str, figures: Figures) -> list[str]:
    lines = []
    for kind, label in (("convene", "/strategy convene"), ("click", "button click")):
        ours, bare, done = figures.ours[kind], figures.bare[kind], figures.done[kind]
        ratio = percentile(ours, 99) / percentile(bare, 99)
        lines.append(
            f"{database:<11} {label:<18} {percentile(ours, 50):7.2f} {percentile(ours, 99):7.2f}"
            f"   {percentile(bare, 50):7.2f} {percentile(bare, 99):7.2f}   {ratio:5.2f}x"
            f"   {percentile(done, 50):8.1f} {percentile(done, 99):8.1f}"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--discussions", type=int, default=100_000, help="seeded (100,000)")
    parser.add_argument("--requests", type=int, default=300, help="of each kind, per app (300)")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--postgres-url", help="an empty PostgreSQL database to use")
    args = parser.parse_args()

    lines = []
    folder = Path(tempfile.mkdtemp(prefix="strategy-bot-bench-"))
    if args.database in ("sqlite", "both"):
        url = f"sqlite:///{folder / 'bench.db'}"
        migrate(url)
        seconds = seed(url, args.discussions)
        print(f"sqlite: seeded {args.discussions:,} discussions in {seconds:.0f} s", flush=True)
        lines += report("sqlite", run(url, args.requests))
    if args.database in ("postgresql", "both"):
        server = None
        url = args.postgres_url
        if url is None:
            from fakes.postgres import PostgresServer

            server = PostgresServer.start()
            url = server.url
        try:
            migrate(url)
            seconds = seed(url, args.discussions)
            print(
                f"postgresql: seeded {args.discussions:,} discussions in {seconds:.0f} s",
                flush=True,
            )
            lines += report("postgresql", run(url, args.requests))
        finally:
            if server is not None:
                server.stop()
    print()
    print(f"Time to acknowledge, in ms, server side; {args.requests} requests of each kind per app")
    print(f"with {args.discussions:,} discussions in the database.")
    print("                                strategy-bot      bare Bolt      p99     done (ms)")
    print(
        "database    request               p50     p99       p50     p99   ratio      p50      p99"
    )
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()

"""Slack, Teams and email in one process around ONE Bot: one deliverer, one sweep, one lock.

Composed as `serve` composes them (handlers/composition.py), on the local fakes
of Slack and the Bot Framework, with the web app served for real.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import build_core
from bot.settings import Settings
from bot.storage.outbox_models import OutboxRow, OutboxStatus
from fakes.slack import TOKEN, FakeSlack
from handlers.composition import Composed, compose
from handlers.slack.settings import SlackSettings
from handlers.web import create_web_app
from scheduling.clock import SimulatedClock
from tests.conftest import MONDAY_0930
from tests.helpers import CONVENE
from tests.teams.fakes import FakeBotFramework, FakeEntra
from tests.teams.harness import Served, teams_settings, trusting

SLACK_NOTICES = "C0NOTICES01"


@dataclass
class OneProcess:
    composed: Composed
    slack: FakeSlack
    teams: FakeBotFramework
    clock: SimulatedClock


@pytest.fixture
def one_process(database_url: str, tmp_path: Path) -> Iterator[OneProcess]:
    entra = FakeEntra(tmp_path)
    teams = FakeBotFramework(entra)
    slack = FakeSlack().start()
    clock = SimulatedClock(MONDAY_0930)
    try:
        with trusting(entra.ca_path):
            core = build_core(Settings(database_url=database_url, strategy_directory=None), clock)
            web = create_web_app()
            composed = compose(
                core,
                web,
                slack=SlackSettings(
                    slack_bot_token=TOKEN,
                    slack_api_url=slack.api_url,
                    slack_signing_secret="unused-here",
                    slack_notices_channel=SLACK_NOTICES,
                ),
                teams=teams_settings(
                    entra, teams, teams_notices_channel=teams.channel("strategy-notices")
                ),
            )
            served = Served(web)
            try:
                yield OneProcess(composed, slack, teams, clock)
            finally:
                composed.bot.settle()
                served.stop()
                composed.close()
                core.close()
    finally:
        slack.stop()
        teams.stop()
        entra.stop()


def test_every_platform_drives_the_same_bot_deliverer_and_sweep_lock(
    one_process: OneProcess,
) -> None:
    composed = one_process.composed
    assert composed.slack is not None and composed.teams is not None
    assert composed.slack.bot is composed.bot
    assert composed.teams.bot is composed.bot
    assert composed.slack.listeners.bot is composed.bot
    deliverer = composed.bot.deliverer
    assert deliverer is composed.bot.deliverer  # not rebuilt: one deliverer for the process
    assert deliverer.channel_names() == ["teams", "slack", "email"]


def test_sweeping_from_every_platform_at_once_delivers_each_row_once(
    one_process: OneProcess,
) -> None:
    composed, slack, teams = one_process.composed, one_process.slack, one_process.teams
    assert composed.slack is not None and composed.teams is not None
    core = composed.core
    ben = core.directory.contact("ben.okafor")
    assert ben is not None
    outcome = composed.bot.command(ben, CONVENE, send=False)
    assert outcome.ok, outcome.reply.text
    one_process.clock.advance(timedelta(minutes=61))  # the fallback check falls due too

    # The sweeper, each platform's own entry to the due work, and kicks, all at once.
    sweeps: list[Callable[[], object]] = [
        composed.due_work,
        composed.slack.due_work,
        composed.teams.run_due_work,
        composed.bot.send,
        composed.bot.kick,
    ] * 2
    threads = [threading.Thread(target=sweep) for sweep in sweeps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    composed.bot.settle()
    composed.bot.send()

    with core.sessions() as session:
        rows = list(session.scalars(select(OutboxRow)))
    assert rows and all(r.status != OutboxStatus.PENDING for r in rows)
    sent = [r for r in rows if r.status == OutboxStatus.SENT]
    assert all(r.attempts == 1 for r in sent), [(r.id, r.attempts) for r in sent]
    on = Counter(r.sent_on for r in sent)
    assert on["teams"] and on["slack"] and on["email"]
    # Every Slack and Teams call is one row: nothing was sent twice.
    slack_calls = len(slack.calls_to("chat.postMessage")) + len(slack.calls_to("chat.update"))
    assert slack_calls == on["slack"]
    teams_calls = [c for c in teams.calls if "/activities" in c[1]]
    assert len(teams_calls) == on["teams"]
    # Each platform's notice went to its own notices channel, once.
    assert len(slack.conversation(SLACK_NOTICES)) == 1
    assert len(list(teams.messages_in(teams.channel("strategy-notices")))) == 1
    # The fallback's invitation (due work) went out once, whoever swept.
    zoe = [
        r for r in sent if r.recipient == "zoe.fletcher" and r.thread and "|copy" not in r.thread
    ]
    assert len([r for r in zoe if r.message["kind"] == "invitation"]) == 1

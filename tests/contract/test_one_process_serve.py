"""`strategy-bot serve` with Slack and Teams both configured: one Bot, one deliverer, one
sweeper, and each outbox row delivered exactly once across both platforms.

The same deployment as tests/contract/test_mixed_deployment.py (its helpers), read
from the other side: the database's outbox and the fakes' calls must agree one to one.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from fakes.slack import FakeSlack
from tests.contract.test_mixed_deployment import (
    CONVENE,
    chair_view,
    environment,
    say_in_teams,
    slack_text,
    slash_in_slack,
)
from tests.email.conftest import running_inbox
from tests.serving import serving, wait_until
from tests.teams.fakes import FakeBotFramework, FakeEntra


def outbox(path: Path) -> list[tuple[str, str | None, int]]:
    with sqlite3.connect(path) as db:
        return [
            (str(status), sent_on, int(attempts))
            for status, sent_on, attempts in db.execute(
                "SELECT status, sent_on, attempts FROM outbox"
            )
        ]


@pytest.mark.slow
def test_serve_with_both_platforms_delivers_each_row_once(tmp_path: Path) -> None:
    entra = FakeEntra(tmp_path)
    teams = FakeBotFramework(entra)
    slack = FakeSlack().start()
    try:
        with running_inbox() as inbox:
            env = environment(tmp_path, teams, entra, slack, inbox)
            with serving(tmp_path, env, stderr=tmp_path / "stderr.log") as port:
                say_in_teams(port, teams, "29:1ben-okafor", "Ben Okafor", CONVENE)
                wait_until(lambda: "You are invited" in slack_text(slack, "U0NVMP20005"))
                slash_in_slack(port, slack, "U0NVMP20005", "accept NV-40213", "accept")
                wait_until(lambda: "accepted" in chair_view(teams).split("Megan Price, ", 1)[1])

                def settled() -> bool:
                    rows = outbox(tmp_path / "bot.db")
                    return bool(rows) and all(status != "pending" for status, _, _ in rows)

                wait_until(settled)
        rows = outbox(tmp_path / "bot.db")
        sent = [(on, attempts) for status, on, attempts in rows if status == "sent"]
        assert all(attempts == 1 for _, attempts in sent), rows
        on = Counter(channel for channel, _ in sent)
        assert on["teams"] and on["slack"] and on["email"]
        # One Slack call per row sent on Slack; one Teams call per row sent on Teams, plus
        # the one reply to the command typed in Teams (not an outbox message).
        slack_calls = len(slack.calls_to("chat.postMessage")) + len(slack.calls_to("chat.update"))
        assert slack_calls == on["slack"]
        teams_calls = [path for _, path in teams.calls if "/activities" in path]
        assert len(teams_calls) == on["teams"] + 1
        stderr = (tmp_path / "stderr.log").read_text(encoding="utf-8")
        assert "Traceback" not in stderr
    finally:
        slack.stop()
        teams.stop()
        entra.stop()

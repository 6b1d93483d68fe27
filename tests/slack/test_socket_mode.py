"""Socket Mode: Slack's requests come over the app's own WebSocket, and are answered on it."""

from __future__ import annotations

import shutil
from pathlib import Path

from slack_bolt.adapter.socket_mode import SocketModeHandler

from fakes.slack import FakeSlack
from scheduling.clock import SimulatedClock
from tests.slack.fake_socket_mode import FakeSocketMode
from tests.slack.harness import slack_test


def test_a_command_arrives_over_socket_mode_and_is_answered(
    sqlite_template: Path, tmp_path: Path, clock: SimulatedClock
) -> None:
    shutil.copy(sqlite_template, tmp_path / "slack.db")
    socket = FakeSocketMode()
    fake = FakeSlack(socket_url=socket.url).start()
    try:
        with slack_test(f"sqlite:///{tmp_path / 'slack.db'}", clock, fake=fake) as slack:
            handler = SocketModeHandler(slack.slack.app, "xapp-1-test")
            handler.connect()  # type: ignore[no-untyped-call]
            try:
                socket.send(
                    {
                        "envelope_id": "envelope-1",
                        "type": "slash_commands",
                        "accepts_response_payload": True,
                        "payload": {
                            "command": "/strategy",
                            "text": "status",
                            "user_id": slack.user_id("asha.patel"),
                            "trigger_id": "1.socket.trigger",
                            "response_url": fake.response_url("socket"),
                        },
                    }
                )
                acknowledged = socket.reply("envelope-1")
                slack.executor.wait_idle()
            finally:
                handler.close()  # type: ignore[no-untyped-call]
            opened = [c for c in fake.calls if c.method == "apps.connections.open"]
            assert [c.token for c in opened] == ["xapp-1-test"]
            assert acknowledged == {"envelope_id": "envelope-1"}  # an empty acknowledgement
            (reply,) = fake.replies("socket")
            assert "You have no upcoming strategy discussions." in str(reply["blocks"])
            assert slack.errors.records == []
    finally:
        fake.stop()
        socket.close()

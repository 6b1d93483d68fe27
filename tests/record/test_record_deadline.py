"""The chair hears when the record has not reached everyone by the circulation deadline."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bot.app import Bot
from bot.jobs import run_due_work
from bot.messages import Outgoing
from scheduling.clock import SimulatedClock
from tests.helpers import audit_events, say, take_sent, to
from tests.record.conftest import COMPLETE_RECORD

# Meeting Tue 24 Nov 2026 14:00; the record is due by the end of the next working day.
# The deadline is Wed 25 Nov, 23:59; the alert comes at the start of the next working day.
AFTER_DEADLINE = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)


def chair_alerts(bot: Bot) -> list[str]:
    return [
        o.message.text for o in to(take_sent(bot), "asha.patel") if "the record" in o.message.text
    ]


def test_a_record_not_finalised_by_the_deadline_is_flagged(
    held: Bot, clock: SimulatedClock
) -> None:
    clock.set(AFTER_DEADLINE - timedelta(hours=1))
    held.run_due_work()
    assert chair_alerts(held) == []
    clock.set(AFTER_DEADLINE)
    held.run_due_work()
    (alert,) = chair_alerts(held)
    assert "by Wed 25 Nov 2026, 23:59 GMT, and it has not been finalised yet" in alert
    assert audit_events(held)[-1][1] == "record_overdue"


def test_a_record_circulated_in_time_raises_nothing(held: Bot, clock: SimulatedClock) -> None:
    say(held, "asha.patel", COMPLETE_RECORD)
    say(held, "asha.patel", "/strategy record NV-40213 finalise")
    take_sent(held)
    clock.set(AFTER_DEADLINE)
    held.run_due_work()
    assert chair_alerts(held) == []


class DownChat:
    """A chat platform that is down for everyone but the chair."""

    def deliver(self, outgoing: Sequence[Outgoing]) -> None:
        if any(o.to != "asha.patel" for o in outgoing):
            raise ConnectionError("chat platform unavailable")
        self.sent = list(outgoing)


def test_deliveries_still_waiting_at_the_deadline_are_flagged(
    held: Bot, clock: SimulatedClock
) -> None:
    say(held, "asha.patel", COMPLETE_RECORD)
    down = DownChat()
    held.chat = down
    say(held, "asha.patel", "/strategy record NV-40213 finalise")
    clock.set(AFTER_DEADLINE)
    run_due_work(held.core, down)
    alert = " ".join(o.message.text for o in down.sent)
    assert "deliveries are still waiting to go out" in alert

"""A delivered nudge schedules the next one without looking for its key: the claimed
nudge was its action's one pending nudge (deterministic statement counts)."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from bot.app import Bot
from bot.storage import models
from scheduling.clock import SimulatedClock
from tests.helpers import recorded_statements, say, take_sent

# The look-up of a pending item by key, in `schedule`.
_BY_KEY = re.compile(r'\s*SELECT\b.*\bFROM scheduled_work\b.*\bscheduled_work\."?key"?\s*=', re.S)


def test_a_delivered_keyed_nudge_schedules_the_next_without_a_lookup_by_key(
    convened: Bot, clock: SimulatedClock
) -> None:
    reply = say(
        convened,
        "asha.patel",
        '/strategy action NV-40213 owner=megan.price due="in 1 working day" text="Visit"',
    )
    assert "recorded" in reply.text, reply.text
    take_sent(convened)
    clock.advance(timedelta(days=2))
    with recorded_statements(convened) as ran:
        convened.run_due_work()
    # Of a nudge by its key (other work looks up its own keys).
    lookups = [r.sql for r in ran if _BY_KEY.match(r.sql) and "nudge:" in str(r.parameters)]
    assert [o for o in take_sent(convened) if "Reminder" in o.message.text]
    assert lookups == []
    with convened.core.sessions() as session:
        pending = session.scalars(
            select(models.ScheduledWork.due_at).where(
                models.ScheduledWork.kind == models.WorkKind.ACTION_NUDGE,
                models.ScheduledWork.status == models.WorkStatus.PENDING,
            )
        ).all()
    assert len(pending) == 1 and pending[0] > clock.now()  # the next nudge, once

"""Every state change leaves an audit event: who, what, when, which discussion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.app import Bot
from bot.storage import models
from scheduling.clock import SimulatedClock
from tests.helpers import CONVENE, audit_events, say


def test_the_whole_life_cycle_is_in_the_audit_trail(bot: Bot, clock: SimulatedClock) -> None:
    say(bot, "ben.okafor", CONVENE)
    say(bot, "olivia.bennett", '/strategy decline NV-40213 reason="on leave all week"')
    say(bot, "megan.price", "/strategy accept NV-40213")
    say(bot, "zoe.fletcher", "/strategy accept NV-40213")
    say(bot, "bethany.cole", "/strategy delegate NV-40213 to=callum.fraser")
    clock.advance(timedelta(days=1, hours=5))  # past the meeting time
    bot.run_due_work()
    say(
        bot,
        "asha.patel",
        '/strategy action NV-40213 owner=megan.price due="friday" '
        'text="Complete the DASH risk assessment"',
    )
    clock.advance(timedelta(days=2))  # Thursday: the day before it is due, a nudge at 09:00
    bot.run_due_work()
    say(
        bot,
        "megan.price",
        '/strategy more-time NV-40213/A1 due="next tuesday" '
        'reason="The mother is away until Monday"',
    )
    say(bot, "asha.patel", "/strategy approve NV-40213/A1")
    say(bot, "megan.price", "/strategy snooze NV-40213/A1")
    say(bot, "megan.price", '/strategy close NV-40213/A1 outcome="DASH done, MARAC referral made"')

    with bot.core.sessions() as session:
        events = session.scalars(select(models.AuditEvent).order_by(models.AuditEvent.id)).all()
        trail = [(e.actor, e.event, e.discussion_id) for e in events]
        times = [e.occurred_at for e in events]
    # Calendar sends are audited too (tests/calendar checks them); the story is the rest.
    story = [(a, e) for a, e, _ in trail if e not in ("invited", "calendar_sent")]
    assert story == [
        ("ben.okafor", "convened"),
        ("olivia.bennett", "declined"),
        ("system", "fallback_invited"),
        ("megan.price", "accepted"),
        ("zoe.fletcher", "accepted"),
        ("system", "quorum_met"),
        ("bethany.cole", "delegated"),
        ("system", "meeting_started"),
        ("asha.patel", "action_added"),
        ("system", "record_overdue"),  # no record by the end of Wednesday
        ("system", "nudge_sent"),
        ("megan.price", "more_time_requested"),
        ("asha.patel", "more_time_approved"),
        ("megan.price", "snoozed"),
        ("megan.price", "action_closed"),
    ]
    assert {discussion for _, _, discussion in trail} == {1}
    assert times[0] == datetime(2026, 11, 23, 9, 30, tzinfo=UTC)  # the injected clock's time
    assert times == sorted(times)


def test_how_an_answer_came_is_recorded_by_the_entry_point_not_the_services(
    convened: Bot,
) -> None:
    """Bot.act(via=, answered_by=) keeps them on the unit of work; the audit trail writes
    them on the answering person's events only, and on nothing a chat answer writes."""
    olivia = convened.core.directory.contact("olivia.bennett")
    megan = convened.core.directory.contact("megan.price")
    assert olivia is not None and megan is not None
    by = {"name": "Sam Green", "role": "Duty officer"}
    answer = {"case": "NV-40213", "reason": "in court all day"}
    assert convened.act(olivia, "decline", answer, via="web", answered_by=by).ok
    assert convened.act(megan, "accept", {"case": "NV-40213"}).ok
    events = audit_events(convened)
    declined = [d for actor, event, d in events if event == "declined"]
    assert declined == [{"reason": "in court all day", "via": "web", "answered_by": by}]
    assert [d for actor, event, d in events if event == "accepted" and actor == "megan.price"] == [
        {}
    ]
    assert all("via" not in d for actor, _, d in events if actor != "olivia.bennett")

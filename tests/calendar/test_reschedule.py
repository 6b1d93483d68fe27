"""Rescheduling and cancelling: only the chair or convenor, checked, audited, told to all."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.app import Bot
from bot.messages import Delivery
from bot.storage import models
from tests.helpers import CONVENE, audit_events, say, table_counts, take_sent, to

MOVE = '/strategy reschedule NV-40213 meeting="wednesday 10am" reason="police officer in court"'


def pending_work(bot: Bot) -> dict[str, list[datetime]]:
    with bot.core.sessions() as session:
        work: dict[str, list[datetime]] = {}
        for item in session.scalars(
            select(models.ScheduledWork)
            .where(models.ScheduledWork.status == "pending")
            .order_by(models.ScheduledWork.id)
        ):
            work.setdefault(item.kind, []).append(item.due_at)
        return work


def meeting_at(bot: Bot) -> datetime:
    with bot.core.sessions() as session:
        return session.scalars(select(models.Discussion.meeting_at)).one()


BAD = [
    ("megan.price", MOVE, "Only the chair (Asha Patel) or the convenor (Ben Okafor)"),
    ("ian.campbell", MOVE, "You have no upcoming strategy discussion for case NV-40213"),
    ("asha.patel", MOVE.replace("NV-40213", "NV-99999"), "no upcoming strategy discussion"),
    ("asha.patel", '/strategy reschedule NV-40213 meeting="wednesday 10am"', "Add the reason"),
    ("asha.patel", MOVE.replace("police officer in court", "pol"), "Say why"),
    ("asha.patel", MOVE.replace("wednesday 10am", "last monday 10am"), "Meeting time"),
    ("asha.patel", MOVE.replace("wednesday 10am", "wednesday"), "no exact time of day"),
    ("asha.patel", MOVE.replace("wednesday 10am", "tomorrow 2pm"), "already at Tue 24 Nov"),
    (
        "asha.patel",
        MOVE.replace("wednesday 10am", "next monday 10am"),
        "would be after the statutory deadline (Thu 26 Nov 2026, 23:59 GMT",
    ),
    ("asha.patel", MOVE + " room=5", "Unknown option room"),
    ("megan.price", '/strategy cancel NV-40213 reason="not needed now"', "Only the chair"),
    ("asha.patel", "/strategy cancel NV-40213", "Add the reason"),
]


def test_bad_requests_are_refused_with_an_example_and_write_nothing(convened: Bot) -> None:
    # One discussion for every case (a fresh one each would cost a database each).
    for who, text, problem in BAD:
        before = table_counts(convened)
        reply = say(convened, who, text)
        assert problem in reply.text, (text, reply.text)
        assert "For example:" in reply.text, text
        assert table_counts(convened) == before, text
        assert take_sent(convened) == [], text
    assert meeting_at(convened) == datetime(2026, 11, 24, 14, tzinfo=UTC)


def test_the_chair_moves_the_meeting_and_everyone_is_told(convened: Bot) -> None:
    reply = say(convened, "asha.patel", MOVE)
    assert reply.text.startswith(
        "The strategy discussion for case NV-40213 has moved from Tue 24 Nov 2026, 14:00 GMT "
        "to Wed 25 Nov 2026, 10:00 GMT."
    )
    assert meeting_at(convened) == datetime(2026, 11, 25, 10, tzinfo=UTC)
    sent = take_sent(convened)
    for person in ("olivia.bennett", "bethany.cole", "megan.price"):
        theirs = to(sent, person)
        # the invitation, updated in place, shows the new time and still asks for an answer
        [invitation] = [o for o in theirs if o.thread is not None]
        assert invitation.thread and invitation.thread.startswith("invitation:")
        assert "Meeting: Wed 25 Nov 2026, 10:00 GMT" in invitation.message.text
        assert [b.action for b in invitation.message.buttons] == ["accept", "decline", "delegate"]
        [notice] = [o for o in theirs if o.thread is None]
        assert '"police officer in court"' in notice.message.text
        assert "it was Tue 24 Nov 2026, 14:00 GMT" in notice.message.text
    assert "has moved to Wed 25 Nov" in to(sent, "ben.okafor")[0].message.text
    [channel] = [o for o in sent if o.delivery is Delivery.CHANNEL]
    assert channel.message.text == (
        "The strategy discussion for case NV-40213 has moved to Wed 25 Nov 2026, 10:00 GMT."
    )
    [(actor, details)] = [(a, d) for a, e, d in audit_events(convened) if e == "rescheduled"]
    assert actor == "asha.patel"
    assert details == {
        "previous": "2026-11-24T14:00:00+00:00",
        "meeting_at": "2026-11-25T10:00:00+00:00",
        "reason": "police officer in court",
        "late_reason": None,
    }
    work = pending_work(convened)
    assert work["meeting_start"] == [datetime(2026, 11, 25, 10, tzinfo=UTC)]


def test_an_earlier_meeting_pulls_the_fallback_cutoff_with_it(convened: Bot) -> None:
    assert (
        pending_work(convened)["fallback_check"] == [datetime(2026, 11, 23, 10, 30, tzinfo=UTC)] * 2
    )
    say(convened, "ben.okafor", MOVE.replace("wednesday 10am", "today 11am"))  # the convenor may
    assert meeting_at(convened) == datetime(2026, 11, 23, 11, tzinfo=UTC)
    # no later than an hour before the meeting, and never in the past
    assert (
        pending_work(convened)["fallback_check"] == [datetime(2026, 11, 23, 10, 0, tzinfo=UTC)] * 2
    )


def test_a_meeting_after_the_deadline_needs_a_reason_which_is_kept(convened: Bot) -> None:
    late = MOVE.replace("wednesday 10am", "next monday 10am") + ' late_reason="paediatrician away"'
    reply = say(convened, "asha.patel", late)
    assert "After the statutory deadline, because: paediatrician away" in reply.text
    with convened.core.sessions() as session:
        discussion = session.scalars(select(models.Discussion)).one()
        assert discussion.late_reason == "paediatrician away"
    # Back within the deadline, the late reason no longer applies.
    say(convened, "asha.patel", MOVE)
    with convened.core.sessions() as session:
        assert session.scalars(select(models.Discussion.late_reason)).one() is None


def test_the_chair_cancels_and_nothing_more_happens(convened: Bot) -> None:
    reply = say(
        convened, "asha.patel", '/strategy cancel NV-40213 reason="the concern was resolved"'
    )
    assert "is cancelled" in reply.text
    sent = take_sent(convened)
    [invitation] = [o for o in to(sent, "megan.price") if o.thread is not None]
    assert invitation.message.text.startswith(
        "Cancelled: the strategy discussion for case NV-40213"
    )
    assert invitation.message.buttons == ()
    [quorum] = [o for o in to(sent, "asha.patel") if o.thread == "quorum:1"]
    assert quorum.message.text.startswith("Cancelled")
    [channel] = [o for o in sent if o.delivery is Delivery.CHANNEL]
    assert channel.message.text == "The strategy discussion for case NV-40213 has been cancelled."
    assert ("asha.patel", "cancelled") in [(a, e) for a, e, _ in audit_events(convened)]
    with convened.core.sessions() as session:
        assert session.scalars(select(models.Discussion.status)).one() == "cancelled"
    assert set(pending_work(convened)) <= {"calendar_sync"}  # the cancellations, if still to go

    # Nobody can answer a cancelled discussion, and the case can be convened again.
    assert (
        "no upcoming strategy discussion"
        in say(convened, "megan.price", "/strategy accept NV-40213").text
    )
    assert (
        "Review strategy discussion 2 for case NV-40213#2 (standard); discussion 1 was cancelled"
        in say(convened, "ben.okafor", CONVENE).text
    )

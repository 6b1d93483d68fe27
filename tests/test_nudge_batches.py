"""Due nudges next to each other are done in one unit of work: claimed by one statement after
the first, their actions read at once, committed together; each still sent once, with its one
next nudge, in due order. A failing one leaves the others done and itself pending with its
failure recorded, as when each had its own unit of work. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert, select, update

from bot import jobs
from bot.app import Bot
from bot.messages import Kind, Message, Outgoing
from bot.outbox.deliver import Deliverer
from bot.storage import models
from bot.unit import Unit
from scheduling.clock import SimulatedClock
from tests.helpers import Recording, say, take_sent

_CLAIM = "UPDATE scheduled_work SET status="


def _due_nudges(bot: Bot, count: int) -> list[models.Action]:
    """`count` open actions, each with its one pending (keyed) nudge due a minute ago, and
    nothing else due."""
    for n in range(count):
        reply = say(
            bot,
            "asha.patel",
            f'/strategy action NV-40213 owner=megan.price due="in 3 working days" text="Task {n}"',
        )
        assert "recorded" in reply.text, reply.text
    bot.run_due_work()
    take_sent(bot)
    due = bot.core.clock.now() - timedelta(minutes=1)
    with bot.core.sessions() as session, session.begin():
        session.execute(
            update(models.ScheduledWork)
            .where(
                models.ScheduledWork.kind == models.WorkKind.ACTION_NUDGE,
                models.ScheduledWork.status == models.WorkStatus.PENDING,
            )
            .values(due_at=due)
        )
    with bot.core.sessions() as session:
        actions = list(session.scalars(select(models.Action).order_by(models.Action.id)))
        session.expunge_all()
    assert len(actions) == count
    return actions


@contextmanager
def _recorded(bot: Bot) -> Iterator[list[tuple[str, Any]]]:
    """Each statement run (its SQL on one line, its parameters) and each COMMIT, in order."""
    ran: list[tuple[str, Any]] = []

    def seen(_conn: object, _cursor: object, sql: str, parameters: Any, *_: object) -> None:
        ran.append((" ".join(sql.split()), parameters))

    def committed(_conn: object) -> None:
        ran.append(("COMMIT", None))

    engine = bot.core.sessions.kw["bind"]
    event.listen(engine, "before_cursor_execute", seen)
    event.listen(engine, "commit", committed)
    try:
        yield ran
    finally:
        event.remove(engine, "before_cursor_execute", seen)
        event.remove(engine, "commit", committed)


def _pending_nudges(bot: Bot) -> list[models.ScheduledWork]:
    with bot.core.sessions() as session:
        pending = list(
            session.scalars(
                select(models.ScheduledWork).where(
                    models.ScheduledWork.kind == models.WorkKind.ACTION_NUDGE,
                    models.ScheduledWork.status == models.WorkStatus.PENDING,
                )
            )
        )
        session.expunge_all()
    return pending


def _reminders(sent: list[Outgoing], actions: list[models.Action]) -> list[str]:
    """Which action each reminder sent was about, in the order sent."""
    return [
        action.label
        for outgoing in sent
        if outgoing.message.kind is Kind.NUDGE
        for action in actions
        if f"{action.description}\n" in f"{outgoing.message.text}\n"
    ]


def test_due_nudges_are_claimed_by_one_statement_and_committed_together(
    convened: Bot, clock: SimulatedClock
) -> None:
    actions = _due_nudges(convened, 5)
    with _recorded(convened) as ran:
        assert convened.run_due_work() == 5
    claims = [n for n, (sql, _) in enumerate(ran) if sql.startswith(_CLAIM)]
    # The first nudge, the four after it, then the claim that finds nothing more due.
    assert len(claims) == 3, [ran[n][0] for n in claims]
    first_commit = next(n for n in range(claims[0], len(ran)) if ran[n][0] == "COMMIT")
    unit = ran[claims[0] : first_commit]
    assert claims[1] < first_commit < claims[2]  # both claims in the unit of work
    # Their actions read by one query, and each one's next nudge added in the same unit.
    assert len([sql for sql, _ in unit if sql.startswith("SELECT action.id")]) == 1
    added = " ".join(str(p) for sql, p in unit if sql.startswith("INSERT INTO scheduled_work"))
    assert all(f"'nudge:{action.id}'" in added for action in actions)
    # Each sent once, in due order, and each with exactly one next nudge pending.
    assert _reminders(take_sent(convened), actions) == [a.label for a in actions]
    pending = _pending_nudges(convened)
    assert sorted(w.action_id or 0 for w in pending) == [a.id for a in actions]
    assert all(w.due_at > clock.now() and w.key == f"nudge:{w.action_id}" for w in pending)


def test_a_failing_nudge_in_a_batch_leaves_the_others_done_and_itself_pending(
    convened: Bot, clock: SimulatedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    actions = _due_nudges(convened, 4)
    bad = actions[2]
    nudge = jobs.JOBS[models.WorkKind.ACTION_NUDGE]

    def failing(unit: Unit, work: models.DueWork) -> list[Outgoing]:
        if work.action_id == bad.id:
            raise RuntimeError("the directory is down")
        return nudge(unit, work)

    monkeypatch.setitem(jobs.JOBS, models.WorkKind.ACTION_NUDGE, failing)
    assert convened.run_due_work() == 4
    good = [a for a in actions if a is not bad]
    assert _reminders(take_sent(convened), actions) == [a.label for a in good]
    pending = {w.action_id or 0: w for w in _pending_nudges(convened)}
    assert sorted(pending) == [a.id for a in actions]  # one each: the bad one still its own
    failed = pending[bad.id]
    assert failed.attempts == 1 and failed.last_error == "RuntimeError: the directory is down"
    assert failed.due_at == clock.now() + timedelta(minutes=2)  # retried later, as before
    assert all(pending[a.id].attempts == 0 and pending[a.id].due_at > clock.now() for a in good)
    with convened.core.sessions() as session:
        events = session.scalars(
            select(models.AuditEvent).where(models.AuditEvent.event == "nudge_sent")
        ).all()
        assert sorted(e.details["action"] for e in events) == sorted(a.label for a in good)


def test_nudges_and_other_work_are_still_done_in_due_order(
    convened: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    actions = _due_nudges(convened, 4)

    def other(unit: Unit, work: models.DueWork) -> list[Outgoing]:
        return [Outgoing("asha.patel", Message(Kind.ALERT, "other work"))]

    monkeypatch.setitem(jobs.JOBS, "test_other", other)
    with convened.core.sessions() as session, session.begin():
        nudges = session.scalars(
            select(models.ScheduledWork)
            .where(
                models.ScheduledWork.kind == models.WorkKind.ACTION_NUDGE,
                models.ScheduledWork.status == models.WorkStatus.PENDING,
            )
            .order_by(models.ScheduledWork.action_id)
        ).all()
        # Due between the second nudge and the third.
        nudges[2].due_at = nudges[3].due_at = nudges[1].due_at + timedelta(seconds=2)
        between = nudges[1].due_at + timedelta(seconds=1)
        session.execute(
            insert(models.ScheduledWork),
            [{"kind": "test_other", "status": "pending", "due_at": between, "payload": {}}],
        )
    assert convened.run_due_work() == 5
    sent = [
        o.message.text if o.message.kind is Kind.ALERT else _reminders([o], actions)[0]
        for o in take_sent(convened)
    ]
    labels = [a.label for a in actions]
    assert sent == [*labels[:2], "other work", *labels[2:]]


def test_a_threaded_message_from_a_batch_still_leaves_before_the_next_item(
    convened: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    _due_nudges(convened, 3)

    def threaded(unit: Unit, work: models.DueWork) -> list[Outgoing]:
        text = f"quorum view for {work.action_id}"
        return [Outgoing("asha.patel", Message(Kind.QUORUM, text), thread="quorum:test")]

    monkeypatch.setitem(jobs.JOBS, models.WorkKind.ACTION_NUDGE, threaded)
    channel = Recording()
    assert jobs.run_due_work(convened.core, Deliverer(convened.core, [channel])) == 3
    # Each version went out before the next item ran: each later one an update of the one
    # before, none superseded (the batch was given up for one unit of work per item).
    assert [earlier for _, earlier in channel.sent] == [None, "ref-1", "ref-2"]


def test_a_batch_reads_no_agency_and_adds_its_next_nudges_as_plain_rows(convened: Bot) -> None:
    actions = _due_nudges(convened, 4)
    with _recorded(convened) as ran:
        assert convened.run_due_work() == 4
    first_commit = next(n for n, (sql, _) in enumerate(ran) if sql == "COMMIT")
    unit = [sql for sql, _ in ran[:first_commit]]
    # The actions with their discussion, case, chair and owner, not the people's agencies
    # (which nothing in a nudge reads), and no agency read after either.
    [read] = [sql for sql in unit if sql.startswith("SELECT action.id")]
    assert "JOIN agency" not in read, read
    assert not [sql for sql in unit if "FROM agency" in sql]
    # The next nudges in one INSERT that asks for no ids back (no ORM objects to fill in).
    [added] = [sql for sql in unit if sql.startswith("INSERT INTO scheduled_work")]
    assert "RETURNING" not in added, added
    assert _reminders(take_sent(convened), actions) == [a.label for a in actions]
    pending = _pending_nudges(convened)
    assert sorted(w.action_id or 0 for w in pending) == [a.id for a in actions]
    assert all(w.attempts == 0 and w.payload == {} and w.agency_kind is None for w in pending)
    discussion = {a.discussion_id for a in actions}
    assert {w.discussion_id for w in pending} == discussion

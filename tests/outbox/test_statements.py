"""What the outbox costs in statements: a unit of work writes its messages' rows in one
INSERT, a claimed batch takes its threads' bindings with the claim, and a message on a
thread this transaction created supersedes nothing.
Counted with a before_cursor_execute listener, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select

from bot.app import Bot
from bot.messages import Button, Kind, Message, Outgoing
from bot.outbox.deliver import Deliverer
from bot.outbox.rows import write
from bot.storage import models
from bot.storage.outbox_models import OutboxRow, OutboxStatus
from bot.unit import unit_of_work
from tests.helpers import CONVENE, Ran, recorded_statements, say


def supersedes(ran: list[Ran]) -> list[str]:
    """The supersede UPDATEs among them (by thread; not a row's own UPDATE by id)."""
    return [
        r.sql
        for r in ran
        if r.sql.startswith("UPDATE outbox SET status") and "outbox.thread) IN" in r.sql
    ]


@dataclass
class Referencing:
    """A channel double that returns a reference for each message, and records the
    earlier reference it was given."""

    name: str = "console"
    sent: list[tuple[str, str | None]] = field(default_factory=list)

    def send(self, outgoing: Outgoing, earlier: str | None) -> str:
        self.sent.append((outgoing.to, earlier))
        return f"ref-{len(self.sent)}"


def emit(bot: Bot, *outgoing: Outgoing) -> None:
    with unit_of_work(bot.core) as unit:
        unit.emit(outgoing)


def card(to: str, thread: str) -> Outgoing:
    return Outgoing(to, Message(Kind.NOTICE, f"to {to}"), thread=thread)


def test_a_claimed_batch_takes_its_threads_bindings_with_the_claim(bot: Bot) -> None:
    channel = Referencing()
    deliverer = Deliverer(bot.core, [channel], batch=8)
    people = ["ben.okafor", "megan.price", "asha.patel"]
    emit(bot, *(card(p, "tally:7") for p in people))
    assert deliverer.deliver_due() == 3
    emit(bot, *(card(p, "tally:7") for p in people), card("ben.okafor", "tally:8"))
    with recorded_statements(bot) as ran:
        assert deliverer.deliver_due() == 4
    # Each update went where its thread's first version did; the new thread nowhere yet.
    first = {to: f"ref-{n}" for n, (to, _) in enumerate(channel.sent[:3], start=1)}
    assert sorted(channel.sent[3:], key=str) == sorted(
        [*((p, first[p]) for p in people), ("ben.okafor", None)], key=str
    )
    assert [r.sql for r in ran if r.sql.startswith("SELECT") and "thread_binding" in r.sql] == []


def test_messages_for_a_just_convened_discussion_supersede_nothing(bot: Bot) -> None:
    with recorded_statements(bot) as ran:
        say(bot, "ben.okafor", CONVENE)  # invitation and quorum threads, all new
    with bot.core.sessions() as session:
        threads = set(session.scalars(select(OutboxRow.thread)))
    assert any(t and t.startswith("invitation:") for t in threads)
    assert any(t and t.startswith("quorum:") for t in threads)
    assert supersedes(ran) == []


def test_a_message_on_an_existing_thread_still_supersedes_the_one_not_sent(
    convened: Bot,
) -> None:
    with convened.core.sessions() as session:
        invitation = session.scalars(select(models.Invitation.id)).first()
    thread = f"invitation:{invitation}"
    emit(convened, card("megan.price", thread))
    with recorded_statements(convened) as ran:
        emit(convened, card("megan.price", thread))
    assert len(supersedes(ran)) == 1
    assert statuses(convened, thread) == [OutboxStatus.SUPERSEDED, OutboxStatus.PENDING]


def test_a_new_thread_written_twice_in_one_transaction_supersedes_its_first_version(
    convened: Bot,
) -> None:
    # Inserting an action makes its time-request thread new; a second write in the same
    # transaction must still supersede the first.
    def twice(add: Callable[[], models.Action]) -> str:
        with unit_of_work(convened.core) as unit:
            action = add()
            unit.session.add(action)
            unit.session.flush()
            thread = f"time-request:{action.id}"
            now = convened.core.clock.now()
            write(unit.session, now, [card("megan.price", thread)])
            write(unit.session, now, [card("megan.price", thread)])
        return thread

    with convened.core.sessions() as session:
        discussion = session.scalars(select(models.Discussion)).one()
        megan = session.scalars(
            select(models.Contact.id).where(models.Contact.key == "megan.price")
        ).one()
        ids = discussion.id, discussion.case_id
    now = convened.core.clock.now()
    thread = twice(
        lambda: models.Action(
            discussion_id=ids[0],
            case_id=ids[1],
            number=99,
            description="a new action",
            owner_id=megan,
            due_at=now,
            created_by_id=megan,
            created_at=now,
        )
    )
    assert statuses(convened, thread) == [OutboxStatus.SUPERSEDED, OutboxStatus.PENDING]


def statuses(bot: Bot, thread: str) -> list[str]:
    with bot.core.sessions() as session:
        return list(
            session.scalars(
                select(OutboxRow.status).where(OutboxRow.thread == thread).order_by(OutboxRow.id)
            )
        )


def test_a_unit_writes_its_messages_rows_in_one_insert_in_the_order_emitted(
    convened: Bot,
) -> None:
    with convened.core.sessions() as session:
        (discussion,) = session.scalars(select(models.Discussion.id)).all()
        invitation = session.scalars(select(models.Invitation.id)).first()
        before = session.scalar(select(func.max(OutboxRow.id)))
    thread = f"invitation:{invitation}"  # its discussion, from the thread
    named = Message(Kind.NOTICE, "a notice", context={"case": "NV-40213"})
    second = Message(  # the first case named that has a discussion
        Kind.NOTICE, "another", buttons=(Button("x", "NV-99999"), Button("y", "NV-40213/A1"))
    )
    with recorded_statements(convened) as ran, unit_of_work(convened.core) as unit:
        unit.emit([card("megan.price", thread), Outgoing("asha.patel", named)])
        unit.emit([Outgoing("ben.okafor", second), card("olivia.bennett", "poll:9")])
        unit.emit([card("megan.price", thread)])  # replaces the first, not yet sent
    assert len([r for r in ran if r.sql.startswith("INSERT INTO outbox")]) == 1
    with convened.core.sessions() as session:
        written = session.execute(
            select(OutboxRow.recipient, OutboxRow.thread, OutboxRow.discussion_id, OutboxRow.status)
            .where(OutboxRow.id > (before or 0))
            .order_by(OutboxRow.id)
        ).all()
    assert [tuple(row) for row in written] == [
        ("megan.price", thread, discussion, OutboxStatus.SUPERSEDED),
        ("asha.patel", None, discussion, OutboxStatus.PENDING),
        ("ben.okafor", None, discussion, OutboxStatus.PENDING),
        ("olivia.bennett", "poll:9", None, OutboxStatus.PENDING),
        ("megan.price", thread, discussion, OutboxStatus.PENDING),
    ]


def test_a_unit_that_raises_after_emitting_writes_no_row(bot: Bot) -> None:
    with pytest.raises(RuntimeError), unit_of_work(bot.core) as unit:
        unit.emit([card("megan.price", "poll:1")])
        raise RuntimeError("the work failed")
    with bot.core.sessions() as session:
        assert session.scalar(select(func.count()).select_from(OutboxRow)) == 0

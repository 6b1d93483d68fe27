"""What the audit trail costs in statements: a unit of work writes its events in one
INSERT when its work is done, in the order they happened, with the ids of discussions it
created, and whatever reads the trail in the unit sees the events it has written so far.
Counted with a before_cursor_execute listener, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect, select

from bot.app import Bot
from bot.directory import AgencyKind
from bot.services.fallback import run_fallback
from bot.shared import WITH_INVITATIONS, audit
from bot.storage import models
from bot.unit import unit_of_work
from tests.helpers import Ran, recorded_statements, say


def audit_inserts(ran: list[Ran]) -> list[str]:
    return [r.sql for r in ran if r.sql.startswith("INSERT INTO audit_event")]


def trail(bot: Bot, after: int) -> list[tuple[str, str, int | None]]:
    with bot.core.sessions() as session:
        rows = session.execute(
            select(
                models.AuditEvent.actor, models.AuditEvent.event, models.AuditEvent.discussion_id
            )
            .where(models.AuditEvent.id > after)
            .order_by(models.AuditEvent.id)
        ).all()
    return [(actor, event, discussion) for actor, event, discussion in rows]


def last_id(bot: Bot) -> int:
    with bot.core.sessions() as session:
        return max(session.scalars(select(models.AuditEvent.id)), default=0)


def test_a_unit_writes_its_audit_events_in_one_insert_in_the_order_they_happened(
    convened: Bot,
) -> None:
    core = convened.core
    before = last_id(convened)
    with recorded_statements(convened) as ran, unit_of_work(core) as unit:
        session = unit.session
        discussion = session.scalars(select(models.Discussion)).one()
        audit(session, core, "ben.okafor", "first", discussion, n=1)
        session.flush()  # as a service's own flush or a query's autoflush would
        audit(session, core, "system", "second")
        # A discussion the unit creates and has not flushed yet: the event gets its id.
        columns = inspect(models.Discussion).columns.keys()
        again = models.Discussion(
            **{c: getattr(discussion, c) for c in columns if c not in ("id", "number")},
            number=2,
        )
        session.add(again)
        audit(session, core, "ben.okafor", "third", again)
    assert len(audit_inserts(ran)) == 1
    assert trail(convened, before) == [
        ("ben.okafor", "first", discussion.id),
        ("system", "second", None),
        ("ben.okafor", "third", again.id),
    ]
    assert again.id is not None and again.id != discussion.id


def test_a_decline_that_invites_the_fallback_writes_both_events_in_one_insert(
    convened: Bot,
) -> None:
    before = last_id(convened)
    with recorded_statements(convened) as ran:
        say(convened, "olivia.bennett", '/strategy decline NV-40213 reason="on leave all week"')
    # One for the decline's unit of work, one for the calendar sync's that follows it.
    assert len(audit_inserts(ran)) == 2
    assert [event for _, event, _ in trail(convened, before)] == [
        "declined",
        "fallback_invited",
        "calendar_sent",
    ]


def test_the_trail_read_in_a_unit_includes_the_events_it_audited(convened: Bot) -> None:
    # Health's fallbacks invited one by one until none is left (the chair told), then
    # found exhausted again in the same unit: the chair was told already, by the event
    # the unit audited before.
    with unit_of_work(convened.core) as unit:
        discussion = (
            unit.session.scalars(select(models.Discussion).options(*WITH_INVITATIONS))
            .unique()
            .one()
        )
        told: list[list[str]] = []
        while not told or told[-1]:
            sent = run_fallback(unit, discussion, AgencyKind.HEALTH, "test")
            told.append([o.message.template for o in sent])
            assert len(told) < 10
    assert told[-2:] == [["messages/fallback_exhausted.txt.j2"], []]
    assert all("messages/fallback_invited.txt.j2" in t for t in told[:-2])
    events = [event for _, event, _ in trail(convened, 0) if event.startswith("fallback")]
    assert events == [
        *["fallback_invited"] * (len(told) - 2),
        "fallback_exhausted",
        "fallback_exhausted",
    ]

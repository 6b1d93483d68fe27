"""A job reads its discussion with what it looks through (bot/jobs.py `_discussion`):
the invitations, or the chair, in the load by id, not a lazy load after it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, text

from bot.app import Bot
from bot.jobs import _WITH_CHAIR, JOBS
from bot.messages import Outgoing
from bot.shared import WITH_INVITATIONS
from bot.storage import models
from bot.unit import unit_of_work
from tests.test_loading import lazy_loads


@dataclass
class Ran:
    lazily: list[str]
    outgoing: list[Outgoing]


def run_job(bot: Bot, kind: models.WorkKind) -> Ran:
    """The job for `kind` on the convened discussion, in a unit of work of its own (as the
    sweep does it): what it loaded lazily and what it sends."""
    with unit_of_work(bot.core) as unit:
        discussion_id = unit.session.scalars(select(models.Discussion.id)).one()
    work = models.DueWork(
        id=0,
        kind=kind,
        due_at=bot.core.clock.now(),
        discussion_id=discussion_id,
        action_id=None,
        agency_kind="health" if kind == models.WorkKind.FALLBACK_CHECK else None,
        payload={},
        attempts=0,
    )
    outgoing: list[Outgoing] = []
    with unit_of_work(bot.core) as unit:
        lazily = lazy_loads(lambda: outgoing.extend(JOBS[kind](unit, work)))
    return Ran(lazily, outgoing)


def test_the_fallback_check_reads_the_invitations_with_the_discussion(convened: Bot) -> None:
    ran = run_job(convened, models.WorkKind.FALLBACK_CHECK)
    assert ran.outgoing  # nobody from health has accepted: the nurse is invited
    # Was the invitations too (for the quorum). Left: the children, for the nurse's card
    # only (in the same load they would multiply its rows by the invitations).
    assert ran.lazily == ["Discussion.child_facts"]


def test_the_meeting_start_reads_the_invitations_with_the_discussion(convened: Bot) -> None:
    ran = run_job(convened, models.WorkKind.MEETING_START)
    assert ran.outgoing  # the chair is told who never replied
    assert ran.lazily == []  # was the invitations


def test_the_deadline_warning_reads_the_chair_with_the_discussion(convened: Bot) -> None:
    ran = run_job(convened, models.WorkKind.DEADLINE_WARNING)
    assert ran.outgoing
    assert ran.lazily == []  # was the chair


def test_the_record_deadline_reads_the_chair_with_the_discussion(convened: Bot) -> None:
    ran = run_job(convened, models.WorkKind.RECORD_DEADLINE)
    assert ran.outgoing  # no record yet: the chair is told
    assert ran.lazily == []  # was the chair


def test_on_sqlite_the_loads_by_id_go_through_the_indexes(convened: Bot) -> None:
    # Had the contact's inner joins been nested inside the outer join (SQLAlchemy's way
    # with innerjoin=True, not "unnested"), SQLite would materialise every invitation.
    engine = convened.core.sessions.kw["bind"]
    if engine.dialect.name != "sqlite":
        return
    for load in (WITH_INVITATIONS, _WITH_CHAIR):
        query = select(models.Discussion).where(models.Discussion.id == 1).options(*load)
        sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
        with engine.connect() as connection:
            plan = [row[-1] for row in connection.execute(text(f"EXPLAIN QUERY PLAN {sql}"))]
        assert not [step for step in plan if step.startswith(("SCAN", "MATERIALIZE"))], plan

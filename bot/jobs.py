"""Run the scheduled work that has fallen due: fallbacks, nudges, meeting starts...

`JOBS` says what each kind of scheduled work does; this dispatcher sits above
the services, the calendar and the record, which it calls.

Each item is claimed, performed and marked done in one transaction, with its
messages written to the outbox in that same transaction (due nudges next to each
other: several in one, bot/work_claims.py); the outbox is then
delivered (bot/outbox/deliver.py), so a message is never lost when a platform
is down, and the work is not done twice. If the work itself fails the
transaction rolls back, the item stays pending and is retried later with a
growing delay. One statement finds the next due item(s) and marks them done: on
PostgreSQL with `FOR UPDATE SKIP LOCKED`, so several bot processes sweep at once
without taking the same item; on SQLite under its single write lock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import (
    Connection,
    Engine,
    bindparam,
    func,
    select,
)
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.interfaces import ORMOption
from sqlalchemy.orm.util import identity_key

from bot import metrics
from bot.calendar.responses import read_replies
from bot.calendar.sync import sync_calendar
from bot.core import Core
from bot.directory import AgencyKind
from bot.intents import INTENTS, IntentTable
from bot.intents.forms import dress as dress_message
from bot.messages import Outgoing
from bot.outbox.deliver import Deliverer
from bot.outbox.ports import as_channel
from bot.ports import Channel, ChatPort, DeliveryFailed
from bot.record import deadline as record_deadline
from bot.record import further
from bot.record.circulation import deliver as deliver_record
from bot.services import meeting
from bot.services.calendar_replies import apply_replies
from bot.services.fallback import run_fallback
from bot.services.reminders import nudge_key, send_nudge
from bot.services.time_search import close_poll
from bot.shared import WITH_INVITATIONS
from bot.storage import models
from bot.storage.db import transaction
from bot.unit import Dress, Unit, unit_of_work
from bot.wording import say
from bot.work_claims import batchable, claim_following, claim_one, is_due

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=1)


def run_due_work(
    core: Core,
    chat: Deliverer | ChatPort | Channel,
    limit: int = 500,
    intents: IntentTable = INTENTS,
    *,
    delivered: bool = False,
) -> int:
    """Perform up to `limit` due items, delivering the outbox as they are done (and
    first, for messages due to be tried again); returns how many items were attempted.

    The outbox is delivered after every `deliverer.batch` items (one claim for their
    messages), after any item that emitted a threaded message (so that a later item's
    version of the same thread updates it in place, as when each was delivered at
    once), and before returning. `chat`: the deliverer, or one way out to deliver
    through. `intents` give the buttons on what the jobs send their labels and typed
    forms. `delivered`: the caller has just delivered the outbox, so it is not
    delivered again first.
    """
    deliverer = chat if isinstance(chat, Deliverer) else Deliverer(core, [as_channel(chat)])
    if not delivered:
        deliverer.deliver_due()
    if not has_due_work(core):  # the usual case after a command: one cheap read
        return 0
    dress = partial(dress_message, intents)
    engine: Engine = core.sessions.kw["bind"]
    attempted = 0
    more = True
    while more and attempted < limit:
        # One connection for the items done between two deliveries: one checkout (and
        # on PostgreSQL one ping) for several units of work. It is given back before
        # the delivery, so the sweep never holds a connection while it waits for one.
        with engine.connect() as connection:
            tried, done, more = _do_items(
                core, connection, dress, min(deliverer.batch, limit - attempted)
            )
        attempted += tried
        if done:
            deliverer.deliver_due()
    return attempted


def _do_items(
    core: Core, connection: Connection, dress: Dress, wanted: int
) -> tuple[int, int, bool]:
    """Up to `wanted` due items on `connection`, stopping after one that emitted a threaded
    message; how many were tried and done, and whether more may be due. Each item is its
    own unit of work, except that due nudges next to each other (`batchable`) are done
    together in one: if any of it fails, each is done again in its own."""
    tried = done = 0
    singly = 0  # items to do one per unit of work: a batch of them failed
    while tried < wanted:
        claimed: list[models.DueWork] = []
        batched = threaded = False
        try:
            with unit_of_work(core, dress, connection=connection) as unit:
                # Claimed and marked done first, in the same unit of work as the job
                # and its messages: a job that schedules the next item with the same
                # key then adds a new one instead of moving this one. A failure
                # rolls all of it back, so the item is still pending.
                work = claim_one(core, unit.session)
                if work is None:
                    return tried, done, False
                claimed.append(work)
                if not singly and wanted - tried > 1 and batchable(work):
                    claimed += claim_following(core, unit.session, wanted - tried - 1)
                    batched = len(claimed) > 1
                threaded = _perform_all(unit, claimed)
        except Exception as error:  # rolled back: the items stay due
            if batched:  # each done again in its own unit, so that only a bad one fails
                singly = len(claimed)
                continue
            if not claimed:
                raise
            _record_failure(core, connection, claimed[0].id, error)  # retried later
        else:
            done += len(claimed)
            for work in claimed:
                _done(work)
        tried += len(claimed)
        singly = max(singly - len(claimed), 0)
        if threaded:
            break
    return tried, done, True


def _perform_all(unit: Unit, claimed: list[models.DueWork]) -> bool:
    """Perform the claimed items in order in `unit`, with their messages; whether the last
    emitted a threaded message. Several: a batch of nudges, their actions read at once."""
    loaded: Sequence[models.Action] = ()
    if len(claimed) > 1:
        actions = [work.action_id for work in claimed]
        if len(set(actions)) < len(actions):  # not one pending nudge per action after all
            raise _NotBatched("two due nudges of one action")
        # Held until the jobs have run: the session keeps only what something refers to.
        loaded = unit.session.scalars(_NUDGED_ALL, {"action_ids": actions}).all()
    threaded = False
    for n, work in enumerate(claimed):
        outgoing = _perform(unit, work)
        unit.emit(outgoing)  # outbox rows, with the work
        threaded = any(o.thread is not None for o in outgoing)
        if threaded and n < len(claimed) - 1:  # the next item's must find it delivered
            raise _NotBatched("a threaded message in a batch")
    del loaded
    return threaded


class _NotBatched(Exception):
    """The claimed items cannot be done together: they are done one at a time."""


def _done(work: models.DueWork) -> None:
    metrics.WORK_DONE.labels(work.kind).inc()
    log.info(
        "scheduled work done",
        extra={
            "event": "work_done",
            "work_id": work.id,
            "kind": work.kind,
            "attempts": work.attempts,
        },
    )


def has_due_work(core: Core) -> bool:
    """Whether any pending item is due now: one read of the (status, due_at) index on
    a plain connection, much cheaper than a unit of work that claims nothing."""
    with core.sessions.kw["bind"].connect() as connection:
        return connection.execute(_DUE_NOW, {"now": core.clock.now()}).first() is not None


# In due order, though any due item would do: then PostgreSQL walks the (status, due_at)
# index and stops at once. Unordered, it expected pending items to be due as often as
# items are pending, scanned the table for one, and read all of it when none was due
# (60 to 100 ms at a million rows).
_DUE_NOW = (
    select(models.ScheduledWork.id)
    .where(*is_due(models.ScheduledWork))
    .order_by(models.ScheduledWork.status, models.ScheduledWork.due_at)
    .limit(1)
)


def next_due_at(core: Core) -> datetime | None:
    """When the earliest pending item falls due (for stepping a simulated clock)."""
    with core.sessions.kw["bind"].connect() as connection:
        earliest: datetime | None = connection.execute(_EARLIEST).scalar()
        return earliest


_EARLIEST = select(func.min(models.ScheduledWork.due_at)).where(
    models.ScheduledWork.status == models.WorkStatus.PENDING
)


@dataclass(frozen=True)
class PendingWork:
    id: int
    kind: str
    case: str | None
    action: str | None
    due_at: datetime
    attempts: int
    last_error: str | None


def pending_work(core: Core) -> list[PendingWork]:
    """Everything still to do, soonest first (for `strategy-bot jobs`)."""
    with core.sessions() as session:
        rows = session.scalars(
            select(models.ScheduledWork)
            .where(models.ScheduledWork.status == models.WorkStatus.PENDING)
            .order_by(models.ScheduledWork.due_at, models.ScheduledWork.id)
        ).all()
        result = []
        for work in rows:
            discussion = session.get(models.Discussion, work.discussion_id or 0)
            action = session.get(models.Action, work.action_id or 0)
            result.append(
                PendingWork(
                    id=work.id,
                    kind=work.kind + (f" ({work.agency_kind})" if work.agency_kind else ""),
                    case=discussion.case.reference if discussion else None,
                    action=action.label if action else None,
                    due_at=work.due_at,
                    attempts=work.attempts,
                    last_error=work.last_error,
                )
            )
        return result


def _record_failure(core: Core, connection: Connection, work_id: int, error: Exception) -> None:
    with transaction(core.sessions, connection) as session:
        work = session.get_one(models.ScheduledWork, work_id)
        work.attempts += 1
        work.last_error = f"{type(error).__name__}: {error}"[:2000]
        if isinstance(error, DeliveryFailed) and error.retry_after is not None:
            delay = timedelta(seconds=error.retry_after)  # the platform said when (a 429)
        else:
            delay = min(timedelta(minutes=2 ** min(work.attempts, 10)), MAX_BACKOFF)
        work.due_at = core.clock.now() + delay
        metrics.WORK_FAILED.labels(work.kind).inc()
        log.warning(
            f"scheduled work {work_id} ({work.kind}) failed, retrying at "
            f"{work.due_at:%Y-%m-%d %H:%M} UTC: {work.last_error}",
            extra={
                "event": "work_failed",
                "work_id": work_id,
                "kind": work.kind,
                "attempts": work.attempts,
                "retry_at": work.due_at.isoformat(),
                "error": work.last_error,
            },
        )


def _perform(unit: Unit, work: models.DueWork) -> list[Outgoing]:
    job = JOBS.get(work.kind)
    if job is None:
        raise ValueError(f"no job for scheduled work of kind {work.kind!r}")
    return job(unit, work)


def _discussion(
    unit: Unit, work: models.DueWork, load: Sequence[ORMOption] = ()
) -> models.Discussion:
    """The work's discussion, with `load`: what the job reads of it (a discussion the
    session already holds is not read again; it loads the rest lazily, as before)."""
    assert work.discussion_id is not None
    return unit.session.get_one(models.Discussion, work.discussion_id, options=load)


# The chair, for a job that tells only the chair: an inner join (a discussion always has
# one), which SQLite reads by key, where an outer join materialised every contact.
_WITH_CHAIR = (joinedload(models.Discussion.chair, innerjoin=True),)


# The action a nudge is about, with what the nudge reads of it in the same query (not
# five lazy loads): its discussion's case (the reference) and chair, and its owner.
# Without the chair's and the owner's agencies (joined by default), which it does not
# read: two fewer objects to build per action. Built once, as the claim: building the
# statement cost as much as running it.
_NUDGED_LOADS = (
    joinedload(models.Action.discussion).joinedload(models.Discussion.case),
    joinedload(models.Action.discussion)
    .joinedload(models.Discussion.chair)
    .lazyload(models.Contact.agency),
    joinedload(models.Action.owner).lazyload(models.Contact.agency),
)
_NUDGED = (
    select(models.Action).where(models.Action.id == bindparam("action_id")).options(*_NUDGED_LOADS)
)


# A batch's actions, read at once (`_perform_all`): then each nudge finds its own loaded.
_NUDGED_ALL = (
    select(models.Action)
    .where(models.Action.id.in_(bindparam("action_ids", expanding=True)))
    .options(*_NUDGED_LOADS)
)


def _action_nudge(unit: Unit, work: models.DueWork) -> list[Outgoing]:
    assert work.action_id is not None
    action = unit.session.identity_map.get(identity_key(models.Action, work.action_id))
    if not isinstance(action, models.Action):  # not read with a batch
        action = unit.session.scalars(_NUDGED, {"action_id": work.action_id}).one()
    # A nudge with its action's key was the action's one pending nudge (one per key),
    # and it is done in this unit: the next one is added without looking for another.
    return send_nudge(unit, action, new=work.key == nudge_key(action))


def _fallback_check(unit: Unit, work: models.DueWork) -> list[Outgoing]:
    assert work.agency_kind is not None
    kind = AgencyKind(work.agency_kind)
    return run_fallback(
        unit, _discussion(unit, work, WITH_INVITATIONS), kind, say("fallback_trigger.cutoff")
    )


def _meeting_start(unit: Unit, work: models.DueWork) -> list[Outgoing]:
    return meeting.start(unit, _discussion(unit, work, WITH_INVITATIONS))


def _deadline_warning(unit: Unit, work: models.DueWork) -> list[Outgoing]:
    return meeting.deadline_warning(unit, _discussion(unit, work, _WITH_CHAIR))


def _calendar_replies(unit: Unit, work: models.DueWork) -> list[Outgoing]:
    discussion = _discussion(unit, work)
    replies = read_replies(unit, discussion)
    return [] if replies is None else apply_replies(unit, discussion, replies)


def _record_deadline(unit: Unit, work: models.DueWork) -> list[Outgoing]:
    deadline = work.payload.get("deadline")
    return record_deadline.check_circulation(
        unit,
        _discussion(unit, work, _WITH_CHAIR),
        datetime.fromisoformat(deadline) if deadline else work.due_at,
    )


def _further_reminder(unit: Unit, work: models.DueWork) -> list[Outgoing]:
    by = work.payload.get("by")
    return further.remind(unit, _discussion(unit, work), datetime.fromisoformat(by) if by else None)


def _poll_close(unit: Unit, work: models.DueWork) -> list[Outgoing]:
    return close_poll(unit, _discussion(unit, work))


Job = Callable[[Unit, models.DueWork], list[Outgoing]]

# What each kind of scheduled work does. A new kind is a job here and a
# value in models.WorkKind.
JOBS: dict[str, Job] = {
    models.WorkKind.ACTION_NUDGE: _action_nudge,
    models.WorkKind.FALLBACK_CHECK: _fallback_check,
    models.WorkKind.MEETING_START: _meeting_start,
    models.WorkKind.DEADLINE_WARNING: _deadline_warning,
    models.WorkKind.CALENDAR_SYNC: sync_calendar,
    models.WorkKind.CALENDAR_RESPONSES: _calendar_replies,
    models.WorkKind.RECORD_DELIVERY: deliver_record,
    models.WorkKind.RECORD_DEADLINE: _record_deadline,
    models.WorkKind.POLL_CLOSE: _poll_close,
    models.WorkKind.FURTHER_REMINDER: _further_reminder,
}

"""Run the scheduled work that has fallen due: fallbacks, nudges, meeting starts.

Each item is claimed, performed, delivered and marked done in one transaction,
so an item is done only once its messages were handed to the chat platform.
If delivery fails the transaction rolls back, the item stays pending and is
retried later with a growing delay. On PostgreSQL, `FOR UPDATE SKIP LOCKED`
lets several bot processes sweep at once without taking the same item.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot import metrics
from bot.calendar.responses import read_replies
from bot.calendar.sync import sync_calendar
from bot.core import Core
from bot.directory import AgencyKind
from bot.messages import Outgoing, latest_per_thread
from bot.ports import ChatPort, DeliveryFailed
from bot.record.circulation import deliver as deliver_record
from bot.record.service import latest_final
from bot.services.actions import send_nudge
from bot.services.common import audit, schedule, to_chair, when
from bot.services.fallback import run_fallback
from bot.storage import models
from bot.storage.db import transaction
from scheduling.deadlines import record_circulation_deadline

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=1)


def run_due_work(core: Core, chat: ChatPort, limit: int = 500) -> int:
    """Perform up to `limit` due items; returns how many were attempted."""
    attempted = 0
    while attempted < limit:
        work_id: int | None = None
        try:
            with transaction(core.sessions) as session:
                work = _claim_one(core, session)
                if work is None:
                    return attempted
                work_id, kind = work.id, work.kind
                # Marked done first, in the same transaction as the work and the
                # delivery: a handler that schedules the next item with the same
                # key then adds a new one instead of moving this one. A failure
                # rolls all of it back, so the item is still pending.
                work.status = models.WorkStatus.DONE
                work.done_at = core.clock.now()
                work.attempts += 1
                attempts = work.attempts
                session.flush()
                chat.deliver(latest_per_thread(_perform(core, session, work)))
        except Exception as error:  # rolled back: the item stays due, retried later
            if work_id is None:
                raise
            _record_failure(core, work_id, error)
        else:
            metrics.WORK_DONE.labels(kind).inc()
            log.info(
                "scheduled work done",
                extra={
                    "event": "work_done",
                    "work_id": work_id,
                    "kind": kind,
                    "attempts": attempts,
                },
            )
        attempted += 1
    return attempted


def next_due_at(core: Core) -> datetime | None:
    """When the earliest pending item falls due (for stepping a simulated clock)."""
    with core.sessions() as session:
        return session.scalars(
            select(func.min(models.ScheduledWork.due_at)).where(
                models.ScheduledWork.status == models.WorkStatus.PENDING
            )
        ).one()


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


def _claim_one(core: Core, session: Session) -> models.ScheduledWork | None:
    return session.scalars(
        select(models.ScheduledWork)
        .where(
            models.ScheduledWork.status == models.WorkStatus.PENDING,
            models.ScheduledWork.due_at <= core.clock.now(),
        )
        .order_by(models.ScheduledWork.due_at, models.ScheduledWork.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()


def _record_failure(core: Core, work_id: int, error: Exception) -> None:
    with transaction(core.sessions) as session:
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


def _perform(core: Core, session: Session, work: models.ScheduledWork) -> list[Outgoing]:
    handler = HANDLERS.get(work.kind)
    if handler is None:
        raise ValueError(f"no handler for scheduled work of kind {work.kind!r}")
    return handler(core, session, work)


def _action_nudge(core: Core, session: Session, work: models.ScheduledWork) -> list[Outgoing]:
    assert work.action_id is not None
    return send_nudge(core, session, session.get_one(models.Action, work.action_id))


def _fallback_check(core: Core, session: Session, work: models.ScheduledWork) -> list[Outgoing]:
    assert work.discussion_id is not None and work.agency_kind is not None
    discussion = session.get_one(models.Discussion, work.discussion_id)
    return run_fallback(
        core, session, discussion, AgencyKind(work.agency_kind), "not confirmed by the cutoff"
    )


def _meeting_start(core: Core, session: Session, work: models.ScheduledWork) -> list[Outgoing]:
    """At the meeting time: whoever never replied is recorded as 'no response'."""
    assert work.discussion_id is not None
    discussion = session.get_one(models.Discussion, work.discussion_id)
    if discussion.status != models.DiscussionStatus.SCHEDULED:
        return []
    silent = [i for i in discussion.invitations if i.status == models.InvitationStatus.INVITED]
    for invitation in silent:
        invitation.status = models.InvitationStatus.NO_RESPONSE
    discussion.status = models.DiscussionStatus.HELD
    session.execute(
        update(models.ScheduledWork)
        .where(
            models.ScheduledWork.discussion_id == discussion.id,
            models.ScheduledWork.kind == models.WorkKind.FALLBACK_CHECK,
            models.ScheduledWork.status == models.WorkStatus.PENDING,
        )
        .values(status=models.WorkStatus.CANCELLED)
    )
    audit(
        session,
        core,
        "system",
        "meeting_started",
        discussion,
        no_response=[i.contact.key for i in silent],
    )
    circulate_by = record_circulation_deadline(
        discussion.meeting_at, core.calendar, core.directory.partnership.timescales
    )
    schedule(session, models.WorkKind.RECORD_DEADLINE, circulate_by, discussion=discussion)
    return [
        to_chair(
            discussion,
            "messages/meeting_started.txt.j2",
            case=discussion.case.reference,
            meeting=when(core, discussion.meeting_at),
            silent=[i.contact.name for i in silent],
            quorum_met=discussion.quorum_met_at is not None,
        )
    ]


def _deadline_warning(core: Core, session: Session, work: models.ScheduledWork) -> list[Outgoing]:
    """Shortly before the statutory deadline: has the discussion taken place?"""
    assert work.discussion_id is not None
    discussion = session.get_one(models.Discussion, work.discussion_id)
    if discussion.status != models.DiscussionStatus.SCHEDULED:
        return []
    audit(session, core, "system", "deadline_warning", discussion)
    return [
        to_chair(
            discussion,
            "messages/deadline_warning.txt.j2",
            case=discussion.case.reference,
            deadline=when(core, discussion.deadline_at),
            meeting=when(core, discussion.meeting_at),
            late_reason=discussion.late_reason,
        )
    ]


def _record_deadline(core: Core, session: Session, work: models.ScheduledWork) -> list[Outgoing]:
    """At the circulation deadline: has the record been finalised and sent to everyone?"""
    assert work.discussion_id is not None
    discussion = session.get_one(models.Discussion, work.discussion_id)
    final = latest_final(session, discussion)
    undelivered = session.scalar(
        select(func.count())
        .select_from(models.ScheduledWork)
        .where(
            models.ScheduledWork.discussion_id == discussion.id,
            models.ScheduledWork.kind == models.WorkKind.RECORD_DELIVERY,
            models.ScheduledWork.status == models.WorkStatus.PENDING,
        )
    )
    if final is not None and not undelivered:
        return []
    audit(
        session,
        core,
        "system",
        "record_overdue",
        discussion,
        finalised=final is not None,
        undelivered=undelivered or 0,
    )
    return [
        to_chair(
            discussion,
            "messages/record_overdue.txt.j2",
            case=discussion.case.reference,
            deadline=when(core, work.due_at),
            finalised=final is not None,
            undelivered=undelivered or 0,
        )
    ]


Handler = Callable[[Core, Session, models.ScheduledWork], list[Outgoing]]

# What each kind of scheduled work does. A new kind is a handler here and a
# value in models.WorkKind.
HANDLERS: dict[str, Handler] = {
    models.WorkKind.ACTION_NUDGE: _action_nudge,
    models.WorkKind.FALLBACK_CHECK: _fallback_check,
    models.WorkKind.MEETING_START: _meeting_start,
    models.WorkKind.DEADLINE_WARNING: _deadline_warning,
    models.WorkKind.CALENDAR_SYNC: sync_calendar,
    models.WorkKind.CALENDAR_RESPONSES: read_replies,
    models.WorkKind.RECORD_DELIVERY: deliver_record,
    models.WorkKind.RECORD_DEADLINE: _record_deadline,
}

"""The record-circulation deadline: the chair is told if the record has not reached everyone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from bot.messages import Kind, Outgoing
from bot.record.service import latest_final
from bot.references import discussion_reference
from bot.shared import audit, to_chair, when
from bot.storage import models
from bot.unit import Unit


def check_circulation(
    unit: Unit, discussion: models.Discussion, deadline: datetime
) -> list[Outgoing]:
    """At the circulation deadline: has the record been finalised and sent to everyone?"""
    core, session = unit.core, unit.session
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
            Kind.ALERT,
            "messages/record_overdue.txt.j2",
            case=discussion_reference(discussion),
            deadline=when(core, deadline),
            finalised=final is not None,
            undelivered=undelivered or 0,
        )
    ]

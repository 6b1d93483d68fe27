"""Reminders: an action's owner is nudged until it is closed, and the chair hears when it is late.

The moments come from the partnership's reminder policy (scheduling/nudges.py):
the working day(s) before the due date, the due date, and every working day
while it is overdue. Once an action is overdue long enough, the chair (and the
owner's manager, when the directory names one) is told, once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.core import Core
from bot.directory import Contact
from bot.errors import InputError, not_allowed, refusal, wording
from bot.messages import Kind, Outcome, Outgoing, message
from bot.references import action_reference
from bot.services.common import action_outgoing
from bot.shared import audit, open_action, schedule, when
from bot.storage import models
from bot.storage.new_work import add_at_commit
from bot.unit import Unit
from scheduling.nudges import (
    latest_snooze,
    latest_working_nudge,
    next_nudge_at,
    overdue_working_days,
)
from scheduling.timetext import TimeTextError, parse_moment


def send_nudge(unit: Unit, action: models.Action, *, new: bool = False) -> list[Outgoing]:
    """The owner's reminder (and, once it is overdue long enough, the escalation).
    `new`: the action has no pending nudge (the caller has just claimed it)."""
    core, session = unit.core, unit.session
    if action.status != models.ActionStatus.OPEN:
        return []
    now = core.clock.now()
    policy = core.directory.partnership.reminders
    overdue_days = overdue_working_days(now, action.due_at, core.calendar)
    audit(
        session,
        core,
        "system",
        "nudge_sent",
        action.discussion,
        action=action.label,
        owner=action.owner.key,
        overdue_working_days=overdue_days,
    )
    outgoing = [
        action_outgoing(
            core,
            action,
            Kind.NUDGE,
            "messages/action_nudge.txt.j2",
            overdue=action.due_at < now,
            overdue_days=overdue_days,
            due_today=core.calendar.local_date(action.due_at) == core.calendar.local_date(now),
        )
    ]
    if overdue_days >= policy.escalate_after_working_days and action.escalated_at is None:
        outgoing += _escalate(core, session, action, overdue_days)
    schedule_nudge(core, session, action, now, new=new)
    return outgoing


def _escalate(
    core: Core, session: Session, action: models.Action, overdue_days: int
) -> list[Outgoing]:
    action.escalated_at = core.clock.now()
    chair = action.discussion.chair.key
    owner = core.directory.contact(action.owner.key)
    manager = core.directory.manager_of(owner) if owner else None
    recipients = list(dict.fromkeys([chair] + ([manager.id] if manager else [])))
    audit(
        session,
        core,
        "system",
        "escalated",
        action.discussion,
        action=action.label,
        to=recipients,
        overdue_working_days=overdue_days,
    )
    text = message(
        Kind.ALERT,
        "messages/action_escalated.txt.j2",
        reference=action_reference(action),
        owner=action.owner.name,
        description=action.description,
        due=when(core, action.due_at),
        overdue_days=overdue_days,
    )
    return [Outgoing(to=key, message=text) for key in recipients if key != action.owner.key]


def schedule_nudge(
    core: Core, session: Session, action: models.Action, after: datetime, *, new: bool = False
) -> None:
    policy = core.directory.partnership.reminders
    due = next_nudge_at(after, action.due_at, core.calendar, policy, action.urgent)
    if new:  # nothing in the unit reads it again: a plain row, written as it commits
        add_at_commit(
            session,
            models.WorkKind.ACTION_NUDGE,
            due,
            discussion_id=action.discussion_id,
            action_id=action.id,
            key=nudge_key(action),
        )
        return
    schedule(
        session,
        models.WorkKind.ACTION_NUDGE,
        due,
        discussion=action.discussion,
        action=action,
        key=nudge_key(action),
    )


def nudge_key(action: models.Action) -> str:
    return f"nudge:{action.id}"


def cancel_nudges(session: Session, action: models.Action) -> None:
    session.execute(
        update(models.ScheduledWork)
        .where(
            models.ScheduledWork.action_id == action.id,
            models.ScheduledWork.status == models.WorkStatus.PENDING,
        )
        .values(status=models.WorkStatus.CANCELLED)
    )


def snooze(unit: Unit, actor: Contact, reference: str, until: str | None = None) -> Outcome:
    """Put the next nudge off: at most one working day, and never past the due date."""
    core = unit.core
    now = core.clock.now()
    session = unit.session
    action = open_action(session, actor, reference)
    if actor.id != action.owner.key:
        raise not_allowed("reminders.snoozer", owner=action.owner.name)
    policy = core.directory.partnership.reminders
    latest = latest_snooze(now, action.due_at, core.calendar, policy)
    example = wording("reminders.snooze_example", reference=action_reference(action))
    if latest <= now:
        raise refusal("reminders.too_late_to_snooze", reference=action_reference(action))
    in_hours = action.urgent or core.calendar.is_within_working_hours(latest)
    target = latest if in_hours else latest_working_nudge(now, latest, core.calendar, policy)
    if until:
        try:
            target = parse_moment(until, now, core.calendar)
        except TimeTextError as problem:
            raise InputError(str(problem), example) from None  # the time, worded by timetext
        if target > latest:
            raise refusal("reminders.snooze_limit", latest=when(core, latest), example=example)
        if not action.urgent and not core.calendar.is_within_working_hours(target):
            raise refusal("reminders.outside_hours", target=when(core, target), example=example)
    if target is None:
        raise refusal("reminders.no_time_left", reference=action_reference(action))
    schedule(
        session,
        models.WorkKind.ACTION_NUDGE,
        target,
        discussion=action.discussion,
        action=action,
        key=nudge_key(action),
    )
    audit(
        session,
        core,
        actor.id,
        "snoozed",
        action.discussion,
        action=action.label,
        until=target.isoformat(),
    )
    return Outcome(
        message(
            Kind.REPLY,
            "messages/snoozed.txt.j2",
            reference=action_reference(action),
            until=when(core, target),
        )
    )

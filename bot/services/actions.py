"""Actions agreed at a discussion: every one has an owner and a due date, and is chased."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.core import Core
from bot.directory import Contact
from bot.errors import InputError, NotAllowed
from bot.messages import Button, Outcome, Outgoing, message
from bot.services.common import audit, contact_row, schedule, visible_discussion, when
from bot.storage import models
from bot.storage.db import transaction
from scheduling.timetext import TimeTextError, parse_due

ACTION_REFERENCE = re.compile(r"^(?P<case>[A-Za-z0-9-]+)/A(?P<number>[0-9]+)$")


def add_action(
    core: Core, actor: Contact, case_reference: str, owner: str, due: str, description: str
) -> Outcome:
    example = (
        f'/strategy action {case_reference} owner=<directory id> due="in 2 working days" '
        'text="Arrange child protection medical"'
    )
    description = description.strip()
    if len(description) < 5:
        raise InputError("Describe the action so that its owner knows what to do.", example)
    owner_contact = core.directory.find(owner)
    if owner_contact is None:
        raise InputError(
            f"'{owner}' is not in the partner directory; every action needs "
            "an owner from the directory.",
            example,
        )
    try:
        due_time = parse_due(due, core.clock.now(), core.calendar)
    except TimeTextError as problem:
        raise InputError(str(problem)) from None
    with transaction(core.sessions) as session:
        discussion = visible_discussion(session, case_reference, actor)
        if actor.id not in (discussion.chair.key, discussion.convenor.key):
            raise NotAllowed(
                "Only the chair or the convenor records actions.",
                f"ask {discussion.chair.name} to add it",
            )
        action = models.Action(
            discussion=discussion,
            number=len(discussion.actions) + 1,
            description=description,
            owner=contact_row(session, owner_contact.id),
            due_at=due_time.at,
            status=models.ActionStatus.OPEN,
            created_by_id=contact_row(session, actor.id).id,
            created_at=core.clock.now(),
        )
        session.add(action)
        session.flush()
        audit(
            session,
            core,
            actor.id,
            "action_added",
            discussion,
            action=action.label,
            owner=owner_contact.id,
            due_at=due_time.at.isoformat(),
        )
        schedule(
            session,
            models.WorkKind.ACTION_NUDGE,
            next_nudge_at(core, core.clock.now()),
            discussion=discussion,
            action=action,
        )
        reference = action_reference(action)
        reply = message(
            "messages/action_added.txt.j2",
            reference=reference,
            owner=owner_contact.name,
            due=when(core, action.due_at),
            description=description,
        )
        assigned = action_outgoing(core, action, "messages/action_assigned.txt.j2")
        return Outcome(reply, [assigned])


def close_action(core: Core, actor: Contact, reference: str, outcome: str) -> Outcome:
    outcome = outcome.strip()
    example = f'/strategy close {reference} outcome="Medical completed, no injuries found"'
    if len(outcome) < 5:
        raise InputError("Give the outcome when you close an action.", example)
    with transaction(core.sessions) as session:
        action = _visible_action(session, actor, reference)
        discussion = action.discussion
        if actor.id not in (action.owner.key, discussion.chair.key):
            raise NotAllowed(
                "Only the action's owner or the chair can close it.",
                f"ask {action.owner.name} or {discussion.chair.name}",
            )
        if action.status == models.ActionStatus.CLOSED:
            raise InputError(
                f"{action_reference(action)} is already closed.",
                "/strategy actions  (your open actions)",
            )
        action.status = models.ActionStatus.CLOSED
        action.outcome = outcome
        action.closed_at = core.clock.now()
        action.closed_by_id = contact_row(session, actor.id).id
        session.execute(
            update(models.ScheduledWork)
            .where(
                models.ScheduledWork.action_id == action.id,
                models.ScheduledWork.status == models.WorkStatus.PENDING,
            )
            .values(status=models.WorkStatus.CANCELLED)
        )
        audit(
            session,
            core,
            actor.id,
            "action_closed",
            discussion,
            action=action.label,
            outcome=outcome,
        )
        ref = action_reference(action)
        on_time = action.closed_at <= action.due_at
        notices = [
            Outgoing(
                to=key,
                message=message(
                    "messages/action_closed.txt.j2",
                    reference=ref,
                    by=actor.name,
                    outcome=outcome,
                    on_time=on_time,
                ),
            )
            for key in dict.fromkeys((discussion.chair.key, action.owner.key))
            if key != actor.id
        ]
        return Outcome(
            message(
                "messages/action_closed.txt.j2",
                reference=ref,
                by="you",
                outcome=outcome,
                on_time=on_time,
            ),
            notices,
        )


def my_actions(core: Core, actor: Contact) -> Outcome:
    with core.sessions() as session:
        actions = session.scalars(
            select(models.Action)
            .join(models.Contact, models.Action.owner_id == models.Contact.id)
            .where(models.Contact.key == actor.id, models.Action.status == models.ActionStatus.OPEN)
            .order_by(models.Action.due_at)
        ).all()
        now = core.clock.now()
        rows = [
            {
                "reference": action_reference(a),
                "description": a.description,
                "due": when(core, a.due_at),
                "overdue": a.due_at < now,
            }
            for a in actions
        ]
    return Outcome(message("messages/my_actions.txt.j2", actions=rows))


def send_nudge(core: Core, session: Session, action: models.Action) -> list[Outgoing]:
    """The daily reminder for an open action, and the next one scheduled."""
    if action.status != models.ActionStatus.OPEN:
        return []
    now = core.clock.now()
    overdue_days = max(
        0,
        core.calendar.working_days_between(
            core.calendar.local_date(action.due_at), core.calendar.local_date(now)
        ),
    )
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
    schedule(
        session,
        models.WorkKind.ACTION_NUDGE,
        next_nudge_at(core, now),
        discussion=action.discussion,
        action=action,
    )
    return [
        action_outgoing(
            core,
            action,
            "messages/action_nudge.txt.j2",
            overdue=action.due_at < now,
            overdue_days=overdue_days,
        )
    ]


def next_nudge_at(core: Core, after: datetime) -> datetime:
    """One nudge per working day, at the start of the working day."""
    return core.calendar.next_working_morning(after, core.calendar.settings.working_hours.start)


def action_reference(action: models.Action) -> str:
    return f"{action.discussion.case.reference}/{action.label}"


def action_outgoing(core: Core, action: models.Action, template: str, **extra: object) -> Outgoing:
    reference = action_reference(action)
    close = Button("Close", "close_action", reference, f'/strategy close {reference} outcome="..."')
    return Outgoing(
        to=action.owner.key,
        message=message(
            template,
            (close,),
            reference=reference,
            description=action.description,
            due=when(core, action.due_at),
            chair=action.discussion.chair.name,
            **extra,
        ),
    )


def _visible_action(session: Session, actor: Contact, reference: str) -> models.Action:
    match = ACTION_REFERENCE.fullmatch(reference.strip())
    if match is None:
        raise InputError(
            f"'{reference}' is not an action reference.",
            '/strategy close NV-40213/A1 outcome="Done: home visit completed"',
        )
    owned = session.scalars(
        select(models.Action)
        .join(models.Discussion)
        .join(models.Case)
        .join(models.Contact, models.Action.owner_id == models.Contact.id)
        .where(
            models.Case.reference == match["case"].upper(),
            models.Action.number == int(match["number"]),
            models.Contact.key == actor.id,
        )
    ).first()
    if owned is not None:
        return owned
    # Not the owner: the chair and other invitees may still see it.
    discussion = visible_discussion(session, match["case"], actor)
    action = next((a for a in discussion.actions if a.number == int(match["number"])), None)
    if action is None:
        raise InputError(
            f"Case {discussion.case.reference} has no action A{match['number']}.",
            f"/strategy status {discussion.case.reference}",
        )
    return action

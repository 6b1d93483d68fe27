"""Actions agreed at a discussion: every one has an owner and a due date, and is chased.

The owner is told on assignment and nudged (see scheduling/nudges.py) until
the action is closed; the chair, and the owner's manager when the directory
names one, hear when it is overdue. The owner can ask for more time (the
chair decides) or snooze a nudge for a while; the chair can reassign it.
"""

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
from scheduling.nudges import (
    latest_snooze,
    latest_working_nudge,
    next_nudge_at,
    overdue_working_days,
)
from scheduling.timetext import TimeTextError, parse_due, parse_moment

ACTION_REFERENCE = re.compile(r"^(?P<case>[A-Za-z0-9-]+)/A(?P<number>[0-9]+)$")


def add_action(
    core: Core,
    actor: Contact,
    case_reference: str,
    owner: str,
    due: str,
    description: str,
    urgent: bool = False,
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
    due_at = _parse_due(core, due)
    with transaction(core.sessions) as session:
        discussion = visible_discussion(session, case_reference, actor)
        _require_chair_or_convenor(discussion, actor, "records actions")
        action = models.Action(
            discussion=discussion,
            number=len(discussion.actions) + 1,
            description=description,
            owner=contact_row(session, owner_contact.id),
            due_at=due_at,
            status=models.ActionStatus.OPEN,
            urgent=urgent,
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
            due_at=due_at.isoformat(),
            urgent=urgent,
        )
        _schedule_nudge(core, session, action, core.clock.now())
        reply = message(
            "messages/action_added.txt.j2",
            reference=action_reference(action),
            owner=owner_contact.name,
            due=when(core, action.due_at),
            description=description,
            urgent=urgent,
        )
        return Outcome(reply, [action_outgoing(core, action, "messages/action_assigned.txt.j2")])


def close_action(core: Core, actor: Contact, reference: str, outcome: str) -> Outcome:
    outcome = outcome.strip()
    example = f'/strategy close {reference} outcome="Medical completed, no injuries found"'
    if len(outcome) < 5:
        raise InputError("Give the outcome when you close an action.", example)
    with transaction(core.sessions) as session:
        action = _open_action(session, actor, reference)
        discussion = action.discussion
        if actor.id not in (action.owner.key, discussion.chair.key):
            raise NotAllowed(
                "Only the action's owner or the chair can close it.",
                f"ask {action.owner.name} or {discussion.chair.name}",
            )
        action.status = models.ActionStatus.CLOSED
        action.outcome = outcome
        action.closed_at = core.clock.now()
        action.closed_by_id = contact_row(session, actor.id).id
        action.requested_due_at = action.request_reason = None
        _cancel_nudges(session, action)
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


def request_more_time(core: Core, actor: Contact, reference: str, due: str, reason: str) -> Outcome:
    """The owner asks for a later due date; the chair approves or refuses it."""
    reason = reason.strip()
    example = f'/strategy more-time {reference} due="4/12" reason="GP records not back yet"'
    if len(reason) < 5:
        raise InputError("Say why more time is needed: the chair decides on the reason.", example)
    new_due = _parse_due(core, due)
    with transaction(core.sessions) as session:
        action = _open_action(session, actor, reference)
        if actor.id != action.owner.key:
            raise NotAllowed(
                "Only the action's owner can ask for more time.", f"ask {action.owner.name}"
            )
        if new_due <= action.due_at:
            raise InputError(
                f"The new due date must be after the current one ({when(core, action.due_at)}).",
                example,
            )
        action.requested_due_at = new_due
        action.request_reason = reason
        audit(
            session,
            core,
            actor.id,
            "more_time_requested",
            action.discussion,
            action=action.label,
            due_at=new_due.isoformat(),
            reason=reason,
        )
        ref = action_reference(action)
        buttons = (
            Button("Approve", "approve_time", ref, f"/strategy approve {ref}"),
            Button("Refuse", "refuse_time", ref, f'/strategy refuse {ref} reason="..."'),
        )
        chair = Outgoing(
            to=action.discussion.chair.key,
            thread=f"time-request:{action.id}",
            message=message(
                "messages/more_time_requested.txt.j2",
                buttons,
                reference=ref,
                owner=action.owner.name,
                description=action.description,
                due=when(core, action.due_at),
                new_due=when(core, new_due),
                reason=reason,
            ),
        )
        reply = message(
            "messages/more_time_sent.txt.j2",
            reference=ref,
            new_due=when(core, new_due),
            chair=action.discussion.chair.name,
        )
        return Outcome(reply, [chair])


def decide_more_time(
    core: Core, actor: Contact, reference: str, approve: bool, reason: str = ""
) -> Outcome:
    """The chair approves (the due date moves, nudges follow it) or refuses a request."""
    with transaction(core.sessions) as session:
        action = _open_action(session, actor, reference)
        discussion = action.discussion
        if actor.id != discussion.chair.key:
            raise NotAllowed("Only the chair decides on more time.", f"ask {discussion.chair.name}")
        if action.requested_due_at is None:
            raise InputError(
                f"{action_reference(action)} has no request for more time.",
                f"/strategy status {discussion.case.reference}",
            )
        requested, asked_reason = action.requested_due_at, action.request_reason
        if approve:
            action.due_at = requested
            action.escalated_at = None
            _schedule_nudge(core, session, action, core.clock.now())
        action.requested_due_at = action.request_reason = None
        audit(
            session,
            core,
            actor.id,
            "more_time_approved" if approve else "more_time_refused",
            discussion,
            action=action.label,
            due_at=requested.isoformat(),
            request_reason=asked_reason,
            reason=reason.strip() or None,
        )
        ref = action_reference(action)
        decision = message(
            "messages/more_time_decided.txt.j2",
            reference=ref,
            approve=approve,
            due=when(core, action.due_at),
            chair=actor.name,
            reason=reason.strip(),
        )
        updated_request = Outgoing(
            to=discussion.chair.key,
            thread=f"time-request:{action.id}",
            message=message(
                "messages/more_time_requested.txt.j2",
                reference=ref,
                owner=action.owner.name,
                description=action.description,
                due=when(core, action.due_at),
                new_due=when(core, requested),
                reason=asked_reason or "",
                decided="approved" if approve else "refused",
            ),
        )
        return Outcome(decision, [Outgoing(to=action.owner.key, message=decision), updated_request])


def snooze(core: Core, actor: Contact, reference: str, until: str | None = None) -> Outcome:
    """Put the next nudge off: at most one working day, and never past the due date."""
    now = core.clock.now()
    with transaction(core.sessions) as session:
        action = _open_action(session, actor, reference)
        if actor.id != action.owner.key:
            raise NotAllowed(
                "Only the action's owner can snooze its reminders.", f"ask {action.owner.name}"
            )
        policy = core.directory.partnership.reminders
        latest = latest_snooze(now, action.due_at, core.calendar, policy)
        example = f'/strategy snooze {action_reference(action)} until="tomorrow 9am"'
        if latest <= now:
            raise InputError(
                f"{action_reference(action)} is due or overdue: it can no longer be "
                "snoozed. Close it, or ask the chair for more time.",
                f'/strategy more-time {action_reference(action)} due="friday" reason="..."',
            )
        in_hours = action.urgent or core.calendar.is_within_working_hours(latest)
        target = latest if in_hours else latest_working_nudge(now, latest, core.calendar, policy)
        if until:
            try:
                target = parse_moment(until, now, core.calendar)
            except TimeTextError as problem:
                raise InputError(str(problem), example) from None
            if target > latest:
                raise InputError(
                    f"You can snooze until {when(core, latest)} at the latest "
                    "(one working day, and never past the due date).",
                    example,
                )
            if not action.urgent and not core.calendar.is_within_working_hours(target):
                raise InputError(
                    f"{when(core, target)} is outside working hours, when no reminders go out: "
                    "choose a time on a working day within working hours.",
                    example,
                )
        if target is None:
            raise InputError(
                "There is no working time left before the due date to snooze to. Close the "
                "action, or ask the chair for more time.",
                f'/strategy more-time {action_reference(action)} due="friday" reason="..."',
            )
        schedule(
            session,
            models.WorkKind.ACTION_NUDGE,
            target,
            discussion=action.discussion,
            action=action,
            key=_nudge_key(action),
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
                "messages/snoozed.txt.j2",
                reference=action_reference(action),
                until=when(core, target),
            )
        )


def reassign(core: Core, actor: Contact, reference: str, to: str) -> Outcome:
    """The chair gives the action to someone else; the nudges follow the new owner."""
    new_owner = core.directory.find(to)
    if new_owner is None:
        raise InputError(
            f"'{to}' is not in the partner directory.",
            f"/strategy reassign {reference} to=<directory id>",
        )
    with transaction(core.sessions) as session:
        action = _open_action(session, actor, reference)
        discussion = action.discussion
        if actor.id != discussion.chair.key:
            raise NotAllowed("Only the chair reassigns actions.", f"ask {discussion.chair.name}")
        previous = action.owner
        if previous.key == new_owner.id:
            raise InputError(
                f"{new_owner.name} already owns {action_reference(action)}.",
                f"/strategy reassign {reference} to=<someone else>",
            )
        action.owner = contact_row(session, new_owner.id)
        action.requested_due_at = action.request_reason = None
        audit(
            session,
            core,
            actor.id,
            "action_reassigned",
            discussion,
            action=action.label,
            from_owner=previous.key,
            to_owner=new_owner.id,
        )
        ref = action_reference(action)
        return Outcome(
            message("messages/reassigned.txt.j2", reference=ref, owner=new_owner.name),
            [
                action_outgoing(core, action, "messages/action_assigned.txt.j2"),
                Outgoing(
                    to=previous.key,
                    message=message(
                        "messages/reassigned_away.txt.j2", reference=ref, owner=new_owner.name
                    ),
                ),
            ],
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
    """The owner's reminder (and, once it is overdue long enough, the escalation)."""
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
            "messages/action_nudge.txt.j2",
            overdue=action.due_at < now,
            overdue_days=overdue_days,
            due_today=core.calendar.local_date(action.due_at) == core.calendar.local_date(now),
        )
    ]
    if overdue_days >= policy.escalate_after_working_days and action.escalated_at is None:
        outgoing += _escalate(core, session, action, overdue_days)
    _schedule_nudge(core, session, action, now)
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
        "messages/action_escalated.txt.j2",
        reference=action_reference(action),
        owner=action.owner.name,
        description=action.description,
        due=when(core, action.due_at),
        overdue_days=overdue_days,
    )
    return [Outgoing(to=key, message=text) for key in recipients if key != action.owner.key]


def _schedule_nudge(core: Core, session: Session, action: models.Action, after: datetime) -> None:
    policy = core.directory.partnership.reminders
    due = next_nudge_at(after, action.due_at, core.calendar, policy, action.urgent)
    schedule(
        session,
        models.WorkKind.ACTION_NUDGE,
        due,
        discussion=action.discussion,
        action=action,
        key=_nudge_key(action),
    )


def _nudge_key(action: models.Action) -> str:
    return f"nudge:{action.id}"


def _cancel_nudges(session: Session, action: models.Action) -> None:
    session.execute(
        update(models.ScheduledWork)
        .where(
            models.ScheduledWork.action_id == action.id,
            models.ScheduledWork.status == models.WorkStatus.PENDING,
        )
        .values(status=models.WorkStatus.CANCELLED)
    )


def _parse_due(core: Core, due: str) -> datetime:
    try:
        return parse_due(due, core.clock.now(), core.calendar).at
    except TimeTextError as problem:
        raise InputError(str(problem)) from None


def _require_chair_or_convenor(discussion: models.Discussion, actor: Contact, what: str) -> None:
    if actor.id not in (discussion.chair.key, discussion.convenor.key):
        raise NotAllowed(
            f"Only the chair or the convenor {what}.", f"ask {discussion.chair.name} to do it"
        )


def action_reference(action: models.Action) -> str:
    return f"{action.discussion.case.reference}/{action.label}"


def action_outgoing(core: Core, action: models.Action, template: str, **extra: object) -> Outgoing:
    reference = action_reference(action)
    buttons = (
        Button("Close", "close_action", reference, f'/strategy close {reference} outcome="..."'),
        Button(
            "More time",
            "more_time",
            reference,
            f'/strategy more-time {reference} due="..." reason="..."',
        ),
        Button("Snooze", "snooze", reference, f"/strategy snooze {reference}"),
    )
    return Outgoing(
        to=action.owner.key,
        message=message(
            template,
            buttons,
            reference=reference,
            description=action.description,
            due=when(core, action.due_at),
            chair=action.discussion.chair.name,
            urgent=action.urgent,
            **extra,
        ),
    )


def _open_action(session: Session, actor: Contact, reference: str) -> models.Action:
    """The action, if the actor may see it (its owner, or an invitee of its discussion)."""
    action = _visible_action(session, actor, reference)
    if action.status == models.ActionStatus.CLOSED:
        raise InputError(
            f"{action_reference(action)} is already closed.",
            "/strategy actions  (your open actions)",
        )
    return action


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

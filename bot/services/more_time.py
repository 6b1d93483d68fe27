"""More time for an action: its owner asks for a later due date, and the chair decides."""

from __future__ import annotations

from bot.directory import Contact
from bot.errors import not_allowed, refusal, wording
from bot.messages import Button, Kind, Outcome, Outgoing, message
from bot.references import action_reference, discussion_reference
from bot.services.reminders import schedule_nudge
from bot.shared import audit, due_from_text, open_action, when
from bot.unit import Unit


def request(unit: Unit, actor: Contact, reference: str, due: str, reason: str) -> Outcome:
    """The owner asks for a later due date; the chair approves or refuses it."""
    core = unit.core
    reason = reason.strip()
    example = wording("more_time.example", reference=reference)
    if len(reason) < 5:
        raise refusal("more_time.no_reason", example=example)
    new_due = due_from_text(core, due)
    session = unit.session
    action = open_action(session, actor, reference)
    if actor.id != action.owner.key:
        raise not_allowed("more_time.asker", owner=action.owner.name)
    if new_due <= action.due_at:
        raise refusal("more_time.not_later", due=when(core, action.due_at), example=example)
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
        Button("approve", ref),
        Button("refuse", ref),
    )
    chair = Outgoing(
        to=action.discussion.chair.key,
        thread=f"time-request:{action.id}",
        message=message(
            Kind.REQUEST,
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
        Kind.REPLY,
        "messages/more_time_sent.txt.j2",
        reference=ref,
        new_due=when(core, new_due),
        chair=action.discussion.chair.name,
    )
    return Outcome(reply, [chair])


def decide(unit: Unit, actor: Contact, reference: str, approve: bool, reason: str = "") -> Outcome:
    """The chair approves (the due date moves, nudges follow it) or refuses a request."""
    core, session = unit.core, unit.session
    action = open_action(session, actor, reference)
    discussion = action.discussion
    if actor.id != discussion.chair.key:
        raise not_allowed("more_time.decider", chair=discussion.chair.name)
    if action.requested_due_at is None:
        raise refusal(
            "more_time.no_request",
            reference=action_reference(action),
            case=discussion_reference(discussion),
        )
    requested, asked_reason = action.requested_due_at, action.request_reason
    was_due = action.due_at  # the chair's updated request shows the move "from" this
    if approve:
        action.due_at = requested
        action.escalated_at = None
        schedule_nudge(core, session, action, core.clock.now())
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
    decided = {
        "reference": ref,
        "approve": approve,
        "due": when(core, action.due_at),
        "chair": actor.name,
        "reason": reason.strip(),
    }
    template = "messages/more_time_decided.txt.j2"
    decision = message(Kind.REPLY, template, **decided)
    updated_request = Outgoing(
        to=discussion.chair.key,
        thread=f"time-request:{action.id}",
        message=message(
            Kind.REQUEST,
            "messages/more_time_requested.txt.j2",
            reference=ref,
            owner=action.owner.name,
            description=action.description,
            due=when(core, was_due),
            new_due=when(core, requested),
            reason=asked_reason or "",
            decided="approved" if approve else "refused",
        ),
    )
    told = Outgoing(to=action.owner.key, message=message(Kind.NOTICE, template, **decided))
    return Outcome(decision, [told, updated_request])

"""Actions agreed at a discussion: every one has an owner and a due date, and is chased.

The owner is told on assignment and nudged (see scheduling/nudges.py) until
the action is closed; the chair, and the owner's manager when the directory
names one, hear when it is overdue. The owner can ask for more time (the
chair decides) or snooze a nudge for a while; the chair can reassign it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core import Core
from bot.directory import Contact
from bot.errors import not_allowed, refusal, wording
from bot.links import revocations
from bot.messages import Kind, Outcome, Outgoing, message
from bot.references import action_reference, discussion_reference
from bot.services.common import action_outgoing
from bot.services.reminders import cancel_nudges, schedule_nudge
from bot.shared import (
    WITH_ORGANISERS,
    audit,
    contact_id,
    contact_row,
    due_from_text,
    next_action_number,
    of_contact,
    open_action,
    visible_discussion,
    when,
)
from bot.storage import models
from bot.storage.record_models import RecordVersion
from bot.unit import Unit


def add_action(
    unit: Unit,
    actor: Contact,
    case_reference: str,
    owner: str,
    due: str,
    description: str,
    urgent: bool = False,
) -> Outcome:
    core = unit.core
    example = wording("actions.example", case=case_reference)
    description = description.strip()
    if len(description) < 5:
        raise refusal("actions.no_description", example=example)
    owner_contact = core.directory.find(owner)
    if owner_contact is None:
        raise refusal("actions.no_owner", owner=owner, example=example)
    due_at = due_from_text(core, due)
    session = unit.session
    discussion = visible_discussion(session, case_reference, actor, load=WITH_ORGANISERS)
    _require_chair_or_convenor(discussion, actor, wording("actions.records_actions"))
    _require_open_for_actions(core, session, discussion)
    action = models.Action(
        discussion=discussion,
        case_id=discussion.case_id,
        number=next_action_number(session, discussion.case),
        description=description,
        # By id: the owner's row is not read (action_outgoing is told the key).
        owner_id=contact_id(session, owner_contact.id),
        due_at=due_at,
        status=models.ActionStatus.OPEN,
        urgent=urgent,
        created_by_id=_organiser_id(discussion, actor),
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
    schedule_nudge(core, session, action, core.clock.now())
    reply = message(
        Kind.REPLY,
        "messages/action_added.txt.j2",
        reference=action_reference(action),
        owner=owner_contact.name,
        due=when(core, action.due_at),
        description=description,
        urgent=urgent,
    )
    return Outcome(
        reply,
        [
            action_outgoing(
                core,
                action,
                Kind.ACTION,
                "messages/action_assigned.txt.j2",
                owner=owner_contact.id,
            )
        ],
    )


def close_action(unit: Unit, actor: Contact, reference: str, outcome: str) -> Outcome:
    core = unit.core
    outcome = outcome.strip()
    if len(outcome) < 5:
        raise refusal("actions.no_outcome", reference=reference)
    session = unit.session
    action = open_action(session, actor, reference)
    discussion = action.discussion
    if actor.id not in (action.owner.key, discussion.chair.key):
        raise not_allowed("actions.closer", owner=action.owner.name, chair=discussion.chair.name)
    action.status = models.ActionStatus.CLOSED
    action.outcome = outcome
    action.closed_at = core.clock.now()
    # The closer is the owner or the chair (checked above), both loaded with the action.
    action.closed_by_id = action.owner_id if action.owner.key == actor.id else discussion.chair_id
    action.requested_due_at = action.request_reason = None
    cancel_nudges(session, action)
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
                Kind.NOTICE,
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
            Kind.REPLY,
            "messages/action_closed.txt.j2",
            reference=ref,
            by="you",
            outcome=outcome,
            on_time=on_time,
        ),
        notices,
    )


def reassign(unit: Unit, actor: Contact, reference: str, to: str) -> Outcome:
    """The chair gives the action to someone else; the nudges follow the new owner."""
    core = unit.core
    new_owner = core.directory.find(to)
    if new_owner is None:
        raise refusal("actions.unknown_new_owner", to=to, reference=reference)
    session = unit.session
    action = open_action(session, actor, reference)
    discussion = action.discussion
    if actor.id != discussion.chair.key:
        raise not_allowed("actions.reassigner", chair=discussion.chair.name)
    previous = action.owner
    if previous.key == new_owner.id:
        raise refusal(
            "actions.owns_already",
            name=new_owner.name,
            reference=action_reference(action),
            typed=reference,
        )
    revocations.owner_changed(session, core, action, previous, actor.id)
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
        message(Kind.REPLY, "messages/reassigned.txt.j2", reference=ref, owner=new_owner.name),
        [
            action_outgoing(core, action, Kind.ACTION, "messages/action_assigned.txt.j2"),
            Outgoing(
                to=previous.key,
                message=message(
                    Kind.NOTICE,
                    "messages/reassigned_away.txt.j2",
                    reference=ref,
                    owner=new_owner.name,
                ),
            ),
        ],
    )


@dataclass(frozen=True)
class ActionRow:
    """One open action in a person's list."""

    reference: str  # NV-40213/A1
    description: str
    due: str  # as people read it
    overdue: bool


def open_actions(unit: Unit, actor: Contact) -> list[ActionRow]:
    """The actor's open actions, the soonest due first."""
    core, session = unit.core, unit.session
    actions = session.scalars(
        of_contact(
            session,
            select(models.Action)
            .where(models.Action.status == models.ActionStatus.OPEN)
            .order_by(models.Action.due_at),
            models.Action.owner_id,
            actor.id,
        )
    ).all()
    now = core.clock.now()
    return [
        ActionRow(action_reference(a), a.description, when(core, a.due_at), a.due_at < now)
        for a in actions
    ]


def my_actions(unit: Unit, actor: Contact) -> Outcome:
    rows = open_actions(unit, actor)
    return Outcome(message(Kind.REPLY, "messages/my_actions.txt.j2", actions=rows))


def _require_chair_or_convenor(discussion: models.Discussion, actor: Contact, what: str) -> None:
    if actor.id not in (discussion.chair.key, discussion.convenor.key):
        raise not_allowed("actions.chair_or_convenor", what=what, chair=discussion.chair.name)


def _organiser_id(discussion: models.Discussion, actor: Contact) -> int:
    """The row of the actor, who is the chair or the convenor (checked): no query for it."""
    return discussion.chair_id if discussion.chair.key == actor.id else discussion.convenor_id


def _require_open_for_actions(core: Core, session: Session, discussion: models.Discussion) -> None:
    """No new action on a cancelled discussion, nor once its record is final (the final
    record lists the actions agreed, and cannot change without a correction)."""
    name = discussion_reference(discussion)
    if discussion.status == models.DiscussionStatus.CANCELLED:
        raise refusal("actions.discussion_cancelled", case=name)
    latest = session.scalars(
        select(RecordVersion)
        .where(RecordVersion.discussion_id == discussion.id)
        .order_by(RecordVersion.version.desc())
        .limit(1)
    ).first()
    if latest is not None and latest.is_final:
        raise refusal(
            "actions.record_final",
            case=name,
            finalised=when(core, latest.finalised_at or core.clock.now()),
        )

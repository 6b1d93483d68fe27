"""What a person may see: one discussion they were invited to, or a list of theirs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from bot.core import Core
from bot.directory import Contact
from bot.messages import Kind, Outcome, message
from bot.references import action_reference, discussion_reference, numbered_reference
from bot.services.common import discussion_context
from bot.services.time_search import finding_line
from bot.shared import carried_forward, invited, quorum_of, visible_discussion, when
from bot.storage import models
from bot.unit import Unit


@dataclass(frozen=True)
class DiscussionRow:
    """One upcoming discussion in a person's list."""

    case: str
    meeting: str  # as people read it
    quorum_met: bool


def upcoming_discussions(unit: Unit, actor: Contact) -> list[DiscussionRow]:
    """The discussions the actor is invited to that have not taken place, soonest first."""
    discussions = unit.session.scalars(
        select(models.Discussion)
        .where(
            models.Discussion.status.in_(
                (models.DiscussionStatus.SCHEDULED, models.DiscussionStatus.FINDING_TIME)
            ),
            invited(unit.session, actor.id),
        )
        .order_by(models.Discussion.meeting_at)
    ).all()
    return [
        DiscussionRow(
            discussion_reference(d),
            finding_line(unit.core, unit.session, d) or when(unit.core, d.meeting_at),
            all(quorum_of(d).values()),
        )
        for d in discussions
    ]


def status(unit: Unit, actor: Contact, case_reference: str | None) -> Outcome:
    """One discussion the actor was invited to, or the list of their upcoming ones."""
    core, session = unit.core, unit.session
    if case_reference is None:
        rows = upcoming_discussions(unit, actor)
        return Outcome(message(Kind.REPLY, "messages/my_discussions.txt.j2", discussions=rows))
    discussion = visible_discussion(session, case_reference, actor)
    now = core.clock.now()
    actions = [_action_row(core, a, now) for a in discussion.actions]
    carried = [_action_row(core, a, now) for a in carried_forward(discussion)]
    return Outcome(
        message(
            Kind.REPLY,
            "messages/status.txt.j2",
            **discussion_context(core, discussion),
            status=discussion.status.replace("_", " "),
            finding=finding_line(core, session, discussion),
            quorum=[(k.value.replace("_", " "), ok) for k, ok in quorum_of(discussion).items()],
            actions=actions,
            carried=carried,
        )
    )


def _action_row(core: Core, action: models.Action, now: datetime) -> dict[str, object]:
    return {
        "reference": action_reference(action),
        "description": action.description,
        "owner": action.owner.name,
        "due": when(core, action.due_at),
        "status": action.status,
        "overdue": action.status == models.ActionStatus.OPEN and action.due_at < now,
        "agreed_at": numbered_reference(action.discussion.case.reference, action.discussion.number),
    }

"""What a person may see: one discussion they were invited to, or a list of theirs."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot.directory import Contact
from bot.messages import Kind, Outcome, message
from bot.references import action_reference
from bot.services.common import discussion_context
from bot.services.time_search import finding_line
from bot.shared import quorum_of, visible_discussion, when
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
        .join(models.Invitation)
        .join(models.Contact, models.Invitation.contact_id == models.Contact.id)
        .where(
            models.Contact.key == actor.id,
            models.Discussion.status.in_(
                (models.DiscussionStatus.SCHEDULED, models.DiscussionStatus.FINDING_TIME)
            ),
        )
        .order_by(models.Discussion.meeting_at)
    ).all()
    return [
        DiscussionRow(
            d.case.reference,
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
    actions = [
        {
            "reference": action_reference(a),
            "description": a.description,
            "owner": a.owner.name,
            "due": when(core, a.due_at),
            "status": a.status,
            "overdue": a.status == models.ActionStatus.OPEN and a.due_at < now,
        }
        for a in discussion.actions
    ]
    return Outcome(
        message(
            Kind.REPLY,
            "messages/status.txt.j2",
            **discussion_context(core, discussion),
            status=discussion.status.replace("_", " "),
            finding=finding_line(core, session, discussion),
            quorum=[(k.value.replace("_", " "), ok) for k, ok in quorum_of(discussion).items()],
            actions=actions,
        )
    )

"""What happens at the meeting time, and shortly before the statutory deadline."""

from __future__ import annotations

from sqlalchemy import update

from bot.messages import Kind, Outgoing
from bot.references import discussion_reference
from bot.shared import audit, schedule, to_chair, when
from bot.storage import models
from bot.unit import Unit
from scheduling.deadlines import record_circulation_deadline


def start(unit: Unit, discussion: models.Discussion) -> list[Outgoing]:
    """At the meeting time: whoever never replied is recorded as 'no response'."""
    core, session = unit.core, unit.session
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
    # Checked at 23:59 the alert would land when nobody can act: the next working morning.
    schedule(
        session,
        models.WorkKind.RECORD_DEADLINE,
        core.calendar.next_working_morning(
            circulate_by, core.calendar.settings.working_hours.start
        ),
        discussion=discussion,
        payload={"deadline": circulate_by.isoformat()},
    )
    return [
        to_chair(
            discussion,
            Kind.NOTICE,
            "messages/meeting_started.txt.j2",
            case=discussion_reference(discussion),
            meeting=when(core, discussion.meeting_at),
            silent=[i.contact.name for i in silent],
            quorum_met=discussion.quorum_met_at is not None,
        )
    ]


def deadline_warning(unit: Unit, discussion: models.Discussion) -> list[Outgoing]:
    """Shortly before the statutory deadline: has the discussion taken place?"""
    core, session = unit.core, unit.session
    if discussion.status != models.DiscussionStatus.SCHEDULED:
        return []
    audit(session, core, "system", "deadline_warning", discussion)
    return [
        to_chair(
            discussion,
            Kind.ALERT,
            "messages/deadline_warning.txt.j2",
            case=discussion_reference(discussion),
            deadline=when(core, discussion.deadline_at),
            meeting=when(core, discussion.meeting_at),
            late_reason=discussion.late_reason,
        )
    ]

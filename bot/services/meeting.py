"""What happens at the meeting time, and shortly before the statutory deadline."""

from __future__ import annotations

from sqlalchemy import update

from bot.directory import Contact
from bot.messages import Kind, Outgoing, message
from bot.references import discussion_reference
from bot.shared import audit, schedule, to_chair, when
from bot.storage import models
from bot.unit import Unit
from scheduling.deadlines import record_circulation_deadline
from scheduling.rules import ConcernCategory


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
    facts = {
        "case": discussion_reference(discussion),
        "deadline": when(core, discussion.deadline_at),
        "meeting": when(core, discussion.meeting_at),
        "late_reason": discussion.late_reason,
        "deputy_for": None,
    }
    warnings = [to_chair(discussion, Kind.ALERT, "messages/deadline_warning.txt.j2", **facts)]
    deputy = _same_day_deputy(unit, discussion)
    if deputy is not None:
        warnings.append(
            Outgoing(
                to=deputy.id,
                message=message(
                    Kind.ALERT,
                    "messages/deadline_warning.txt.j2",
                    **(facts | {"deputy_for": discussion.chair.name}),
                ),
            )
        )
    audit(
        session,
        core,
        "system",
        "deadline_warning",
        discussion,
        **({"deputy": deputy.id} if deputy is not None else {}),
    )
    return warnings


def _same_day_deputy(unit: Unit, discussion: models.Discussion) -> Contact | None:
    """The chair's deputy from the directory, for a category due the same day (the
    warning cannot wait for the chair to be back at work); None otherwise."""
    directory = unit.core.directory
    timescales = directory.partnership.timescales
    if timescales.days_for(ConcernCategory(discussion.category)) != 0:
        return None
    chair = directory.contact(discussion.chair.key)
    deputy = directory.deputy_of(chair) if chair is not None else None
    return deputy if deputy is not None and deputy.id != discussion.chair.key else None

"""Move a strategy discussion to another time, or cancel it.

Only the chair or the convenor may. The new time is checked against the
statutory deadline exactly as at convening: a time after it needs a reason.
Everyone invited sees their chat invitation updated in place and gets a short
notice; the calendars follow from scheduled work (a higher SEQUENCE for a new
time, METHOD:CANCEL for a cancellation). Answers already given stand: whoever
can no longer come at the new time declines, as usual.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import references
from bot.core import Core
from bot.directory import Contact
from bot.errors import LateMeeting, not_allowed, refusal, wording
from bot.links import revocations
from bot.messages import Kind, Outcome, Outgoing, message
from bot.services import search_cancel
from bot.services.common import invitation_outgoing, quorum_outgoing
from bot.shared import audit, schedule_sync, to_channel, visible_discussion, when
from bot.storage import models
from bot.unit import Unit
from scheduling.timetext import TimeTextError, parse_meeting_time

MIN_REASON_LENGTH = 5

# Work that only makes sense while the discussion is going ahead.
_MEETING_WORK = (
    models.WorkKind.FALLBACK_CHECK,
    models.WorkKind.MEETING_START,
    models.WorkKind.DEADLINE_WARNING,
    models.WorkKind.CALENDAR_RESPONSES,
)


def reschedule(
    unit: Unit,
    actor: Contact,
    case_reference: str,
    meeting: str,
    reason: str,
    late_reason: str | None = None,
) -> Outcome:
    """Move the upcoming discussion of a case to the time `meeting` (as typed)."""
    core = unit.core
    case = references.case_reference(case_reference)
    example = wording("reschedule.example", case=case)
    reason = _reason(reason, example)
    now = core.clock.now()
    try:
        new_time = parse_meeting_time(meeting, now, core.calendar)
    except TimeTextError as problem:
        raise refusal("reschedule.meeting", problem=problem, example=example) from None
    late_reason = (late_reason or "").strip() or None
    session = unit.session
    discussion = _own_discussion(session, actor, case, "reschedule")
    old_time = discussion.meeting_at
    if new_time.at == old_time:
        raise refusal(
            "reschedule.same_time", case=case, meeting=when(core, old_time), example=example
        )
    late = new_time.at > discussion.deadline_at
    if late and late_reason is None:
        raise refusal(
            "reschedule.after_deadline",
            raising=LateMeeting,
            meeting=new_time.echo,
            deadline=when(core, discussion.deadline_at),
            rule=discussion.deadline_rule,
            example=example,
        )
    discussion.meeting_at = new_time.at
    discussion.late_reason = late_reason if late else None
    audit(
        session,
        core,
        actor.id,
        "rescheduled",
        discussion,
        previous=old_time.isoformat(),
        meeting_at=new_time.at.isoformat(),
        reason=reason,
        late_reason=discussion.late_reason,
    )
    revocations.discussion_changed(session, core, discussion, actor.id, "rescheduled")
    _move_work(core, session, discussion, new_time.at)
    schedule_sync(session, core, discussion)
    outgoing = _tell_everyone(
        core,
        discussion,
        actor,
        "messages/rescheduled_notice.txt.j2",
        previous=when(core, old_time),
        reason=reason,
    )
    outgoing.append(quorum_outgoing(core, discussion))
    outgoing.append(
        to_channel(
            core, "messages/channel_rescheduled.txt.j2", case=case, meeting=when(core, new_time.at)
        )
    )
    reply = message(
        Kind.REPLY,
        "messages/rescheduled.txt.j2",
        case=case,
        previous=when(core, old_time),
        meeting=when(core, new_time.at),
        warnings=new_time.warnings,
        late_reason=discussion.late_reason,
    )
    return Outcome(reply, outgoing)


def cancel(unit: Unit, actor: Contact, case_reference: str, reason: str) -> Outcome:
    """Cancel the upcoming discussion of a case."""
    core = unit.core
    case = references.case_reference(case_reference)
    example = wording("reschedule.cancel_example", case=case)
    reason = _reason(reason, example)
    session = unit.session
    finding = search_cancel.finding_discussion(session, actor, case)
    if finding is not None:  # no meeting yet: the search for a time ends instead
        return search_cancel.cancel_search(unit, actor, finding, reason)
    discussion = _own_discussion(session, actor, case, "cancel")
    discussion.status = models.DiscussionStatus.CANCELLED
    audit(session, core, actor.id, "cancelled", discussion, reason=reason)
    revocations.discussion_changed(session, core, discussion, actor.id, "cancelled")
    _stop_work(session, discussion)
    schedule_sync(session, core, discussion)
    outgoing = _tell_everyone(
        core, discussion, actor, "messages/cancelled_notice.txt.j2", reason=reason
    )
    cancelled = message(
        Kind.NOTICE,
        "messages/invitation_cancelled.txt.j2",
        case=case,
        meeting=when(core, discussion.meeting_at),
        reason=reason,
        chair=discussion.chair.name,
    )
    # Each chat invitation now says it is cancelled, with nothing left to answer.
    outgoing += [
        Outgoing(to=i.contact.key, thread=f"invitation:{i.id}", message=cancelled)
        for i in discussion.invitations
        if i.contact_id not in (discussion.chair_id, discussion.convenor_id)
    ]
    # And the chair's live view of replies says so too.
    outgoing.append(
        Outgoing(
            to=discussion.chair.key,
            thread=f"quorum:{discussion.id}",
            message=cancelled,
        )
    )
    outgoing.append(to_channel(core, "messages/channel_cancelled.txt.j2", case=case))
    reply = message(
        Kind.REPLY,
        "messages/cancelled.txt.j2",
        case=case,
        meeting=when(core, discussion.meeting_at),
    )
    return Outcome(reply, outgoing)


def _reason(reason: str, example: str) -> str:
    reason = reason.strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise refusal("reschedule.no_reason", example=example)
    return reason


def _own_discussion(session: Session, actor: Contact, case: str, verb: str) -> models.Discussion:
    """The case's upcoming discussion, if the actor chairs or convened it."""
    discussion = visible_discussion(session, case, actor, scheduled_only=True)
    if actor.id not in (discussion.chair.key, discussion.convenor.key):
        raise not_allowed(
            "reschedule.organiser",
            chair=discussion.chair.name,
            convenor=discussion.convenor.name,
            verb=verb,
            case=case,
        )
    return discussion


def _tell_everyone(
    core: Core,
    discussion: models.Discussion,
    actor: Contact,
    template: str,
    **context: str,
) -> list[Outgoing]:
    """Update each invitation in place and send a notice, to everyone but the actor."""
    outgoing: list[Outgoing] = []
    for invitation in discussion.invitations:
        if invitation.status == models.InvitationStatus.DELEGATED:
            continue  # they handed their place on; their colleague is told
        if invitation.contact.key == actor.id:
            continue
        organiser = invitation.contact_id in (discussion.chair_id, discussion.convenor_id)
        if discussion.status == models.DiscussionStatus.SCHEDULED and not organiser:
            outgoing.append(invitation_outgoing(core, invitation))
        outgoing.append(
            Outgoing(
                to=invitation.contact.key,
                message=message(
                    Kind.NOTICE,
                    template,
                    case=references.discussion_reference(discussion),
                    meeting=when(core, discussion.meeting_at),
                    by=actor.name,
                    **context,
                ),
            )
        )
    return outgoing


def _pending(session: Session, discussion: models.Discussion) -> list[models.ScheduledWork]:
    return list(
        session.scalars(
            select(models.ScheduledWork).where(
                models.ScheduledWork.discussion_id == discussion.id,
                models.ScheduledWork.status == models.WorkStatus.PENDING,
                models.ScheduledWork.kind.in_([k.value for k in _MEETING_WORK]),
            )
        )
    )


def _move_work(
    core: Core, session: Session, discussion: models.Discussion, meeting_at: datetime
) -> None:
    """The meeting start moves with the meeting; a fallback cutoff moves earlier if it must."""
    now = core.clock.now()
    for work in _pending(session, discussion):
        if work.kind == models.WorkKind.MEETING_START:
            work.due_at = meeting_at
        elif work.kind == models.WorkKind.FALLBACK_CHECK and work.agency_kind is not None:
            rule = next(
                (
                    r
                    for r in core.directory.partnership.fallbacks
                    if r.agency_kind == work.agency_kind
                ),
                None,
            )
            before = timedelta(minutes=rule.latest_before_meeting_minutes if rule else 60)
            work.due_at = max(now, min(work.due_at, meeting_at - before))


def _stop_work(session: Session, discussion: models.Discussion) -> None:
    for work in _pending(session, discussion):
        work.status = models.WorkStatus.CANCELLED

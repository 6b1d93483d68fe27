"""Once a discussion has its time: invitations, the chair's view, the scheduled work.

The same whether the convenor typed the time or the bot found it
(bot/services/time_search.py): everyone invited (but the chair and the
convenor, who are there by definition) gets their invitation, the fallback
cutoffs, the meeting start and the deadline warning are scheduled, and the
calendar invitations follow from scheduled work.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from bot.core import Core
from bot.messages import Kind, Outgoing, message
from bot.references import discussion_reference
from bot.services.common import discussion_context, invitation_outgoing, quorum_outgoing
from bot.shared import schedule, schedule_sync, to_channel, when
from bot.storage import models
from bot.unit import Unit
from scheduling.deadlines import deadline_warning_times
from scheduling.rules import ConcernCategory


def announce(unit: Unit, discussion: models.Discussion) -> list[Outgoing]:
    """Invite everyone to the discussion at its `meeting_at`, and schedule its work."""
    core, session = unit.core, unit.session
    session.flush()
    _reload(session, discussion)
    organisers = {discussion.convenor.key, discussion.chair.key}
    # Rendered after every invitation exists, so each shows the full list of invitees
    # (the same for all: worked out once).
    shown = discussion_context(core, discussion)
    outgoing = [
        invitation_outgoing(core, invitation, shown)
        for invitation in discussion.invitations
        if invitation.contact.key not in organisers
        and invitation.status == models.InvitationStatus.INVITED
    ]
    _schedule_work(core, unit, discussion)
    outgoing.append(quorum_outgoing(core, discussion, shown))
    case = discussion_reference(discussion)
    if discussion.chair.key != discussion.convenor.key:
        outgoing.append(
            Outgoing(
                to=discussion.chair.key,
                message=message(
                    Kind.NOTICE,
                    "messages/chair_convened.txt.j2",
                    case=case,
                    convenor=discussion.convenor.name,
                    category=discussion.category.replace("_", " "),
                    deadline=when(core, discussion.deadline_at),
                    rule=discussion.deadline_rule,
                    meeting=when(core, discussion.meeting_at),
                    late_reason=discussion.late_reason,
                ),
            )
        )
    outgoing.append(
        to_channel(
            core,
            "messages/channel_convened.txt.j2",
            case=case,
            meeting=when(core, discussion.meeting_at),
        )
    )
    return outgoing


def _reload(session: Session, discussion: models.Discussion) -> None:
    """Read the discussion back as stored, with the invitations and children every
    message shows, in one query (a refresh, then a lazy load of each, was three)."""
    session.scalars(
        select(models.Discussion)
        .where(models.Discussion.id == discussion.id)
        .options(
            joinedload(models.Discussion.invitations),
            joinedload(models.Discussion.child_facts),
        )
        .execution_options(populate_existing=True)
    ).unique().one()


def _schedule_work(core: Core, unit: Unit, discussion: models.Discussion) -> None:
    session, now = unit.session, core.clock.now()
    for rule in core.directory.partnership.fallbacks:
        cutoff = min(
            now + timedelta(minutes=rule.cutoff_minutes),
            discussion.meeting_at - timedelta(minutes=rule.latest_before_meeting_minutes),
        )
        schedule(
            session,
            models.WorkKind.FALLBACK_CHECK,
            max(cutoff, now),
            discussion=discussion,
            agency_kind=rule.agency_kind,
        )
    schedule(session, models.WorkKind.MEETING_START, discussion.meeting_at, discussion=discussion)
    schedule_sync(session, core, discussion)  # calendar invitations, sent from scheduled work
    partnership = core.directory.partnership
    for warning_at in deadline_warning_times(
        discussion.deadline_at,
        core.calendar,
        same_day=partnership.timescales.days_for(ConcernCategory(discussion.category)) == 0,
        minutes_before=partnership.reminders.deadline_warning_minutes,
    ):
        if warning_at > now:
            schedule(session, models.WorkKind.DEADLINE_WARNING, warning_at, discussion=discussion)

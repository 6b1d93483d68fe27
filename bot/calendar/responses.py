"""Reading the replies people gave in Outlook to a Graph-organised meeting.

While the meeting is upcoming, scheduled work (`calendar_responses`) reads its
attendees' replies every few minutes and comes back later; the replies are
applied as if given in chat by `bot.services.calendar_replies`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy import select

from bot.calendar.port import CalendarRefused, CalendarUnavailable, Reply
from bot.calendar.routing import invites_of
from bot.shared import schedule
from bot.storage import models
from bot.storage.calendar_models import CalendarEvent
from bot.unit import Unit

log = logging.getLogger(__name__)


def read_replies(unit: Unit, discussion: models.Discussion) -> Mapping[str, Reply] | None:
    """Each attendee's reply, by email address (None: none to read now), and come back later."""
    core, session = unit.core, unit.session
    invites = invites_of(core)
    event = session.scalars(
        select(CalendarEvent).where(CalendarEvent.discussion_id == discussion.id)
    ).one_or_none()
    if (
        invites.graph is None
        or event is None
        or event.graph_event_id is None
        or event.graph_failed is not None
        or discussion.status != models.DiscussionStatus.SCHEDULED
    ):
        return None
    now = core.clock.now()
    next_read = now + timedelta(minutes=invites.poll_minutes)
    if next_read < discussion.meeting_at:
        schedule(
            session,
            models.WorkKind.CALENDAR_RESPONSES,
            next_read,
            discussion=discussion,
            key=f"calendar-replies:{discussion.id}",
        )
    if invites.tokens is not None:
        invites.tokens.read(session)
    try:
        replies = invites.graph.replies(event.graph_event_id)
    except (CalendarUnavailable, CalendarRefused) as error:
        # Replies can wait for the next reading; chat answers still work.
        log.warning("could not read Outlook replies for discussion %s: %s", discussion.id, error)
        return None
    if invites.tokens is not None:
        invites.tokens.write(session, core.clock)
    return replies

"""Replies given in Outlook count as replies in the bot.

While a Graph-organised meeting is upcoming, scheduled work
(`calendar_responses`) reads its attendees' replies every few minutes. A reply
that changed since it was last seen is applied as if it had been given in
chat: audited (with via="outlook"), the invitation updated in place, the chair
told of a decline, the fallback run when an agency is left with nobody, and the
chair's quorum view refreshed. A later answer in chat wins over an earlier one
in Outlook. "Tentative" is not a confirmation: the chair is told, the status
stays "waiting for a reply".
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.calendar.port import Answer, CalendarRefused, CalendarUnavailable, Reply
from bot.calendar.sync import invites_of
from bot.core import Core
from bot.messages import Outgoing, message
from bot.services.common import audit, invitation_outgoing, kind_of, schedule
from bot.services.fallback import agency_still_possible, run_fallback
from bot.services.respond import after_response
from bot.storage import models
from bot.storage.calendar_models import CalendarEvent, OutlookResponse

log = logging.getLogger(__name__)

OUTLOOK_DECLINE_REASON = "declined in Outlook"


def read_replies(core: Core, session: Session, work: models.ScheduledWork) -> list[Outgoing]:
    """The `calendar_responses` handler: read the replies, and come back later."""
    assert work.discussion_id is not None
    discussion = session.get_one(models.Discussion, work.discussion_id)
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
        return []
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
        return []
    if invites.tokens is not None:
        invites.tokens.write(session, core.clock)
    return apply_replies(core, session, discussion, replies)


def apply_replies(
    core: Core, session: Session, discussion: models.Discussion, replies: Mapping[str, Reply]
) -> list[Outgoing]:
    now = core.clock.now()
    seen = {
        r.invitation_id: r
        for r in session.scalars(
            select(OutlookResponse).where(
                OutlookResponse.invitation_id.in_([i.id for i in discussion.invitations])
            )
        )
    }
    outgoing: list[Outgoing] = []
    changed = False
    for invitation in list(discussion.invitations):
        reply = replies.get(invitation.contact.email.strip().lower())
        if reply is None or reply.answer is Answer.NONE:
            continue
        last = seen.get(invitation.id)
        if last is not None and (last.response, last.responded_at) == (reply.answer, reply.at):
            continue  # nothing new in Outlook
        if last is None:
            session.add(
                OutlookResponse(
                    invitation_id=invitation.id,
                    response=reply.answer.value,
                    responded_at=reply.at,
                    seen_at=now,
                )
            )
        else:
            last.response, last.responded_at, last.seen_at = reply.answer.value, reply.at, now
        if invitation.status in (
            models.InvitationStatus.DELEGATED,
            models.InvitationStatus.NO_RESPONSE,
        ):
            continue
        answered = invitation.responded_at
        if answered is not None and (reply.at is None or reply.at <= answered):
            continue  # they answered in chat since: that answer stands
        contact = invitation.contact
        when_answered = reply.at or now
        if reply.answer is Answer.ACCEPTED and invitation.status != "accepted":
            invitation.status = models.InvitationStatus.ACCEPTED
            invitation.decline_reason = None
            invitation.responded_at = when_answered
            audit(session, core, contact.key, "accepted", discussion, via="outlook")
            outgoing.append(invitation_outgoing(core, invitation))
            changed = True
        elif (
            reply.answer is Answer.DECLINED
            and invitation.status != "declined"
            and invitation.contact_id != discussion.chair_id  # the chair hands over instead
        ):
            invitation.status = models.InvitationStatus.DECLINED
            invitation.decline_reason = OUTLOOK_DECLINE_REASON
            invitation.responded_at = when_answered
            audit(
                session,
                core,
                contact.key,
                "declined",
                discussion,
                reason=OUTLOOK_DECLINE_REASON,
                via="outlook",
            )
            outgoing.append(invitation_outgoing(core, invitation))
            outgoing.append(
                Outgoing(
                    to=discussion.chair.key,
                    message=message(
                        "calendar/outlook_declined.txt.j2",
                        case=discussion.case.reference,
                        name=contact.name,
                        agency=contact.agency.name,
                    ),
                )
            )
            kind = kind_of(invitation)
            if not agency_still_possible(discussion, kind):
                outgoing += run_fallback(
                    core,
                    session,
                    discussion,
                    kind,
                    f"{contact.name} declined in Outlook and nobody else from "
                    f"{kind.label} was invited",
                )
            changed = True
        elif reply.answer is Answer.TENTATIVE and invitation.status == "invited":
            audit(session, core, contact.key, "tentative", discussion, via="outlook")
            outgoing.append(
                Outgoing(
                    to=discussion.chair.key,
                    message=message(
                        "calendar/tentative.txt.j2",
                        case=discussion.case.reference,
                        name=contact.name,
                        agency=contact.agency.name,
                    ),
                )
            )
    if changed:
        outgoing += after_response(core, session, discussion)
    return outgoing

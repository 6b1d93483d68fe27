"""Replies given in Outlook count as replies in the bot.

A reply read from Outlook (`bot.calendar.responses`) that changed since it was
last seen is applied as if it had been given in chat: audited (with
via="outlook"), the invitation updated in place, the chair told of a decline,
the fallback run when an agency is left with nobody, and the chair's quorum
view refreshed. A later answer in chat wins over an earlier one in Outlook.
"Tentative" is not a confirmation: the chair is told, the status stays
"waiting for a reply".
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select

from bot.calendar.port import Answer, Reply
from bot.messages import Kind, Outgoing, message
from bot.references import discussion_reference
from bot.services.common import invitation_outgoing
from bot.services.fallback import agency_still_possible, others_invited, run_fallback
from bot.services.respond import after_response
from bot.shared import audit, kind_of
from bot.storage import models
from bot.storage.calendar_models import OutlookResponse
from bot.unit import Unit
from bot.wording import say


def apply_replies(
    unit: Unit, discussion: models.Discussion, replies: Mapping[str, Reply]
) -> list[Outgoing]:
    core, session = unit.core, unit.session
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
            invitation.decline_reason = say("declined_in_outlook")
            invitation.responded_at = when_answered
            audit(
                session,
                core,
                contact.key,
                "declined",
                discussion,
                reason=say("declined_in_outlook"),
                via="outlook",
            )
            outgoing.append(invitation_outgoing(core, invitation))
            outgoing.append(
                Outgoing(
                    to=discussion.chair.key,
                    message=message(
                        Kind.NOTICE,
                        "calendar/outlook_declined.txt.j2",
                        case=discussion_reference(discussion),
                        name=contact.name,
                        agency=contact.agency.name,
                    ),
                )
            )
            kind = kind_of(invitation)
            if not agency_still_possible(discussion, kind):
                outgoing += run_fallback(
                    unit,
                    discussion,
                    kind,
                    say(
                        "fallback_trigger.declined_in_outlook",
                        name=contact.name,
                        agency=kind.label,
                        others=others_invited(invitation),
                    ),
                )
            changed = True
        elif reply.answer is Answer.TENTATIVE and invitation.status == "invited":
            audit(session, core, contact.key, "tentative", discussion, via="outlook")
            outgoing.append(
                Outgoing(
                    to=discussion.chair.key,
                    message=message(
                        Kind.NOTICE,
                        "calendar/tentative.txt.j2",
                        case=discussion_reference(discussion),
                        name=contact.name,
                        agency=contact.agency.name,
                    ),
                )
            )
    if changed:
        outgoing += after_response(unit, discussion)
    return outgoing

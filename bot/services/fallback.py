"""The fallback that keeps statutory partners in the room.

When no one from an agency (health, by default) has accepted by the cutoff, or
its last invitee declines, the partnership's fallback role (the MASH nurse) is
invited and the chair is told. If every fallback contact has already been
asked, the chair is told that too, so that nobody assumes health is coming.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.directory import AgencyKind
from bot.domain import duty_contact
from bot.messages import Kind, Outgoing, message
from bot.references import discussion_reference
from bot.services.common import invitation_outgoing, quorum_outgoing
from bot.shared import audit, contact_row, kind_of, quorum_of, schedule_sync
from bot.storage import models
from bot.storage.audit_rows import discussion_events
from bot.unit import Unit
from bot.wording import say

ACTIVE = (models.InvitationStatus.INVITED, models.InvitationStatus.ACCEPTED)


def agency_still_possible(discussion: models.Discussion, kind: AgencyKind) -> bool:
    """Is anyone from this agency still invited or accepted?"""
    return any(kind_of(i) is kind and i.status in ACTIVE for i in discussion.invitations)


def others_invited(invitation: models.Invitation) -> bool:
    """Were others from the same kind of agency invited (and have declined or delegated)?"""
    kind = kind_of(invitation)
    return any(
        kind_of(i) is kind and i.id != invitation.id for i in invitation.discussion.invitations
    )


def run_fallback(
    unit: Unit, discussion: models.Discussion, kind: AgencyKind, trigger: str
) -> list[Outgoing]:
    """Invite the fallback contact for `kind` unless the agency has already confirmed."""
    core, session = unit.core, unit.session
    rule = core.directory.fallback_for(kind)
    if rule is None or discussion.status != models.DiscussionStatus.SCHEDULED:
        return []
    if quorum_of(discussion).get(kind, False):
        return []
    already = {i.contact.key for i in discussion.invitations}
    contact = duty_contact(core.directory, rule.role, exclude=already)
    chair = discussion.chair.key
    kind_words = kind.value.replace("_", " ")
    if contact is None:
        told = _told_exhausted(session, discussion, kind)
        audit(
            session,
            core,
            "system",
            "fallback_exhausted",
            discussion,
            agency=kind.value,
            trigger=trigger,
        )
        if told:
            return []  # the chair has been told once already
        return [
            Outgoing(
                to=chair,
                message=message(
                    Kind.ALERT,
                    "messages/fallback_exhausted.txt.j2",
                    case=discussion_reference(discussion),
                    agency=kind_words,
                    role=rule.role.label,
                ),
            )
        ]
    invitation = models.Invitation(
        discussion=discussion,
        contact=contact_row(session, contact.id),
        reason=say("invited_as.fallback", role=rule.role.label, agency=kind_words, trigger=trigger),
        status=models.InvitationStatus.INVITED,
        via_fallback=True,
        invited_at=core.clock.now(),
    )
    session.add(invitation)
    session.flush()
    schedule_sync(session, core, discussion)  # their calendar invitation
    audit(
        session,
        core,
        "system",
        "fallback_invited",
        discussion,
        agency=kind.value,
        contact=contact.id,
        trigger=trigger,
    )
    return [
        invitation_outgoing(core, invitation),
        Outgoing(
            to=chair,
            message=message(
                Kind.ALERT,
                "messages/fallback_invited.txt.j2",
                case=discussion_reference(discussion),
                agency=kind_words,
                trigger=trigger,
                name=contact.name,
                role=rule.role.label,
            ),
        ),
        quorum_outgoing(core, discussion),
    ]


def _told_exhausted(session: Session, discussion: models.Discussion, kind: AgencyKind) -> bool:
    events = discussion_events(session, discussion.id, ["fallback_exhausted"])
    return any(e.details.get("agency") == kind.value for e in events)

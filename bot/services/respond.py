"""Invitees accept, decline (with a reason) or delegate to a colleague."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from bot.calendar.sync import schedule_sync
from bot.core import Core
from bot.directory import Contact
from bot.errors import InputError, NotAllowed
from bot.messages import Outcome, Outgoing, message
from bot.services.common import (
    audit,
    contact_row,
    how_answered,
    invitation_of,
    invitation_outgoing,
    kind_of,
    quorum_of,
    quorum_outgoing,
    to_chair,
    visible_discussion,
)
from bot.services.fallback import agency_still_possible, run_fallback
from bot.storage import models
from bot.storage.db import transaction

MIN_REASON_LENGTH = 5


def accept(
    core: Core,
    actor: Contact,
    case_reference: str,
    *,
    via: str | None = None,
    answered_by: Mapping[str, str] | None = None,
) -> Outcome:
    with transaction(core.sessions) as session:
        discussion, invitation = _own_invitation(session, actor, case_reference)
        case = discussion.case.reference
        if invitation.status == models.InvitationStatus.ACCEPTED:
            return Outcome(message("messages/already.txt.j2", case=case, status="accepted"))
        invitation.status = models.InvitationStatus.ACCEPTED
        invitation.decline_reason = None
        invitation.responded_at = core.clock.now()
        audit(session, core, actor.id, "accepted", discussion, **how_answered(via, answered_by))
        outgoing = [invitation_outgoing(core, invitation)]
        outgoing += after_response(core, session, discussion)
        return Outcome(message("messages/responded.txt.j2", case=case, status="accepted"), outgoing)


def decline(
    core: Core,
    actor: Contact,
    case_reference: str,
    reason: str,
    *,
    via: str | None = None,
    answered_by: Mapping[str, str] | None = None,
) -> Outcome:
    reason = reason.strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise InputError(
            "Say why you cannot attend: the chair needs the reason to find someone else.",
            f'/strategy decline {case_reference} reason="on leave; duty HV covering"',
        )
    with transaction(core.sessions) as session:
        discussion, invitation = _own_invitation(session, actor, case_reference)
        if discussion.chair.key == actor.id:
            raise NotAllowed(
                "The chair cannot decline; hand the chair to another team manager instead.",
                f"/strategy delegate {discussion.case.reference} to=<team manager>",
            )
        invitation.status = models.InvitationStatus.DECLINED
        invitation.decline_reason = reason
        invitation.responded_at = core.clock.now()
        audit(
            session,
            core,
            actor.id,
            "declined",
            discussion,
            reason=reason,
            **how_answered(via, answered_by),
        )
        case = discussion.case.reference
        outgoing = [
            invitation_outgoing(core, invitation),
            to_chair(
                discussion,
                "messages/chair_declined.txt.j2",
                case=case,
                name=actor.name,
                agency=invitation.contact.agency.name,
                reason=reason,
            ),
        ]
        kind = kind_of(invitation)
        if not agency_still_possible(discussion, kind):
            outgoing += run_fallback(
                core,
                session,
                discussion,
                kind,
                f"{actor.name} declined and nobody else from "
                f"{kind.value.replace('_', ' ')} was invited",
            )
        outgoing += after_response(core, session, discussion)
        return Outcome(message("messages/responded.txt.j2", case=case, status="declined"), outgoing)


def delegate(
    core: Core,
    actor: Contact,
    case_reference: str,
    to: str,
    *,
    via: str | None = None,
    answered_by: Mapping[str, str] | None = None,
) -> Outcome:
    colleague = core.directory.find(to)
    if colleague is None or colleague.agency_id != actor.agency_id or colleague.id == actor.id:
        colleagues = core.directory.colleagues(actor)
        raise InputError(
            f"'{to}' is not a colleague in your agency; you can delegate to someone in "
            f"{core.directory.agency_of(actor).name} "
            f"({', '.join(c.id for c in colleagues[:6])}).",
            f"/strategy delegate {case_reference} to={colleagues[0].id}" if colleagues else None,
        )
    with transaction(core.sessions) as session:
        discussion, invitation = _own_invitation(session, actor, case_reference)
        case = discussion.case.reference
        if invitation_of(discussion, colleague.id) is not None:
            raise InputError(
                f"{colleague.name} is already invited to this discussion.",
                f"/strategy status {case}",
            )
        is_chair = discussion.chair.key == actor.id
        if is_chair and not colleague.can_chair:
            raise InputError(
                f"You chair this discussion; {colleague.name} is not a team manager and "
                "cannot take the chair.",
                f"/strategy delegate {case} to=<another team manager>",
            )
        now = core.clock.now()
        invitation.status = models.InvitationStatus.DELEGATED
        invitation.delegated_to = contact_row(session, colleague.id)
        invitation.responded_at = now
        new = models.Invitation(
            discussion=discussion,
            contact=contact_row(session, colleague.id),
            reason=f"delegated by {actor.name}" + (" (chair)" if is_chair else ""),
            status=models.InvitationStatus.ACCEPTED
            if is_chair
            else models.InvitationStatus.INVITED,
            responded_at=now if is_chair else None,
            invited_at=now,
        )
        session.add(new)
        if is_chair:
            discussion.chair = contact_row(session, colleague.id)
        session.flush()
        audit(
            session,
            core,
            actor.id,
            "delegated",
            discussion,
            to=colleague.id,
            chair=is_chair,
            **how_answered(via, answered_by),
        )
        schedule_sync(session, core, discussion)  # the colleague's calendar invitation
        session.refresh(discussion)
        outgoing = [invitation_outgoing(core, invitation), invitation_outgoing(core, new)]
        if not is_chair:
            outgoing.append(
                to_chair(
                    discussion,
                    "messages/chair_delegated.txt.j2",
                    case=case,
                    name=actor.name,
                    colleague=colleague.name,
                )
            )
        outgoing += after_response(core, session, discussion)
        reply = message(
            "messages/responded.txt.j2", case=case, status="delegated", colleague=colleague.name
        )
        return Outcome(reply, outgoing)


def _own_invitation(
    session: Session, actor: Contact, case_reference: str
) -> tuple[models.Discussion, models.Invitation]:
    discussion = visible_discussion(session, case_reference, actor, scheduled_only=True)
    invitation = invitation_of(discussion, actor.id)
    assert invitation is not None  # visible_discussion only finds discussions they are invited to
    if invitation.status == models.InvitationStatus.DELEGATED:
        delegate = invitation.delegated_to.name if invitation.delegated_to else "a colleague"
        raise InputError(
            f"You delegated this discussion to {delegate}; they reply now.",
            f"/strategy status {discussion.case.reference}",
        )
    return discussion, invitation


def after_response(core: Core, session: Session, discussion: models.Discussion) -> list[Outgoing]:
    """Refresh the chair's quorum view, and mark the moment the quorum is first met."""
    session.flush()
    session.refresh(discussion)
    outgoing = [quorum_outgoing(core, discussion)]
    if discussion.quorum_met_at is None and all(quorum_of(discussion).values()):
        discussion.quorum_met_at = core.clock.now()
        audit(session, core, "system", "quorum_met", discussion)
        outgoing.append(
            to_chair(discussion, "messages/quorum_met.txt.j2", case=discussion.case.reference)
        )
    return outgoing

"""Invitees accept, decline (with a reason) or delegate to a colleague."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, joinedload

from bot.directory import Contact
from bot.errors import not_allowed, refusal, wording
from bot.messages import Kind, Outcome, Outgoing, message
from bot.references import discussion_reference
from bot.services.common import discussion_context, invitation_outgoing, quorum_outgoing
from bot.services.fallback import agency_still_possible, others_invited, run_fallback
from bot.shared import (
    WITH_INVITATIONS,
    audit,
    contact_row,
    invitation_of,
    kind_of,
    quorum_of,
    schedule_sync,
    to_chair,
    visible_discussion,
)
from bot.storage import models
from bot.unit import Unit
from bot.wording import say

MIN_REASON_LENGTH = 5

# The invitee's card and the chair's view show the children too (discussion_context):
# joined to the discussion's own query, not a lazy load after it.
_FOR_THE_RESPONSE = (*WITH_INVITATIONS, joinedload(models.Discussion.child_facts))


def accept(unit: Unit, actor: Contact, case_reference: str) -> Outcome:
    core, session = unit.core, unit.session
    discussion, invitation = _own_invitation(session, actor, case_reference)
    case = discussion_reference(discussion)
    if invitation.status == models.InvitationStatus.ACCEPTED:
        return Outcome(message(Kind.REPLY, "messages/already.txt.j2", case=case, status="accepted"))
    invitation.status = models.InvitationStatus.ACCEPTED
    invitation.decline_reason = None
    invitation.responded_at = core.clock.now()
    audit(session, core, actor.id, "accepted", discussion)
    # The card and the chair's view show the discussion alike: its context worked out once.
    shown = discussion_context(core, discussion)
    outgoing = [invitation_outgoing(core, invitation, shown)]
    outgoing += after_response(unit, discussion, shown)
    return Outcome(
        message(Kind.REPLY, "messages/responded.txt.j2", case=case, status="accepted"), outgoing
    )


def decline(unit: Unit, actor: Contact, case_reference: str, reason: str) -> Outcome:
    core = unit.core
    reason = reason.strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise refusal("respond.no_reason", case=case_reference)
    session = unit.session
    discussion, invitation = _own_invitation(session, actor, case_reference)
    if discussion.chair.key == actor.id:
        raise not_allowed("respond.chair_cannot_decline", case=discussion_reference(discussion))
    invitation.status = models.InvitationStatus.DECLINED
    invitation.decline_reason = reason
    invitation.responded_at = core.clock.now()
    audit(session, core, actor.id, "declined", discussion, reason=reason)
    case = discussion_reference(discussion)
    outgoing = [
        invitation_outgoing(core, invitation),
        to_chair(
            discussion,
            Kind.NOTICE,
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
            unit,
            discussion,
            kind,
            say(
                "fallback_trigger.declined",
                name=actor.name,
                agency=kind.value.replace("_", " "),
                others=others_invited(invitation),
            ),
        )
    outgoing += after_response(unit, discussion)
    return Outcome(
        message(Kind.REPLY, "messages/responded.txt.j2", case=case, status="declined"), outgoing
    )


def delegate(unit: Unit, actor: Contact, case_reference: str, to: str) -> Outcome:
    core = unit.core
    colleague = core.directory.find(to)
    if colleague is None or colleague.agency_id != actor.agency_id or colleague.id == actor.id:
        colleagues = core.directory.colleagues(actor)
        raise refusal(
            "respond.not_a_colleague",
            to=to,
            agency=core.directory.agency_of(actor).name,
            colleagues=", ".join(c.id for c in colleagues[:6]),
            case=case_reference,
            first=colleagues[0].id if colleagues else "",
        )
    session = unit.session
    discussion, invitation = _own_invitation(session, actor, case_reference)
    case = discussion_reference(discussion)
    if invitation_of(discussion, colleague.id) is not None:
        raise refusal("respond.already_invited", name=colleague.name, case=case)
    is_chair = discussion.chair.key == actor.id
    if is_chair and not colleague.can_chair:
        raise refusal("respond.chair_to_non_manager", name=colleague.name, case=case)
    now = core.clock.now()
    invitation.status = models.InvitationStatus.DELEGATED
    invitation.delegated_to = contact_row(session, colleague.id)
    invitation.responded_at = now
    new = models.Invitation(
        discussion=discussion,
        contact=contact_row(session, colleague.id),
        reason=say("invited_as.delegated", name=actor.name, chair=is_chair),
        status=models.InvitationStatus.ACCEPTED if is_chair else models.InvitationStatus.INVITED,
        responded_at=now if is_chair else None,
        invited_at=now,
    )
    session.add(new)
    if is_chair:
        discussion.chair = contact_row(session, colleague.id)
    session.flush()
    audit(session, core, actor.id, "delegated", discussion, to=colleague.id, chair=is_chair)
    schedule_sync(session, core, discussion)  # the colleague's calendar invitation
    session.refresh(discussion)
    outgoing = [invitation_outgoing(core, invitation), invitation_outgoing(core, new)]
    if not is_chair:
        outgoing.append(
            to_chair(
                discussion,
                Kind.NOTICE,
                "messages/chair_delegated.txt.j2",
                case=case,
                name=actor.name,
                colleague=colleague.name,
            )
        )
    outgoing += after_response(unit, discussion)
    reply = message(
        Kind.REPLY,
        "messages/responded.txt.j2",
        case=case,
        status="delegated",
        colleague=colleague.name,
    )
    return Outcome(reply, outgoing)


def _own_invitation(
    session: Session, actor: Contact, case_reference: str
) -> tuple[models.Discussion, models.Invitation]:
    discussion = visible_discussion(
        session, case_reference, actor, scheduled_only=True, load=_FOR_THE_RESPONSE
    )
    invitation = invitation_of(discussion, actor.id)
    assert invitation is not None  # visible_discussion only finds discussions they are invited to
    if invitation.status == models.InvitationStatus.DELEGATED:
        delegate = (
            invitation.delegated_to.name
            if invitation.delegated_to
            else wording("respond.a_colleague")
        )
        raise refusal(
            "respond.delegated_away", delegate=delegate, case=discussion_reference(discussion)
        )
    return discussion, invitation


def after_response(
    unit: Unit, discussion: models.Discussion, shown: dict[str, Any] | None = None
) -> list[Outgoing]:
    """Refresh the chair's quorum view, and mark the moment the quorum is first met.
    `shown`: the discussion's context, when the caller has worked it out since its change."""
    core, session = unit.core, unit.session
    # No refresh: the session made every change to the discussion and its invitations
    # (through the relationships), so a reload would read back what it holds.
    session.flush()
    outgoing = [quorum_outgoing(core, discussion, shown)]
    if discussion.quorum_met_at is None and all(quorum_of(discussion).values()):
        discussion.quorum_met_at = core.clock.now()
        audit(session, core, "system", "quorum_met", discussion)
        outgoing.append(
            to_chair(
                discussion,
                Kind.NOTICE,
                "messages/quorum_met.txt.j2",
                case=discussion_reference(discussion),
            )
        )
    return outgoing

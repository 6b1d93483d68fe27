"""The messages several services send: an invitation, the quorum view, a note to the chair."""

from __future__ import annotations

from typing import Any

from bot.core import Core
from bot.directory import AgencyKind
from bot.messages import Button, Kind, Outgoing, message
from bot.references import action_reference, discussion_reference, numbered_reference
from bot.routing import Router, describe
from bot.shared import describe_child, kind_of, quorum_of, when
from bot.storage import models
from bot.wording import say


def status_words(status: str) -> str:
    """Where an invitation stands, as people read it."""
    return say(f"invitation_status.{status}")


def discussion_context(core: Core, discussion: models.Discussion) -> dict[str, Any]:
    """What invitees may see about a discussion. Never a child's name: there is none to show."""
    return {
        "case": discussion_reference(discussion),
        "number": discussion.number,
        "category": discussion.category.replace("_", " "),
        "deadline": when(core, discussion.deadline_at),
        "deadline_rule": discussion.deadline_rule,
        "meeting": when(core, discussion.meeting_at),
        "meeting_at": discussion.meeting_at.isoformat(),  # the instant, for machines
        "late_reason": discussion.late_reason,
        "children": [describe_child(core, c) for c in discussion.child_facts],
        "tags": [t.replace("_", " ") for t in discussion.harm_tags],
        "chair": discussion.chair.name,
        "invitees": _invitees(discussion),
    }


def _invitees(discussion: models.Discussion) -> list[dict[str, Any]]:
    as_chair = say("invited_as.chair")  # the words looked up once, not once per invitee
    invitations = discussion.invitations
    statuses = {status: status_words(status) for status in {i.status for i in invitations}}
    return [
        {
            "contact": i.contact.key,
            "name": i.contact.name,
            "agency": i.contact.agency.name,
            "role": _role(discussion, i, as_chair),
            "status": statuses[i.status],
            "decline_reason": i.decline_reason,
            "delegated_to": i.delegated_to.name if i.delegated_to else None,
        }
        for i in invitations
    ]


def _role(discussion: models.Discussion, invitation: models.Invitation, as_chair: str) -> str:
    """Why someone is invited; a chair who delegated the chair is no longer "chair"."""
    if invitation.reason == as_chair and invitation.contact.id != discussion.chair_id:
        return say("invited_as.former_chair", name=discussion.chair.name)
    return invitation.reason


def invitation_outgoing(
    core: Core, invitation: models.Invitation, shown: dict[str, Any] | None = None
) -> Outgoing:
    """The invitation to one person; re-sent after a response, it updates in place.
    `shown`: the discussion's `discussion_context`, when the caller has it already."""
    discussion = invitation.discussion
    # Buttons name the discussion by number (NV-40213#1), so an old card acts on its
    # own discussion even once the case has a later one; the text shows NV-40213.
    numbered = numbered_reference(discussion.case.reference, discussion.number)
    accept, decline, delegate = (
        Button(name, numbered) for name in ("accept", "decline", "delegate")
    )
    buttons: tuple[Button, ...] = ()
    if invitation.status == models.InvitationStatus.INVITED:
        buttons = (accept, decline, delegate)
    elif invitation.status == models.InvitationStatus.DECLINED:  # they may still change their mind
        buttons = (accept, delegate)
    return Outgoing(
        to=invitation.contact.key,
        thread=f"invitation:{invitation.id}",
        message=message(
            Kind.INVITATION,
            "messages/invitation.txt.j2",
            buttons,
            **(shown if shown is not None else discussion_context(core, discussion)),
            reason=invitation.reason,
            status=invitation.status,
            status_words=status_words(invitation.status),
            checklist=f"checklists/{checklist_for(kind_of(invitation))}.txt.j2",
        ),
    )


def checklist_for(kind: AgencyKind) -> str:
    if kind in (AgencyKind.SOCIAL_CARE, AgencyKind.HEALTH, AgencyKind.POLICE, AgencyKind.EDUCATION):
        return kind.value
    return "other"


def quorum_outgoing(
    core: Core, discussion: models.Discussion, shown: dict[str, Any] | None = None
) -> Outgoing:
    """The chair's live view of who has confirmed, updated in place as replies arrive."""
    confirmed = quorum_of(discussion)
    return Outgoing(
        to=discussion.chair.key,
        thread=f"quorum:{discussion.id}",
        message=message(
            Kind.QUORUM,
            "messages/quorum.txt.j2",
            **(shown if shown is not None else discussion_context(core, discussion)),
            quorum=[(kind.value.replace("_", " "), ok) for kind, ok in confirmed.items()],
            met=all(confirmed.values()),
            reached=reached_by(core, [i.contact.key for i in discussion.invitations]),
        ),
    )


def reached_by(core: Core, contacts: list[str]) -> dict[str, str]:
    """How each person is reached ("Teams, then email"), over the channels this
    deployment has (bot/routing.py): the chair sees who only gets email."""
    router = Router(core.directory, core.reach_channels)
    return {key: describe(router.channels(key)) for key in contacts}


def action_outgoing(
    core: Core,
    action: models.Action,
    kind: Kind,
    template: str,
    *,
    owner: str | None = None,
    **extra: object,
) -> Outgoing:
    """To the action's owner (`owner`: their key, when the caller knows it and the
    owner's row was not read)."""
    reference = action_reference(action)
    buttons = tuple(Button(name, reference) for name in ("close", "more-time", "snooze"))
    return Outgoing(
        to=owner if owner is not None else action.owner.key,
        message=message(
            kind,
            template,
            buttons,
            reference=reference,
            description=action.description,
            due=when(core, action.due_at),
            due_at=action.due_at.isoformat(),  # the instant, for machines
            chair=action.discussion.chair.name,
            urgent=action.urgent,
            **extra,
        ),
    )

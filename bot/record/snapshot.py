"""The facts around a record, read from the discussion: attendance, children, actions."""

from __future__ import annotations

from bot.core import Core
from bot.directory import Role
from bot.record.content import ActionRow, AttendanceRow, ChildRow, RecordContent, Snapshot
from bot.references import action_reference, discussion_reference, numbered_reference
from bot.shared import carried_forward, describe_child, when
from bot.storage import models
from bot.wording import say
from templates import render


def build_snapshot(core: Core, discussion: models.Discussion, content: RecordContent) -> Snapshot:
    return Snapshot(
        case=discussion_reference(discussion),
        partnership=core.directory.partnership.name,
        category=discussion.category,
        tags=list(discussion.harm_tags),
        identified=when(core, discussion.identified_at),
        deadline=when(core, discussion.deadline_at),
        deadline_rule=discussion.deadline_rule,
        meeting=when(core, discussion.meeting_at),
        late_reason=discussion.late_reason,
        chair=discussion.chair.name,
        convenor=discussion.convenor.name,
        attendance=attendance(core, discussion, content),
        children=[
            ChildRow(
                pseudonym=child.pseudonym,
                description=describe_child(core, child),
                discussed=child.pseudonym in content.children,
                note=content.child_notes.get(child.pseudonym),
            )
            for child in discussion.child_facts
        ],
        actions=[action_row(core, action) for action in discussion.actions],
        carried_forward=[
            action_row(core, action).model_copy(
                update={
                    "agreed_at": numbered_reference(
                        action.discussion.case.reference, action.discussion.number
                    ),
                    "progress": progress(core, action),
                }
            )
            for action in carried_forward(discussion)
        ],
    )


def progress(core: Core, action: models.Action) -> str:
    """How an open action stands, in words: overdue, more time asked for, or on time."""
    if action.requested_due_at is not None:
        return say("action_progress.more_time", until=when(core, action.requested_due_at))
    if action.due_at < core.clock.now():
        return say("action_progress.overdue")
    return say("action_progress.on_time")


def attendance(
    core: Core, discussion: models.Discussion, content: RecordContent
) -> list[AttendanceRow]:
    """Everyone invited, attended or not, then anyone who attended without an invitation.

    Until the chair confirms attendance, those who accepted are shown as attending.
    """
    confirmed = content.attended
    rows: list[AttendanceRow] = []
    for invitation in discussion.invitations:
        contact = invitation.contact
        attended = (
            contact.key in confirmed
            if confirmed is not None
            else invitation.status == models.InvitationStatus.ACCEPTED
        )
        absence = None
        if not attended:
            absence = content.absence_reasons.get(contact.key) or render(
                "record/absence.txt.j2",
                status=invitation.status,
                decline_reason=invitation.decline_reason,
                delegated_to=invitation.delegated_to.name if invitation.delegated_to else None,
            )
        rows.append(
            AttendanceRow(
                contact=contact.key,
                name=contact.name,
                agency_id=contact.agency.key,
                agency=contact.agency.name,
                agency_kind=contact.agency.kind,
                role=Role(contact.role).label,
                invited_as=invitation.reason,
                attended=attended,
                absence=absence,
                via_fallback=invitation.via_fallback,
            )
        )
    invited = {row.contact for row in rows}
    for key in confirmed or []:
        person = core.directory.contact(key)
        if key in invited or person is None:
            continue
        agency = core.directory.agency_of(person)
        rows.append(
            AttendanceRow(
                contact=key,
                name=person.name,
                agency_id=agency.id,
                agency=agency.name,
                agency_kind=agency.kind.value,
                role=person.role.label,
                invited_as=None,
                attended=True,
            )
        )
    return rows


def action_row(core: Core, action: models.Action) -> ActionRow:
    return ActionRow(
        reference=action_reference(action),
        description=action.description,
        owner=action.owner.key if action.owner else None,
        owner_name=action.owner.name if action.owner else None,
        agency=action.owner.agency.name if action.owner else None,
        due_at=action.due_at.isoformat() if action.due_at else None,
        due=when(core, action.due_at) if action.due_at else None,
        status=action.status,
    )

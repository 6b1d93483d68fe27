"""Record a held discussion: fill the record in, finalise it, correct it, read it.

The chair or the convenor fills the record in, field by field, in any order
(`update`). Only the chair finalises, and only once the essentials are there
(`finalise`): the version is then frozen with a snapshot of the facts, its
Markdown and PDF are rendered once and kept, and circulation is scheduled. A
change after that is a correction: a new version, with its reason, circulated
again. Anyone invited can read the final record (`show`).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.core import Core
from bot.directory import Contact
from bot.errors import NotAllowed, not_allowed, refusal, wording
from bot.messages import Kind, Message, Outcome, Outgoing, message
from bot.record import circulation, document, further
from bot.record.completeness import essential_gaps, is_complete, other_gaps
from bot.record.content import RecordContent, Snapshot
from bot.record.fields import EXAMPLES, FieldContext, apply
from bot.record.form import essential_rows, other_rows
from bot.record.snapshot import build_snapshot
from bot.references import discussion_reference, numbered_reference, read_discussion_reference
from bot.shared import (
    WITH_INVITATIONS,
    audit,
    contact_id,
    invitation_of,
    of_contact,
    visible_discussion,
    when,
)
from bot.storage import models
from bot.storage.record_models import RecordShare, RecordStatus, RecordVersion
from bot.unit import Unit
from bot.wording import say
from scheduling.deadlines import record_circulation_deadline

MIN_REASON = 5


def form(unit: Unit, actor: Contact, case_reference: str) -> Outcome:
    """The record as it stands, with what is missing: where the chair starts."""
    core, session = unit.core, unit.session
    discussion = _held_discussion(core, session, actor, case_reference)
    _require_editor(discussion, actor)
    version = latest_version(session, discussion)
    return Outcome(_form_message(core, discussion, version, saved=()))


def update(
    unit: Unit,
    actor: Contact,
    case_reference: str,
    fields: Mapping[str, str],
    reason: str | None = None,
) -> Outcome:
    """Save fields to the draft (starting one, or a correction when `reason` is given)."""
    core = unit.core
    reason = (reason or "").strip() or None
    session = unit.session
    discussion = _held_discussion(core, session, actor, case_reference)
    _require_editor(discussion, actor)
    case = discussion_reference(discussion)
    latest = latest_version(session, discussion)
    now = core.clock.now()
    if latest is not None and latest.is_final:
        if reason is None or len(reason) < MIN_REASON:
            raise refusal(
                "record.correction_needs_reason",
                finalised=when(core, latest.finalised_at or now),
                case=case,
                typed=EXAMPLES["s47"],
                field="reason",
            )
        start = RecordContent.load(latest.content).model_copy(update={"snapshot": None})
    elif reason is not None and (latest is None or latest.version == 1):
        raise refusal("record.reason_too_soon", case=case, typed=EXAMPLES["s47"], field="reason")
    else:
        start = RecordContent.load(latest.content) if latest is not None else RecordContent()
    content = apply(start, fields, _field_context(core, discussion))
    if latest is None or latest.is_final:
        version = RecordVersion(
            discussion=discussion,
            version=1 if latest is None else latest.version + 1,
            status=RecordStatus.DRAFT,
            correction_reason=reason,
            created_by=_editor_row(discussion, actor),
            created_at=now,
            updated_at=now,
            content={},
        )
        session.add(version)
        if latest is not None:
            audit(
                session,
                core,
                actor.id,
                "record_correction_started",
                discussion,
                version=version.version,
                reason=reason,
            )
    else:
        version = latest
    version.content = content.dump()
    version.updated_at = now
    session.flush()
    if fields:
        audit(
            session,
            core,
            actor.id,
            "record_updated",
            discussion,
            version=version.version,
            fields=sorted(fields),
        )
    return Outcome(_form_message(core, discussion, version, saved=tuple(fields)))


def finalise(unit: Unit, actor: Contact, case_reference: str) -> Outcome:
    core, session = unit.core, unit.session
    discussion = _held_discussion(core, session, actor, case_reference)
    case = discussion_reference(discussion)
    if actor.id != discussion.chair.key:
        raise not_allowed("record.finaliser", chair=discussion.chair.name)
    latest = latest_version(session, discussion)
    if latest is not None and latest.is_final:
        raise refusal(
            "record.already_final",
            version=latest.version,
            finalised=when(core, latest.finalised_at or core.clock.now()),
            case=case,
            typed=EXAMPLES["safety"],
        )
    content = RecordContent.load(latest.content) if latest is not None else RecordContent()
    snapshot = build_snapshot(core, discussion, content)
    children = [c.pseudonym for c in discussion.child_facts]
    gaps = essential_gaps(content, children, snapshot.actions)
    if latest is None or gaps:
        not_ready = message(
            Kind.REPLY,
            "record/not_ready.txt.j2",
            case=case,
            gaps=gaps,
            examples=_examples(case, snapshot),
        )
        return Outcome(not_ready, ok=False, field="finalise")
    now = core.clock.now()
    info = document.VersionInfo(
        version=latest.version,
        final=True,
        finalised_at=when(core, now),
        finalised_by=actor.name,
        correction_reason=latest.correction_reason,
    )
    final = content.model_copy(update={"snapshot": snapshot})
    text = document.markdown(core.directory, final, snapshot, info)
    due = discussion.meeting_at if latest.version == 1 else now
    finaliser = discussion.chair  # the actor, as checked above
    pdf = document.pdf(text, say("record_form.pdf_title", case=case), now)
    # One UPDATE, with no query in between (a query would flush a part of it, and the
    # database refuses any change to a version once its status is final).
    latest.content = final.dump()
    latest.status = RecordStatus.FINAL
    latest.finalised_by = finaliser
    latest.finalised_at = now
    latest.updated_at = now
    latest.circulation_due_at = record_circulation_deadline(
        due, core.calendar, core.directory.partnership.timescales
    )
    latest.document_markdown = text
    latest.document_pdf = pdf
    session.flush()
    people = circulation.recipients(snapshot)
    circulation.schedule_deliveries(core, session, latest, people)
    further.schedule_reminder(core, session, discussion, final, first=latest.version == 1)
    complete = is_complete(final, children, snapshot.actions, snapshot.attendance)
    audit(
        session,
        core,
        actor.id,
        "record_finalised",
        discussion,
        version=latest.version,
        recipients=[p.contact for p in people],
        complete=complete,
    )
    return Outcome(
        message(
            Kind.REPLY,
            "record/finalised.txt.j2",
            case=case,
            version=latest.version,
            correction=latest.correction_reason,
            full=sum(1 for p in people if p.scope.value == "full"),
            actions_only=sum(1 for p in people if p.scope.value == "actions"),
            deadline=when(core, latest.circulation_due_at),
            late=latest.circulation_due_at < now,
            gaps=other_gaps(final, snapshot.attendance),
        )
    )


def share(unit: Unit, actor: Contact, case_reference: str, person: str) -> Outcome:
    """The chair lets someone not invited read the final record (e.g. a review's invitee)."""
    core, session = unit.core, unit.session
    discussion = visible_discussion(session, case_reference, actor)
    case = discussion_reference(discussion)
    if actor.id != discussion.chair.key:
        raise not_allowed("record.sharer", chair=discussion.chair.name, case=case)
    contact = core.directory.find(person)
    if contact is None:
        raise refusal("record.share_unknown", person=person, case=case, field="share")
    final = latest_final(session, discussion)
    if final is None:
        raise refusal("record.share_not_final", case=case, field="share")
    if invitation_of(discussion, contact.id) is not None or _shared_with(
        session, discussion, contact
    ):
        raise refusal("record.share_already", name=contact.name, case=case, field="share")
    session.add(
        RecordShare(
            discussion_id=discussion.id,
            contact_id=contact_id(session, contact.id),
            shared_by_id=contact_id(session, actor.id),
            shared_at=core.clock.now(),
        )
    )
    audit(session, core, actor.id, "record_shared", discussion, contact=contact.id)
    read = numbered_reference(discussion.case.reference, discussion.number)
    notice = Outgoing(
        to=contact.id,
        message=message(
            Kind.NOTICE, "record/shared.txt.j2", case=case, chair=actor.name, read=read
        ),
    )
    reply = message(Kind.REPLY, "record/shared_reply.txt.j2", case=case, name=contact.name)
    return Outcome(reply, [notice])


def _shared_with(session: Session, discussion: models.Discussion, contact: Contact) -> bool:
    return (
        session.scalars(
            of_contact(
                session,
                select(RecordShare).where(RecordShare.discussion_id == discussion.id),
                RecordShare.contact_id,
                contact.id,
            )
        ).first()
        is not None
    )


def _shown_discussion(session: Session, case_reference: str, actor: Contact) -> models.Discussion:
    """The discussion the actor was invited to, or (CASE#N) one whose record was shared."""
    try:
        return visible_discussion(session, case_reference, actor)
    except NotAllowed:
        wanted = read_discussion_reference(case_reference)
        shared = session.scalars(
            of_contact(
                session,
                select(models.Discussion)
                .join(models.Case)
                .join(RecordShare, RecordShare.discussion_id == models.Discussion.id)
                .where(
                    models.Case.reference == wanted.case,
                    models.Discussion.number == wanted.number,
                ),
                RecordShare.contact_id,
                actor.id,
            )
        ).first()
        if wanted.number is None or shared is None:
            raise
        return shared


def show(unit: Unit, actor: Contact, case_reference: str) -> Outcome:
    """The record as a document: the final version, or the draft for the chair and convenor."""
    core, session = unit.core, unit.session
    discussion = _shown_discussion(session, case_reference, actor)
    case = discussion_reference(discussion)
    latest = latest_version(session, discussion)
    editor = actor.id in (discussion.chair.key, discussion.convenor.key)
    if latest is not None and not latest.is_final and editor:
        content = RecordContent.load(latest.content)
        info = document.VersionInfo(
            latest.version, final=False, correction_reason=latest.correction_reason
        )
        text = document.markdown(
            core.directory, content, build_snapshot(core, discussion, content), info
        )
        return Outcome(message(Kind.REPLY, "record/show.txt.j2", case=case, document=text))
    final = latest_final(session, discussion)
    if final is None or final.document_markdown is None:
        chair = discussion.chair.name
        return Outcome(message(Kind.REPLY, "record/not_final.txt.j2", case=case, chair=chair))
    audit(session, core, actor.id, "record_read", discussion, version=final.version)
    return Outcome(
        message(Kind.REPLY, "record/show.txt.j2", case=case, document=final.document_markdown)
    )


def latest_version(session: Session, discussion: models.Discussion) -> RecordVersion | None:
    return session.scalars(
        select(RecordVersion)
        .where(RecordVersion.discussion_id == discussion.id)
        .order_by(RecordVersion.version.desc())
        .limit(1)
    ).first()


def latest_final(session: Session, discussion: models.Discussion) -> RecordVersion | None:
    return session.scalars(
        select(RecordVersion)
        .where(
            RecordVersion.discussion_id == discussion.id,
            RecordVersion.status == RecordStatus.FINAL,
        )
        .order_by(RecordVersion.version.desc())
        .limit(1)
    ).first()


# Each command on a held discussion's record checks its chair or convenor, then its form
# shows them and the attendance (the invitations), the children and the actions with
# their owners (build_snapshot): a query each for the last two, not a lazy load each
# and one per owner. The chair and the convenor are invited by definition: their rows
# come with the invitations (no join of their own, and no query either).
_FOR_THE_RECORD = (
    *WITH_INVITATIONS,
    selectinload(models.Discussion.child_facts),
    selectinload(models.Discussion.actions).joinedload(models.Action.owner),
)


def _held_discussion(
    core: Core, session: Session, actor: Contact, case_reference: str
) -> models.Discussion:
    discussion = visible_discussion(session, case_reference, actor, load=_FOR_THE_RECORD)
    case = discussion_reference(discussion)
    if discussion.status == models.DiscussionStatus.CANCELLED:
        raise refusal("record.cancelled", case=case)
    if discussion.meeting_at > core.clock.now():
        earlier = numbered_reference(discussion.case.reference, discussion.number - 1)
        raise refusal(
            "record.not_held",
            case=case,
            meeting=when(core, discussion.meeting_at),
            earlier=earlier if discussion.number > 1 else None,
        )
    return discussion


def _require_editor(discussion: models.Discussion, actor: Contact) -> None:
    if actor.id not in (discussion.chair.key, discussion.convenor.key):
        raise not_allowed("record.editor", case=discussion_reference(discussion))


def _editor_row(discussion: models.Discussion, actor: Contact) -> models.Contact:
    """The actor's contact row: the chair's or the convenor's (`_require_editor`), loaded
    with the discussion, so not read again by key."""
    return discussion.chair if actor.id == discussion.chair.key else discussion.convenor


def _field_context(core: Core, discussion: models.Discussion) -> FieldContext:
    return FieldContext(
        directory=core.directory,
        case=discussion_reference(discussion),
        invited=tuple(i.contact.key for i in discussion.invitations),
        children=tuple(c.pseudonym for c in discussion.child_facts),
    )


def _form_message(
    core: Core,
    discussion: models.Discussion,
    version: RecordVersion | None,
    saved: tuple[str, ...],
) -> Message:
    content = RecordContent.load(version.content) if version is not None else RecordContent()
    snapshot = build_snapshot(core, discussion, content)
    essentials = essential_rows(content, snapshot)
    names = {agency.id: agency.name for agency in core.directory.agencies}
    others = other_rows(content, snapshot, names)
    case = discussion_reference(discussion)
    missing = [row.key for row in essentials + others if not row.done]
    examples = _examples(case, snapshot)
    return message(
        Kind.REPLY,
        "record/form.txt.j2",
        case=case,
        saved=saved,
        compact=bool(saved),  # after a change: the essentials in full, the rest in a line
        version=version.version if version is not None else 1,
        final=version is not None and version.is_final,
        correction_reason=version.correction_reason if version is not None else None,
        essentials=essentials,
        others=others,
        ready=all(row.done for row in essentials),
        next_example=examples.get(missing[0]) if missing else None,
    )


def _examples(case: str, snapshot: Snapshot) -> dict[str, str]:
    """An example command for each field; attendance and children from this discussion."""
    examples = {
        key: wording("record.field_example", case=case, example=example)
        for key, example in EXAMPLES.items()
    }
    attended = ",".join(row.contact for row in snapshot.attendance if row.attended)
    children = ",".join(child.pseudonym for child in snapshot.children)
    examples["attended"] = wording(
        "record.field_example", case=case, example=f"attended={attended}"
    )
    examples["children"] = wording(
        "record.field_example", case=case, example=f"children={children}"
    )
    return examples

"""Convene a strategy discussion: check the request, work out the deadline, invite."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core import Core
from bot.directory import Contact
from bot.domain import CHILD_PSEUDONYM, ChildSpec, HarmTag, chair_for, plan_invitations
from bot.errors import LateMeeting, not_allowed, refusal, wording
from bot.messages import Kind, Outcome, message
from bot.references import discussion_reference, read_discussion_reference
from bot.services.announce import announce
from bot.services.review import Review, refuse_while_upcoming, start_review
from bot.services.review import changes as review_changes
from bot.services.review import context as review_context
from bot.services.time_search import refuse_while_finding, start_search
from bot.shared import audit, contact_row, read_contact_rows, when
from bot.storage import models
from bot.unit import Unit
from scheduling.deadlines import Deadline, statutory_deadline
from scheduling.rules import ConcernCategory
from scheduling.timetext import TimeTextError, parse_identified, parse_meeting_time


@dataclass(frozen=True)
class ConveneRequest:
    case_reference: str
    children: Sequence[ChildSpec]
    category: str
    meeting: str | None  # as typed, e.g. "tomorrow 2pm"; None: find a time
    identified: str | None = None  # as typed; None means now
    tags: Sequence[str] = ()
    known: Sequence[str] = ()  # directory ids or names of professionals known to the family
    referrer: str | None = None  # the referring professional, by directory id or name
    late_reason: str | None = None
    # For a review: children of the last discussion left out of this one, with the reason.
    dropped: str | None = None


@dataclass(frozen=True)
class CheckedConvene:
    """A request that passed every check, in typed values."""

    case_reference: str
    number: int | None  # as typed (NV-40213#2); None: the next discussion of the case
    children: tuple[ChildSpec, ...]
    category: ConcernCategory
    identified_at: datetime
    deadline: Deadline
    meeting_at: datetime | None  # None: find a time
    meeting_warnings: tuple[str, ...]
    tags: tuple[HarmTag, ...]
    chair: Contact
    known: tuple[Contact, ...]
    referrer: Contact | None
    late_reason: str | None
    notes: list[str] = field(default_factory=list)
    dropped: str | None = None


def example(core: Core) -> str:
    return wording("convene.example", case=core.directory.partnership.case_reference_example)


def require_convenor(actor: Contact) -> None:
    """Only children's social care convenes: a social worker or a team manager."""
    if not actor.is_convenor:
        raise not_allowed("convene.not_convenor", role=actor.role.label)


def parse_children(text: str) -> list[ChildSpec]:
    """'C1:2019-04-02,C2:unborn:2027-03-01,C3' -> children (dates are optional)."""
    children = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        pseudonym, *dates = item.split(":")
        try:
            if len(dates) == 2 and dates[0].lower() == "unborn":
                children.append(
                    ChildSpec(pseudonym.upper(), expected_date=date.fromisoformat(dates[1]))
                )
            elif len(dates) == 1:
                children.append(
                    ChildSpec(pseudonym.upper(), date_of_birth=date.fromisoformat(dates[0]))
                )
            elif not dates:
                children.append(ChildSpec(pseudonym.upper()))
            else:
                raise ValueError(item)
        except ValueError:
            raise refusal("convene.child_unreadable", item=item) from None
    return children


def check(core: Core, actor: Contact, request: ConveneRequest) -> CheckedConvene:
    """Every check on a convene request, before anything is written."""
    require_convenor(actor)
    partnership = core.directory.partnership
    named = read_discussion_reference(request.case_reference)
    reference = named.case
    if not partnership.is_case_reference(reference):
        raise refusal("convene.not_a_case", case=request.case_reference, example=example(core))
    children = _check_children(core, request.children)
    try:
        category = ConcernCategory(request.category.strip().lower())
    except ValueError:
        known = ", ".join(c.value for c in ConcernCategory)
        raise refusal(
            "convene.not_a_category", category=request.category, known=known, example=example(core)
        ) from None
    tags = _check_tags(core, request.tags)
    known_contacts = tuple(_find_contact(core, name) for name in request.known)
    referrer = _find_contact(core, request.referrer) if request.referrer else None

    now = core.clock.now()
    try:
        identified_at = (
            now
            if request.identified is None
            else parse_identified(request.identified, now, core.calendar)
        )
    except TimeTextError as problem:
        raise refusal("convene.identified", problem=problem) from None
    meeting = None
    if request.meeting is not None:
        try:
            meeting = parse_meeting_time(request.meeting, now, core.calendar)
        except TimeTextError as problem:
            raise refusal("convene.meeting", problem=problem) from None

    deadline = statutory_deadline(identified_at, category, core.calendar, partnership.timescales)
    late_reason = (request.late_reason or "").strip() or None
    if meeting is not None and meeting.at > deadline.deadline and late_reason is None:
        raise refusal(
            "convene.after_deadline",
            raising=LateMeeting,
            meeting=meeting.echo,
            deadline=when(core, deadline.deadline),
            rule=deadline.rule,
            example=example(core),
        )
    chair = chair_for(core.directory, actor)
    if chair is None:
        raise refusal("convene.no_chair")
    return CheckedConvene(
        case_reference=reference,
        number=named.number,
        children=children,
        category=category,
        identified_at=identified_at,
        deadline=deadline,
        meeting_at=meeting.at if meeting is not None else None,
        meeting_warnings=meeting.warnings if meeting is not None else (),
        tags=tags,
        chair=chair,
        known=known_contacts,
        referrer=referrer,
        late_reason=late_reason,
        dropped=(request.dropped or "").strip() or None,
    )


def _check_children(core: Core, children: Sequence[ChildSpec]) -> tuple[ChildSpec, ...]:
    if not children:
        raise refusal("convene.no_children", example=example(core))
    today = core.calendar.local_date(core.clock.now())
    seen: set[str] = set()
    for child in children:
        if not CHILD_PSEUDONYM.fullmatch(child.pseudonym):
            raise refusal(
                "convene.not_a_pseudonym", pseudonym=child.pseudonym, example=example(core)
            )
        if child.pseudonym in seen:
            raise refusal("convene.child_twice", pseudonym=child.pseudonym, example=example(core))
        seen.add(child.pseudonym)
        if child.date_of_birth is not None and child.date_of_birth > today:
            raise refusal(
                "convene.born_in_future", pseudonym=child.pseudonym, born=child.date_of_birth
            )
        if child.expected_date is not None and child.expected_date < today - timedelta(days=7):
            raise refusal(
                "convene.expected_passed", pseudonym=child.pseudonym, expected=child.expected_date
            )
    return tuple(children)


def _check_tags(core: Core, tags: Sequence[str]) -> tuple[HarmTag, ...]:
    checked: list[HarmTag] = []
    for tag in tags:
        try:
            checked.append(HarmTag(tag.strip().lower()))
        except ValueError:
            known = ", ".join(t.value for t in HarmTag)
            raise refusal(
                "convene.not_a_tag", tag=tag, known=known, example=example(core)
            ) from None
    return tuple(dict.fromkeys(checked))


def _find_contact(core: Core, name: str) -> Contact:
    contact = core.directory.find(name)
    if contact is not None:
        return contact
    everyone = [c.id for c in core.directory.contacts()] + [
        c.name for c in core.directory.contacts()
    ]
    close = difflib.get_close_matches(name, everyone, n=3)
    hint = wording("convene.did_you_mean", names=", ".join(close)) if close else ""
    raise refusal("convene.unknown_person", name=name, hint=hint)


def convene(unit: Unit, actor: Contact, request: ConveneRequest) -> Outcome:
    checked = check(unit.core, actor, request)
    return _convene(unit, actor, checked)


def _convene(unit: Unit, actor: Contact, checked: CheckedConvene) -> Outcome:
    core, session = unit.core, unit.session
    now = core.clock.now()
    case = _case(core, session, checked.case_reference)
    refuse_while_finding(case)
    latest = case.discussions[-1] if case.discussions else None
    review: Review | None = None
    if latest is not None:
        refuse_while_upcoming(core, actor, latest)
        review = start_review(core, session, latest, checked.children, checked.dropped)
    elif checked.dropped is not None:
        raise refusal("convene.dropped_first", case=case.reference, field="dropped")
    number = review.number if review is not None else 1
    if checked.number not in (None, number):
        raise refusal("convene.not_next", typed=checked.number, case=case.reference, next=number)
    children = _children(session, case, checked.children)
    planned = plan_invitations(
        core.directory,
        checked.chair,
        actor,
        checked.tags,
        checked.known,
        checked.referrer,
        last_time=review.attended if review is not None else (),
    )
    # The organisers' rows with the invitees', in one query.
    read_contact_rows(session, [actor.id, checked.chair.id, *(p.contact.id for p in planned)])
    discussion = models.Discussion(
        case=case,
        number=number,
        convenor=contact_row(session, actor.id),
        chair=contact_row(session, checked.chair.id),
        category=checked.category.value,
        harm_tags=[t.value for t in checked.tags],
        identified_at=checked.identified_at,
        due_date=checked.deadline.due_date,
        deadline_at=checked.deadline.deadline,
        deadline_rule=checked.deadline.rule,
        # Finding a time: the deadline until the search sets the first candidate slot.
        meeting_at=checked.meeting_at or checked.deadline.deadline,
        late_reason=checked.late_reason,
        status=models.DiscussionStatus.SCHEDULED
        if checked.meeting_at is not None
        else models.DiscussionStatus.FINDING_TIME,
        convened_at=now,
        child_facts=[
            models.DiscussionChild(
                child=child, date_of_birth=child.date_of_birth, expected_date=child.expected_date
            )
            for child in children
        ],
    )
    session.add(discussion)
    session.flush()
    audit(
        session,
        core,
        actor.id,
        "convened",
        discussion,
        case=discussion_reference(discussion),
        category=checked.category.value,
        deadline=checked.deadline.deadline.isoformat(),
        rule=checked.deadline.rule,
        meeting_at=checked.meeting_at.isoformat() if checked.meeting_at else None,
        late_reason=checked.late_reason,
        children=[c.pseudonym for c in checked.children],
        tags=[t.value for t in checked.tags],
        number=discussion.number,
        dropped=review.dropped if review is not None else {},
    )

    continuity = (
        review_changes(review, planned, [t.value for t in checked.tags])
        if review is not None
        else []
    )
    for plan in planned:
        organiser = plan.contact.id in (actor.id, checked.chair.id)
        invitation = models.Invitation(
            discussion=discussion,
            contact=contact_row(session, plan.contact.id),
            reason=plan.reason,
            # The chair and the convenor are there by definition.
            status=models.InvitationStatus.ACCEPTED
            if organiser
            else models.InvitationStatus.INVITED,
            invited_at=now,
            responded_at=now if organiser else None,
        )
        session.add(invitation)
        audit(
            session,
            core,
            actor.id,
            "invited",
            discussion,
            contact=plan.contact.id,
            reason=plan.reason,
        )
    if checked.meeting_at is None:  # no time given: find one (bot/services/time_search.py)
        return start_search(unit, actor, discussion, checked.deadline)
    outgoing = announce(unit, discussion)
    reply = message(
        Kind.REPLY,
        "messages/convened.txt.j2",
        case=discussion_reference(discussion),
        category=checked.category.value.replace("_", " "),
        deadline=when(core, checked.deadline.deadline),
        rule=checked.deadline.rule,
        meeting=when(core, discussion.meeting_at),
        warnings=checked.meeting_warnings,
        late_reason=checked.late_reason,
        chair=checked.chair.name,
        invited=[(p.contact.name, p.reason) for p in planned],
        review=review_context(core, review) if review is not None else None,
        changes=continuity,
    )
    return Outcome(reply=reply, outgoing=outgoing)


def _case(core: Core, session: Session, reference: str) -> models.Case:
    partnership = session.scalars(
        select(models.Partnership).where(models.Partnership.name == core.directory.partnership.name)
    ).one()
    case = session.scalars(
        select(models.Case).where(
            models.Case.partnership_id == partnership.id, models.Case.reference == reference
        )
    ).one_or_none()
    if case is None:
        # A new case has no discussions or children yet: said here, not asked of the database.
        case = models.Case(
            partnership_id=partnership.id,
            reference=reference,
            created_at=core.clock.now(),
            discussions=[],
            children=[],
        )
        session.add(case)
        session.flush()
    return case


def _children(
    session: Session, case: models.Case, specs: Sequence[ChildSpec]
) -> list[models.Child]:
    """The case's child rows for these pseudonyms, adding the new ones and updating dates."""
    existing = {c.pseudonym: c for c in case.children}
    children: list[models.Child] = []
    for spec in specs:
        child = existing.get(spec.pseudonym)
        if child is None:
            child = models.Child(case=case, pseudonym=spec.pseudonym)
            session.add(child)
        if spec.date_of_birth is not None or spec.expected_date is not None:
            child.date_of_birth = spec.date_of_birth
            child.expected_date = spec.expected_date
        children.append(child)
    session.flush()
    return children

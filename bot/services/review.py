"""A case's series of discussions: when a review may be convened, and what it carries over.

A case's first discussion is number 1; once the latest has been held or
cancelled, convening the case again convenes the next one, a review. A review
starts from the last discussion: everyone who attended is proposed again (the
same police unit, the same health professional), the convenor is told when
the rules now call for someone else and why, and the earlier open actions stay
open and followed up in the review (carried forward, not copied).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core import Core
from bot.directory import AgencyKind, Contact, Role
from bot.domain import ChildSpec, PlannedInvite, duty_contact
from bot.errors import refusal
from bot.record.content import RecordContent
from bot.references import action_reference, discussion_reference
from bot.shared import carried_forward, invitation_of, when
from bot.storage import models
from bot.storage.record_models import RecordVersion
from bot.wording import say

# Whose change of person the convenor is shown: the audits' consistency concern.
FOLLOWED_KINDS = (AgencyKind.POLICE, AgencyKind.HEALTH)


@dataclass(frozen=True)
class Review:
    """What a review discussion starts from: the case's latest discussion."""

    previous: models.Discussion
    number: int
    attended: tuple[Contact, ...]  # who attended the previous discussion, from the directory
    dropped: dict[str, str] = field(default_factory=dict)  # child pseudonym -> reason


def refuse_while_upcoming(core: Core, actor: Contact, latest: models.Discussion) -> None:
    """A second convene while one is upcoming is refused; only its invitees learn its time."""
    if latest.status != models.DiscussionStatus.SCHEDULED:
        return
    name = discussion_reference(latest)
    if invitation_of(latest, actor.id) is not None:
        raise refusal("convene.already_scheduled", case=name, meeting=when(core, latest.meeting_at))
    manager = duty_contact(core.directory, Role.TEAM_MANAGER, exclude=[actor.id])
    raise refusal(
        "convene.already_arranged",
        case=latest.case.reference,
        manager=manager.name if manager is not None else None,
    )


def start_review(
    core: Core,
    session: Session,
    previous: models.Discussion,
    children: Sequence[ChildSpec],
    dropped_text: str | None,
) -> Review:
    """The review of `previous`: checks that every child left out has a reason."""
    dropped = _read_dropped(dropped_text)
    wanted = {spec.pseudonym for spec in children}
    left_out = [c.pseudonym for c in previous.child_facts if c.pseudonym not in wanted]
    missing = [p for p in left_out if p not in dropped]
    if missing:
        raise refusal(
            "convene.child_left_out",
            children=", ".join(missing),
            case=discussion_reference(previous),
            field="dropped",
        )
    unknown = [p for p in dropped if p not in left_out]
    if unknown:
        raise refusal("convene.not_left_out", children=", ".join(unknown), field="dropped")
    return Review(
        previous=previous,
        number=previous.number + 1,
        attended=tuple(_attended(core, session, previous)),
        dropped=dropped,
    )


def _read_dropped(text: str | None) -> dict[str, str]:
    """'C2: moved to another authority; C3: ...' -> {C2: reason}."""
    dropped: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in (text or "").split(";"))):
        pseudonym, _, reason = item.partition(":")
        if len(reason.strip()) < 5:
            raise refusal("convene.dropped_unreadable", item=item, field="dropped")
        dropped[pseudonym.strip().upper()] = reason.strip()
    return dropped


def _attended(core: Core, session: Session, discussion: models.Discussion) -> list[Contact]:
    """Who attended: as the record confirms it, else everyone who accepted."""
    latest = session.scalars(
        select(RecordVersion)
        .where(RecordVersion.discussion_id == discussion.id)
        .order_by(RecordVersion.version.desc())
        .limit(1)
    ).first()
    confirmed = RecordContent.load(latest.content).attended if latest is not None else None
    keys = (
        confirmed
        if confirmed is not None
        else [
            i.contact.key
            for i in discussion.invitations
            if i.status == models.InvitationStatus.ACCEPTED
        ]
    )
    people = (core.directory.find(key) for key in keys)
    return [person for person in people if person is not None]


def changes(review: Review, planned: Sequence[PlannedInvite], tags: Sequence[str]) -> list[str]:
    """Where the rules now call for someone else than last time (police, health), and why:
    someone of that kind invited who did not attend last time."""
    notes: list[str] = []
    tags_changed = set(review.previous.harm_tags) != set(tags)
    last_time = {c.id for c in review.attended}
    for kind in FOLLOWED_KINDS:
        before = [c for c in review.attended if c.role.agency_kind is kind]
        now = [
            p.contact
            for p in planned
            if p.contact.role.agency_kind is kind and p.contact.id not in last_time
        ]
        if not before or not now:
            continue
        notes.append(
            say(
                "review.change",
                kind=kind.value,
                before=_people(before),
                now=_people(now),
                tags_changed=tags_changed,
            )
        )
    return notes


def _people(contacts: Sequence[Contact]) -> str:
    return ", ".join(f"{c.role.label} ({c.name})" for c in contacts)


def context(core: Core, review: Review) -> dict[str, object]:
    """What the convenor's reply says about the review."""
    previous = review.previous
    return {
        "number": review.number,
        "previous": discussion_reference(previous),
        "previous_number": previous.number,
        "held": previous.status == models.DiscussionStatus.HELD,
        "previous_meeting": when(core, previous.meeting_at),
        "dropped": sorted(review.dropped.items()),
        "carried": [action_reference(a) for a in carried_forward(previous)]
        + [action_reference(a) for a in previous.actions if a.status == models.ActionStatus.OPEN],
    }

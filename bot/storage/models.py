"""The database tables, as SQLAlchemy 2.0 typed models.

The partner directory (YAML) is the source of truth for agencies and contacts;
it is copied into the database on start-up so that invitations and actions can
point at contacts with foreign keys. Children are held by pseudonym only: the
case record, with names, lives in the local authority's own system.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.storage.types import UTCDateTime


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
    }


class DiscussionStatus(StrEnum):
    SCHEDULED = "scheduled"
    HELD = "held"
    CANCELLED = "cancelled"
    # Convened without a time: the poll about candidate slots is open (time_search).
    FINDING_TIME = "finding_time"


class InvitationStatus(StrEnum):
    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    DELEGATED = "delegated"
    NO_RESPONSE = "no_response"


class ActionStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class WorkKind(StrEnum):
    FALLBACK_CHECK = "fallback_check"
    ACTION_NUDGE = "action_nudge"
    MEETING_START = "meeting_start"
    DEADLINE_WARNING = "deadline_warning"
    RECORD_DELIVERY = "record_delivery"
    RECORD_DEADLINE = "record_deadline"
    CALENDAR_SYNC = "calendar_sync"
    CALENDAR_RESPONSES = "calendar_responses"
    POLL_CLOSE = "poll_close"
    FURTHER_REMINDER = "further_reminder"


class WorkStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    CANCELLED = "cancelled"


class Partnership(Base):
    __tablename__ = "partnership"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)


class Agency(Base):
    __tablename__ = "agency"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"))
    key: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))


class Contact(Base):
    __tablename__ = "contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    key: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(50))
    email: Mapped[str] = mapped_column(String(320))
    # False when the contact has left the directory; kept for the history.
    active: Mapped[bool] = mapped_column(default=True)

    # Loaded with the contact (one join, never a query of its own): rendering reads the
    # agency of every invitee, and a lazy load per contact per message added up.
    agency: Mapped[Agency] = relationship(lazy="joined", innerjoin="unnested")  # type: ignore[arg-type]


class Case(Base):
    __tablename__ = "case"
    __table_args__ = (
        UniqueConstraint("partnership_id", "reference"),
        # Commands name a case by its reference alone (NV-40213).
        Index("ix_case_reference", "reference"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"))
    # Pseudonymous: the only way a case is named in chat.
    reference: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime]

    children: Mapped[list[Child]] = relationship(back_populates="case", order_by="Child.id")
    discussions: Mapped[list[Discussion]] = relationship(
        back_populates="case", order_by="Discussion.id"
    )


class Child(Base):
    __tablename__ = "child"
    __table_args__ = (UniqueConstraint("case_id", "pseudonym"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"))
    pseudonym: Mapped[str] = mapped_column(String(10))
    date_of_birth: Mapped[date | None]
    # For an unborn baby: the expected date of delivery instead of a birth date.
    expected_date: Mapped[date | None]

    case: Mapped[Case] = relationship(back_populates="children")


class Discussion(Base):
    __tablename__ = "discussion"
    __table_args__ = (
        UniqueConstraint("case_id", "number", name="uq_discussion_case_number"),
        # The compliance report's period.
        Index("ix_discussion_meeting_at", "meeting_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"))
    # Numbered within the case: 1 is the first discussion, 2 on are reviews (NV-40213#2).
    number: Mapped[int] = mapped_column(default=1, server_default="1")
    convenor_id: Mapped[int] = mapped_column(ForeignKey("contact.id"))
    chair_id: Mapped[int] = mapped_column(ForeignKey("contact.id"))
    category: Mapped[str] = mapped_column(String(40))
    harm_tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    identified_at: Mapped[datetime]
    due_date: Mapped[date]
    deadline_at: Mapped[datetime]
    # The rule used, in words, so the record shows how the deadline was reached.
    deadline_rule: Mapped[str] = mapped_column(Text)
    # While a time is being found (status finding_time): the earliest candidate slot.
    meeting_at: Mapped[datetime]
    # Why the meeting is after the statutory deadline, when it is.
    late_reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=DiscussionStatus.SCHEDULED)
    convened_at: Mapped[datetime]
    quorum_met_at: Mapped[datetime | None]

    # With its row (one join on the key): nearly every use of a discussion names it by
    # its case's reference, and a lazy load per discussion per command added up.
    case: Mapped[Case] = relationship(
        back_populates="discussions",
        lazy="joined",
        innerjoin="unnested",  # type: ignore[arg-type]
    )
    convenor: Mapped[Contact] = relationship(foreign_keys=[convenor_id])
    chair: Mapped[Contact] = relationship(foreign_keys=[chair_id])
    children: Mapped[list[Child]] = relationship(
        secondary="discussion_child", order_by="Child.id", viewonly=True
    )
    # The children as this discussion knew them: its own dates, untouched by a later review.
    child_facts: Mapped[list[DiscussionChild]] = relationship(
        order_by="DiscussionChild.child_id", cascade="all, delete-orphan"
    )
    invitations: Mapped[list[Invitation]] = relationship(
        back_populates="discussion", order_by="Invitation.id"
    )
    actions: Mapped[list[Action]] = relationship(
        back_populates="discussion", order_by="Action.number"
    )


class DiscussionChild(Base):
    """Which of the case's children a discussion is about."""

    __tablename__ = "discussion_child"

    discussion_id: Mapped[int] = mapped_column(ForeignKey("discussion.id"), primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"), primary_key=True)
    # The dates given when this discussion was convened (the child row holds the latest).
    date_of_birth: Mapped[date | None]
    expected_date: Mapped[date | None]

    # With its row: everything that shows a discussion's children names them.
    child: Mapped[Child] = relationship(lazy="joined", innerjoin="unnested")  # type: ignore[arg-type]

    @property
    def pseudonym(self) -> str:
        return self.child.pseudonym


class Invitation(Base):
    __tablename__ = "invitation"
    __table_args__ = (
        UniqueConstraint("discussion_id", "contact_id"),
        # Someone's upcoming discussions (status, the App Home).
        Index("ix_invitation_contact", "contact_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    discussion_id: Mapped[int] = mapped_column(ForeignKey("discussion.id"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"))
    # Why this person was invited, e.g. "chair", "police: domestic abuse", "known GP".
    reason: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default=InvitationStatus.INVITED)
    decline_reason: Mapped[str | None] = mapped_column(Text)
    delegated_to_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"))
    via_fallback: Mapped[bool] = mapped_column(default=False)
    invited_at: Mapped[datetime]
    responded_at: Mapped[datetime | None]

    discussion: Mapped[Discussion] = relationship(back_populates="invitations")
    # With its invitation (and the contact's agency): every view of a discussion reads them.
    contact: Mapped[Contact] = relationship(
        foreign_keys=[contact_id],
        lazy="joined",
        innerjoin="unnested",  # type: ignore[arg-type]
    )
    delegated_to: Mapped[Contact | None] = relationship(foreign_keys=[delegated_to_id])


class Action(Base):
    __tablename__ = "action"
    __table_args__ = (
        UniqueConstraint("discussion_id", "number"),
        UniqueConstraint("case_id", "number", name="uq_action_case_number"),
        # Someone's open actions (/strategy actions).
        Index("ix_action_owner_status", "owner_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    discussion_id: Mapped[int] = mapped_column(ForeignKey("discussion.id"))
    # Numbered across the case, never reused: A1, A2, ... so NV-40213/A3 names one action.
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"))
    number: Mapped[int]
    description: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("contact.id"))
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default=ActionStatus.OPEN)
    outcome: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("contact.id"))
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"))
    # Urgent actions are nudged on every calendar day, not only working days.
    urgent: Mapped[bool] = mapped_column(default=False, server_default=false())
    # When the chair (and manager) were told it is overdue; cleared by a new due date.
    escalated_at: Mapped[datetime | None]
    # A request for more time, waiting for the chair's decision.
    requested_due_at: Mapped[datetime | None]
    request_reason: Mapped[str | None] = mapped_column(Text)

    discussion: Mapped[Discussion] = relationship(back_populates="actions")
    owner: Mapped[Contact] = relationship(foreign_keys=[owner_id])

    @property
    def label(self) -> str:
        return f"A{self.number}"


class AuditEvent(Base):
    """Append-only: the migrations install triggers that refuse UPDATE and DELETE."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_discussion", "discussion_id", "event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime]
    # A contact key, or "system" for the bot's own scheduled work.
    actor: Mapped[str] = mapped_column(String(100))
    event: Mapped[str] = mapped_column(String(60))
    discussion_id: Mapped[int | None] = mapped_column(ForeignKey("discussion.id"))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ScheduledWork(Base):
    """Work that falls due later: health fallbacks, nudges, the meeting start.

    The database is the source of truth for what is due, so nothing is lost on
    a restart.
    """

    __tablename__ = "scheduled_work"
    __table_args__ = (
        Index("ix_scheduled_work_due", "status", "due_at"),
        Index("ix_scheduled_work_key", "key", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default=WorkStatus.PENDING)
    discussion_id: Mapped[int | None] = mapped_column(ForeignKey("discussion.id"))
    action_id: Mapped[int | None] = mapped_column(ForeignKey("action.id"))
    # For a fallback check: which agency kind it guards (health, police, ...).
    agency_kind: Mapped[str | None] = mapped_column(String(30))
    # Anything else the handler needs (kept small: ids and choices, no narrative).
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    # Pending items with the same key are one piece of work: scheduling again
    # replaces the due time instead of adding a second item (e.g. one nudge
    # per action, however long the bot was down).
    key: Mapped[str | None] = mapped_column(String(120))
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[datetime | None]


@dataclass(frozen=True)
class DueWork:
    """An item of scheduled work as claimed: what its job reads of it (a plain row, not
    an ORM object, since the claim marks it done in the same statement)."""

    id: int
    kind: str
    due_at: datetime
    discussion_id: int | None
    action_id: int | None
    agency_kind: str | None
    payload: dict[str, Any]
    attempts: int
    key: str | None = None

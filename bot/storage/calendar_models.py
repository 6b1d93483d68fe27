"""Tables for calendar invitations: the meeting as published, every send, Outlook replies.

A discussion has one calendar meeting (`CalendarEvent`), with a UID that never
changes and a SEQUENCE raised on every change of time or on cancellation.
Every invitation sent, or attempted, is a `CalendarSend` row: the record of who
was invited, how, when and at which sequence, which also tells the next sync
what is still owed to whom, so that a resend after a crash sends only what is
missing.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.storage.models import Base, Contact


class Route(StrEnum):
    """How an invitation left the bot."""

    GRAPH = "graph"  # an Outlook event organised through Microsoft Graph
    EMAIL = "email"  # an iCalendar invitation over SMTP
    OUTBOX = "outbox"  # written as .eml/.ics files, since nothing else is configured


class Method(StrEnum):
    """The iTIP method: an invitation (or update), or a cancellation."""

    REQUEST = "REQUEST"
    CANCEL = "CANCEL"


class SendStatus(StrEnum):
    SENT = "sent"
    REFUSED = "refused"  # the mail server refused the address
    FAILED = "failed"  # could not be delivered now; retried
    NO_EMAIL = "no_email"  # the contact has no email address


class CalendarEvent(Base):
    __tablename__ = "calendar_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    discussion_id: Mapped[int] = mapped_column(ForeignKey("discussion.id"), unique=True)
    # The iCalendar UID: stable for the life of the discussion.
    uid: Mapped[str] = mapped_column(String(200), unique=True)
    sequence: Mapped[int] = mapped_column(default=0)
    # The meeting time as last published, to notice a reschedule.
    start_at: Mapped[datetime]
    cancelled: Mapped[bool] = mapped_column(default=False)
    # The organiser's Outlook event, when Graph is used.
    graph_event_id: Mapped[str | None] = mapped_column(String(400))
    graph_join_url: Mapped[str | None] = mapped_column(Text)
    # Why Graph failed for this meeting; from then on everyone gets email.
    graph_failed: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime]


class CalendarSend(Base):
    __tablename__ = "calendar_send"
    __table_args__ = (Index("ix_calendar_send_discussion", "discussion_id", "contact_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    discussion_id: Mapped[int] = mapped_column(ForeignKey("discussion.id"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"))
    address: Mapped[str] = mapped_column(String(320))
    route: Mapped[str] = mapped_column(String(10))
    method: Mapped[str] = mapped_column(String(10))
    sequence: Mapped[int]
    status: Mapped[str] = mapped_column(String(10))
    # The server's reason for a refusal or failure.
    detail: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime]

    contact: Mapped[Contact] = relationship()


class OutlookResponse(Base):
    """The last reply seen in Outlook for an invitation, so only changes are applied."""

    __tablename__ = "calendar_response"

    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitation.id"), primary_key=True)
    response: Mapped[str] = mapped_column(String(20))
    responded_at: Mapped[datetime | None]
    seen_at: Mapped[datetime]


class GraphTokenCache(Base):
    """msal's token cache for one app registration, encrypted (Fernet) at rest."""

    __tablename__ = "graph_token_cache"

    id: Mapped[int] = mapped_column(primary_key=True)
    # tenant id and client id: a change of app registration starts a new cache.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    data: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]

"""The record of a discussion: numbered versions, and each delivery of a finalised one.

A version is a draft while the chair fills it in. Once finalised it never
changes: the database itself refuses to update or delete a final version
(triggers installed by migration 0005). A correction is a new version, with
the reason for it, that starts as a copy of the last final one.

Deliveries are evidence that the record reached someone; they are append-only.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.storage.models import Base, Contact, Discussion


class RecordStatus(StrEnum):
    DRAFT = "draft"
    FINAL = "final"


class DeliveryChannel(StrEnum):
    CHAT = "chat"
    EMAIL = "email"


class DeliveryScope(StrEnum):
    FULL = "full"  # the whole record: everyone invited, and whoever attended
    ACTIONS = "actions"  # only their actions: owners from agencies that were not there


class DeliveryStatus(StrEnum):
    SENT = "sent"
    REFUSED = "refused"  # the mail server refused the address; the chair is told


class RecordVersion(Base):
    __tablename__ = "record_version"
    __table_args__ = (UniqueConstraint("discussion_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    discussion_id: Mapped[int] = mapped_column(ForeignKey("discussion.id"))
    version: Mapped[int]
    status: Mapped[str] = mapped_column(String(10), default=RecordStatus.DRAFT)
    # The record's fields (bot.record.content.RecordContent as JSON). A final
    # version also holds the snapshot of attendance, children and actions.
    content: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Why a correction was needed (versions after the first only).
    correction_reason: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("contact.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    finalised_by_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"))
    finalised_at: Mapped[datetime | None]
    # When it must have reached everyone (the record-circulation timescale).
    circulation_due_at: Mapped[datetime | None]
    # The documents exactly as circulated (loaded only when read).
    document_markdown: Mapped[str | None] = mapped_column(Text, deferred=True)
    document_pdf: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)

    discussion: Mapped[Discussion] = relationship()
    created_by: Mapped[Contact] = relationship(foreign_keys=[created_by_id])
    finalised_by: Mapped[Contact | None] = relationship(foreign_keys=[finalised_by_id])
    deliveries: Mapped[list[RecordDelivery]] = relationship(
        back_populates="record_version", order_by="RecordDelivery.id"
    )

    @property
    def is_final(self) -> bool:
        return self.status == RecordStatus.FINAL


class RecordDelivery(Base):
    """One finalised version reaching one person by one channel (or refused)."""

    __tablename__ = "record_delivery"
    # A version's deliveries (circulation, the compliance report).
    __table_args__ = (Index("ix_record_delivery_version", "record_version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_version_id: Mapped[int] = mapped_column(ForeignKey("record_version.id"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"))
    channel: Mapped[str] = mapped_column(String(10))
    scope: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10))
    # The email address used, or the server's reason for refusing it.
    detail: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime]

    record_version: Mapped[RecordVersion] = relationship(back_populates="deliveries")
    contact: Mapped[Contact] = relationship()


class RecordShare(Base):
    """The chair let someone not invited to a discussion read its final record (e.g. a
    professional invited to a later review only). Audited as `record_shared`."""

    __tablename__ = "record_share"
    __table_args__ = (UniqueConstraint("discussion_id", "contact_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    discussion_id: Mapped[int] = mapped_column(ForeignKey("discussion.id"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"))
    shared_by_id: Mapped[int] = mapped_column(ForeignKey("contact.id"))
    shared_at: Mapped[datetime]

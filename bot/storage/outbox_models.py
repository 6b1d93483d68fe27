"""The durable outbox: every message the bot means to send, and where threads went.

`OutboxRow` is written in the same transaction as the change that caused the
message (bot/unit.py Unit.emit) and delivered afterwards by bot/outbox/deliver.py.
`ThreadBinding` remembers, per recipient and conversation item, the channel and
the platform's reference of the first message, so that later versions update
it in place, even after a restart. Neither is part of the case record.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base


class OutboxStatus(StrEnum):
    PENDING = "pending"  # to send (now, or at next_attempt_at)
    SENT = "sent"
    SUPERSEDED = "superseded"  # a later version of the same thread replaced it before it left
    UNDELIVERABLE = "undeliverable"  # no channel left could reach the recipient


class OutboxRow(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_thread", "recipient", "thread"),
        # A discussion's rows (the record's circulation deadline), not every undeliverable one.
        Index("ix_outbox_discussion", "discussion_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # A contact key for a direct message, or a channel name for a channel post.
    recipient: Mapped[str] = mapped_column(String(100))
    delivery: Mapped[str] = mapped_column(String(20))  # messages.Delivery
    thread: Mapped[str | None] = mapped_column(String(120))
    message: Mapped[dict[str, Any]] = mapped_column(JSON)  # bot/outbox/codec.py
    # The discussion it is about, when known: whose chair hears if it cannot be delivered.
    discussion_id: Mapped[int | None] = mapped_column(ForeignKey("discussion.id"))
    # The channel names to try in order (set when first claimed) and the one being tried.
    channels: Mapped[list[str] | None] = mapped_column(JSON)
    channel_index: Mapped[int] = mapped_column(default=0)
    # Each channel that refused for good: [{"channel": ..., "reason": ...}].
    refusals: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    # Who is sending it and until when; an expired lease (a dead process) frees it again.
    leased_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    sent_on: Mapped[str | None] = mapped_column(String(20))  # the channel that took it


class ThreadBinding(Base):
    __tablename__ = "thread_binding"
    __table_args__ = (UniqueConstraint("recipient", "thread"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(100))
    thread: Mapped[str] = mapped_column(String(120))
    channel: Mapped[str] = mapped_column(String(20))  # "slack", "teams", "email", "console"
    # What the channel returned (Slack: "<conversation> <ts>"; Teams: "<conversation> <activity>").
    reference: Mapped[str] = mapped_column(String(800))
    updated_at: Mapped[datetime]

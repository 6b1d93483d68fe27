"""Tables the Slack adapter keeps: where each message went, and which requests it has seen.

Both are technical bookkeeping for the chat platform, not part of the case
record: neither holds any detail of a discussion.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base


class SlackMessage(Base):
    """A message the bot posted that may be updated in place later.

    Keyed by the core's conversation item (`Outgoing.thread`, e.g.
    "invitation:12") and its recipient, so an update after a restart still
    finds the message to edit.
    """

    __tablename__ = "slack_message"
    __table_args__ = (UniqueConstraint("recipient", "thread"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # A contact key (the directory id) for a direct message.
    recipient: Mapped[str] = mapped_column(String(100))
    thread: Mapped[str] = mapped_column(String(120))
    # Slack's conversation id (D... for a direct message) and message timestamp.
    channel: Mapped[str] = mapped_column(String(40))
    ts: Mapped[str] = mapped_column(String(40))
    posted_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]


class SlackRequest(Base):
    """A request from Slack that has been taken on, so a retry of it is not acted on twice.

    The key is what stays the same when Slack sends a request again: the
    trigger id of a command, button or form, or the event id of an event.
    """

    __tablename__ = "slack_request"
    __table_args__ = (Index("ix_slack_request_seen_at", "seen_at"),)

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    seen_at: Mapped[datetime]

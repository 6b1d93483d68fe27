"""The table the Slack adapter keeps: which requests it has seen.

Technical bookkeeping for the chat platform, not part of the case record: it
holds no detail of a discussion. (Where each message went is kept with every
channel's, in bot/storage/outbox_models.py ThreadBinding.)
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base


class SlackRequest(Base):
    """A request from Slack that has been taken on, so a retry of it is not acted on twice.

    The key is what stays the same when Slack sends a request again: the
    trigger id of a command, button or form, or the event id of an event.
    """

    __tablename__ = "slack_request"
    __table_args__ = (Index("ix_slack_request_seen_at", "seen_at"),)

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    seen_at: Mapped[datetime]

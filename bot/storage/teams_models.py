"""Microsoft Teams: where to reach each person, and which message to update in place.

Teams only lets a bot message someone in a conversation it knows, so the
conversation found when a person first talks to the bot (or the one the bot
started for them) is kept here: reminders still reach them after a restart.
Where each threaded message went (an invitation, the chair's quorum card) is
kept with every other channel's, in bot/storage/outbox_models.py ThreadBinding.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base


class TeamsConversation(Base):
    __tablename__ = "teams_conversation"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The person's Teams identity as the directory gives it (a 29: user id or an
    # Entra object id), or "channel:<name>" for the channel the bot posts to.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    conversation_id: Mapped[str] = mapped_column(String(400))
    # The Bot Connector endpoint for this conversation (it depends on the region).
    service_url: Mapped[str] = mapped_column(String(400))
    tenant_id: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime]

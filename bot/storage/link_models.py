"""Action links: secret tokens that let one person answer one item from an email.

Only the SHA-256 of a token is stored: the token itself exists in the email
(and, for a moment, in the process that wrote it). A token is bound to one
contact and one item (an invitation, an action, a poll or a record), lists the intents it may
perform, and stops working when it expires or is revoked. The rules live in
`bot.links.tokens`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.storage.find_time_models import TimeSearch
from bot.storage.models import Action, Base, Contact, Invitation
from bot.storage.record_models import RecordVersion


class LinkItem(StrEnum):
    """What a link is about: each kind has its own column for the item (migration
    0015_link_items added the poll's and the record's)."""

    INVITATION = "invitation"
    ACTION = "action"
    POLL = "poll"  # a find-a-time poll (`time_search`), for one invitee
    RECORD = "record"  # a finalised record version, to read and download


class LinkToken(Base):
    __tablename__ = "link_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    # hex SHA-256 of the token; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"))
    item: Mapped[str] = mapped_column(String(20))
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitation.id"), index=True)
    action_id: Mapped[int | None] = mapped_column(ForeignKey("action.id"), index=True)
    time_search_id: Mapped[int | None] = mapped_column(ForeignKey("time_search.id"), index=True)
    record_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("record_version.id"), index=True
    )
    # What the holder may do on the item: intent names, e.g. ["accept", "decline"].
    intents: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(200))
    # The last time the link acted (a POST); opening it (GET) writes nothing.
    last_used_at: Mapped[datetime | None]

    contact: Mapped[Contact] = relationship()
    invitation: Mapped[Invitation | None] = relationship()
    action: Mapped[Action | None] = relationship()
    time_search: Mapped[TimeSearch | None] = relationship()
    record_version: Mapped[RecordVersion | None] = relationship()

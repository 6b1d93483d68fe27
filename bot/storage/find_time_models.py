"""Finding a time: one search per discussion convened without a time, and the poll's answers.

A discussion convened without a meeting time has the status `finding_time`
until a slot is chosen; its `time_search` row keeps the candidate slots, the
free/busy that was read when the search began (so that the tally and the
choice do not change when a calendar does), who is asked, and when the poll
closes. The rules are in `bot/find_time/poll.py` and `scheduling/slots.py`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.storage.models import Base, Contact, Discussion


class SearchStatus(StrEnum):
    OPEN = "open"  # the poll is open
    CHOSEN = "chosen"  # a slot (or a typed time) was chosen; the meeting is scheduled
    CANCELLED = "cancelled"  # the discussion was cancelled while the poll was open


class TimeSearch(Base):
    __tablename__ = "time_search"

    id: Mapped[int] = mapped_column(primary_key=True)
    discussion_id: Mapped[int] = mapped_column(ForeignKey("discussion.id"), unique=True)
    # [[start, end], ...] in ISO 8601 UTC, numbered 1.. in this order.
    slots: Mapped[list[list[str]]] = mapped_column(JSON)
    # The contact keys asked, in invitation order (the poll's invitees).
    invitees: Mapped[list[str]] = mapped_column(JSON)
    # contact key -> {"busy": [[start, end], ...]} or {"unknown": reason}
    availability: Mapped[dict[str, Any]] = mapped_column(JSON)
    opened_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default=SearchStatus.OPEN)
    # The slot chosen (None: a typed time, or not chosen yet), how and when.
    chosen_slot: Mapped[int | None]
    # "all_answered", "timed_out" (the bot chose) or "convenor" (picked by hand).
    closed_by: Mapped[str | None] = mapped_column(String(20))
    chosen_at: Mapped[datetime | None]

    discussion: Mapped[Discussion] = relationship()
    answers: Mapped[list[PollAnswer]] = relationship(
        back_populates="search", order_by="PollAnswer.id"
    )


class PollAnswer(Base):
    """One person's answer; answering again replaces it while the poll is open."""

    __tablename__ = "poll_answer"
    __table_args__ = (UniqueConstraint("search_id", "contact_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    search_id: Mapped[int] = mapped_column(ForeignKey("time_search.id"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"))
    # The slot numbers they can make; empty: none of these.
    slots: Mapped[list[int]] = mapped_column(JSON)
    # With "none of these": a time that would work for them.
    suggested_at: Mapped[datetime | None]
    answered_at: Mapped[datetime]

    search: Mapped[TimeSearch] = relationship(back_populates="answers")
    contact: Mapped[Contact] = relationship()

"""The calendar port: what the core asks of an organiser's calendar server, and `Invites`.

The core describes a meeting (`Meeting`) and hands it to a `CalendarPort`
(Microsoft Graph, in `graph.py`) or turns it into an iTIP email (`ics.py`).
Times are aware datetimes in UTC, as everywhere in the core; each side shows
them in the meeting's time zone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from sqlalchemy.orm import Session

from bot.mail import Mailer, OutboxMailer
from bot.storage.calendar_models import Route
from scheduling.clock import Clock

DEFAULT_OUTBOX = Path("outbox")


@dataclass(frozen=True)
class Attendee:
    name: str
    email: str
    chair: bool = False
    # What the bot knows of their answer: "accepted", "declined", or None.
    answer: str | None = None


@dataclass(frozen=True)
class Meeting:
    uid: str  # stable for the life of the discussion
    sequence: int  # raised on every change of time, and on cancellation
    subject: str
    body: str
    start: datetime
    end: datetime
    timezone: str  # IANA name, e.g. "Europe/London"
    organiser_name: str
    organiser_email: str
    attendees: tuple[Attendee, ...]
    stamp: datetime  # when this version was made (DTSTAMP)
    join_url: str | None = None  # the Teams link, once Graph has made one


@dataclass(frozen=True)
class CreatedEvent:
    event_id: str
    join_url: str | None


class Answer(StrEnum):
    """An attendee's reply as the calendar server reports it."""

    ACCEPTED = "accepted"
    TENTATIVE = "tentative"
    DECLINED = "declined"
    NONE = "none"  # not answered (or the organiser)


@dataclass(frozen=True)
class Reply:
    answer: Answer
    at: datetime | None  # when they answered, if the server says


class CalendarUnavailable(Exception):
    """The calendar server could not be reached, or kept failing after retries."""


class CalendarRefused(Exception):
    """The calendar server refused the request (permissions, bad data): retrying will not help."""


class CalendarPort(Protocol):
    """An organiser's calendar on a server that sends the invitations itself."""

    def create(self, meeting: Meeting, transaction_id: str) -> CreatedEvent:
        """Create the event and invite its attendees.

        `transaction_id` makes a retried create return the first event
        instead of a second one.
        """
        ...

    def update(self, event_id: str, meeting: Meeting) -> None:
        """Change the event's time, text or attendees; the server sends the updates."""
        ...

    def cancel(self, event_id: str, comment: str) -> None:
        """Cancel the event; the server tells the attendees."""
        ...

    def replies(self, event_id: str) -> Mapping[str, Reply]:
        """Each attendee's reply, by lower-case email address."""
        ...


class TokenCache(Protocol):
    """Where Graph's tokens are kept between uses (calendar/tokens.py: in the database)."""

    def read(self, session: Session) -> None: ...

    def write(self, session: Session, clock: Clock) -> None: ...


@dataclass
class Invites:
    """How calendar invitations leave the bot."""

    mailer: Mailer
    # The ORGANIZER of email invitations: the address replies would go to.
    organiser_email: str = "strategy-bot@localhost"
    graph: CalendarPort | None = None
    # The Graph token cache, read and written around each use of Graph.
    tokens: TokenCache | None = None
    tenant_domains: frozenset[str] = field(default_factory=frozenset)
    meeting_minutes: int = 60
    # How often Outlook replies are read while a meeting is upcoming.
    poll_minutes: int = 10
    timezone: str = "Europe/London"

    def route(self, email: str, graph_failed: bool) -> Route:
        domain = email.rpartition("@")[2].lower()
        if self.graph is not None and not graph_failed and domain in self.tenant_domains:
            return Route.GRAPH
        return self.email_route

    @property
    def email_route(self) -> Route:
        return Route.OUTBOX if isinstance(self.mailer, OutboxMailer) else Route.EMAIL

    @property
    def outbox(self) -> Path | None:
        return self.mailer.folder if isinstance(self.mailer, OutboxMailer) else None


def outbox_invites(folder: Path = DEFAULT_OUTBOX) -> Invites:
    """The embedded default: invitations written as files, nothing sent."""
    return Invites(mailer=OutboxMailer(folder))

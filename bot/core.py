"""The core's context: what every service needs, handed in by the shell."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from bot.calendar.port import Invites
from bot.directory import Directory
from bot.directory.model import REACH_CHANNELS
from bot.mail import Mailer
from bot.storage.row_ids import RowIds
from scheduling.availability import AvailabilitySource
from scheduling.clock import Clock
from scheduling.slots import SlotRules
from scheduling.workdays import WorkingCalendar


@dataclass
class Core:
    sessions: sessionmaker[Session]
    directory: Directory
    calendar: WorkingCalendar
    clock: Clock
    # Where convening notices go: the case reference only, never any detail.
    channel: str = "strategy-discussions"
    # How records are emailed (with their PDF). None: the same way as calendar
    # invitations (`invites.mailer`, from the settings: SMTP or the outbox folder).
    mailer: Mailer | None = None
    # How calendar invitations leave the bot (Graph, email). None: they are
    # written as .eml/.ics files to ./outbox (bot.app.build_core sets it from
    # the settings).
    invites: Invites | None = None
    # Whose free/busy the bot can see when it finds a time (bot/find_time/). None:
    # Graph getSchedule for the tenant's people when Graph is configured, else
    # nobody's (everyone is asked by poll). The console sets the sample calendars.
    availability: AvailabilitySource | None = None
    # How candidate slots are made and how long the poll stays open.
    slot_rules: SlotRules = field(default_factory=SlotRules)
    # The ways out this process has (bot/routing.py), for showing the chair how each
    # invitee is reached. The default, every channel, is what production would do.
    reach_channels: frozenset[str] = field(default_factory=lambda: frozenset(REACH_CHANNELS))
    # The bot's public address (PUBLIC_URL), where the answer pages live: a circulated
    # record's email then links to its page. None: emails carry no links.
    public_url: str | None = None
    # The database ids of the directory's contacts and agencies, from the start-up sync
    # (bot.app.build_core), which also hands them to every session (bot/storage/row_ids.py).
    row_ids: RowIds = field(default_factory=RowIds)

    def close(self) -> None:
        """Release the database connections."""
        engine = self.sessions.kw["bind"]
        engine.dispose()

"""The core's context: what every service needs, handed in by the shell."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from bot.directory import Directory
from scheduling.clock import Clock
from scheduling.workdays import WorkingCalendar


@dataclass
class Core:
    sessions: sessionmaker[Session]
    directory: Directory
    calendar: WorkingCalendar
    clock: Clock
    # Where convening notices go: the case reference only, never any detail.
    channel: str = "strategy-discussions"

    def close(self) -> None:
        """Release the database connections."""
        engine = self.sessions.kw["bind"]
        engine.dispose()

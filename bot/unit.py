"""One unit of work: the transaction an entry point opens, and what its work will send.

`Bot.command`, `Bot.act` and the scheduled-work dispatcher (`bot/jobs.py`) each
open one unit of work and hand it to a service; services never open
transactions of their own. Everything the work means to say passes through
`Unit.emit` before the transaction commits: that is the one place where a
message becomes part of the unit of work: it is written as an outbox row
(bot/outbox/), in the same transaction as the change that caused it (all of the
unit's rows at once, when its work is done), and the deliverer sends it once the
transaction has committed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from bot.core import Core
from bot.messages import Message, Outcome, Outgoing, latest_per_thread
from bot.outbox.rows import write_all
from bot.storage.db import transaction

Dress = Callable[[Message], Message]


def as_it_is(message: Message) -> Message:
    return message


@dataclass(frozen=True)
class Answered:
    """How a person's answer came in, when not by chat (an answer page: via "web"), and
    for a shared mailbox who answered (name and role). The entry point that opened the
    unit of work knows it; the audit trail records it on that person's events."""

    actor: str  # the contact key of the person who answered
    via: str
    by: Mapping[str, str] | None = None

    def details(self) -> dict[str, Any]:
        details: dict[str, Any] = {"via": self.via}
        if self.by:
            details["answered_by"] = dict(self.by)
        return details


# Where a unit of work keeps its Answered on its session, for the audit trail to read.
ANSWERED = "strategy_bot_answered"


@dataclass
class Unit:
    """What a service is handed: the core and the open session of this unit of work."""

    core: Core
    session: Session
    # Completes each message before it leaves the core (the entry points give every
    # button its label and typed form from the intent table).
    dress: Dress = as_it_is
    # Everything emitted so far, in order: sent once the unit has committed.
    outgoing: list[Outgoing] = field(default_factory=list)
    # How the person acting answered, when not by chat (kept on the session too).
    answered: Answered | None = None
    # Every message emitted so far, as dressed, with when: its outbox rows.
    _emitted: list[tuple[datetime, Outgoing]] = field(default_factory=list, repr=False)

    def emit(self, outgoing: Sequence[Outgoing]) -> list[Outgoing]:
        """Make these messages part of this unit of work; returns what will be sent.

        Each is written as an outbox row in this transaction, once the unit's work
        is done (nothing reads the outbox after emitting). A threaded message that a
        later one in the same unit replaces anyway is dropped (the chair's quorum
        view is sent once, as it ends up): its row is written superseded.
        """
        dressed = [replace(o, message=self.dress(o.message)) for o in outgoing]
        now = self.core.clock.now()
        self._emitted += [(now, o) for o in dressed]
        self.outgoing = latest_per_thread([*self.outgoing, *dressed])
        return self.outgoing

    def _write(self) -> None:
        """The outbox rows of everything emitted, in one INSERT (bot/outbox/rows.py)."""
        write_all(self.session, self._emitted)


@contextmanager
def unit_of_work(
    core: Core,
    dress: Dress = as_it_is,
    answered: Answered | None = None,
    connection: Connection | None = None,
) -> Iterator[Unit]:
    """A unit of work: committed when the block ends, rolled back if it raises (on
    `connection` if given, else on one from the pool)."""
    with transaction(core.sessions, connection) as session:
        if answered is not None:
            session.info[ANSWERED] = answered
        unit = Unit(core, session, dress, answered=answered)
        yield unit
        unit._write()  # not if the work raised: then nothing is written


def perform(
    core: Core,
    work: Callable[[Unit], Outcome],
    dress: Dress = as_it_is,
    answered: Answered | None = None,
) -> Outcome:
    """Run `work` in one unit of work and return its outcome, with what it will send.

    Its messages are emitted before the commit. An InputError rolls everything
    back and is raised again: nothing is written on bad input.
    """
    with unit_of_work(core, dress, answered) as unit:
        outcome = work(unit)
        sending = unit.emit(outcome.outgoing)
    return replace(outcome, reply=dress(outcome.reply), outgoing=sending)

"""One unit of work: the transaction an entry point opens, and what its work will send.

`Bot.command`, `Bot.act` and the scheduled-work dispatcher (`bot/jobs.py`) each
open one unit of work and hand it to a service; services never open
transactions of their own. Everything the work means to say passes through
`Unit.emit` before the transaction commits: that is the one place where a
message becomes part of the unit of work: it is written as an outbox row
(bot/outbox/), in the same transaction as the change that caused it, and the
deliverer sends it once the transaction has committed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from bot.core import Core
from bot.messages import Message, Outcome, Outgoing, latest_per_thread
from bot.outbox.rows import write
from bot.storage.db import transaction
from bot.storage.outbox_models import OutboxRow, OutboxStatus

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
    # The outbox row written for each message emitted so far.
    _rows: dict[int, OutboxRow] = field(default_factory=dict, repr=False)

    def emit(self, outgoing: Sequence[Outgoing]) -> list[Outgoing]:
        """Make these messages part of this unit of work; returns what will be sent.

        Each is written as an outbox row in this transaction. A threaded message
        that a later one in the same unit replaces anyway is dropped (the chair's
        quorum view is sent once, as it ends up).
        """
        dressed = [replace(o, message=self.dress(o.message)) for o in outgoing]
        rows = write(self.session, self.core.clock.now(), dressed)
        self._rows.update((id(o), row) for o, row in zip(dressed, rows, strict=True))
        kept = latest_per_thread([*self.outgoing, *dressed])
        for dropped in {id(o) for o in self.outgoing + dressed} - {id(o) for o in kept}:
            self._rows[dropped].status = OutboxStatus.SUPERSEDED
        self.outgoing = kept
        return self.outgoing


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
        yield Unit(core, session, dress, answered=answered)


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

"""Where each threaded message went, so it can be updated in place: in memory and in the database.

Messages are often sent while the core still holds a transaction open
(scheduled work is marked done only once its messages are delivered). On
SQLite a second writer would wait for that transaction, which waits for the
delivery: a deadlock. So the database copy is written by a thread of its own,
which simply waits its turn, and the memory copy answers at once.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from sqlalchemy import select

from bot.core import Core
from bot.storage.db import transaction
from bot.storage.slack_models import SlackMessage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Where:
    channel: str  # Slack's conversation id (D... for a direct message)
    ts: str  # the message's timestamp, its id within the conversation


class MessageStore:
    def __init__(self, core: Core) -> None:
        self._core = core
        self._known: dict[tuple[str, str], Where] = {}
        self._lock = threading.Lock()
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="slack-store")
        self._pending: set[Future[None]] = set()

    def find(self, recipient: str, thread: str) -> Where | None:
        with self._lock:
            known = self._known.get((recipient, thread))
        if known is not None:
            return known
        with self._core.sessions() as session:
            row = session.scalars(
                select(SlackMessage).where(
                    SlackMessage.recipient == recipient, SlackMessage.thread == thread
                )
            ).one_or_none()
            if row is None:
                return None
            where = Where(row.channel, row.ts)
        with self._lock:
            self._known[(recipient, thread)] = where
        return where

    def remember(self, recipient: str, thread: str, where: Where, *, updated: bool) -> None:
        with self._lock:
            self._known[(recipient, thread)] = where
        future = self._writer.submit(self._save, recipient, thread, where, updated)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._written)

    def flush(self, timeout: float = 30) -> None:
        """Wait until everything remembered is in the database."""
        with self._lock:
            pending = set(self._pending)
        wait(pending, timeout=timeout)

    def close(self) -> None:
        self._writer.shutdown(wait=True)

    def _written(self, future: Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)
        if future.exception() is not None:
            log.error("could not store a Slack message reference: %s", future.exception())

    def _save(self, recipient: str, thread: str, where: Where, updated: bool) -> None:
        now = self._core.clock.now()
        with transaction(self._core.sessions) as session:
            row = session.scalars(
                select(SlackMessage).where(
                    SlackMessage.recipient == recipient, SlackMessage.thread == thread
                )
            ).one_or_none()
            if row is None:
                row = SlackMessage(recipient=recipient, thread=thread, posted_at=now)
                session.add(row)
            row.channel, row.ts = where.channel, where.ts
            if updated:
                row.updated_at = now
            else:
                row.posted_at, row.updated_at = now, None

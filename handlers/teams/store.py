"""Remembering Teams conversations, in memory and in the database.

(Which card each thread went to is the outbox's: bot/storage/outbox_models.py
ThreadBinding, keyed by recipient and thread.)

Writes go to the database on a writer thread of their own. Messages are often
sent while the core still holds a transaction open (scheduled work is marked
done only once its messages are delivered); on SQLite a second writer would
wait for that transaction, which waits for the delivery: a deadlock. The
writer thread simply waits its turn, and the memory copy answers at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.core import Core
from bot.directory import Directory
from bot.storage.db import transaction
from bot.storage.outbox_models import ThreadBinding
from bot.storage.teams_models import TeamsConversation

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConversationRef:
    """Where to send a message: a conversation and the Bot Connector serving it."""

    conversation_id: str
    service_url: str
    tenant_id: str | None = None


class TeamsStore:
    def __init__(self, core: Core) -> None:
        self._core = core
        self._conversations: dict[str, ConversationRef] = {}
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="teams-store")
        self._pending: list[Future[None]] = []
        self._lock = threading.Lock()

    def conversation(self, key: str) -> ConversationRef | None:
        """The conversation with a person (by Teams identity) or a channel ("channel:<name>")."""
        known = self._conversations.get(key)
        if known is not None:
            return known
        with self._core.sessions() as session:
            row = session.scalars(
                select(TeamsConversation).where(TeamsConversation.key == key)
            ).one_or_none()
            if row is None:
                return None
            ref = ConversationRef(row.conversation_id, row.service_url, row.tenant_id)
        self._conversations[key] = ref
        return ref

    def remember_conversation(self, key: str, ref: ConversationRef) -> None:
        if self._conversations.get(key) == ref:
            return
        self._conversations[key] = ref
        self._write(lambda: self._save_conversation(key, ref))

    def flush(self) -> None:
        """Wait until everything remembered so far is in the database."""
        with self._lock:
            pending, self._pending = self._pending, []
        for future in pending:
            future.result()

    def close(self) -> None:
        self.flush()
        self._writer.shutdown(wait=True)

    def _write(self, save: Callable[[], None]) -> None:
        with self._lock:
            self._pending = [f for f in self._pending if not f.done()]
            self._pending.append(self._writer.submit(self._retrying(save)))

    @staticmethod
    def _retrying(save: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                save()
            except IntegrityError:  # another replica inserted the same row: update it instead
                save()
            except Exception:
                log.exception("could not save a Teams conversation or message id")
                raise

        return run

    def _save_conversation(self, key: str, ref: ConversationRef) -> None:
        with transaction(self._core.sessions) as session:
            row = session.scalars(
                select(TeamsConversation).where(TeamsConversation.key == key)
            ).one_or_none()
            if row is None:
                row = TeamsConversation(key=key)
                session.add(row)
            row.conversation_id = ref.conversation_id
            row.service_url = ref.service_url
            row.tenant_id = ref.tenant_id
            row.updated_at = self._core.clock.now()

    def adopt_bindings(self, directory: Directory, platform: str) -> None:
        """Give the thread bindings migrated from teams_message (keyed by Teams identity,
        "teams-id:<id>") the contact key of whoever has that identity in the directory."""
        with transaction(self._core.sessions) as session:
            waiting = session.scalars(
                select(ThreadBinding.recipient)
                .where(ThreadBinding.recipient.startswith(LEGACY))
                .distinct()
            ).all()
            for legacy in waiting:
                contact = directory.by_chat_id(platform, legacy.removeprefix(LEGACY))
                if contact is not None:
                    session.execute(
                        update(ThreadBinding)
                        .where(ThreadBinding.recipient == legacy)
                        .values(recipient=contact.id)
                    )


# How bot/migrations/versions/0012_outbox.py keys a binding whose contact it cannot know.
LEGACY = "teams-id:"

"""msal's token cache, kept in the database and encrypted at rest.

O365 keeps its tokens in a "token backend", which is msal's own token cache.
This one is read from and written to the `graph_token_cache` table by the code
that uses Graph, inside that code's transaction, so that a token fetched by one
bot process serves the others until it expires. Without a key the cache is
kept in memory only: tokens are never written unencrypted.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken
from O365.utils.token import BaseTokenBackend
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.calendar_models import GraphTokenCache
from scheduling.clock import Clock


class FernetManager:
    """O365's "cryptography manager": encrypts the serialised cache with Fernet."""

    def __init__(self, key: str) -> None:
        self._fernet = Fernet(key.encode("ascii"))

    def encrypt(self, data: bytes | str) -> bytes:
        return self._fernet.encrypt(data.encode("utf-8") if isinstance(data, str) else data)

    def decrypt(self, data: bytes | str) -> str:
        return self._fernet.decrypt(data).decode("utf-8")


class DatabaseTokenBackend(BaseTokenBackend):  # type: ignore[misc]  # O365 has no type hints
    def __init__(self, key: str, encryption_key: str | None) -> None:
        super().__init__()
        self.key = key  # which app registration: "<tenant id>:<client id>"
        self.persistent = encryption_key is not None
        if encryption_key is not None:
            self.cryptography_manager = FernetManager(encryption_key)

    # O365 calls these two itself; the database is read and written explicitly
    # (`read`, `write`), inside the caller's transaction.
    def load_token(self) -> bool:
        return bool(self.has_data)

    def save_token(self, force: bool = False) -> bool:
        return True

    def read(self, session: Session) -> None:
        """Load the cache stored by any bot process (a wrong key means starting afresh)."""
        if not self.persistent:
            return
        row = self._row(session)
        if row is None:
            return
        try:
            cache = self.deserialize(row.data.encode("ascii"))
        except InvalidToken:
            return  # the key changed: the old tokens are unreadable, fetch new ones
        with self._lock:
            self._cache = cache

    def write(self, session: Session, clock: Clock) -> None:
        """Store the cache if it changed since it was read."""
        if not self.persistent or not self._has_state_changed:
            return
        data = self.serialize()
        text = data.decode("ascii") if isinstance(data, bytes) else data
        row = self._row(session)
        if row is None:
            session.add(GraphTokenCache(key=self.key, data=text, updated_at=clock.now()))
        else:
            row.data = text
            row.updated_at = clock.now()

    def _row(self, session: Session) -> GraphTokenCache | None:
        return session.scalars(
            select(GraphTokenCache).where(GraphTokenCache.key == self.key)
        ).one_or_none()

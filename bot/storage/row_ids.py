"""The database ids of the directory's contacts and agencies, by key, kept in memory.

The start-up sync writes or reads every contact and agency row, so it knows their ids:
services then point at a contact by id without reading its row again. Rows are never
deleted and keys are unique, so a key's id never changes; a departed contact keeps
its row (inactive), and its id stays here, as a query by key would still find it.
Another process's sync may add rows later: a key missing here is looked up as before
(`known_contact_id`), so these ids can only save a query, never give another answer.

The ids belong to one core (one database): its sessionmaker hands them to every
session in `Session.info` (`attach`), never a module global shared by two cores.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.storage import models

_ROW_IDS = "strategy_bot_row_ids"


@dataclass
class RowIds:
    contacts: dict[str, int] = field(default_factory=dict)
    agencies: dict[str, int] = field(default_factory=dict)


def attach(sessions: sessionmaker[Session], ids: RowIds) -> None:
    """Every session `sessions` makes from now on carries `ids` (the same object)."""
    sessions.configure(info={**sessions.kw.get("info", {}), _ROW_IDS: ids})


def row_ids(session: Session) -> RowIds | None:
    ids = session.info.get(_ROW_IDS)
    return ids if isinstance(ids, RowIds) else None


def cached_contact_id(session: Session, key: str) -> int | None:
    """The contact's id if the core knows it, without a query; None if it does not."""
    ids = row_ids(session)
    return ids.contacts.get(key) if ids is not None else None


def known_contact_id(session: Session, key: str) -> int | None:
    """The id of the contact row with this key (None if there is none): from memory, or
    by a query for a key the start-up sync did not see (kept for next time)."""
    found = cached_contact_id(session, key)
    if found is None:
        found = session.scalar(select(models.Contact.id).where(models.Contact.key == key))
        ids = row_ids(session)
        if found is not None and ids is not None:
            ids.contacts[key] = found
    return found

"""Copy the partner directory into the database, so rows can point at contacts."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.directory import Directory
from bot.storage import models
from bot.storage.row_ids import RowIds


def sync_directory(session: Session, directory: Directory) -> RowIds:
    """Insert or update every agency and contact; contacts no longer listed become inactive.

    Returns the ids of every agency and contact row, listed or not (departed contacts
    keep their rows for the history)."""
    partnership = session.scalars(
        select(models.Partnership).where(models.Partnership.name == directory.partnership.name)
    ).one_or_none()
    if partnership is None:
        partnership = models.Partnership(name=directory.partnership.name)
        session.add(partnership)
        session.flush()
    agencies = {a.key: a for a in session.scalars(select(models.Agency))}
    contacts = {c.key: c for c in session.scalars(select(models.Contact))}
    listed: list[models.Contact] = []
    for agency in directory.agencies:
        row = agencies.get(agency.id)
        if row is None:
            row = models.Agency(key=agency.id, partnership_id=partnership.id)
            session.add(row)
            agencies[agency.id] = row
        row.name, row.kind = agency.name, agency.kind.value
        session.flush()
        for contact in agency.contacts:
            person = contacts.pop(contact.id, None)
            if person is None:
                person = models.Contact(key=contact.id)
                session.add(person)
            person.agency_id = row.id
            person.name, person.role, person.email = contact.name, contact.role.value, contact.email
            person.active = True
            listed.append(person)
    for gone in contacts.values():
        gone.active = False
    session.flush()
    return RowIds(
        contacts={c.key: c.id for c in (*listed, *contacts.values())},
        agencies={a.key: a.id for a in agencies.values()},
    )

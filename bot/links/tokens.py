"""Action-link tokens: issue, find, revoke.

The rules:
- a token is 32 bytes from `secrets` (256 bits), URL-safe; only its SHA-256 is stored;
- it is bound to one contact and one item (an invitation, an action, a find-a-time
  poll or a finalised record version) and lists the intents it may perform on it;
- an invitation's token expires at the end of the meeting day in the partnership's
  time zone; an action's 30 days after its due date (end of that day), and at once
  when the action is closed; a poll's when the poll closes (and at once when a time
  is chosen or the search is cancelled); a record's 30 days after it was issued;
- every token for an item can be revoked (a reschedule, a reassignment);
- a token only works while its contact is still the one the item belongs to
  (the invitee; the action's owner, or the chair for the chair's intents; one of
  the poll's invitees; someone the record is circulated to in full);
- finding a token looks up the hash (the database index) and compares it with
  `hmac.compare_digest`, so a lookup says nothing through its timing about
  other tokens; an unknown, expired or revoked token is the same `None`.

Time always comes from the caller (the injected clock), never the wall clock.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from bot.record.content import RecordContent
from bot.storage import models
from bot.storage.find_time_models import SearchStatus, TimeSearch
from bot.storage.link_models import LinkItem, LinkToken
from bot.storage.record_models import RecordVersion
from scheduling.workdays import WorkingCalendar

TOKEN_BYTES = 32
# token_urlsafe(32) is 43 characters of the URL-safe base64 alphabet.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")

INVITATION_INTENTS = ("accept", "decline", "delegate")
OWNER_ACTION_INTENTS = ("close", "more-time", "snooze")
CHAIR_ACTION_INTENTS = ("approve", "refuse")
ACTION_LINK_DAYS_AFTER_DUE = 30
POLL_INTENTS = ("available",)
RECORD_LINK_DAYS = 30


class ContactKey(Protocol):
    """What a token needs of its contact's row: its id and key (a row, or what is known
    of one without reading it)."""

    @property
    def id(self) -> int: ...

    @property
    def key(self) -> str: ...


@dataclass(frozen=True)
class KnownContact:
    """A contact by its row id (known without reading the row) and key."""

    id: int
    key: str


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """The stored form of a token: hex SHA-256 (also safe to log, shortened)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def looks_like_token(text: str) -> bool:
    return TOKEN_PATTERN.fullmatch(text) is not None


def invitation_expiry(calendar: WorkingCalendar, invitation: models.Invitation) -> datetime:
    """The end of the meeting day, in the partnership's time zone."""
    return calendar.end_of_day(calendar.local_date(invitation.discussion.meeting_at))


def action_expiry(calendar: WorkingCalendar, action: models.Action) -> datetime:
    """The end of the day 30 days after the action is due, in the partnership's time zone."""
    due = calendar.local_date(action.due_at)
    return calendar.end_of_day(due + timedelta(days=ACTION_LINK_DAYS_AFTER_DUE))


def issue_invitation_link(
    session: Session,
    invitation: models.Invitation,
    *,
    now: datetime,
    calendar: WorkingCalendar,
    intents: Collection[str] = INVITATION_INTENTS,
) -> str:
    """A new token for the invitee to answer `invitation`. Returns the token itself:
    put it in the link and forget it (only its hash is kept)."""
    _check_intents(intents, INVITATION_INTENTS)
    return _issue(
        session,
        LinkToken(
            contact_id=invitation.contact_id,
            item=LinkItem.INVITATION,
            invitation_id=invitation.id,
            intents=list(intents),
            created_at=now,
            expires_at=invitation_expiry(calendar, invitation),
        ),
    )


def issue_action_link(
    session: Session,
    action: models.Action,
    contact: ContactKey,
    *,
    now: datetime,
    calendar: WorkingCalendar,
    intents: Collection[str] = OWNER_ACTION_INTENTS,
) -> str:
    """A new token for `contact` on `action`: the owner's intents, or the chair's
    (approve or refuse a request for more time). Not both in one token."""
    if set(intents) <= set(OWNER_ACTION_INTENTS):
        if contact.id != action.owner_id:
            raise ValueError("only the action's owner gets a link to close, extend or snooze it")
    elif set(intents) <= set(CHAIR_ACTION_INTENTS):
        if contact.id != action.discussion.chair_id:
            raise ValueError("only the chair gets a link to approve or refuse more time")
    else:
        raise ValueError(f"an action link carries owner or chair intents, not {sorted(intents)}")
    return _issue(
        session,
        LinkToken(
            contact_id=contact.id,
            item=LinkItem.ACTION,
            action_id=action.id,
            intents=list(intents),
            created_at=now,
            expires_at=action_expiry(calendar, action),
        ),
    )


def issue_poll_link(
    session: Session,
    search: TimeSearch,
    contact: ContactKey,
    *,
    now: datetime,
    calendar: WorkingCalendar,
) -> str:
    """A new token for `contact` to answer the find-a-time poll of `search` (the
    `available` intent). It expires when the poll closes. Only for one of the poll's
    invitees, while the search is open. (`calendar` for a uniform call: a poll's
    expiry is its closing instant, not a local day.)"""
    del calendar
    if not poll_is_open(search, now):
        raise ValueError("the poll is closed: no new link to answer it")
    if contact.key not in search.invitees:
        raise ValueError("only the poll's invitees get a link to answer it")
    return _issue(
        session,
        LinkToken(
            contact_id=contact.id,
            item=LinkItem.POLL,
            time_search_id=search.id,
            intents=list(POLL_INTENTS),
            created_at=now,
            expires_at=search.closes_at,
        ),
    )


def issue_record_link(
    session: Session,
    version: RecordVersion,
    contact: ContactKey,
    *,
    now: datetime,
    calendar: WorkingCalendar,
) -> str:
    """A new token for `contact` to read the finalised record `version` and download
    its PDF (nothing to act on). Only for someone it is circulated to in full; it
    expires at the end of the 30th day after it was issued."""
    if not version.is_final:
        raise ValueError("only a finalised record is circulated, so only it has links")
    if contact.key not in record_readers(version):
        raise ValueError("only the people the record is circulated to get a link to read it")
    return _issue(
        session,
        LinkToken(
            contact_id=contact.id,
            item=LinkItem.RECORD,
            record_version_id=version.id,
            intents=[],
            created_at=now,
            expires_at=record_expiry(calendar, now),
        ),
    )


def record_expiry(calendar: WorkingCalendar, issued: datetime) -> datetime:
    """The end of the 30th day after the link was issued, in the partnership's time zone."""
    return calendar.end_of_day(calendar.local_date(issued) + timedelta(days=RECORD_LINK_DAYS))


def record_readers(version: RecordVersion) -> set[str]:
    """The contact keys a final version is circulated to in full: its attendance rows,
    everyone invited and anyone who attended (the rule of `recipients` in
    bot/record/circulation.py, a layer above; tests/web_page/test_item_pages.py
    checks that the two agree)."""
    snapshot = RecordContent.load(version.content).snapshot
    if snapshot is None:
        return set()
    return {row.contact for row in snapshot.attendance}


def poll_is_open(search: TimeSearch, now: datetime) -> bool:
    return search.status == SearchStatus.OPEN and now < search.closes_at


def _check_intents(intents: Collection[str], allowed: Collection[str]) -> None:
    unknown = sorted(set(intents) - set(allowed))
    if not intents or unknown:
        raise ValueError(f"intents must be some of {sorted(allowed)}, got {sorted(intents)}")


def _issue(session: Session, row: LinkToken) -> str:
    token = new_token()
    row.token_hash = hash_token(token)
    session.add(row)
    session.flush()
    return token


# Every check reads the token's contact; most tokens are invitations' (one per email).
_WITH_HOLDER = (joinedload(LinkToken.contact), joinedload(LinkToken.invitation))


def find_link(session: Session, token: str, now: datetime) -> LinkToken | None:
    """The token's row if it works now (known, not expired, not revoked, still bound
    to its contact); otherwise None, whatever the reason."""
    if not looks_like_token(token):
        return None
    digest = hash_token(token)
    row = session.scalars(
        select(LinkToken).where(LinkToken.token_hash == digest).options(*_WITH_HOLDER)
    ).one_or_none()
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    return row if is_usable(row, now) else None


def is_usable(row: LinkToken, now: datetime) -> bool:
    if row.revoked_at is not None or now >= row.expires_at or not row.contact.active:
        return False
    if row.item == LinkItem.INVITATION:
        return row.invitation is not None and row.invitation.contact_id == row.contact_id
    if row.item == LinkItem.ACTION and row.action is not None:
        action = row.action
        if action.status == models.ActionStatus.CLOSED:
            return False
        if set(row.intents) <= set(CHAIR_ACTION_INTENTS):
            return action.discussion.chair_id == row.contact_id
        return action.owner_id == row.contact_id
    if row.item == LinkItem.POLL and row.time_search is not None:
        search = row.time_search
        return poll_is_open(search, now) and row.contact.key in search.invitees
    if row.item == LinkItem.RECORD and row.record_version is not None:
        version = row.record_version
        return version.is_final and row.contact.key in record_readers(version)
    return False


def revoke_links(
    session: Session,
    item: models.Invitation | models.Action | TimeSearch | RecordVersion,
    *,
    now: datetime,
    reason: str,
    contact: models.Contact | None = None,
) -> int:
    """Revoke every working token for `item` (only `contact`'s, if given), e.g. on a
    reschedule or a reassignment. Returns how many were revoked."""
    column = _ITEM_COLUMNS[type(item)]
    statement = (
        update(LinkToken)
        .where(column == item.id, LinkToken.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason[:200])
    )
    if contact is not None:
        statement = statement.where(LinkToken.contact_id == contact.id)
    result = session.execute(statement, execution_options={"synchronize_session": "fetch"})
    return int(getattr(result, "rowcount", 0) or 0)


_ITEM_COLUMNS: dict[type, Any] = {
    models.Invitation: LinkToken.invitation_id,
    models.Action: LinkToken.action_id,
    TimeSearch: LinkToken.time_search_id,
    RecordVersion: LinkToken.record_version_id,
}


def revoke_discussion_links(
    session: Session, discussion: models.Discussion, *, now: datetime, reason: str
) -> int:
    """Revoke the tokens of every invitation to `discussion`, and of its find-a-time poll
    if it has one (a reschedule or a cancellation)."""
    revoked = sum(
        revoke_links(session, invitation, now=now, reason=reason)
        for invitation in discussion.invitations
    )
    search = session.scalars(
        select(TimeSearch).where(TimeSearch.discussion_id == discussion.id)
    ).one_or_none()
    if search is not None:
        revoked += revoke_links(session, search, now=now, reason=reason)
    return revoked


def mark_used(row: LinkToken, now: datetime) -> None:
    """Note that the link acted (a POST). Opening a link never calls this."""
    row.last_used_at = now

"""Action-link tokens: issue, find, revoke.

The rules:
- a token is 32 bytes from `secrets` (256 bits), URL-safe; only its SHA-256 is stored;
- it is bound to one contact and one item (an invitation or an action) and lists
  the intents it may perform on that item;
- an invitation's token expires at the end of the meeting day in the partnership's
  time zone; an action's 30 days after its due date (end of that day), and at once
  when the action is closed;
- every token for an item can be revoked (a reschedule, a reassignment);
- a token only works while its contact is still the one the item belongs to
  (the invitee; the action's owner, or the chair for the chair's intents);
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
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.storage import models
from bot.storage.link_models import LinkItem, LinkToken
from scheduling.workdays import WorkingCalendar

TOKEN_BYTES = 32
# token_urlsafe(32) is 43 characters of the URL-safe base64 alphabet.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")

INVITATION_INTENTS = ("accept", "decline", "delegate")
OWNER_ACTION_INTENTS = ("close", "more-time", "snooze")
CHAIR_ACTION_INTENTS = ("approve", "refuse")
ACTION_LINK_DAYS_AFTER_DUE = 30


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
    contact: models.Contact,
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


def find_link(session: Session, token: str, now: datetime) -> LinkToken | None:
    """The token's row if it works now (known, not expired, not revoked, still bound
    to its contact); otherwise None, whatever the reason."""
    if not looks_like_token(token):
        return None
    digest = hash_token(token)
    row = session.scalars(select(LinkToken).where(LinkToken.token_hash == digest)).one_or_none()
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
    return False


def revoke_links(
    session: Session,
    item: models.Invitation | models.Action,
    *,
    now: datetime,
    reason: str,
    contact: models.Contact | None = None,
) -> int:
    """Revoke every working token for `item` (only `contact`'s, if given), e.g. on a
    reschedule or a reassignment. Returns how many were revoked."""
    column = LinkToken.invitation_id if isinstance(item, models.Invitation) else LinkToken.action_id
    statement = (
        update(LinkToken)
        .where(column == item.id, LinkToken.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason[:200])
    )
    if contact is not None:
        statement = statement.where(LinkToken.contact_id == contact.id)
    result = session.execute(statement, execution_options={"synchronize_session": "fetch"})
    return int(getattr(result, "rowcount", 0) or 0)


def revoke_discussion_links(
    session: Session, discussion: models.Discussion, *, now: datetime, reason: str
) -> int:
    """Revoke the tokens of every invitation to `discussion` (a reschedule or a cancellation)."""
    return sum(
        revoke_links(session, invitation, now=now, reason=reason)
        for invitation in discussion.invitations
    )


def mark_used(row: LinkToken, now: datetime) -> None:
    """Note that the link acted (a POST). Opening a link never calls this."""
    row.last_used_at = now

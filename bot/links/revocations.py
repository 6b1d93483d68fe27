"""Links that stop when what they were for changes, each revocation in the audit trail.

The services call these in the unit of work that made the change:
- a reschedule or a cancellation: every invitation link of the discussion, and
  its poll's links (`discussion_changed`);
- a reassignment: the old owner's links to the action (`owner_changed`);
- a poll that closes (a time chosen) or a search cancelled: its links (`poll_closed`).

Such links would mostly stop by themselves (a link only works while its contact is
still the invitee, the owner, an invitee of an open poll); revoking them makes the
end explicit, with its reason, in the link's row and in the audit trail. Nothing is
audited when there was no link to revoke.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.core import Core
from bot.links.tokens import revoke_discussion_links, revoke_links
from bot.shared import audit
from bot.storage import models
from bot.storage.find_time_models import TimeSearch

LINKS_REVOKED = "links_revoked"


def discussion_changed(
    session: Session, core: Core, discussion: models.Discussion, actor: str, reason: str
) -> int:
    """A reschedule or a cancellation (`reason` says which): the old links stop."""
    revoked = revoke_discussion_links(session, discussion, now=core.clock.now(), reason=reason)
    _audit(session, core, actor, discussion, revoked, reason, item="invitation")
    return revoked


def owner_changed(
    session: Session,
    core: Core,
    action: models.Action,
    old_owner: models.Contact,
    actor: str,
) -> int:
    """A reassignment: the old owner's links to the action stop."""
    reason = "reassigned"
    revoked = revoke_links(session, action, now=core.clock.now(), reason=reason, contact=old_owner)
    _audit(
        session,
        core,
        actor,
        action.discussion,
        revoked,
        reason,
        item="action",
        action=action.label,
        contact=old_owner.key,
    )
    return revoked


def poll_closed(session: Session, core: Core, search: TimeSearch, actor: str, reason: str) -> int:
    """A time chosen, or the search cancelled: nobody answers the poll any more."""
    revoked = revoke_links(session, search, now=core.clock.now(), reason=reason)
    _audit(session, core, actor, search.discussion, revoked, reason, item="poll")
    return revoked


def _audit(
    session: Session,
    core: Core,
    actor: str,
    discussion: models.Discussion,
    revoked: int,
    reason: str,
    **details: object,
) -> None:
    if revoked:
        audit(
            session, core, actor, LINKS_REVOKED, discussion, reason=reason, count=revoked, **details
        )

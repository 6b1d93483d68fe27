"""Cancelling while a time is being found: `/strategy cancel CASE` before a meeting exists.

The search ends (its status, the discussion's), its closing job (POLL_CLOSE) is
dropped, each invitee's poll says in place that it is no longer needed, and the
convenor's and chair's tally that the search was cancelled; the audit trail
records it. Nobody was invited yet, so nothing else is withdrawn. Answers and
picks that come afterwards (an old button, a typed command, an answer page) are
refused, saying so (`refuse_if_cancelled`).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.directory import Contact
from bot.errors import InputError, not_allowed, refusal
from bot.find_time.poll import needs_poll
from bot.links import revocations
from bot.messages import Kind, Outcome, Outgoing, message
from bot.services.time_search import (
    BY_CONVENOR,
    drop_closing_job,
    poll_outgoing,
    poll_state,
    search_of,
)
from bot.shared import audit, visible_discussion
from bot.storage import models
from bot.storage.find_time_models import SearchStatus, TimeSearch
from bot.unit import Unit


def finding_discussion(
    session: Session, actor: Contact, reference: str
) -> models.Discussion | None:
    """The discussion a reference names, if a time is being found for it (None otherwise,
    or when the actor may not see it: the caller's usual lookup then says why)."""
    try:
        discussion = visible_discussion(session, reference, actor)
    except InputError:
        return None
    return discussion if discussion.status == models.DiscussionStatus.FINDING_TIME else None


def cancel_search(
    unit: Unit, actor: Contact, discussion: models.Discussion, reason: str
) -> Outcome:
    """`/strategy cancel CASE` while a time is being found: the search ends, its closing
    job is dropped, each invitee's poll says in place that it is no longer needed, and
    the convenor's and chair's tally that it was cancelled. Nobody was invited yet."""
    core, session = unit.core, unit.session
    if actor.id not in (discussion.convenor.key, discussion.chair.key):
        raise not_allowed("find_time.not_organiser", case=discussion.case.reference)
    search = search_of(discussion, session)
    assert search is not None  # a discussion finding a time has its search
    search.status = SearchStatus.CANCELLED
    search.closed_by = BY_CONVENOR
    discussion.status = models.DiscussionStatus.CANCELLED
    drop_closing_job(session, discussion)
    revocations.poll_closed(session, core, search, actor.id, "cancelled")
    state = poll_state(core, search)
    asked = needs_poll(state.poll, state.availability)
    audit(session, core, actor.id, "time_search_cancelled", discussion, reason=reason)
    audit(session, core, actor.id, "cancelled", discussion, reason=reason)
    outgoing = [poll_outgoing(core, state, i, cancelled=(actor.name, reason)) for i in asked]
    words = {
        "case": discussion.case.reference,
        "by": actor.name,
        "reason": reason,
        "asked": [i.name for i in asked],
    }
    ended = message(Kind.NOTICE, "messages/search_cancelled.txt.j2", **words)
    outgoing += [
        Outgoing(to=key, thread=f"tally:{search.id}", message=ended)
        for key in dict.fromkeys([discussion.convenor.key, discussion.chair.key])
    ]
    return Outcome(message(Kind.REPLY, "messages/search_cancelled.txt.j2", **words), outgoing)


def refuse_if_cancelled(search: TimeSearch) -> None:
    """Answers and picks after a cancelled search are refused, saying so."""
    if search.status == SearchStatus.CANCELLED:
        raise refusal("find_time.cancelled", case=search.discussion.case.reference)

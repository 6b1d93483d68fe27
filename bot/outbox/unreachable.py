"""When nobody can be reached: the chair of the discussion is told at once, by the outbox.

The same for a notice to the notices channel that no platform could post (none
here posts notices, or each refused): the chair is told it was not posted and
how to set a notices channel.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from bot.core import Core
from bot.messages import Delivery, Kind, Outgoing, message
from bot.outbox.rows import write
from bot.references import discussion_reference
from bot.storage import models
from bot.storage.outbox_models import OutboxRow

log = logging.getLogger(__name__)

UNREACHABLE_TEMPLATE = "messages/unreachable.txt.j2"
NOT_POSTED_TEMPLATE = "messages/notice_not_posted.txt.j2"

# What the chair is told the lost message was, by its kind.
WHAT = {
    "invitation": "their invitation to the strategy discussion",
    "quorum": "the discussion's quorum view",
    "action": "an action given to them",
    "nudge": "a reminder about their open action",
    "request": "a request waiting for their decision",
    "record": "the discussion's record",
    "alert": "an alert",
}


def tell_chair(
    session: Session, core: Core, row: OutboxRow, discussion: models.Discussion | None
) -> None:
    """Write the chair's notice about this undeliverable row, in the caller's transaction.

    When the chair is the one who cannot be reached, the convenor is told instead (if
    someone else). Never about a notice of this kind itself: `strategy-bot jobs` lists
    those, and the log says so loudly.
    """
    if discussion is None:
        log.error("outbox row %s is undeliverable and names no discussion", row.id)
        return
    told = discussion.chair.key
    if told == row.recipient:
        told = discussion.convenor.key
    if told == row.recipient or row.message.get("template") in (
        UNREACHABLE_TEMPLATE,
        NOT_POSTED_TEMPLATE,
    ):
        log.error("outbox row %s is undeliverable, and so is %s, who would be told", row.id, told)
        return
    if row.delivery == Delivery.CHANNEL:
        notice = message(
            Kind.ALERT,
            NOT_POSTED_TEMPLATE,
            case=discussion_reference(discussion),
            channel=row.recipient,
            refusals=row.refusals,
        )
        write(session, core.clock.now(), [Outgoing(to=told, message=notice)])
        return
    contact = core.directory.contact(row.recipient)
    notice = message(
        Kind.ALERT,
        UNREACHABLE_TEMPLATE,
        case=discussion_reference(discussion),
        person=contact.name if contact else row.recipient,
        role=contact.role.label if contact else "not in the directory",
        agency=core.directory.agency(contact.agency_id).name if contact else "unknown agency",
        refusals=row.refusals,
        what=WHAT.get(str(row.message.get("kind")), "a message"),
        recipient=row.recipient,
    )
    write(session, core.clock.now(), [Outgoing(to=told, message=notice)])

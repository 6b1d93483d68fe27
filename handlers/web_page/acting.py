"""The one place where the answer pages ask the core to do something.

`act` runs an intent for a person through the entry point every adapter uses
(`Bot.act`), with `via="web"` and, for a shared mailbox, who answered: the
unit of work records both on the person's audit events. What the answer
caused is sent afterwards; a failure to send it does not undo the answer.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from bot.app import Bot
from bot.directory import Contact
from bot.errors import InputError
from bot.messages import Message

log = logging.getLogger(__name__)

VIA = "web"


def act(
    bot: Bot,
    actor: Contact,
    intent: str,
    fields: Mapping[str, str],
    *,
    answered_by: Mapping[str, str] | None = None,
) -> Message:
    """Do `intent` for `actor` with `fields`; return the core's reply to them.

    Raises InputError (what was wrong, and its example) when the core refuses:
    nothing was written.
    """
    outcome = bot.act(actor, intent, fields, send=False, via=VIA, answered_by=answered_by)
    if not outcome.ok:
        context = outcome.reply.context
        raise InputError(str(context.get("problem", outcome.reply.text)), context.get("example"))
    try:
        bot.send(outcome.outgoing)
    except Exception:
        # The answer is committed; what it caused is retried by the outbox (issue 14).
        log.exception("an answer from the web was saved, but sending what it caused failed")
    return outcome.reply

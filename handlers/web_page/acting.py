"""The one place where the answer pages ask the core to do something.

`act` runs an intent for a person through the same services chat uses, audited
with `via: web`, then sends what the change produced (as `Bot.command` does).
When the intent table lands (issue 13), its body becomes
`bot.act(actor, intent, fields)`, with `via` and `answered_by` passed along.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from bot.app import Bot
from bot.directory import Contact
from bot.errors import NotAllowed
from bot.messages import Message, Outcome, latest_per_thread
from bot.services import respond

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

    Raises InputError (NotAllowed included) when the core refuses: nothing was written.
    """
    core, case = bot.core, fields.get("case", "")
    outcome: Outcome
    if intent == "accept":
        outcome = respond.accept(core, actor, case, via=VIA, answered_by=answered_by)
    elif intent == "decline":
        reason = fields.get("reason", "")
        outcome = respond.decline(core, actor, case, reason, via=VIA, answered_by=answered_by)
    elif intent == "delegate":
        to = fields.get("to", "")
        outcome = respond.delegate(core, actor, case, to, via=VIA, answered_by=answered_by)
    else:
        raise NotAllowed(f"'{intent}' cannot be done from this page.")
    try:
        bot.chat.deliver(latest_per_thread(outcome.outgoing))
        bot.run_due_work()
    except Exception:
        # The answer is committed; what it caused is retried by the outbox (issue 14).
        log.exception("an answer from the web was saved, but sending what it caused failed")
    return outcome.reply

"""What each card action does: the same services the typed commands call.

A card's `Action.Execute` sends `data` with the action, what it is about (a
case or action reference) and what the person filled in under the card.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.commands import parse_children
from bot.core import Core
from bot.directory import Contact
from bot.messages import Outcome
from bot.services import actions, convene, respond
from bot.text_input import clean_option, require_text

Data = Mapping[str, Any]
CardAction = Callable[[Core, Contact, str, Data], Outcome]


def field(data: Data, name: str) -> str:
    """A card's value, cleaned and within its limit as typed text is (bot/text_input.py)."""
    value = data.get(name)
    if not isinstance(value, str):
        return ""
    return clean_option(name, require_text(value), f"{name}=...").strip()


def choices(data: Data, name: str) -> list[str]:
    """A multi-select choice set arrives as one comma-separated string."""
    return [part.strip() for part in field(data, name).split(",") if part.strip()]


def _accept(core: Core, actor: Contact, value: str, data: Data) -> Outcome:
    return respond.accept(core, actor, value)


def _decline(core: Core, actor: Contact, value: str, data: Data) -> Outcome:
    return respond.decline(core, actor, value, field(data, "reason"))


def _delegate(core: Core, actor: Contact, value: str, data: Data) -> Outcome:
    return respond.delegate(core, actor, value, field(data, "to"))


def _close(core: Core, actor: Contact, value: str, data: Data) -> Outcome:
    return actions.close_action(core, actor, value, field(data, "outcome"))


def _more_time(core: Core, actor: Contact, value: str, data: Data) -> Outcome:
    return actions.request_more_time(core, actor, value, field(data, "due"), field(data, "reason"))


def _snooze(core: Core, actor: Contact, value: str, data: Data) -> Outcome:
    return actions.snooze(core, actor, value, field(data, "until") or None)


def _approve_time(core: Core, actor: Contact, value: str, data: Data) -> Outcome:
    return actions.decide_more_time(core, actor, value, approve=True)


def _refuse_time(core: Core, actor: Contact, value: str, data: Data) -> Outcome:
    return actions.decide_more_time(core, actor, value, approve=False, reason=field(data, "reason"))


def _convene(core: Core, actor: Contact, value: str, data: Data) -> Outcome:
    request = convene.ConveneRequest(
        case_reference=field(data, "case"),
        children=parse_children(field(data, "children")),
        category=field(data, "category"),
        meeting=field(data, "meeting"),
        identified=field(data, "identified") or None,
        tags=choices(data, "tags"),
        known=choices(data, "known"),
        referrer=field(data, "referrer") or None,
        late_reason=field(data, "late_reason") or None,
    )
    return convene.convene(core, actor, request)


CARD_ACTIONS: Mapping[str, CardAction] = {
    "accept": _accept,
    "decline": _decline,
    "delegate": _delegate,
    "close_action": _close,
    "more_time": _more_time,
    "snooze": _snooze,
    "approve_time": _approve_time,
    "refuse_time": _refuse_time,
    "convene": _convene,
}

"""What each card action does: the same services the typed commands call.

A card's `Action.Execute` sends `data` with the action, what it is about (a
case or action reference) and what the person filled in under the card.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.commands import parse_children
from bot.directory import Contact
from bot.messages import Outcome
from bot.services import actions, convene, more_time, reminders, respond
from bot.unit import Unit

Data = Mapping[str, Any]
CardAction = Callable[[Unit, Contact, str, Data], Outcome]


def field(data: Data, name: str) -> str:
    value = data.get(name)
    return value.strip() if isinstance(value, str) else ""


def choices(data: Data, name: str) -> list[str]:
    """A multi-select choice set arrives as one comma-separated string."""
    return [part.strip() for part in field(data, name).split(",") if part.strip()]


def _accept(unit: Unit, actor: Contact, value: str, data: Data) -> Outcome:
    return respond.accept(unit, actor, value)


def _decline(unit: Unit, actor: Contact, value: str, data: Data) -> Outcome:
    return respond.decline(unit, actor, value, field(data, "reason"))


def _delegate(unit: Unit, actor: Contact, value: str, data: Data) -> Outcome:
    return respond.delegate(unit, actor, value, field(data, "to"))


def _close(unit: Unit, actor: Contact, value: str, data: Data) -> Outcome:
    return actions.close_action(unit, actor, value, field(data, "outcome"))


def _more_time(unit: Unit, actor: Contact, value: str, data: Data) -> Outcome:
    return more_time.request(unit, actor, value, field(data, "due"), field(data, "reason"))


def _snooze(unit: Unit, actor: Contact, value: str, data: Data) -> Outcome:
    return reminders.snooze(unit, actor, value, field(data, "until") or None)


def _approve_time(unit: Unit, actor: Contact, value: str, data: Data) -> Outcome:
    return more_time.decide(unit, actor, value, approve=True)


def _refuse_time(unit: Unit, actor: Contact, value: str, data: Data) -> Outcome:
    return more_time.decide(unit, actor, value, approve=False, reason=field(data, "reason"))


def _convene(unit: Unit, actor: Contact, value: str, data: Data) -> Outcome:
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
    return convene.convene(unit, actor, request)


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

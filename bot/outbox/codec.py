"""A Message as JSON, for the outbox row, and back again, as it was.

Message contexts hold plain values, dates and times; a value JSON has no form
for is tagged with its type so that it comes back the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import Any

from bot.messages import Button, Kind, Message

_TAG = "__outbox__"


def encode_message(message: Message) -> dict[str, Any]:
    return {
        "kind": message.kind.value,
        "text": message.text,
        "template": message.template,
        "context": _encode(message.context),
        "parts": _encode(message.parts),
        "buttons": [
            {
                "action": b.action,
                "value": b.value,
                "label": b.label,
                "command": b.command,
                "positive": b.positive,
            }
            for b in message.buttons
        ],
    }


def decode_message(data: Mapping[str, Any]) -> Message:
    return Message(
        kind=Kind(data["kind"]),
        text=str(data["text"]),
        template=str(data.get("template", "")),
        context=_decode(data.get("context", {})),
        buttons=tuple(Button(**b) for b in data.get("buttons", [])),
        parts=_decode(data.get("parts", {})),
    )


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Enum):
        return _encode(value.value)
    if isinstance(value, datetime):
        return {_TAG: "datetime", "value": value.isoformat()}
    if isinstance(value, date):
        return {_TAG: "date", "value": value.isoformat()}
    if isinstance(value, time):
        return {_TAG: "time", "value": value.isoformat()}
    if isinstance(value, timedelta):
        return {_TAG: "timedelta", "value": value.total_seconds()}
    if isinstance(value, Mapping):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_encode(v) for v in value]
    return str(value)  # anything else is only ever shown as text


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    tag = value.get(_TAG)
    if tag == "datetime":
        return datetime.fromisoformat(value["value"])
    if tag == "date":
        return date.fromisoformat(value["value"])
    if tag == "time":
        return time.fromisoformat(value["value"])
    if tag == "timedelta":
        return timedelta(seconds=value["value"])
    return {k: _decode(v) for k, v in value.items()}

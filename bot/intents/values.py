"""Checking what a person gave an intent: the one place every field value passes.

Whatever the way in (typed, a button, a form, a web page), the values go
through `check_values` before a service sees them: trimmed, each read as its
field's kind, held to its length, and every required field present.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.errors import InputError, refusal
from bot.forms import Field, FieldKind, FieldValue
from bot.intents.intent import Intent, Values

YES = ("yes", "true", "on", "1")
NO = ("no", "false", "off", "0", "")

Given = Mapping[str, object]


def check_values(intent: Intent, given: Given) -> Values:
    """The values for `intent`, checked; an InputError naming the field for the first problem."""
    checked: dict[str, FieldValue | bool] = {}
    extra: dict[str, str] = {}
    unknown: list[str] = []
    for name, raw in given.items():
        field = intent.field(name)
        if field is None:
            if intent.open is None:
                unknown.append(name)
                continue
            text = clean(intent.open, _as_text(raw), name)
            if text:
                extra[name] = text
            continue
        value = _read(intent, field, raw)
        if value not in ("", [], None):
            checked[name] = value
    if unknown:
        raise refusal(
            "input.unknown_option",
            names=", ".join(sorted(unknown)),
            intent=intent.name,
            example=intent.usage,
        )
    for field in intent.fields:
        if field.required and field.name not in checked:
            if field.missing:
                raise InputError(field.missing, intent.usage, field=field.name)
            raise refusal("input.missing", name=field.name, example=intent.usage, field=field.name)
    return Values(checked, extra)


def clean(field: Field, text: str, name: str | None = None) -> str:
    """A typed value as the services see it: trimmed, and no longer than the field allows."""
    text = text.strip()
    if len(text) > field.max_length:
        shown = name or field.name
        raise refusal("input.too_long", name=shown, limit=field.max_length, field=shown)
    return text


def _read(intent: Intent, field: Field, raw: object) -> FieldValue | bool | None:
    if field.kind is FieldKind.FLAG:
        return _flag(intent, field, raw)
    if field.many:
        parts = raw if isinstance(raw, list | tuple) else _as_text(raw).split(",")
        if field.kind is FieldKind.WORDS and not isinstance(raw, list | tuple):
            parts = _as_text(raw).split()
        return [text for text in (clean(field, str(p)) for p in parts) if text]
    if isinstance(raw, list | tuple):
        raw = (
            ", ".join(str(part) for part in raw)
            if field.kind is FieldKind.TEXT
            else (raw[0] if raw else "")
        )
    return clean(field, _as_text(raw))


def _flag(intent: Intent, field: Field, raw: object) -> bool | None:
    """yes/no typed; a ticked box (any value chosen) on a form."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, list | tuple):
        return bool(raw)
    value = _as_text(raw).strip().lower()
    if value in YES or value == field.name:
        return True
    if value in NO:
        return False
    raise refusal(
        "input.yes_or_no", name=field.name, value=value, example=intent.usage, field=field.name
    )


def _as_text(raw: object) -> str:
    return "" if raw is None else str(raw)

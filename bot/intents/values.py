"""Checking what a person gave an intent: the one place every field value passes.

Whatever the way in (typed, a button, a form, a web page), the values go
through `check_values` before a service sees them: cleaned (bot/text_input.py:
no control characters or escapes, identifiers without invisible characters),
trimmed, each read as its field's kind, held to its length (the limits are
bot/text_input.py's, given to each field in bot/intents/table.py), and every
required field present.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.errors import InputError, refusal
from bot.forms import Field, FieldKind, FieldValue
from bot.intents.intent import Intent, Values
from bot.text_input import check_length, clean_identifier, clean_text, require_text, shown

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
            text = clean(intent.open(name), _as_text(raw), name, intent.usage)
            if text:
                extra[name] = text
            continue
        value = _read(intent, field, raw)
        if value not in ("", [], None):
            checked[name] = value
    if unknown:
        raise refusal(
            "input.unknown_option",
            names=shown(", ".join(sorted(unknown))),
            intent=intent.name,
            example=intent.usage,
        )
    for field in intent.fields:
        if field.required and field.name not in checked:
            if field.missing:
                raise InputError(field.missing, intent.usage, field=field.name)
            raise refusal("input.missing", name=field.name, example=intent.usage, field=field.name)
    return Values(checked, extra)


def clean(field: Field, text: str, name: str | None = None, example: str | None = None) -> str:
    """A value as the services see it, whichever way it came in: valid text without
    control characters or escapes (an identifier also without invisible characters, and
    free text on one line unless `multiline`), within the field's limit, trimmed.

    `name`: what the value was given as (an open intent's option); `example`: the
    refusal's example when it is too long.
    """
    shown_as = name or field.name
    text = require_text(text)
    if field.is_identifier:
        text = clean_identifier(text)
    else:
        text = clean_text(text, lines=field.multiline)
    check_length(text, field.max_length, f"{shown_as}=", example, field=shown_as)
    return text.strip()


def _read(intent: Intent, field: Field, raw: object) -> FieldValue | bool | None:
    if field.kind is FieldKind.FLAG:
        return _flag(intent, field, raw)
    if field.many:
        if isinstance(raw, list | tuple):
            parts = [clean(field, str(part), example=intent.usage) for part in raw]
        else:
            text = clean(field, _as_text(raw), example=intent.usage)
            parts = text.split() if field.kind is FieldKind.WORDS else text.split(",")
        return [text for text in (part.strip() for part in parts) if text]
    if isinstance(raw, list | tuple):
        raw = (
            ", ".join(str(part) for part in raw)
            if field.kind is FieldKind.TEXT
            else (raw[0] if raw else "")
        )
    return clean(field, _as_text(raw), example=intent.usage)


def _flag(intent: Intent, field: Field, raw: object) -> bool | None:
    """yes/no typed; a ticked box (any value chosen) on a form."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, list | tuple):
        return bool(raw)
    value = clean(field, _as_text(raw), example=intent.usage).lower()
    if value in YES or value == field.name:
        return True
    if value in NO:
        return False
    raise refusal(
        "input.yes_or_no",
        name=field.name,
        value=shown(value),
        example=intent.usage,
        field=field.name,
    )


def _as_text(raw: object) -> str:
    return "" if raw is None else str(raw)

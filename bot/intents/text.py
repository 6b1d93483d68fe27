"""Reading a typed `/strategy ...` command as an intent and its fields.

`convene NV-40213 children=C1:2019-04-02 category=standard` is the intent
`convene` with its reference (the first word after the name) and `key=value`
options. Only what is particular to typing is checked here (quotes, a
repeated option, words that fit nowhere); the values themselves are checked
with everyone else's (`values.py`).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from bot.errors import refusal, wording
from bot.forms import FieldKind
from bot.intents.intent import Intent, IntentTable


@dataclass(frozen=True)
class Typed:
    intent: Intent
    fields: dict[str, str | list[str]] = field(default_factory=dict)
    bare: bool = True  # nothing was typed after the name but (at most) the item


def read_command(intents: IntentTable, text: str) -> Typed:
    """The intent and fields a typed command stands for; an InputError if it cannot be read."""
    try:
        typed = shlex.split(text)
    except ValueError as problem:
        convene = intents.get("convene")
        usage = convene.usage if convene else None
        raise refusal("input.quotes", problem=problem, example=usage) from None
    if typed and typed[0] == "/strategy":
        typed = typed[1:]
    if not typed:
        typed = ["help"]
    name, rest = typed[0].lower(), typed[1:]
    intent = intents.get(name)
    if intent is None or intent.name != name:  # old button names are not typed
        example = wording("input.unknown_command_example")
        raise refusal("input.unknown_command", name=name, example=example)
    positional = [word for word in rest if "=" not in word]
    fields: dict[str, str | list[str]] = {}
    for word in rest:
        if "=" in word:
            key, _, value = word.partition("=")
            key = key.strip().lower()
            if key in fields:
                raise refusal("input.twice", name=key, example=intent.usage)
            fields[key] = value
    options = len(fields)
    reference = intent.item_field
    if reference is not None and reference.name not in fields and positional:
        fields[reference.name] = positional.pop(0)
    elif reference is not None and positional and positional[0] == fields.get(reference.name):
        positional.pop(0)
    rest_words = next((f for f in intent.fields if f.kind is FieldKind.WORDS), None)
    if rest_words is not None and positional:
        fields[rest_words.name] = positional
        positional = []
    if positional:
        raise refusal("input.extra_words", words=" ".join(positional), example=intent.usage)
    words_typed = rest_words is not None and rest_words.name in fields
    return Typed(intent, fields, bare=options == 0 and not words_typed)

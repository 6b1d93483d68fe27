"""Reading a typed `/strategy ...` command as an intent and its fields.

`convene NV-40213 children=C1:2019-04-02 category=standard` is the intent
`convene` with its reference (the first word after the name) and `key=value`
options. Only what is particular to typing is checked here (the text as a
whole, quotes, a repeated option, words that fit nowhere); the values
themselves are checked with everyone else's (`values.py`).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

from bot.errors import InputError, LateMeeting, refusal, wording
from bot.forms import FieldKind
from bot.intents.intent import Intent, IntentTable
from bot.text_input import (
    COMMAND_CHARACTERS,
    IDENTIFIER_CHARACTERS,
    check_length,
    clean_identifier,
    clean_text,
    require_text,
    shown,
)

# The command word, in any case: /strategy, /Strategy, STRATEGY...
COMMAND_WORDS = ("/strategy", "strategy")
# `reason ="..."`, `reason= "..."`: outside quotes, spaces around '=' after an option name
# are dropped (but `reason= text="..."` leaves reason= empty, not swallowing text=).
_QUOTED = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'[^']*'")
_SPACED_EQUALS = re.compile(r"(?<!\S)([A-Za-z_][\w.]*)\s*=(?:\s+(?![A-Za-z_][\w.]*\s*=))?")
# A typed command this long is not repeated back as the example.
OWN_EXAMPLE_CHARACTERS = 400


@dataclass(frozen=True)
class Typed:
    intent: Intent
    fields: dict[str, str | list[str]] = field(default_factory=dict)
    bare: bool = True  # nothing was typed after the name but (at most) the item
    text: str = ""  # the command as typed (cleaned), for examples built from it


def read_command(intents: IntentTable, text: str) -> Typed:
    """The intent and fields a typed command stands for; an InputError if it cannot be read."""
    text = clean_text(require_text(text))
    check_length(text, COMMAND_CHARACTERS, wording("input.the_command"), _usage_of(intents, text))
    try:
        typed = shlex.split(_close_spaced_options(text))
    except ValueError as problem:
        usage = _usage_of(intents, text)
        raise refusal("input.quotes", problem=problem, example=usage) from None
    if typed and typed[0].lower() in COMMAND_WORDS:
        typed = typed[1:]
    if not typed:
        typed = ["help"]
    name, rest = clean_identifier(typed[0]).lower(), typed[1:]
    intent = intents.get(name)
    if intent is None or intent.name != name:  # old button names are not typed
        example = wording("input.unknown_command_example")
        raise refusal("input.unknown_command", name=shown(name), example=example)
    positional = [p for p in (clean_identifier(w) for w in rest if "=" not in w) if p]
    for word in positional:
        check_length(word, IDENTIFIER_CHARACTERS, f"'{shown(word, 20)}'", intent.usage)
    fields: dict[str, str | list[str]] = {}
    for word in rest:
        if "=" in word:
            key, _, value = word.partition("=")
            key = clean_identifier(key).lower()
            check_length(key, IDENTIFIER_CHARACTERS, wording("input.option_name"), intent.usage)
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
        words = shown(" ".join(positional))
        raise refusal("input.extra_words", words=words, example=intent.usage)
    words_typed = rest_words is not None and rest_words.name in fields
    return Typed(intent, fields, bare=options == 0 and not words_typed, text=text.strip())


def with_own_command(problem: InputError, typed: Typed) -> InputError:
    """The refusal of a typed command, with an example that fits it.

    A meeting after the deadline is answered with the person's own command plus
    the reason it is late; a refusal with no example of its own gets the usage of
    the command typed: every refusal carries an example.
    """
    if isinstance(problem, LateMeeting) and len(typed.text) <= OWN_EXAMPLE_CHARACTERS:
        return InputError(problem.problem, f'{typed.text} late_reason="..."', field=problem.field)
    if not problem.example:
        return InputError(problem.problem, typed.intent.usage, field=problem.field)
    return problem


def _close_spaced_options(text: str) -> str:
    parts, last = [], 0
    for quoted in _QUOTED.finditer(text):
        parts += [_SPACED_EQUALS.sub(r"\1=", text[last : quoted.start()]), quoted.group()]
        last = quoted.end()
    parts.append(_SPACED_EQUALS.sub(r"\1=", text[last:]))
    return "".join(parts)


def _usage_of(intents: IntentTable, text: str) -> str:
    """The usage of the command `text` names, before it could be read (or help's)."""
    words = text.split()
    if words and words[0].lower() in COMMAND_WORDS:
        words = words[1:]
    named = intents.get(clean_identifier(words[0]) if words else "help")
    fallback = intents.get("help")
    usage = named.usage if named is not None else (fallback.usage if fallback else "")
    return usage or wording("input.unknown_command_example")

"""Text people type, bounded and cleaned before anything is stored or sent.

Every free-text field has a length limit (the constants below are the one
place they are set); a value over it is refused, echoing at most its first
`ECHO_CHARACTERS` characters. Control characters are stripped: NUL, C0 and C1
controls and ANSI escape sequences (newline and tab are kept in free text,
which may run over several lines). Identifiers (case references, directory
ids, option names) also lose zero-width and bidirectional formatting
characters, so that `NV-4\u200b0213` is `NV-40213` and an id cannot be made to
look like another. Text that was not valid UTF-8 (lone surrogates, as Python
decodes stray bytes) is refused with a message saying so.
"""

from __future__ import annotations

import re
import unicodedata

from bot.errors import refusal

# --- Length limits, in characters ------------------------------------------------
# (Each intent's fields take theirs from these: bot/intents/table.py.)
# A reason (decline, more time, refuse, reschedule, cancel, late_reason, a correction).
REASON_CHARACTERS = 2_000
# What an action is (text=) and how it was closed (outcome=).
ACTION_TEXT_CHARACTERS = 2_000
# One section of the record (risk=, safety=, shared.police=, child.C1=, ...).
RECORD_SECTION_CHARACTERS = 20_000
# A time as typed (meeting=, due=, identified=, until=, the console's clock).
TIME_CHARACTERS = 200
# An identifier: a case or action reference, a directory id, an option name.
IDENTIFIER_CHARACTERS = 100
# A list of identifiers (known=, attended=, children=, tags=).
IDENTIFIER_LIST_CHARACTERS = 2_000
# A whole typed command: room for a record's sections, several at a time.
COMMAND_CHARACTERS = 100_000
# How much of a refused value is shown back.
ECHO_CHARACTERS = 60

# ESC [ ... final byte (CSI), ESC ] ... BEL or ESC \ (OSC), and other two-byte escapes.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?")
# C0 and C1 controls and DEL, except tab and newline (which free text keeps).
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROLS_AND_LINES = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Bidirectional embeddings, overrides and isolates: never needed to type right-to-left
# scripts (the bidi algorithm handles those), only to make text display as it is not.
_BIDI_CONTROLS = re.compile(r"[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def shown(text: str, limit: int = ECHO_CHARACTERS) -> str:
    """At most `limit` characters of `text`, for a message that shows it back."""
    text = clean_text(text, lines=False)
    return text if len(text) <= limit else text[:limit].rstrip() + "…"


def require_text(text: str) -> str:
    """Refuse text that was not valid UTF-8 (decoded with surrogateescape, or a lone
    surrogate from a payload)."""
    if _SURROGATE.search(text):
        raise refusal("input.not_text")
    return text


def clean_text(text: str, lines: bool = True) -> str:
    """Free text without escapes, controls or bidi overrides (newlines and tabs kept
    when `lines`). Lone surrogates are dropped: call `require_text` first to refuse them."""
    text = _SURROGATE.sub("", text)
    text = _ANSI.sub("", text)
    text = (_CONTROLS if lines else _CONTROLS_AND_LINES).sub("" if lines else " ", text)
    return _BIDI_CONTROLS.sub("", text)


def clean_identifier(text: str) -> str:
    """An identifier without controls or invisible formatting characters (Unicode Cf:
    zero-width spaces and joiners, bidi controls, the byte-order mark), trimmed."""
    text = clean_text(text, lines=False)
    return "".join(c for c in text if unicodedata.category(c) != "Cf").strip()


def check_length(
    value: str, limit: int, what: str, example: str | None, field: str | None = None
) -> None:
    """Refuse `value` (called `what` in the refusal) when it is longer than `limit`."""
    if len(value) > limit:
        raise refusal(
            "input.too_long",
            what=what,
            length=f"{len(value):,}",
            limit=f"{limit:,}",
            start=shown(value),
            example=example,
            field=field,
        )

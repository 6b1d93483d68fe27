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

from bot.errors import InputError

# --- Length limits, in characters ------------------------------------------------
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

# Options whose values are identifiers, or lists of them.
IDENTIFIER_OPTIONS = frozenset({"to", "owner", "referrer", "case", "category", "by", "urgent"})
IDENTIFIER_LIST_OPTIONS = frozenset({"known", "attended", "children", "tags", "harm"})
TIME_OPTIONS = frozenset({"meeting", "due", "identified", "until", "from"})
REASON_OPTIONS = frozenset({"reason", "late_reason"})
ACTION_TEXT_OPTIONS = frozenset({"text", "outcome"})

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
        raise InputError(
            "Part of what you typed is not valid text (bytes that are not UTF-8, "
            "perhaps from a copy and paste): type it again.",
            "/strategy help",
        )
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


def limit_for(option: str) -> int:
    """The length limit of an option's value."""
    if option in IDENTIFIER_OPTIONS:
        return IDENTIFIER_CHARACTERS
    if option in IDENTIFIER_LIST_OPTIONS:
        return IDENTIFIER_LIST_CHARACTERS
    if option in TIME_OPTIONS:
        return TIME_CHARACTERS
    if option in REASON_OPTIONS:
        return REASON_CHARACTERS
    if option in ACTION_TEXT_OPTIONS:
        return ACTION_TEXT_CHARACTERS
    return RECORD_SECTION_CHARACTERS


def clean_option(option: str, value: str, example: str) -> str:
    """An option's value, cleaned as its kind of value is, and within its limit."""
    if option in IDENTIFIER_OPTIONS or option in IDENTIFIER_LIST_OPTIONS:
        value = clean_identifier(value)
    else:
        value = clean_text(value, lines=option not in TIME_OPTIONS)
    check_length(value, limit_for(option), f"{option}=", example)
    return value


def check_length(value: str, limit: int, what: str, example: str) -> None:
    if len(value) > limit:
        raise InputError(
            f"{what} is {len(value):,} characters long; the limit is {limit:,}. "
            f"It begins '{shown(value)}': shorten it.",
            example,
        )

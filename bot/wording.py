"""The short wording services put into messages and the record (templates/words.yaml)."""

from __future__ import annotations

from typing import Any

from templates import phrase, words


def say(key: str, /, **context: Any) -> str:
    """The words at `key` ("invited_as.chair"), filled in."""
    entry: Any = words("words")
    for part in key.split("."):
        entry = entry[part]
    assert isinstance(entry, str), key
    return phrase(entry, **context)

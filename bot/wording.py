"""The short wording services put into messages and the record (templates/words.yaml)."""

from __future__ import annotations

from functools import cache
from typing import Any

from templates import phrase, words


def say(key: str, /, **context: Any) -> str:
    """The words at `key` ("invited_as.chair"), filled in."""
    return phrase(_entry(key), **context)


@cache
def _entry(key: str) -> str:
    entry: Any = words("words")
    for part in key.split("."):
        entry = entry[part]
    assert isinstance(entry, str), key
    return entry

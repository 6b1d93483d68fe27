"""Errors a person can act on: what was wrong, and an example that would work.

Their wording is in templates/refusals.yaml: `refusal("convene.no_chair")`.
"""

from __future__ import annotations

from typing import Any

from templates import phrase, words


class InputError(Exception):
    """Bad input from a person. Nothing has been written when this is raised.

    `field` names the field of the intent (or of the record) the problem is
    about, when it is about one: a form shows the problem on that field.
    """

    def __init__(
        self, problem: str, example: str | None = None, *, field: str | None = None
    ) -> None:
        super().__init__(problem)
        self.problem = problem
        self.example = example
        self.field = field

    def __str__(self) -> str:
        if self.example:
            return f"{self.problem}\nFor example: {self.example}"
        return self.problem


class NotAllowed(InputError):
    """The person may not do this (not a convenor, not invited, not the owner...)."""


class LateMeeting(InputError):
    """A meeting time after the statutory deadline, with no reason given (late_reason=)."""


def refusal(
    key: str,
    /,
    *,
    example: str | None = None,
    field: str | None = None,
    raising: type[InputError] = InputError,
    **context: Any,
) -> InputError:
    """The InputError worded in templates/refusals.yaml at `key` (e.g. "convene.no_chair").

    An entry has a `problem` and usually an `example`; `example` here is one worked
    out in code: it stands in for the entry's, or the entry's example builds on it.
    `raising`: a more particular kind of InputError (e.g. LateMeeting).
    """
    problem, worded = _worded(key, {**context, "example": example})
    return raising(problem, worded or example, field=field)


def not_allowed(
    key: str, /, *, example: str | None = None, field: str | None = None, **context: Any
) -> NotAllowed:
    """Like `refusal`, for what the person may not do."""
    problem, worded = _worded(key, {**context, "example": example})
    return NotAllowed(problem, worded or example, field=field)


def wording(key: str, /, **context: Any) -> str:
    """One string of templates/refusals.yaml (a part of a refusal), filled in."""
    entry = _entry(key)
    assert isinstance(entry, str), key
    return phrase(entry, **context)


def _worded(key: str, context: dict[str, Any]) -> tuple[str, str | None]:
    entry = _entry(key)
    if isinstance(entry, str):
        return phrase(entry, **context), None
    example = entry.get("example")
    shown = phrase(example, **context) if example else None
    return phrase(entry["problem"], **context), shown or None


def _entry(key: str) -> Any:
    entry: Any = words("refusals")
    for part in key.split("."):
        entry = entry[part]
    return entry

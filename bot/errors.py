"""Errors a person can act on: what was wrong, and an example that would work."""

from __future__ import annotations


class InputError(Exception):
    """Bad input from a person. Nothing has been written when this is raised."""

    def __init__(self, problem: str, example: str | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.example = example

    def __str__(self) -> str:
        if self.example:
            return f"{self.problem}\nFor example: {self.example}"
        return self.problem


class NotAllowed(InputError):
    """The person may not do this (not a convenor, not invited, not the owner...)."""


class LateMeeting(InputError):
    """A meeting time after the statutory deadline, with no reason given (late_reason=)."""

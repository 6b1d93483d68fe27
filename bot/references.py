"""How people name things: a case (NV-40213), one of its discussions (NV-40213#2) and an
action agreed in the case (NV-40213/A1).

A case has a series of strategy discussions, numbered 1, 2, 3... The first is
named by the case reference alone; a review from the second on carries its
number (NV-40213#2). Actions are numbered across the whole case, so an action
reference names exactly one action whichever discussion agreed it. Every
reference typed, clicked or sent is read and written here, so a new form of
reference is one change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.storage import models

# A discussion number beyond this is a typing slip, not a case's history.
MAX_DISCUSSION_NUMBER = 999

_DISCUSSION = re.compile(r"^(?P<case>[^#/\s]+)(?:#(?P<number>[0-9]{1,6}))?$")
_ACTION = re.compile(r"^(?P<case>[A-Za-z0-9-]+)(?:#[0-9]{1,6})?/A(?P<number>[0-9]{1,9})$")


def case_reference(text: str) -> str:
    """A case reference as stored: case references are upper case (nv-40213 is NV-40213)."""
    return text.strip().upper()


@dataclass(frozen=True)
class DiscussionReference:
    case: str  # the case reference, upper case
    number: int | None  # None: the case's latest discussion


def read_discussion_reference(text: str) -> DiscussionReference:
    """NV-40213 (the latest discussion) or NV-40213#2 (the second) as its parts.

    Text that is not of that form is kept whole as the case reference, so the
    lookup answers "no such case" as for any other unknown reference.
    """
    cleaned = text.strip()
    match = _DISCUSSION.fullmatch(cleaned)
    if match is None or match["number"] is None:
        return DiscussionReference(case_reference(cleaned), None)
    number = int(match["number"])
    if not 1 <= number <= MAX_DISCUSSION_NUMBER:
        return DiscussionReference(case_reference(cleaned), None)
    return DiscussionReference(case_reference(match["case"]), number)


def discussion_name(case: str, number: int) -> str:
    """NV-40213 for a case's first discussion, NV-40213#2 from the second on."""
    return case if number <= 1 else f"{case}#{number}"


def numbered_reference(case: str, number: int) -> str:
    """NV-40213#1: names that discussion even once the case has later ones."""
    return f"{case}#{number}"


def discussion_reference(discussion: models.Discussion) -> str:
    """How people name a discussion: NV-40213, or NV-40213#2 for a review."""
    return discussion_name(discussion.case.reference, discussion.number)


@dataclass(frozen=True)
class ActionReference:
    case: str  # the case reference, upper case
    number: int  # A1 is 1


def read_action_reference(text: str) -> ActionReference | None:
    """NV-40213/A1 as its parts; None when the text is not an action reference.

    NV-40213#2/A3 is read too (the number alone names the action: actions are
    numbered across the case).
    """
    match = _ACTION.fullmatch(text.strip())
    if match is None:
        return None
    return ActionReference(case_reference(match["case"]), int(match["number"]))


def action_reference(action: models.Action) -> str:
    """How people name an action: the case and its number, e.g. NV-40213/A1."""
    return f"{action.discussion.case.reference}/{action.label}"

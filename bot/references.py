"""How people name things: a case (NV-40213) and an action of its discussion (NV-40213/A1).

Every reference typed, clicked or sent is read and written here, so a new
form of reference is one change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.storage import models

_ACTION = re.compile(r"^(?P<case>[A-Za-z0-9-]+)/A(?P<number>[0-9]+)$")


def case_reference(text: str) -> str:
    """A case reference as stored: case references are upper case (nv-40213 is NV-40213)."""
    return text.strip().upper()


@dataclass(frozen=True)
class ActionReference:
    case: str  # the case reference, upper case
    number: int  # A1 is 1


def read_action_reference(text: str) -> ActionReference | None:
    """NV-40213/A1 as its parts; None when the text is not an action reference."""
    match = _ACTION.fullmatch(text.strip())
    if match is None:
        return None
    return ActionReference(case_reference(match["case"]), int(match["number"]))


def action_reference(action: models.Action) -> str:
    """How people name an action: the case and its number, e.g. NV-40213/A1."""
    return f"{action.discussion.case.reference}/{action.label}"

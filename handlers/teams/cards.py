"""The core's messages as Adaptive Cards (schema 1.5), rendered from templates/teams/.

Invitations, the chair's quorum view and action reminders have cards of their
own; any other message becomes a card with its first line as the heading. A
message's buttons become `Action.Execute` actions; a button that needs more
(a reason, a colleague, an outcome) opens a small form under the card.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from bot.commands import CONVENE_OPTIONS
from bot.directory import Contact, Directory
from bot.domain import HarmTag
from bot.messages import Button, Message
from scheduling.rules import ConcernCategory
from templates import render

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"

Card = dict[str, Any]

# The core's message templates that have a card of their own.
CARD_TEMPLATES: Mapping[str, str] = {
    "messages/invitation.txt.j2": "teams/invitation.json.j2",
    "messages/quorum.txt.j2": "teams/quorum.json.j2",
    "messages/action_assigned.txt.j2": "teams/action.json.j2",
    "messages/action_nudge.txt.j2": "teams/action.json.j2",
    "record/summary.txt.j2": "teams/record.json.j2",
    "record/yours.txt.j2": "teams/record.json.j2",
}
GENERIC = "teams/message.json.j2"

CONVENE = Button("Convene", "convene", "", "/strategy convene")
CONVENE_FIELDS = ("case", *CONVENE_OPTIONS)


def message_card(
    message: Message, thread: str | None = None, colleagues: Sequence[Contact] = ()
) -> Card:
    """The card for one message; `thread` goes into its actions, so a reply can replace it."""
    template = CARD_TEMPLATES.get(message.template, GENERIC)
    return _card(
        template,
        text=message.text,
        context=message.context,
        buttons=message.buttons,
        thread=thread,
        colleagues=[(f"{c.name}, {c.role.label}", c.id) for c in colleagues],
    )


def convene_form(
    directory: Directory, values: Mapping[str, str] | None = None, error: str | None = None
) -> Card:
    """The convene form, empty, or again with what was typed and what was wrong with it."""
    contacts = [
        (f"{c.name}, {c.role.label} ({directory.agency_of(c).name})", c.id)
        for c in directory.contacts()
    ]
    return _card(
        "teams/convene_form.json.j2",
        values=dict(values or {}),
        error=error,
        case_example=directory.partnership.case_reference_example,
        categories=[c.value for c in ConcernCategory],
        tags=[t.value for t in HarmTag],
        contact_choices=contacts,
        convene=CONVENE,
    )


def summary(card: Card) -> str:
    """The line Teams shows in notifications and where cards cannot be shown."""
    return str(card.get("fallbackText", ""))


def _card(template: str, **context: Any) -> Card:
    card: Card = json.loads(render(template, **context))
    return card

"""The core's messages and forms as Adaptive Cards (schema 1.5), rendered from templates/teams/.

Invitations, the chair's quorum view, actions and their reminders, and
circulated records have cards of their own, chosen by the message's kind; any
other message becomes a card with its first line as the heading. A message's
buttons become `Action.Execute` actions; a button whose intent asks for more
(a reason, a colleague, an outcome) opens that intent's form under the card,
rendered from the intent's fields. A form on its own (convene, the record) is
a card of its own.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bot.directory import Directory
from bot.forms import ChoiceContext, Form
from bot.intents import IntentTable
from bot.intents.forms import form_for
from bot.messages import Delivery, Kind, Message, Outgoing
from templates import render

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"

Card = dict[str, Any]

# The kinds of message that have a card of their own.
CARDS: Mapping[Kind, str] = {
    Kind.INVITATION: "teams/invitation.json.j2",
    Kind.QUORUM: "teams/quorum.json.j2",
    Kind.ACTION: "teams/action.json.j2",
    Kind.NUDGE: "teams/action.json.j2",
    Kind.RECORD: "teams/record.json.j2",
}
GENERIC = "teams/message.json.j2"


def message_card(
    message: Message, thread: str | None = None, forms: Mapping[str, Form] | None = None
) -> Card:
    """The card for one message; `thread` goes into its actions, so a reply can replace it.

    `forms` holds, by intent, the form under each button that asks for more.
    """
    return _card(
        CARDS.get(message.kind, GENERIC),
        text=message.text,
        said=message.parts,
        buttons=message.buttons,
        thread=thread,
        forms=dict(forms or {}),
    )


def card_for(intents: IntentTable, directory: Directory, item: Outgoing) -> Card:
    """The card for a message to send, with each button's form worked out for its recipient."""
    contact = directory.contact(item.to) if item.delivery is Delivery.DIRECT else None
    forms: dict[str, Form] = {}
    for button in item.message.buttons:
        intent = intents.get(button.action)
        if contact is not None and intent is not None and intent.asks and intent.form is None:
            # The message names its choices when they are its own (a poll's slot times).
            labels = item.message.context.get("slot_labels") or {}
            context = ChoiceContext(directory, contact, button.value, dict(labels))
            forms[intent.name] = form_for(intent, context)
    return message_card(item.message, item.thread, forms)


def form_card(form: Form) -> Card:
    """A form on its own card: sent back with what was typed and what was wrong with it."""
    return _card("teams/form.json.j2", form=form)


def summary(card: Card) -> str:
    """The line Teams shows in notifications and where cards cannot be shown."""
    return str(card.get("fallbackText", ""))


def _card(template: str, **context: Any) -> Card:
    card: Card = json.loads(render(template, **context))
    return card

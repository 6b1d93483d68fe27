"""The choices forms offer: worked out for the person filling the form in, and its item."""

from __future__ import annotations

from collections.abc import Sequence

from bot.directory import Contact
from bot.domain import HarmTag
from bot.forms import Choice, ChoiceContext
from scheduling.rules import ConcernCategory
from scheduling.slots import SlotRules
from templates import phrase, words


def categories(context: ChoiceContext) -> Sequence[Choice]:
    """Each concern category, with the timescale it sets in this partnership."""
    names = words("intents")["categories"]
    timescales = context.directory.partnership.timescales
    return [
        Choice(
            category.value,
            f"{names[category.value]}: "
            + phrase(words("intents")["timescale"], days=timescales.days_for(category)),
        )
        for category in ConcernCategory
    ]


def harm_tags(context: ChoiceContext) -> Sequence[Choice]:
    return [Choice(tag.value, tag.value.replace("_", " ").capitalize()) for tag in HarmTag]


def person(contact: Contact) -> str:
    return phrase(words("intents")["person"], name=contact.name, role=contact.role.label)


def everyone(context: ChoiceContext) -> Sequence[Choice]:
    """Everyone in the partner directory, under their agency."""
    return [
        Choice(contact.id, person(contact), agency.name)
        for agency in context.directory.agencies
        for contact in agency.contacts
    ]


def colleagues(context: ChoiceContext) -> Sequence[Choice]:
    """The other people in the actor's agency."""
    return [Choice(c.id, person(c)) for c in context.directory.colleagues(context.actor)]


def report_groups(context: ChoiceContext) -> Sequence[Choice]:
    return [Choice("team", "team"), Choice("category", "category")]


def slots(context: ChoiceContext) -> Sequence[Choice]:
    """A poll's slots by number, each with its time when the poll says (`labels`, from the
    search or the message the form is on); else "Slot 1".. as many as a poll may have."""
    if context.labels:
        return [Choice(number, label) for number, label in context.labels.items()]
    return [
        Choice(str(n), phrase(words("intents")["slot"], number=n))
        for n in range(1, SlotRules().max_slots + 1)
    ]


def poll_answers(context: ChoiceContext) -> Sequence[Choice]:
    """The slots, and "none of these"."""
    return [*slots(context), Choice("none", str(words("intents")["none_of_these"]))]

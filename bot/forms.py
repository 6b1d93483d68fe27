"""Fields and forms, described once for every platform.

An intent's fields (`bot/intents`) say what it takes: a text command reads
them as `name=value`, and each adapter renders the same fields as its own
form (a Slack modal, an Adaptive Card, a web page). A `Form` is one such form
for one person and one item, with its choices worked out and, when it comes
back with a problem, what was typed and what was wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from bot.directory import Contact, Directory


class FieldKind(StrEnum):
    TEXT = "text"  # free text: one line, or several when `multiline`
    CHOICE = "choice"  # one of the field's choices (typed: any value, checked by the service)
    CHOICES = "choices"  # any number of them (typed: separated by commas)
    FLAG = "flag"  # yes or no (typed: yes or no; on a form: a box to tick)
    REFERENCE = "reference"  # what the intent is about, typed first: NV-40213, NV-40213/A1
    WORDS = "words"  # the words typed after the reference (the record's show, finalise)


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    group: str = ""  # a heading over its choices, where the platform has them (an agency)


@dataclass(frozen=True)
class ChoiceContext:
    """What choices are worked out for: the person filling in the form, and its item.

    `labels`: what the item itself says its choices are called (a poll's slots with
    their times, "1 · Thu 3 Dec 10:00-11:00"), by value; empty when it says nothing.
    """

    directory: Directory
    actor: Contact
    item: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)


ChoiceList = Callable[[ChoiceContext], Sequence[Choice]]


@dataclass(frozen=True)
class Field:
    """One thing an intent takes."""

    name: str  # typed as name=...; the form field's id; the key in Bot.act's fields
    label: str = ""  # what a form calls it
    kind: FieldKind = FieldKind.TEXT
    required: bool = False
    example: str = ""  # a value that works: a form's placeholder
    help: str = ""  # a sentence shown with the field on a form
    max_length: int = 500
    multiline: bool = False  # free text over several lines (its newlines and tabs kept)
    # Read as identifiers (invisible characters removed, one line): references, choices,
    # flags and words always are; a text field when set (children=C1:2019-04-02).
    identifier: bool = False
    choices: ChoiceList | None = None  # for CHOICE, CHOICES and FLAG (the box's caption)
    missing: str = ""  # what to say when it is required and not given
    empty: str = ""  # what to say when a required choice has nothing to choose from
    typed: str = '"..."'  # how the value is shown in a typed command's hint
    on_form: bool = True  # asked on a form (False: typed only, like snooze's until=)

    @property
    def is_identifier(self) -> bool:
        return self.identifier or self.kind is not FieldKind.TEXT

    @property
    def many(self) -> bool:
        return self.kind in (FieldKind.CHOICES, FieldKind.WORDS)


FieldValue = str | list[str]


@dataclass(frozen=True)
class FormContent:
    """What a form holds for one item: its fields, and the values it opens with."""

    fields: tuple[Field, ...]
    values: Mapping[str, FieldValue] = field(default_factory=dict)


@dataclass(frozen=True)
class Form:
    """One intent's form, for one person and one item, ready for an adapter to render."""

    intent: str  # submitted with Bot.act(actor, intent, values | {item_field: item})
    item: str  # what it is about ("" for none, e.g. convene)
    item_field: str | None  # the field that holds the item, e.g. "case"
    title: str  # short: a modal's title (24 characters at most)
    heading: str  # the top of the form
    intro: str  # a sentence under the heading
    submit: str  # the label of its send button
    fields: tuple[Field, ...]
    options: Mapping[str, tuple[Choice, ...]] = field(default_factory=dict)  # by field name
    values: Mapping[str, FieldValue] = field(default_factory=dict)  # what it shows filled in
    problem: str | None = None  # what was wrong with what was sent, if it came back
    example: str | None = None
    problem_field: str | None = None  # the field the problem is about, when known

    def choices(self, name: str) -> tuple[Choice, ...]:
        return self.options.get(name, ())

    def value(self, name: str) -> FieldValue:
        return self.values.get(name, "")

    def chosen(self, name: str) -> list[str]:
        """The values chosen in a CHOICE or CHOICES field, as a list."""
        value = self.values.get(name, [])
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return list(value)

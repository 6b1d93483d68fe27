"""The forms of the answer pages, described as data.

`FormField` is the seam the intent table (issue 13) feeds: each intent's field
list (its name, type, whether it is required, the choices of a pick-list such as
colleagues, the example shown on error) becomes a tuple of `FormField`s in a
`Form`, and the page renders them all the same way. What a person submitted
comes back under each field's `name`, and is handed to the core unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum


class FieldKind(StrEnum):
    TEXT = "text"  # one line
    TEXTAREA = "textarea"  # a reason, an outcome
    CHOICE = "choice"  # one of `choices` (a pick-list)
    CHOICES = "choices"  # any of `choices` (checkboxes); submitted joined with ","
    DATE = "date"  # a calendar date (YYYY-MM-DD, the browser's date picker)


@dataclass(frozen=True)
class Choice:
    value: str  # what is submitted, e.g. a directory id
    label: str  # what the person sees, e.g. "Priya Sharma (Health visitor)"


@dataclass(frozen=True)
class FormField:
    """One input of a form, with what the person typed and what was wrong with it."""

    name: str  # the intent's field name, e.g. "reason" or "to"
    label: str  # the visible label, e.g. "Why you cannot attend"
    kind: FieldKind = FieldKind.TEXT
    required: bool = False
    choices: tuple[Choice, ...] = ()  # for CHOICE
    example: str | None = None  # shown as a hint, and with an error
    error: str | None = None  # what was wrong with the last submission
    value: str = ""  # what was submitted last (shown again after an error)
    hint: str | None = None  # a sentence under the label, e.g. why it is needed
    # What a required field left empty says (the chat's own wording, from the intent's
    # field); without it: "Enter <label>."
    missing: str | None = None

    def chosen(self) -> list[str]:
        """The values ticked, for CHOICES."""
        return [part for part in self.value.split(",") if part]


@dataclass(frozen=True)
class Form:
    """One intent on a page: its fields and its button (one <form> each)."""

    intent: str  # e.g. "decline": what the core is asked to do
    title: str  # the section heading, e.g. "Decline"
    button: str  # the submit button, e.g. "Decline the invitation"
    fields: tuple[FormField, ...] = ()
    warning: bool = False  # a button that says no (styled differently, never the only cue)

    def field_id(self, item: FormField) -> str:
        return f"{self.intent}-{item.name}"

    def errors(self) -> Iterator[tuple[str, str]]:
        """(element id, message) for the error summary, in the order of the fields."""
        for item in self.fields:
            if item.error:
                yield self.field_id(item), item.error

    def values(self) -> dict[str, str]:
        return {item.name: item.value for item in self.fields}


def filled(form: Form, submitted: Mapping[str, str]) -> Form:
    """The form with the submitted values, and an error on each required field left
    empty and each choice that is not one of the choices. (The example is shown
    beside the field, under its label, so the error does not repeat it.)"""
    fields = []
    for item in form.fields:
        value = submitted.get(item.name, "").strip()
        error = None
        is_choice = item.kind in (FieldKind.CHOICE, FieldKind.CHOICES)
        given = value.split(",") if item.kind is FieldKind.CHOICES else [value]
        if item.required and not value:
            error = item.missing or f"{'Choose' if is_choice else 'Enter'} {_lower(item.label)}."
        elif value and is_choice and set(given) - {c.value for c in item.choices}:
            error = f"Choose {_lower(item.label)} from the list."
        fields.append(replace(item, value=value, error=error))
    return replace(form, fields=tuple(fields))


def with_problem(form: Form, problem: str, field: str | None = None) -> Form:
    """The form with the core's refusal shown on the field it names (`field`), else on
    its first field (the intent's input). A form without fields is returned as it is:
    the page shows the problem in its error summary only."""
    if not form.fields:
        return form
    target = next((f.name for f in form.fields if f.name == field), form.fields[0].name)
    fields = tuple(replace(f, error=problem) if f.name == target else f for f in form.fields)
    return replace(form, fields=fields)


def is_valid(form: Form) -> bool:
    return not any(item.error for item in form.fields)


def _lower(label: str) -> str:
    return label[:1].lower() + label[1:]

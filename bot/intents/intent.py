"""An intent: one thing a person can do, the fields it takes, who may do it and what it runs."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from bot.directory import Contact
from bot.forms import Choice, Field, FieldKind, FieldValue, FormContent
from bot.messages import Outcome
from bot.unit import Unit
from templates import words


@dataclass(frozen=True)
class Values:
    """An intent's field values once checked: what its service is given."""

    given: Mapping[str, FieldValue | bool] = field(default_factory=dict)
    extra: Mapping[str, str] = field(default_factory=dict)  # an open intent's other options

    def text(self, name: str) -> str:
        value = self.given.get(name, "")
        return ", ".join(value) if isinstance(value, list) else str(value)

    def optional(self, name: str) -> str | None:
        return self.text(name) or None

    def many(self, name: str) -> list[str]:
        value = self.given.get(name, [])
        if isinstance(value, list):
            return value
        return [value] if isinstance(value, str) and value else []

    def flag(self, name: str) -> bool:
        return self.given.get(name) is True


Run = Callable[[Unit, Contact, Values], Outcome]
# Raises NotAllowed, saying why, when the person may not do this at all.
Who = Callable[[Contact], None]
# For an intent that takes any other name=value (the record's sections): the field
# such a value is checked as.
OpenField = Callable[[str], Field]
# A form whose fields and values depend on the item (the record's draft).
FormHook = Callable[[Unit, Contact, str], FormContent]
# What an item calls its choices, by value (a poll's slots with their times).
LabelHook = Callable[[Unit, Contact, str], Mapping[str, str]]


@dataclass(frozen=True)
class Intent:
    """One thing a person can do, whichever way they do it (typed, a button, a form)."""

    name: str  # typed after /strategy, and the name of its buttons
    run: Run  # calls the service, with the checked values, in the entry point's unit of work
    fields: tuple[Field, ...] = ()
    usage: str = ""  # the command as typed: help, and the example with a mistake
    button: str = ""  # the label of a button that does it
    title: str = ""  # a form's short title
    heading: str = ""  # the top of its form
    intro: str = ""  # a sentence at the top of its form ({{ item }}: what it is about)
    submit: str = ""  # the form's send button
    positive: bool = False  # the affirmative answer (accept, approve): shown as such
    who: Who | None = None  # who may do it at all (the services still check the item)
    opens_form: bool = False  # typed with nothing but its item, it opens its form
    ends_item: bool = False  # once done, the message it was pressed on has nothing left to do
    open: OpenField | None = None  # takes any other option too, checked as the field it gives
    form: FormHook | None = None  # a form worked out from the item (default: its fields)
    labels: LabelHook | None = None  # the item's names for its choices (ChoiceContext.labels)

    @property
    def item_field(self) -> Field | None:
        """The field holding what the intent is about (a case or an action), if any."""
        return next((f for f in self.fields if f.kind is FieldKind.REFERENCE), None)

    @property
    def asked(self) -> tuple[Field, ...]:
        """The fields a form asks for (its reference only when the form names it: convene)."""
        return tuple(f for f in self.fields if f.on_form and f.kind is not FieldKind.WORDS)

    @property
    def asks(self) -> bool:
        """Whether pressing its button needs a form first."""
        return bool(self.asked)

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    def allow(self, actor: Contact) -> None:
        """Raises NotAllowed, saying why, if the person may not do this at all."""
        if self.who is not None:
            self.who(actor)


def worded(name: str, run: Run, fields: Sequence[Field] = (), /, **settings: Any) -> Intent:
    """An intent with its wording from templates/intents.yaml (its own, and its fields')."""
    entry: dict[str, Any] = words("intents").get(name, {})
    texts = entry.get("fields") or {}
    worded_fields = tuple(_worded(f, texts.get(f.name) or {}) for f in fields)
    return Intent(
        name,
        run,
        worded_fields,
        usage=" ".join(str(entry.get("usage", f"/strategy {name}")).split()),
        button=str(entry.get("button", "")),
        title=str(entry.get("title", "")),
        heading=str(entry.get("heading") or entry.get("title", "")),
        intro=" ".join(str(entry.get("intro", "")).split()),
        submit=str(entry.get("submit", "")),
        **settings,
    )


def _worded(field: Field, text: Mapping[str, Any]) -> Field:
    keys = ("label", "help", "example", "missing", "empty", "typed")
    changes: dict[str, Any] = {key: " ".join(str(text[key]).split()) for key in keys if key in text}
    if field.kind is FieldKind.FLAG and "choice" in text:
        caption = (Choice(field.name, str(text["choice"])),)
        changes["choices"] = lambda _context: caption
    return replace(field, **changes)


# Buttons, forms and cards sent before every intent had one name carry the old
# names. They stay in people's chats after an upgrade, so they keep working.
LEGACY_NAMES: Mapping[str, str] = {
    "close_action": "close",
    "more_time": "more-time",
    "approve_time": "approve",
    "refuse_time": "refuse",
}


class IntentTable:
    """Every intent, by name: the one way in for every adapter."""

    def __init__(self, intents: Iterable[Intent]) -> None:
        self._by_name = {intent.name: intent for intent in intents}

    def get(self, name: str) -> Intent | None:
        """The intent by its name (or a name it had on older buttons)."""
        name = name.strip().lower()
        return self._by_name.get(LEGACY_NAMES.get(name, name))

    def __iter__(self) -> Iterator[Intent]:
        return iter(self._by_name.values())

    def names(self) -> list[str]:
        return list(self._by_name)

    def with_intents(self, *more: Intent) -> IntentTable:
        """This table with more intents (replacing any of the same name)."""
        return IntentTable([*self._by_name.values(), *more])

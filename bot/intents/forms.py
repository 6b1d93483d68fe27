"""An intent's form for one person and one item, and its buttons as people see them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from bot.errors import InputError
from bot.forms import ChoiceContext, Field, FieldKind, FieldValue, Form, FormContent
from bot.intents.intent import Intent, IntentTable
from bot.messages import Button, Message
from templates import phrase


def form_for(intent: Intent, context: ChoiceContext, content: FormContent | None = None) -> Form:
    """The form: the intent's own fields (or `content`, for a form worked out from the item)."""
    content = content if content is not None else FormContent(intent.asked)
    words = {
        "item": context.item,
        "case_example": context.directory.partnership.case_reference_example,
    }
    fields = tuple(_filled(field, words) for field in content.fields)
    item_field = intent.item_field
    return Form(
        intent=intent.name,
        item=context.item,
        item_field=item_field.name if item_field is not None else None,
        title=phrase(intent.title or intent.button or intent.name, **words),
        heading=phrase(intent.heading or intent.title or intent.name, **words),
        intro=phrase(intent.intro, **words),
        submit=intent.submit or intent.button or intent.name,
        fields=fields,
        options={f.name: tuple(f.choices(context)) for f in fields if f.choices is not None},
        values=dict(content.values),
    )


def _filled(field: Field, words: Mapping[str, str]) -> Field:
    return replace(
        field,
        label=phrase(field.label, **words),
        help=phrase(field.help, **words),
        example=phrase(field.example, **words),
    )


def unfillable(form: Form) -> InputError | None:
    """Why the form could never be sent: a required choice with nothing to choose from."""
    for field in form.fields:
        if field.required and field.choices is not None and not form.choices(field.name):
            return InputError(field.empty or field.missing, field=field.name)
    return None


def with_problem(form: Form, values: Mapping[str, FieldValue], problem: InputError) -> Form:
    """The form again, holding what was sent and saying what was wrong with it."""
    return replace(
        form,
        values={**form.values, **values},
        problem=problem.problem,
        example=problem.example,
        problem_field=problem.field,
    )


def changed(form: Form, submitted: Mapping[str, object]) -> dict[str, object]:
    """What was sent, less the fields still holding what the form opened with."""

    def same(name: str, value: object) -> bool:
        before = form.values.get(name)
        if before is None:
            return False
        if isinstance(value, str) and isinstance(before, str):
            return value.strip() == before.strip()
        return value == before

    return {name: value for name, value in submitted.items() if not same(name, value)}


def typed(intent: Intent, item: str) -> str:
    """The command a button stands for, as a person would type it."""
    parts = [f"/strategy {intent.name}", item]
    parts += [f"{f.name}={f.typed}" for f in intent.asked if f.kind is not FieldKind.FLAG]
    return " ".join(part for part in parts if part)


def dress(intents: IntentTable, message: Message) -> Message:
    """The message with each button's label, typed form and style from its intent."""
    if not message.buttons:
        return message
    return replace(message, buttons=tuple(button(intents, b) for b in message.buttons))


def button(intents: IntentTable, plain: Button) -> Button:
    intent = intents.get(plain.action)
    if intent is None:
        return plain
    return replace(
        plain,
        action=intent.name,
        label=plain.label or intent.button or intent.name,
        command=plain.command or typed(intent, plain.value),
        positive=plain.positive or intent.positive,
    )

"""The record's fields as a chair types them: `key=value`, the same in chat and in a file.

`apply` checks every value and returns the updated entries, or raises an
InputError naming the field, what was wrong, and an example that works;
nothing is applied unless every field is right.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.directory import AgencyKind, Directory
from bot.errors import InputError, refusal, wording
from bot.record.content import (
    CONSIDERATION_CHOICES,
    CONSIDERATIONS,
    DECISIONS,
    FAMILY_CHOICES,
    HARM_CATEGORIES,
    Decision,
    RecordContent,
)
from templates import words

MIN_TEXT = 5
_NEXT_ABSENCE = re.compile(r";\s*(?=[A-Za-z0-9._@-]+\s*:)")

TEXT_FIELDS = ("concern", "adults", "risk", "safety", "identity")

# Field -> an example value (templates/record.yaml). Shown with errors and in the record form.
EXAMPLES: Mapping[str, str] = words("record")["examples"]

FIELDS = (*(k for k in EXAMPLES if k not in ("child", "shared")), "child.Cn", "shared.<agency>")


@dataclass(frozen=True)
class FieldContext:
    """What a field is checked against."""

    directory: Directory
    case: str
    invited: tuple[str, ...]  # directory ids of everyone invited, in invitation order
    children: tuple[str, ...]  # the case's children, by pseudonym


def example(ctx: FieldContext, key: str) -> str:
    base = key.split(".", 1)[0]
    return wording(
        "record.field_example", case=ctx.case, example=EXAMPLES.get(base, EXAMPLES["risk"])
    )


def apply(content: RecordContent, fields: Mapping[str, str], ctx: FieldContext) -> RecordContent:
    """The entries with every field applied; an InputError for the first bad one.

    The error names the field it is about (`InputError.field`), so a form can show it there.
    """
    update: dict[str, Any] = {}
    for raw_key, raw_value in fields.items():
        key = raw_key.strip().lower()
        try:
            update |= _one(key, raw_value.strip(), content, update, ctx)
        except InputError as problem:
            problem.field = problem.field or key
            raise
    attended = update.get("attended", content.attended) or []
    absent = update.get("absence_reasons", content.absence_reasons)
    both = [key for key in absent if key in attended]
    if both:
        raise refusal(
            "record.both_there_and_not",
            names=", ".join(both),
            example=example(ctx, "attended"),
            field="attended",
        )
    return content.model_copy(update=update)


def _one(
    key: str, value: str, content: RecordContent, update: Mapping[str, Any], ctx: FieldContext
) -> dict[str, Any]:
    """What one field changes in the entries (given the changes so far)."""

    def current(name: str) -> Any:
        return update.get(name, getattr(content, name))

    if not value:
        raise refusal("record.empty", key=key, example=example(ctx, key))
    base, _, suffix = key.partition(".")
    if base == "attended" and not suffix:
        return {"attended": _attended(value, ctx)}
    if base == "absent" and not suffix:
        return {"absence_reasons": {**current("absence_reasons"), **_absent(value, ctx)}}
    if base == "children" and not suffix:
        return {"children": _children(value, ctx)}
    if base == "child" and suffix:
        pseudonym = _child(suffix.upper(), ctx, key)
        return {"child_notes": {**current("child_notes"), pseudonym: _text(key, value, ctx)}}
    if base == "harm" and not suffix:
        return {"harm": _harm(value, ctx)}
    if base == "shared" and suffix:
        agency = _agency(suffix, ctx, key)
        return {"shared": {**current("shared"), agency: _text(key, value, ctx)}}
    if base in TEXT_FIELDS and not suffix:
        return {base: _text(key, value, ctx)}
    if base in DECISIONS and not suffix:
        decision = _decision(key, value, DECISIONS[base][1], ctx, rationale_required=True)
        return {"decisions": {**current("decisions"), base: decision}}
    if base == "family" and not suffix:
        return {"family": _decision(key, value, FAMILY_CHOICES, ctx, rationale_required=True)}
    if base in CONSIDERATIONS and not suffix:
        decision = _decision(key, value, CONSIDERATION_CHOICES, ctx, rationale_required=False)
        return {"considerations": {**current("considerations"), base: decision}}
    close = difflib.get_close_matches(key, FIELDS, n=1)
    hint = wording("record.did_you_mean", name=close[0]) if close else ""
    raise refusal("record.not_a_field", key=key, hint=hint, fields=", ".join(FIELDS), case=ctx.case)


def _text(key: str, value: str, ctx: FieldContext) -> str:
    if len(value) < MIN_TEXT:
        raise refusal("record.too_short", key=key, value=value, example=example(ctx, key))
    return value


def _contact_id(name: str, ctx: FieldContext, key: str) -> str:
    contact = ctx.directory.find(name)
    if contact is not None:
        return contact.id
    close = difflib.get_close_matches(name, [c.id for c in ctx.directory.contacts()], n=3)
    hint = wording("record.did_you_mean_people", names=", ".join(close)) if close else ""
    raise refusal("record.unknown_person", name=name, hint=hint, example=example(ctx, key))


def _attended(value: str, ctx: FieldContext) -> list[str]:
    ids = [_contact_id(part, ctx, "attended") for part in _parts(value, ",")]
    if not ids:
        raise refusal("record.who_attended", example=example(ctx, "attended"))
    return list(dict.fromkeys(ids))


def _absent(value: str, ctx: FieldContext) -> dict[str, str]:
    reasons: dict[str, str] = {}
    # Entries are separated by ";" before the next "id:", so a reason may contain ";".
    for part in (p.strip() for p in _NEXT_ABSENCE.split(value) if p.strip()):
        name, colon, why = part.partition(":")
        if not colon or len(why.strip()) < MIN_TEXT:
            raise refusal("record.absence", part=part, example=example(ctx, "absent"))
        contact = _contact_id(name.strip(), ctx, "absent")
        if contact not in ctx.invited:
            raise refusal("record.not_invited", contact=contact, example=example(ctx, "absent"))
        reasons[contact] = why.strip()
    return reasons


def _children(value: str, ctx: FieldContext) -> list[str]:
    pseudonyms = [_child(part.upper(), ctx, "children") for part in _parts(value, ",")]
    return list(dict.fromkeys(pseudonyms))


def _child(pseudonym: str, ctx: FieldContext, key: str) -> str:
    if pseudonym not in ctx.children:
        raise refusal(
            "record.not_a_child",
            pseudonym=pseudonym,
            case=ctx.case,
            children=", ".join(ctx.children),
            example=example(ctx, "children" if key == "children" else "child"),
        )
    return pseudonym


def _harm(value: str, ctx: FieldContext) -> list[str]:
    harms = [part.lower() for part in _parts(value, ",")]
    unknown = [h for h in harms if h not in HARM_CATEGORIES]
    if unknown or not harms:
        raise refusal(
            "record.not_a_harm",
            harm=", ".join(unknown) or value,
            choices=", ".join(HARM_CATEGORIES),
            example=example(ctx, "harm"),
        )
    return list(dict.fromkeys(harms))


def _agency(name: str, ctx: FieldContext, key: str) -> str:
    """An agency by its directory id, or by its kind when only one agency is of that kind."""
    agencies = ctx.directory.agencies
    by_id = [a for a in agencies if a.id == name]
    by_kind = [a for a in agencies if a.kind.value == name]
    if by_id:
        return by_id[0].id
    if len(by_kind) == 1:
        return by_kind[0].id
    kinds = [k.value for k in AgencyKind if sum(a.kind is k for a in agencies) == 1]
    options = ", ".join(kinds + [a.id for a in agencies])
    raise refusal(
        "record.not_an_agency", name=name, key=key, options=options, example=example(ctx, "shared")
    )


def _decision(
    key: str,
    value: str,
    choices: Sequence[str],
    ctx: FieldContext,
    *,
    rationale_required: bool,
) -> Decision:
    choice, _, rationale = value.partition(":")
    choice = choice.strip().lower().replace("n/a", "no")
    rationale = rationale.strip()
    if choice not in choices:
        raise refusal(
            "record.decision_first",
            key=key,
            choices=", ".join(choices),
            choice=choice,
            example=example(ctx, key),
        )
    if rationale_required and len(rationale) < MIN_TEXT:
        raise refusal("record.rationale", key=key, example=example(ctx, key))
    return Decision(decision=choice, rationale=rationale)


def _parts(value: str, separator: str) -> list[str]:
    return [part.strip() for part in value.split(separator) if part.strip()]

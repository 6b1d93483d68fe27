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
from bot.errors import InputError
from bot.record.content import (
    CONSIDERATION_CHOICES,
    CONSIDERATIONS,
    DECISIONS,
    FAMILY_CHOICES,
    HARM_CATEGORIES,
    Decision,
    RecordContent,
)

MIN_TEXT = 5
_NEXT_ABSENCE = re.compile(r";\s*(?=[A-Za-z0-9._@-]+\s*:)")

TEXT_FIELDS = ("concern", "adults", "risk", "safety", "identity")

# Field -> an example value. Shown with errors and in the record form.
EXAMPLES: Mapping[str, str] = {
    "attended": "attended=asha.patel,ben.okafor,megan.price,zoe.fletcher",
    "absent": 'absent="olivia.bennett: on annual leave; callum.fraser: no reply to the invitation"',
    "children": "children=C1,C2",
    "child": 'child.C1="seen alone at school today; said she is frightened when there is shouting"',
    "adults": 'adults="mother (resident); father of C2 (non-resident, weekly contact); '
    "mother's partner (resident)\"",
    "concern": "concern=\"bruising to C1's upper arm seen at school after police attended a "
    'domestic abuse incident at home"',
    "harm": "harm=physical,emotional",
    "shared": 'shared.police="two call-outs to the address since October; the partner was '
    'arrested on Sunday and released on bail"',
    "risk": 'risk="risk of further physical harm while the partner lives at home; mother is '
    'protective but frightened"',
    "s47": 's47="joint: C1\'s injury and account meet the threshold for a joint enquiry"',
    "abe": 'abe="yes: C1 made a clear disclosure to her teacher"',
    "medical": 'medical="yes: to document the bruising and check for other injuries"',
    "legal": 'legal="no: the family is cooperating with the safety plan"',
    "icpc": 'icpc="no: decide after the section 47 enquiry"',
    "further": 'further="yes: review on Friday when the medical and DASH are done"',
    "safety": 'safety="partner to live elsewhere as a bail condition; mother agreed to call 999 '
    'if he returns; school to check in with C1 daily"',
    "family": 'family="partial: mother told of the enquiry today; the partner not told until '
    'police have interviewed him, to protect the investigation"',
    "marac": 'marac="yes: police to refer after the DASH assessment"',
    "clares_law": 'clares_law="yes: police to consider a right-to-know disclosure to the mother"',
    "dash": 'dash="yes: police to complete with the mother by Thursday"',
    "sarc": 'sarc="no: no sexual harm alleged"',
    "lado": 'lado="no: no allegation against a professional"',
    "identity": 'identity="family of Polish heritage; mother prefers Polish and an interpreter '
    'is booked; C1 and C2 speak English at school"',
}

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
    return f"/strategy record {ctx.case} {EXAMPLES.get(base, EXAMPLES['risk'])}"


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
        raise InputError(
            f"{', '.join(both)} is listed as attending and as absent; give one or the other.",
            example(ctx, "attended"),
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
        raise InputError(f"'{key}=' is empty: give its value.", example(ctx, key))
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
    hint = f" Did you mean {close[0]}=?" if close else ""
    raise InputError(
        f"'{key}=' is not a field of the record.{hint} Fields: {', '.join(FIELDS)}.",
        f"/strategy record {ctx.case}  (shows the record and how to fill it in)",
    )


def _text(key: str, value: str, ctx: FieldContext) -> str:
    if len(value) < MIN_TEXT:
        raise InputError(f"'{key}=' needs a few words, not '{value}'.", example(ctx, key))
    return value


def _contact_id(name: str, ctx: FieldContext, key: str) -> str:
    contact = ctx.directory.find(name)
    if contact is not None:
        return contact.id
    close = difflib.get_close_matches(name, [c.id for c in ctx.directory.contacts()], n=3)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise InputError(f"'{name}' is not in the partner directory.{hint}", example(ctx, key))


def _attended(value: str, ctx: FieldContext) -> list[str]:
    ids = [_contact_id(part, ctx, "attended") for part in _parts(value, ",")]
    if not ids:
        raise InputError("Name who attended, by directory id.", example(ctx, "attended"))
    return list(dict.fromkeys(ids))


def _absent(value: str, ctx: FieldContext) -> dict[str, str]:
    reasons: dict[str, str] = {}
    # Entries are separated by ";" before the next "id:", so a reason may contain ";".
    for part in (p.strip() for p in _NEXT_ABSENCE.split(value) if p.strip()):
        name, colon, why = part.partition(":")
        if not colon or len(why.strip()) < MIN_TEXT:
            raise InputError(
                f"Give each absence as 'id: why they did not attend' (read '{part}').",
                example(ctx, "absent"),
            )
        contact = _contact_id(name.strip(), ctx, "absent")
        if contact not in ctx.invited:
            raise InputError(
                f"{contact} was not invited, so cannot be recorded as absent.",
                example(ctx, "absent"),
            )
        reasons[contact] = why.strip()
    return reasons


def _children(value: str, ctx: FieldContext) -> list[str]:
    pseudonyms = [_child(part.upper(), ctx, "children") for part in _parts(value, ",")]
    return list(dict.fromkeys(pseudonyms))


def _child(pseudonym: str, ctx: FieldContext, key: str) -> str:
    if pseudonym not in ctx.children:
        raise InputError(
            f"'{pseudonym}' is not a child of case {ctx.case} (its children: "
            f"{', '.join(ctx.children)}). Children are named by pseudonym, never by name.",
            example(ctx, "children" if key == "children" else "child"),
        )
    return pseudonym


def _harm(value: str, ctx: FieldContext) -> list[str]:
    harms = [part.lower() for part in _parts(value, ",")]
    unknown = [h for h in harms if h not in HARM_CATEGORIES]
    if unknown or not harms:
        raise InputError(
            f"'{', '.join(unknown) or value}' is not a category of harm. "
            f"Choose from: {', '.join(HARM_CATEGORIES)}.",
            example(ctx, "harm"),
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
    raise InputError(
        f"'{name}' in '{key}=' is not an agency here. Use one of: {options}.",
        example(ctx, "shared"),
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
        raise InputError(
            f"'{key}=' starts with the decision, one of: {', '.join(choices)} (read '{choice}').",
            example(ctx, key),
        )
    if rationale_required and len(rationale) < MIN_TEXT:
        raise InputError(
            f"Give the rationale for the {key} decision after a colon: every decision "
            "in the record says why.",
            example(ctx, key),
        )
    return Decision(decision=choice, rationale=rationale)


def _parts(value: str, separator: str) -> list[str]:
    return [part.strip() for part in value.split(separator) if part.strip()]

"""The record as a form: a box for each field of the record, holding what the draft says.

The boxes hold the fields exactly as a chair would type them after `key=` in
chat (fields.py), so a form saves through the same service and the same
checks as `/strategy record CASE key="..."`, and a chair can stop and come
back to it. The reason box is there only when the record is final (a change
is then a correction), and the box to finalise only for the chair.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from bot.directory import Contact
from bot.forms import Field, FieldKind, FieldValue, FormContent
from bot.record import service
from bot.record.content import (
    CONSIDERATION_CHOICES,
    CONSIDERATIONS,
    DECISIONS,
    FAMILY_CHOICES,
    HARM_CATEGORIES,
    Decision,
    RecordContent,
)
from bot.record.fields import EXAMPLES
from bot.shared import visible_discussion
from bot.text_input import IDENTIFIER_LIST_CHARACTERS, RECORD_SECTION_CHARACTERS
from bot.unit import Unit
from templates import phrase, words

TEXT_LIMIT = RECORD_SECTION_CHARACTERS  # what one box of the record holds
# The record's fields that hold directory ids or pseudonyms, not text.
ID_LISTS = ("attended", "children")


def form_content(
    unit: Unit, actor: Contact, case: str, reason: Field, finalise: Field
) -> FormContent:
    """The record's form for this discussion; the service's InputError if the actor may not.

    `reason` and `finalise` are the record intent's own fields, added when they apply.
    """
    service.form(unit, actor, case)  # held, visible, and the chair or convenor: its checks
    discussion = visible_discussion(unit.session, case, actor)
    latest = service.latest_version(unit.session, discussion)
    content = RecordContent.load(latest.content) if latest is not None else RecordContent()
    children = [child.pseudonym for child in discussion.child_facts]
    directory = unit.core.directory
    invited = [directory.contact(i.contact.key) for i in discussion.invitations]
    names = {agency.id: agency.name for agency in directory.agencies}
    agencies = [c.agency_id for c in invited if c is not None]
    fields = record_fields(content, children, agencies, names)
    if latest is not None and latest.is_final:
        fields = (replace(reason, on_form=True), *fields)
    if discussion.chair.key == actor.id:
        fields = (*fields, finalise)
    values: dict[str, FieldValue] = dict(values_of(content))
    return FormContent(fields, values)


def record_fields(
    content: RecordContent,
    children: Sequence[str],
    agencies: Sequence[str],
    agency_names: dict[str, str],
) -> tuple[Field, ...]:
    fields = [_field(key) for key in ("attended", "absent", "children")]
    for pseudonym in dict.fromkeys([*children, *content.child_notes]):
        fields.append(_field("child", f"child.{pseudonym}", pseudonym=pseudonym))
    fields += [_field(key) for key in ("adults", "concern", "harm")]
    for agency in dict.fromkeys([*agencies, *content.shared]):
        name = agency_names.get(agency, agency)
        fields.append(_field("shared", f"shared.{agency}", agency=name))
    fields += [_field(key) for key in ("risk", *DECISIONS, "safety", "family")]
    fields += [_field(key) for key in (*CONSIDERATIONS, "identity")]
    return tuple(fields)


def _field(key: str, name: str | None = None, **context: str) -> Field:
    example = _example(key)
    ids = key in ID_LISTS
    return Field(
        name or key,
        label=_label(key, **context),
        kind=FieldKind.TEXT,
        example=example,
        help=phrase(_words()["field_help"], example=example),
        max_length=IDENTIFIER_LIST_CHARACTERS if ids else TEXT_LIMIT,
        multiline=True,
        identifier=ids,
    )


def _label(key: str, **context: str) -> str:
    labels = _words()["labels"]
    if key in DECISIONS:
        what, choices = DECISIONS[key]
        return phrase(labels["decision"], what=what, choices=", ".join(choices))
    if key in CONSIDERATIONS:
        what = CONSIDERATIONS[key]
        return phrase(labels["consideration"], what=what, choices=", ".join(CONSIDERATION_CHOICES))
    choices = {"harm": HARM_CATEGORIES, "family": FAMILY_CHOICES}.get(key, ())
    return phrase(labels[key], choices=", ".join(choices), **context)


def _words() -> dict[str, Any]:
    record: dict[str, Any] = words("intents")["record"]
    return record


def _example(key: str) -> str:
    """The example from fields.py, without the quotes chat needs around text with spaces."""
    _, _, value = EXAMPLES[key].partition("=")
    if len(value) > 1 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    return value


def values_of(content: RecordContent) -> dict[str, str]:
    """The content as the text a chair would type for each field; empty fields left out."""
    values: dict[str, str] = {}
    if content.attended is not None:
        values["attended"] = ",".join(content.attended)
    if content.absence_reasons:
        values["absent"] = "; ".join(f"{k}: {v}" for k, v in content.absence_reasons.items())
    if content.children:
        values["children"] = ",".join(content.children)
    values |= {f"child.{k}": v for k, v in content.child_notes.items()}
    if content.harm:
        values["harm"] = ",".join(content.harm)
    values |= {f"shared.{k}": v for k, v in content.shared.items()}
    for key in ("adults", "concern", "risk", "safety", "identity"):
        text = getattr(content, key)
        if text is not None:
            values[key] = text
    values |= {k: _decision(d) for k, d in content.decisions.items()}
    if content.family is not None:
        values["family"] = _decision(content.family)
    values |= {k: _decision(d) for k, d in content.considerations.items()}
    return values


def _decision(decision: Decision) -> str:
    if not decision.rationale:
        return decision.decision
    return f"{decision.decision}: {decision.rationale}"

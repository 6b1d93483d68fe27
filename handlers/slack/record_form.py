"""The strategy discussion record as a Slack modal: one text box per field of the record.

The boxes hold the fields exactly as a chair would type them after `key=` in
chat (bot/record/fields.py), so the modal saves through the same service and
the same checks as `/strategy record CASE key="..."`. Opening the modal shows
the current draft, so the chair can come back to it and carry on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.core import Core
from bot.directory import Contact
from bot.errors import InputError
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
from bot.unit import perform

FINALISE = "finalise"
REASON = "reason"
FIRST = "attended"  # the first field of the form: where a problem about no field is shown
_EXAMPLE_KEY = re.compile(r"/strategy record \S+\s+([A-Za-z_]+)(?:\.[^=\s]+)?=")

# Field -> its label in the modal (decisions and considerations take theirs from content.py).
_LABELS: Mapping[str, str] = {
    "attended": "Who attended (directory ids, separated by commas)",
    "absent": "Invited but absent, and why (id: reason; id: reason)",
    "children": "Children discussed (pseudonyms, separated by commas)",
    "adults": "Non-resident parents and other significant adults (no names)",
    "concern": "Why the discussion was held",
    "harm": "Categories of harm: " + ", ".join(HARM_CATEGORIES),
    "risk": "Analysis of the current risk",
    "safety": "Immediate safety plan",
    "family": "Sharing with the child and family: " + ", ".join(FAMILY_CHOICES) + ", and why",
    "identity": "Ethnicity, culture, language and identity",
}


@dataclass(frozen=True)
class Field:
    key: str  # the field as typed in chat, and the modal's block id
    label: str
    example: str  # a value that would be accepted, as a hint


@dataclass(frozen=True)
class Draft:
    """The record's fields for this discussion and what the latest version holds."""

    case: str
    fields: tuple[Field, ...]
    values: dict[str, str]  # field key -> the current value as the chair would type it
    final: bool  # the latest version is final: a change is a correction, with its reason
    chair: bool  # the actor chairs the discussion, so may finalise the record


def draft(core: Core, actor: Contact, case_reference: str) -> Draft:
    """The draft the actor may edit; the service's InputError if they may not."""
    # Held, visible, and the chair or convenor: the service's own checks.
    perform(core, lambda unit: service.form(unit, actor, case_reference))
    with core.sessions() as session:
        discussion = visible_discussion(session, case_reference, actor)
        latest = service.latest_version(session, discussion)
        content = RecordContent.load(latest.content) if latest is not None else RecordContent()
        children = [child.pseudonym for child in discussion.case.children]
        invited = [core.directory.contact(i.contact.key) for i in discussion.invitations]
        return Draft(
            case=discussion.case.reference,
            fields=_fields(core, content, children, [c.agency_id for c in invited if c]),
            values=values_of(content),
            final=latest is not None and latest.is_final,
            chair=discussion.chair.key == actor.id,
        )


def _fields(
    core: Core, content: RecordContent, children: list[str], agencies: list[str]
) -> tuple[Field, ...]:
    names = {agency.id: agency.name for agency in core.directory.agencies}
    fields = [_field(key) for key in ("attended", "absent", "children")]
    for pseudonym in dict.fromkeys([*children, *content.child_notes]):
        fields.append(
            Field(f"child.{pseudonym}", f"About {pseudonym}", _example("child").split("=", 1)[1])
        )
    fields += [_field(key) for key in ("adults", "concern", "harm")]
    for agency in dict.fromkeys([*agencies, *content.shared]):
        label = f"What {names.get(agency, agency)} shared"
        fields.append(Field(f"shared.{agency}", label, _example("shared").split("=", 1)[1]))
    fields += [_field(key) for key in ("risk", *DECISIONS, "safety", "family")]
    fields += [_field(key) for key in (*CONSIDERATIONS, "identity")]
    return tuple(fields)


def _field(key: str) -> Field:
    if key in DECISIONS:
        what, choices = DECISIONS[key]
        label = f"{what}: {', '.join(choices)}, and why"
    elif key in CONSIDERATIONS:
        label = f"{CONSIDERATIONS[key]} considered: {', '.join(CONSIDERATION_CHOICES)}"
    else:
        label = _LABELS[key]
    return Field(key, label, _example(key).split("=", 1)[1])


def _example(key: str) -> str:
    """The example from fields.py, without the quotes chat needs around text with spaces."""
    name, _, value = EXAMPLES[key].partition("=")
    if len(value) > 1 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    return f"{name}={value}"


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


def changed(draft: Draft, submitted: Mapping[str, Any]) -> dict[str, str]:
    """The fields of the form that hold something other than what the draft holds."""
    fields: dict[str, str] = {}
    for field in draft.fields:
        value = submitted.get(field.key)
        text = value.strip() if isinstance(value, str) else ""
        if text and text != draft.values.get(field.key, "").strip():
            fields[field.key] = text
    return fields


def block_for(problem: InputError, keys: list[str], first: str) -> str:
    """The block whose field the problem is about: named in it, or in its example."""
    for key in keys:
        if f"'{key}=" in problem.problem:
            return key
    found = _EXAMPLE_KEY.search(problem.example or "")
    if found is not None:
        for key in keys:
            if key.split(".", 1)[0] == found.group(1):
                return key
    return first


def error_text(problem: InputError) -> str:
    text = str(problem)
    return text if len(text) <= 1000 else text[:999] + "…"


def context(draft: Draft, values: Mapping[str, Any]) -> dict[str, Any]:
    """What templates/slack/record_modal.json.j2 needs beyond the common form context."""
    return {
        "case": draft.case,
        "fields": [
            {"key": f.key, "label": f.label, "example": f.example, "value": values.get(f.key)}
            for f in draft.fields
        ],
        "final": draft.final,
        "can_finalise": draft.chair,
    }

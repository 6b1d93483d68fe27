"""Import a record written as a file (YAML or JSON), for chairs who minute outside chat.

The file uses the record's field names, the same as in chat; lists and
mappings may be written as YAML. For example:

    attended: [asha.patel, ben.okafor, megan.price, olivia.bennett]
    absent: {bethany.cole: teaching all afternoon; report sent}
    children: [C1, C2]
    child: {C1: seen alone at school today}
    concern: bruising seen at school after a domestic abuse incident
    harm: [physical, emotional]
    shared: {police: two call-outs since October, health: C2 missed two checks}
    s47: {decision: joint, rationale: injury and disclosure meet the threshold}
    family: "partial: mother told today; her partner after police interview"
    marac: yes
    actions:
      - {owner: megan.price, due: in 2 working days, text: DASH risk assessment}
    finalise: true

Every value is checked exactly as in chat, and the actions' owners and due
dates before anything is written. An action already recorded (same owner,
same text) is not added twice, so a corrected file can be imported again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from bot.directory import Contact
from bot.errors import refusal, wording
from bot.messages import Outcome
from bot.record import service
from bot.record.fields import EXAMPLES
from bot.services import actions as action_service
from bot.shared import visible_discussion
from bot.storage import models
from bot.unit import Unit
from scheduling.timetext import TimeTextError, parse_due

DECISION_KEYS = ("decision", "rationale", "note")


@dataclass(frozen=True)
class ImportedAction:
    owner: str
    due: str
    text: str


@dataclass(frozen=True)
class RecordFile:
    fields: dict[str, str]
    actions: tuple[ImportedAction, ...]
    finalise: bool
    reason: str | None = None


def read_record_file(path: Path) -> RecordFile:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise refusal("import.unreadable", path=path, reason=error.strerror or error) from None
    except yaml.YAMLError as error:
        raise refusal("import.not_yaml", path=path, error=error, example=_example()) from None
    if not isinstance(data, dict):
        raise refusal("import.not_fields", path=path, example=_example())
    return parse_record(data)


def parse_record(data: Mapping[str, Any]) -> RecordFile:
    fields: dict[str, str] = {}
    found_actions: tuple[ImportedAction, ...] = ()
    finalise, reason = False, None
    for key, value in data.items():
        key = str(key).strip().lower()
        if key == "actions":
            found_actions = _actions(value)
        elif key == "finalise":
            if not isinstance(value, bool):
                raise refusal("import.finalise")
            finalise = value
        elif key == "reason":
            reason = _scalar(key, value)
        elif key in ("child", "shared"):
            if not isinstance(value, dict):
                raise refusal("import.mapping", key=key, example=_example())
            for part, text in value.items():
                fields[f"{key}.{part}"] = _scalar(f"{key}.{part}", text)
        elif key == "absent" and isinstance(value, dict):
            fields[key] = "; ".join(f"{who}: {_scalar(key, why)}" for who, why in value.items())
        elif isinstance(value, list):
            fields[key] = ",".join(_scalar(key, item) for item in value)
        elif isinstance(value, dict):
            fields[key] = _decision(key, value)
        else:
            fields[key] = _scalar(key, value)
    return RecordFile(fields, found_actions, finalise, reason)


def _example() -> str:
    return wording("import.example_file")


def _scalar(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"  # YAML reads a bare yes/no as a boolean
    if isinstance(value, str | int | float):
        return str(value)
    raise refusal("import.not_text", key=key, kind=type(value).__name__, example=EXAMPLES.get(key))


def _decision(key: str, value: Mapping[str, Any]) -> str:
    unknown = sorted(set(map(str, value)) - set(DECISION_KEYS))
    if unknown or "decision" not in value:
        read = ", ".join(map(str, value)) or wording("import.nothing")
        raise refusal("import.decision", key=key, read=read)
    why = value.get("rationale", value.get("note"))
    decision = _scalar(key, value["decision"])
    return f"{decision}: {_scalar(key, why)}" if why is not None else decision


def _actions(value: Any) -> tuple[ImportedAction, ...]:
    example = wording("import.example_actions")
    if not isinstance(value, list):
        raise refusal("import.not_a_list", example=example)
    found = []
    for number, item in enumerate(value, start=1):
        if not isinstance(item, dict):
            raise refusal("import.action_not_mapping", number=number, example=example)
        missing = [k for k in ("owner", "due", "text") if not str(item.get(k) or "").strip()]
        if missing:
            raise refusal(
                "import.action_incomplete",
                number=number,
                missing=wording("import.and_no").join(missing),
                example=example,
            )
        found.append(
            ImportedAction(str(item["owner"]), str(item["due"]), str(item["text"]).strip())
        )
    return tuple(found)


def import_record(unit: Unit, actor: Contact, case: str, record: RecordFile) -> list[Outcome]:
    """Save the fields, add the actions, finalise if asked, all in one unit of work:
    nothing is written on bad input."""
    core = unit.core
    for number, item in enumerate(record.actions, start=1):
        if core.directory.find(item.owner) is None:
            raise refusal("import.action_owner", number=number, owner=item.owner)
        try:
            parse_due(item.due, core.clock.now(), core.calendar)
        except TimeTextError as problem:
            raise refusal("import.action_due", number=number, problem=problem) from None
    outcomes = [service.form(unit, actor, case)]  # checks the case, the meeting and the actor
    if record.fields or record.reason:
        outcomes.append(service.update(unit, actor, case, record.fields, record.reason))
    existing = _existing_actions(unit, actor, case)
    for item in record.actions:
        owner = core.directory.find(item.owner)
        assert owner is not None
        if (owner.id, item.text) in existing:
            continue
        outcomes.append(
            action_service.add_action(unit, actor, case, item.owner, item.due, item.text)
        )
    if record.finalise:
        outcomes.append(service.finalise(unit, actor, case))
    return outcomes[1:]


def _existing_actions(unit: Unit, actor: Contact, case: str) -> set[tuple[str, str]]:
    discussion = visible_discussion(unit.session, case, actor)
    rows = unit.session.scalars(
        select(models.Action).where(models.Action.discussion_id == discussion.id)
    ).all()
    return {(a.owner.key, a.description) for a in rows}

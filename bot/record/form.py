"""The record as a form in chat: each field, whether it is filled, and what it says.

This is the console's (and any chat's) equivalent of a record modal: the chair
sees what is there and what is missing, and fills fields in any order.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.record.content import CONSIDERATIONS, DECISIONS, Decision, RecordContent, Snapshot
from bot.wording import say

SUMMARY_LENGTH = 90


@dataclass(frozen=True)
class FormRow:
    key: str
    done: bool
    value: str | None = None
    missing: tuple[str, ...] = ()


def essential_rows(content: RecordContent, snapshot: Snapshot) -> list[FormRow]:
    attended = [row for row in snapshot.attendance if row.attended]
    absent = [row for row in snapshot.attendance if not row.attended]
    who = ", ".join(row.name for row in attended)
    away = "; ".join(f"{row.name}: {row.absence}" for row in absent)
    attendance = say("record_form.attendance", who=who, away=away)
    if content.attended is None:
        attendance = say("record_form.to_confirm", attendance=attendance)
    undiscussed = tuple(c.pseudonym for c in snapshot.children if not c.discussed)
    no_owner_or_due = tuple(a.reference for a in snapshot.actions if not (a.owner and a.due_at))
    return [
        FormRow("attended", content.attended is not None, attendance),
        FormRow(
            "children",
            not undiscussed,
            ", ".join(content.children) or None,
            undiscussed,
        ),
        FormRow("s47", "s47" in content.decisions, _decision(content.decisions.get("s47"))),
        FormRow("family", content.family is not None, _decision(content.family)),
        FormRow("actions", not no_owner_or_due, str(len(snapshot.actions)), no_owner_or_due),
    ]


def other_rows(
    content: RecordContent, snapshot: Snapshot, agency_names: dict[str, str]
) -> list[FormRow]:
    present = {row.agency_id: row.agency for row in snapshot.attendance if row.attended}
    silent = tuple(name for agency, name in present.items() if agency not in content.shared)
    shared = ", ".join(agency_names.get(a, a) for a in content.shared)
    rows = [
        FormRow("concern", content.concern is not None, _short(content.concern)),
        FormRow("harm", bool(content.harm), ", ".join(content.harm) or None),
        FormRow("adults", content.adults is not None, _short(content.adults)),
        FormRow("shared", not silent and bool(content.shared), shared or None, silent),
        FormRow("risk", content.risk is not None, _short(content.risk)),
    ]
    rows += [
        FormRow(key, key in content.decisions, _decision(content.decisions.get(key)))
        for key in DECISIONS
        if key != "s47"
    ]
    rows.append(FormRow("safety", content.safety is not None, _short(content.safety)))
    rows += [
        FormRow(key, key in content.considerations, _decision(content.considerations.get(key)))
        for key in CONSIDERATIONS
    ]
    rows.append(FormRow("identity", content.identity is not None, _short(content.identity)))
    return rows


def _decision(decision: Decision | None) -> str | None:
    if decision is None:
        return None
    if not decision.rationale:
        return decision.decision
    return _short(f"{decision.decision}: {decision.rationale}")


def _short(text: str | None) -> str | None:
    if text is None:
        return None
    text = " ".join(text.split())
    return text if len(text) <= SUMMARY_LENGTH else text[: SUMMARY_LENGTH - 3].rstrip() + "..."

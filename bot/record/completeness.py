"""What a record still lacks: the essentials that block finalising, and the rest.

The essentials (attendance, the section 47 decision with its rationale, every
child of the case discussed, the family-sharing decision with its rationale,
an owner and a due date for every action) must be there before a record can
be finalised. A record is *complete* when every section is filled in too: the
compliance report counts those.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.record.content import CONSIDERATIONS, DECISIONS, ActionRow, AttendanceRow, RecordContent


@dataclass(frozen=True)
class Gap:
    """One thing missing: `key` names the field (see the record templates), `items` what exactly."""

    key: str
    items: tuple[str, ...] = ()


def essential_gaps(
    content: RecordContent, case_children: Sequence[str], actions: Sequence[ActionRow]
) -> list[Gap]:
    gaps: list[Gap] = []
    if content.attended is None:
        gaps.append(Gap("attended"))
    if "s47" not in content.decisions:
        gaps.append(Gap("s47"))
    undiscussed = tuple(c for c in case_children if c not in content.children)
    if undiscussed:
        gaps.append(Gap("children", undiscussed))
    if content.family is None:
        gaps.append(Gap("family"))
    no_owner = tuple(a.reference for a in actions if not a.owner)
    if no_owner:
        gaps.append(Gap("action_owner", no_owner))
    no_due = tuple(a.reference for a in actions if not a.due_at)
    if no_due:
        gaps.append(Gap("action_due", no_due))
    return gaps


def other_gaps(content: RecordContent, attendance: Sequence[AttendanceRow]) -> list[Gap]:
    """Sections that do not block finalising but that a complete record has."""
    gaps: list[Gap] = []
    for key in ("concern", "adults", "risk", "safety", "identity"):
        if getattr(content, key) is None:
            gaps.append(Gap(key))
    if not content.harm:
        gaps.append(Gap("harm"))
    present = {row.agency_id: row.agency for row in attendance if row.attended}
    silent = tuple(name for agency, name in present.items() if agency not in content.shared)
    if silent:
        gaps.append(Gap("shared", silent))
    undecided = tuple(key for key in DECISIONS if key != "s47" and key not in content.decisions)
    if undecided:
        gaps.append(Gap("decisions", undecided))
    unconsidered = tuple(key for key in CONSIDERATIONS if key not in content.considerations)
    if unconsidered:
        gaps.append(Gap("considerations", unconsidered))
    return gaps


def is_complete(
    content: RecordContent,
    case_children: Sequence[str],
    actions: Sequence[ActionRow],
    attendance: Sequence[AttendanceRow],
) -> bool:
    return not essential_gaps(content, case_children, actions) and not other_gaps(
        content, attendance
    )

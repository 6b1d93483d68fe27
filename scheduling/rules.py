"""The configurable rules of time for one partnership.

The defaults are the national defaults described in DOMAIN.md; a partnership
overrides any of them in the `partnership:` section of its directory file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from enum import StrEnum
from typing import Any


class ConcernCategory(StrEnum):
    SERIOUS_HARM = "serious_harm"
    SEXUAL_ABUSE_FORENSIC = "sexual_abuse_forensic"
    IMMEDIATE_ACTION = "immediate_action"
    STANDARD = "standard"
    COMPLEX = "complex"


class Region(StrEnum):
    """Bank-holiday regions of the United Kingdom, as the `holidays` package names them."""

    ENGLAND_WALES = "england_wales"
    SCOTLAND = "scotland"
    NORTHERN_IRELAND = "northern_ireland"

    @property
    def holidays_subdivision(self) -> str:
        return {"england_wales": "ENG", "scotland": "SCT", "northern_ireland": "NIR"}[self.value]


# Working days after the day the concern was identified (day 0). Zero means the
# same calendar day, whether or not that day is a working day.
DEFAULT_CATEGORY_DAYS: Mapping[ConcernCategory, int] = {
    ConcernCategory.SERIOUS_HARM: 0,
    ConcernCategory.SEXUAL_ABUSE_FORENSIC: 0,
    ConcernCategory.IMMEDIATE_ACTION: 1,
    ConcernCategory.STANDARD: 3,
    ConcernCategory.COMPLEX: 5,
}

FOLLOW_ON_KEYS = ("record_circulation", "icpc", "section47")


@dataclass(frozen=True)
class TimescaleRules:
    category_days: Mapping[ConcernCategory, int] = field(
        default_factory=lambda: dict(DEFAULT_CATEGORY_DAYS)
    )
    record_circulation_days: int = 1
    icpc_days: int = 15
    section47_days: int = 15

    def days_for(self, category: ConcernCategory) -> int:
        return self.category_days[category]

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> TimescaleRules:
        """Build rules from a partnership's overrides, e.g. {"standard": 2, "icpc": 10}.

        Raises ValueError naming every key or value that is wrong.
        """
        problems: list[str] = []
        days = dict(DEFAULT_CATEGORY_DAYS)
        follow_on = {"record_circulation": 1, "icpc": 15, "section47": 15}
        allowed = sorted([c.value for c in ConcernCategory] + list(FOLLOW_ON_KEYS))
        for key, value in raw.items():
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 60:
                problems.append(f"timescale '{key}' must be a whole number of working days 0-60")
                continue
            if key in ConcernCategory._value2member_map_:
                days[ConcernCategory(key)] = value
            elif key in follow_on:
                follow_on[key] = value
            else:
                problems.append(f"unknown timescale '{key}' (known: {', '.join(allowed)})")
        if problems:
            raise ValueError("; ".join(problems))
        return cls(
            category_days=days,
            record_circulation_days=follow_on["record_circulation"],
            icpc_days=follow_on["icpc"],
            section47_days=follow_on["section47"],
        )


@dataclass(frozen=True)
class WorkingHours:
    start: time = time(9, 0)
    end: time = time(17, 0)

    def contains(self, moment: time) -> bool:
        return self.start <= moment < self.end


@dataclass(frozen=True)
class CalendarSettings:
    """Everything needed to decide what a working day is and how to show a time."""

    region: Region = Region.ENGLAND_WALES
    timezone: str = "Europe/London"
    closure_days: frozenset[date] = frozenset()
    working_hours: WorkingHours = WorkingHours()


REMINDER_LIMITS: Mapping[str, tuple[int, int]] = {
    "before_due_working_days": (0, 10),
    "escalate_after_working_days": (1, 20),
    "deadline_warning_minutes": (0, 24 * 60),
    "max_snooze_working_days": (0, 5),
}


@dataclass(frozen=True)
class ReminderPolicy:
    """When action owners are nudged and chairs are alerted.

    Defaults: a nudge at 09:00 on the working day before the due date, on the
    due date, and every working day while overdue; the chair (and the owner's
    manager) hears after 2 working days overdue; the chair is warned 2 hours
    before a statutory deadline if the discussion has not taken place.
    """

    nudge_at: time = time(9, 0)
    before_due_working_days: int = 1
    escalate_after_working_days: int = 2
    deadline_warning_minutes: int = 120
    max_snooze_working_days: int = 1

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> ReminderPolicy:
        """Build a policy from a partnership's overrides; ValueError names every problem."""
        problems: list[str] = []
        values: dict[str, Any] = {}
        for key, value in raw.items():
            if key == "nudge_at":
                try:
                    values[key] = time.fromisoformat(str(value))
                except ValueError:
                    problems.append(f'nudge_at must be a time of day like "09:00", not {value!r}')
            elif key in REMINDER_LIMITS:
                low, high = REMINDER_LIMITS[key]
                if (
                    isinstance(value, bool)
                    or not isinstance(value, int)
                    or not low <= value <= high
                ):
                    problems.append(f"{key} must be a whole number {low}-{high}")
                else:
                    values[key] = value
            else:
                known = ", ".join(["nudge_at", *REMINDER_LIMITS])
                problems.append(f"unknown reminder setting '{key}' (known: {known})")
        if problems:
            raise ValueError("; ".join(problems))
        return cls(**values)

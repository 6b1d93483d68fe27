"""The behaviour model, read from model.yaml into typed values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from functools import cache
from importlib import resources
from typing import Any

import yaml


@dataclass(frozen=True)
class Scenario:
    name: str
    tags: tuple[str, ...]
    categories: tuple[tuple[str, float], ...]  # concern category, weight
    weight: float
    pre_birth: bool = False


@dataclass(frozen=True)
class Referrals:
    first_hour: int
    window_minutes: int
    social_workers_per_team_manager: int
    identified_within_minutes: int
    children: tuple[int, ...]
    unborn_due_in_days: tuple[int, int]
    age_in_days: tuple[int, int]
    school_age_days: int
    health_visitor_or_school_nurse: float
    gp: float
    school_if_school_age: float
    referrer: float
    late_reason: str


@dataclass(frozen=True)
class Meetings:
    same_day_in_minutes: tuple[int, int]
    hours: tuple[time, ...]
    late: float
    late_by_working_days: tuple[int, ...]


@dataclass(frozen=True)
class Replies:
    minutes: tuple[int, int]
    fallback_minutes: tuple[int, int]
    odds: dict[str, tuple[float, float]]  # group -> (accept, decline)
    decline_reasons: tuple[str, ...]


@dataclass(frozen=True)
class Reach:
    channels: tuple[str, ...]  # the channels of the deployment simulated
    email_answers: float  # the chance of answering by email, as a share of the chat odds
    email_minutes: tuple[int, int]  # how long after an email invitation the reply comes
    # Emails carry links (PUBLIC_URL): email people answer on the page, with these odds.
    links: bool = True
    link_answers: float = 0.9  # the chance of answering by link, as a share of the chat odds
    link_minutes: tuple[int, int] = (30, 480)  # how long after the email the link is used


@dataclass(frozen=True)
class AfterTheMeeting:
    minutes: tuple[int, int]
    actions: tuple[int, int]
    action_due_in_working_days: tuple[int, ...]
    action_text: str
    absent_owner: float
    absent_owners: tuple[str, ...]
    close: tuple[float, float]  # below the first: on time; below the second: late
    late_by_working_days: tuple[int, int]
    close_outcome: str


@dataclass(frozen=True)
class Record:
    finalised: tuple[float, float]  # below the first: the same day; below the second: late
    same_day_minutes: tuple[int, int]
    days_late_working_days: tuple[int, int]
    complete: float
    premature: float
    corrected: float
    fields: tuple[str, ...]
    shared: str
    complete_fields: tuple[str, ...]
    family: str
    correction: str


@dataclass(frozen=True)
class Calendars:
    visible_agencies: tuple[str, ...]
    busy_declines: float
    free_odds: dict[str, tuple[float, float]]  # group -> (accept, decline) when free
    poll_answers: dict[str, float]  # group -> share who answer the poll
    poll_minutes: tuple[int, int]
    busy_reason: str


@dataclass(frozen=True)
class Model:
    start: datetime
    settle_working_days: int
    referrals: Referrals
    scenarios: tuple[Scenario, ...]
    meetings: Meetings
    replies: Replies
    reach: Reach
    after_the_meeting: AfterTheMeeting
    record: Record
    calendars: Calendars


@cache
def model() -> Model:
    """The behaviour model shipped with strategy-bot (handlers/simulated/model.yaml)."""
    text = (resources.files("handlers") / "simulated" / "model.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    replies = data["replies"]
    meetings = data["meetings"]
    return Model(
        start=datetime.fromisoformat(data["start"]),
        settle_working_days=int(data["settle_working_days"]),
        referrals=Referrals(**_tuples(data["referrals"])),
        scenarios=tuple(
            Scenario(
                name=s["name"],
                tags=tuple(s["tags"]),
                categories=tuple((str(c), float(w)) for c, w in s["categories"].items()),
                weight=float(s["weight"]),
                pre_birth=bool(s.get("pre_birth", False)),
            )
            for s in data["scenarios"]
        ),
        meetings=Meetings(
            same_day_in_minutes=tuple(meetings["same_day_in_minutes"]),
            hours=tuple(time.fromisoformat(h) for h in meetings["hours"]),
            late=float(meetings["late"]),
            late_by_working_days=tuple(meetings["late_by_working_days"]),
        ),
        replies=Replies(
            minutes=tuple(replies["minutes"]),
            fallback_minutes=tuple(replies["fallback_minutes"]),
            odds={group: (float(a), float(d)) for group, (a, d) in replies["odds"].items()},
            decline_reasons=tuple(replies["decline_reasons"]),
        ),
        reach=Reach(
            channels=tuple(data["reach"]["channels"]),
            email_answers=float(data["reach"]["email"]["answers"]),
            email_minutes=tuple(data["reach"]["email"]["minutes"]),
            links=bool(data["reach"]["links"]["enabled"]),
            link_answers=float(data["reach"]["links"]["answers"]),
            link_minutes=tuple(data["reach"]["links"]["minutes"]),
        ),
        after_the_meeting=AfterTheMeeting(**_tuples(data["after_the_meeting"])),
        record=Record(**_tuples(data["record"])),
        calendars=Calendars(
            visible_agencies=tuple(data["calendars"]["visible_agencies"]),
            busy_declines=float(data["calendars"]["busy_declines"]),
            free_odds={
                group: (float(a), float(d))
                for group, (a, d) in data["calendars"]["free_odds"].items()
            },
            poll_answers={g: float(v) for g, v in data["calendars"]["poll_answers"].items()},
            poll_minutes=tuple(data["calendars"]["poll_minutes"]),
            busy_reason=str(data["calendars"]["busy_reason"]),
        ),
    )


def _tuples(section: dict[str, Any]) -> dict[str, Any]:
    """A section's lists as tuples (the dataclasses are frozen, so hashable and unchanging)."""
    return {
        key: tuple(value) if isinstance(value, list) else value for key, value in section.items()
    }

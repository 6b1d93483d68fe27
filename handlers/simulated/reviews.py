"""Review discussions in the simulation: for a share of cases, new information arrives a
week or two after the first discussion and the convenor convenes a review (the case's
second discussion). The model is in model.yaml, `reviews`.

Reviews draw from their own random generator (seeded from the run's seed), so
the referrals of a run are the same with or without them.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from functools import partial
from importlib import resources
from typing import Any, Protocol

import yaml

from bot.app import Bot
from bot.directory import Directory
from scheduling.workdays import WorkingCalendar

_TAGS = re.compile(r"\btags=(\S+)")


class Referral(Protocol):
    """What a review needs of a referral (run.Referral)."""

    @property
    def case(self) -> str: ...
    @property
    def arrival(self) -> datetime: ...
    @property
    def convenor(self) -> str: ...
    @property
    def command(self) -> str: ...
    @property
    def children(self) -> tuple[str, ...]: ...


class Simulation(Protocol):
    """What a review needs of the simulated world (run.Simulation)."""

    calendar: WorkingCalendar
    directory: Directory
    bot: Bot
    reviews: int
    refused: list[str]

    def at(self, when: datetime, action: Callable[[], object]) -> None: ...


@dataclass(frozen=True)
class ReviewModel:
    share: float  # of the cases
    after_working_days: tuple[int, int]  # after the referral day, both ends included
    hour: time
    category: str


def review_model() -> ReviewModel:
    text = (resources.files("handlers") / "simulated" / "model.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)["reviews"]
    low, high = data["after_working_days"]
    return ReviewModel(
        share=float(data["share"]),
        after_working_days=(int(low), int(high)),
        hour=time.fromisoformat(data["hour"]),
        category=str(data["category"]),
    )


def plan_reviews(simulation: Simulation, referrals: Sequence[Referral], seed: int) -> int:
    """Schedule a review for a share of the referrals; how many were planned."""
    plan = review_model()
    rng = random.Random(f"reviews-{seed}")
    calendar = simulation.calendar
    planned = 0
    for referral in referrals:
        if rng.random() >= plan.share:
            continue
        day = calendar.add_working_days(
            calendar.local_date(referral.arrival), rng.randint(*plan.after_working_days)
        )
        when = calendar.at_local(day, plan.hour)
        meeting = calendar.at_local(calendar.add_working_days(day, 1), plan.hour)
        tags = _TAGS.search(referral.command)
        command = (
            f"/strategy convene {referral.case} children={','.join(referral.children)} "
            f"category={plan.category} "
            f'meeting="{calendar.local(meeting).strftime("%Y-%m-%d %H:%M")}"'
            + (f" tags={tags[1]}" if tags else "")
        )
        simulation.at(when, partial(_convene_review, simulation, referral, command))
        planned += 1
    return planned


def _convene_review(simulation: Simulation, referral: Referral, command: str) -> None:
    contact = simulation.directory.contact(referral.convenor)
    assert contact is not None
    outcome = simulation.bot.command(contact, command)
    if outcome.ok:
        simulation.reviews += 1
    else:
        simulation.refused.append(f"{referral.case} review: {outcome.reply.text.splitlines()[0]}")

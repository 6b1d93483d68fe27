"""The compliance report: the figures audits count by hand, from the bot's own data.

Each discussion held in the period is reduced to plain facts
(`DiscussionFacts`), and the figures are counted from those facts, overall,
per team and per category. The definitions:

- held: the meeting time has passed and the discussion was not cancelled;
  the period is the meeting's local date, both ends included.
- within timescale: the meeting was at or before its statutory deadline.
- health invited: anyone from a health agency was invited.
- attended (health, police, social care): from the chair's confirmed
  attendance in the record; where the chair has not confirmed it yet, from
  who accepted the invitation (`attendance_confirmed` says which).
- health through the MASH nurse fallback: health attended only through
  people invited by the fallback.
- minimum attendance: social care, police and health all attended.
- record finalised: version 1 was finalised. Circulated within timescale:
  it reached every recipient (by chat or email) by the record-circulation
  deadline. Complete: the latest final version has every section filled in.
- actions with owner and due date: of the actions agreed at the discussions.
- actions closed by their due date: of the actions already due (or closed)
  at the time of the report.
- open overdue actions: open and past their due date at the time of the
  report, counted by the owner's agency.
- reviews: of the discussions held, those that were a case's second or later
  discussion (NV-40213#2). Every discussion is counted, not every case.
- same police unit and health professional as the first: of the reviews held,
  those attended by someone of a police unit that attended the case's first
  discussion, and by a health professional who attended it (the audits'
  consistency concern).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.record.report_facts import NO_TEAM, ActionFacts, DiscussionFacts, read_facts
from bot.shared import when
from bot.storage import models
from bot.unit import Unit

__all__ = ["NO_TEAM", "ActionFacts", "DiscussionFacts", "Report", "compliance_report"]

TARGET_PERCENT = 90  # the partnerships' aim for timeliness; drawn on the chart


@dataclass(frozen=True)
class Ratio:
    count: int
    total: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.count / self.total, 1) if self.total else None


def cell(ratio: Ratio) -> str:
    """A ratio as people read it: 189/200 (94.5%)."""
    if not ratio.total:
        return "-"
    percent = ratio.percent or 0.0
    shown = f"{percent:.0f}" if percent == int(percent) else f"{percent:.1f}"
    return f"{ratio.count}/{ratio.total} ({shown}%)"


@dataclass(frozen=True)
class Figures:
    held: int
    within_timescale: Ratio
    health_invited: Ratio
    health_attended: Ratio
    health_via_fallback: Ratio  # of the discussions health attended
    police_attended: Ratio
    minimum_attendance: Ratio
    attendance_confirmed: Ratio
    records_finalised: Ratio
    records_circulated_in_time: Ratio
    records_complete: Ratio
    actions_with_owner_and_due: Ratio
    actions_closed_by_due: Ratio
    reviews: Ratio = Ratio(0, 0)
    reviews_same_people: Ratio = Ratio(0, 0)  # of the reviews
    open_overdue_by_agency: dict[str, int] = field(default_factory=dict)


# The ratios in the order they are shown.
RATIOS = (
    "within_timescale",
    "health_invited",
    "health_attended",
    "health_via_fallback",
    "police_attended",
    "minimum_attendance",
    "attendance_confirmed",
    "records_finalised",
    "records_circulated_in_time",
    "records_complete",
    "actions_with_owner_and_due",
    "actions_closed_by_due",
    "reviews",
    "reviews_same_people",
)


@dataclass(frozen=True)
class Report:
    partnership: str
    start: date
    end: date
    as_of: datetime
    overall: Figures
    by_team: dict[str, Figures]
    by_category: dict[str, Figures]
    as_of_text: str = ""  # as_of in the partnership's time, for people


def figures(facts: Sequence[DiscussionFacts]) -> Figures:
    def share(test: Callable[[DiscussionFacts], bool], among: Iterable[DiscussionFacts]) -> Ratio:
        group = list(among)
        return Ratio(sum(1 for f in group if test(f)), len(group))

    actions = [a for f in facts for a in f.actions]
    due = [a for a in actions if a.due_or_closed]
    overdue = Counter(a.agency for a in actions if a.open_overdue)
    return Figures(
        held=len(facts),
        within_timescale=share(lambda f: f.within_timescale, facts),
        health_invited=share(lambda f: f.health_invited, facts),
        health_attended=share(lambda f: f.health_attended, facts),
        health_via_fallback=share(
            lambda f: f.health_via_fallback, (f for f in facts if f.health_attended)
        ),
        police_attended=share(lambda f: f.police_attended, facts),
        minimum_attendance=share(
            lambda f: f.social_care_attended and f.police_attended and f.health_attended, facts
        ),
        attendance_confirmed=share(lambda f: f.attendance_confirmed, facts),
        records_finalised=share(lambda f: f.record_finalised, facts),
        records_circulated_in_time=share(lambda f: f.record_circulated_in_time, facts),
        records_complete=share(lambda f: f.record_complete, facts),
        actions_with_owner_and_due=Ratio(
            sum(1 for a in actions if a.has_owner_and_due), len(actions)
        ),
        actions_closed_by_due=Ratio(sum(1 for a in due if a.closed_on_time), len(due)),
        reviews=share(lambda f: f.review, facts),
        reviews_same_people=share(lambda f: f.same_people_as_first, (f for f in facts if f.review)),
        open_overdue_by_agency=dict(sorted(overdue.items(), key=lambda item: (-item[1], item[0]))),
    )


def build_report(
    partnership: str,
    start: date,
    end: date,
    as_of: datetime,
    facts: Sequence[DiscussionFacts],
    as_of_text: str = "",
) -> Report:
    def grouped(key: Callable[[DiscussionFacts], str]) -> dict[str, Figures]:
        names = sorted({key(f) for f in facts})
        return {name: figures([f for f in facts if key(f) == name]) for name in names}

    return Report(
        partnership=partnership,
        start=start,
        end=end,
        as_of=as_of,
        overall=figures(facts),
        by_team=grouped(lambda f: f.team),
        by_category=grouped(lambda f: f.category),
        as_of_text=as_of_text,
    )


def compliance_report(unit: Unit, start: date, end: date) -> Report:
    """The report for discussions held with a meeting date from `start` to `end` (local)."""
    core = unit.core
    if end < start:
        raise ValueError("the report period ends before it starts")
    as_of = core.clock.now()
    first = core.calendar.at_local(start, datetime.min.time())
    after = core.calendar.at_local(end, datetime.max.time())
    in_period = (
        models.Discussion.meeting_at >= first,
        models.Discussion.meeting_at <= after,
        models.Discussion.meeting_at <= as_of,
        models.Discussion.status != models.DiscussionStatus.CANCELLED,
    )
    facts = read_facts(core, unit.session, in_period, as_of)
    return build_report(
        core.directory.partnership.name, start, end, as_of, facts, when(core, as_of)
    )

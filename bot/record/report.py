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

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from bot.core import Core
from bot.record.circulation import recipients
from bot.record.completeness import is_complete
from bot.record.content import AttendanceRow, RecordContent
from bot.record.snapshot import action_row, attendance
from bot.references import discussion_reference
from bot.shared import when
from bot.storage import models
from bot.storage.record_models import DeliveryStatus, RecordDelivery, RecordStatus, RecordVersion
from bot.unit import Unit

NO_TEAM = "(no team)"
TARGET_PERCENT = 90  # the partnerships' aim for timeliness; drawn on the chart


@dataclass(frozen=True)
class ActionFacts:
    agency: str  # the owner's agency
    has_owner_and_due: bool
    due_or_closed: bool  # due by the time of the report, or already closed
    closed_on_time: bool
    open_overdue: bool


@dataclass(frozen=True)
class DiscussionFacts:
    case: str
    team: str
    category: str
    within_timescale: bool
    health_invited: bool
    health_attended: bool
    health_via_fallback: bool
    police_attended: bool
    social_care_attended: bool
    attendance_confirmed: bool
    record_finalised: bool
    record_circulated_in_time: bool
    record_complete: bool
    actions: tuple[ActionFacts, ...] = ()
    review: bool = False
    same_people_as_first: bool = False  # for a review; see the definitions above


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
    session = unit.session
    in_period = (
        models.Discussion.meeting_at >= first,
        models.Discussion.meeting_at <= after,
        models.Discussion.meeting_at <= as_of,
        models.Discussion.status != models.DiscussionStatus.CANCELLED,
    )
    # Everything the facts read, loaded up front: a fixed number of queries whatever
    # the period (selectinload reads related rows in batches of 500 parents).
    held = session.scalars(
        select(models.Discussion)
        .where(*in_period)
        .order_by(models.Discussion.meeting_at, models.Discussion.id)
        .options(
            joinedload(models.Discussion.chair),
            joinedload(models.Discussion.convenor),
            selectinload(models.Discussion.invitations),
            selectinload(models.Discussion.child_facts).joinedload(models.DiscussionChild.child),
            selectinload(models.Discussion.actions).joinedload(models.Action.owner),
            selectinload(models.Discussion.case)
            .selectinload(models.Case.discussions)
            .selectinload(models.Discussion.invitations),
        )
    ).all()
    versions = _versions_of(unit, held)
    facts = [discussion_facts(core, versions, d, as_of) for d in held]
    return build_report(
        core.directory.partnership.name, start, end, as_of, facts, when(core, as_of)
    )


Versions = dict[int, list[RecordVersion]]  # by discussion id, in version order
BATCH = 500  # discussions per query, as selectinload does


def _versions_of(unit: Unit, held: Sequence[models.Discussion]) -> Versions:
    """The record versions of the discussions held, and of the first discussions of the
    reviews' cases, with their deliveries: one query (and one for the deliveries) per
    500 discussions, each through the (discussion_id, version) key."""
    wanted = {d.id for d in held} | {
        first.id
        for review in held
        if review.number > 1
        for first in review.case.discussions
        if first.number == 1
    }
    ids = sorted(wanted)
    versions: Versions = {}
    for batch in range(0, len(ids), BATCH):
        rows = unit.session.scalars(
            select(RecordVersion)
            .where(RecordVersion.discussion_id.in_(ids[batch : batch + BATCH]))
            .order_by(RecordVersion.discussion_id, RecordVersion.version)
            .options(selectinload(RecordVersion.deliveries).joinedload(RecordDelivery.contact))
        ).all()
        for version in rows:
            versions.setdefault(version.discussion_id, []).append(version)
    return versions


def discussion_facts(
    core: Core, versions_of: Versions, discussion: models.Discussion, as_of: datetime
) -> DiscussionFacts:
    versions = versions_of.get(discussion.id, [])
    finals = [v for v in versions if v.status == RecordStatus.FINAL]
    confirmed = _confirmed(versions)
    rows = _attendance(core, discussion, confirmed)
    health = [r for r in rows if r.attended and r.agency_kind == "health"]
    first_final = next((v for v in finals if v.version == 1), None)
    latest_final = finals[-1] if finals else None
    children = [c.pseudonym for c in discussion.child_facts]
    complete = False
    if latest_final is not None:
        content = RecordContent.load(latest_final.content)
        if content.snapshot is not None:
            snapshot = content.snapshot
            complete = is_complete(content, children, snapshot.actions, snapshot.attendance)
    return DiscussionFacts(
        case=discussion_reference(discussion),
        team=_team(core, discussion),
        category=discussion.category,
        within_timescale=discussion.meeting_at <= discussion.deadline_at,
        health_invited=any(i.contact.agency.kind == "health" for i in discussion.invitations),
        health_attended=bool(health),
        health_via_fallback=bool(health) and all(r.via_fallback for r in health),
        police_attended=any(r.attended and r.agency_kind == "police" for r in rows),
        social_care_attended=any(r.attended and r.agency_kind == "social_care" for r in rows),
        attendance_confirmed=confirmed is not None,
        record_finalised=first_final is not None,
        record_circulated_in_time=first_final is not None and _circulated_in_time(first_final),
        record_complete=complete,
        actions=tuple(_action_facts(core, a, as_of) for a in discussion.actions),
        review=discussion.number > 1,
        same_people_as_first=discussion.number > 1
        and _same_people(core, versions_of, discussion, rows),
    )


def _confirmed(versions: Sequence[RecordVersion]) -> RecordContent | None:
    contents = [RecordContent.load(v.content) for v in versions]
    return next((c for c in reversed(contents) if c.attended is not None), None)


def _same_people(
    core: Core, versions_of: Versions, review: models.Discussion, rows: Sequence[AttendanceRow]
) -> bool:
    """Someone of a police unit, and a health professional, who attended the first attended."""
    first = next((d for d in review.case.discussions if d.number == 1), None)
    if first is None:
        return False
    first_rows = _attendance(core, first, _confirmed(versions_of.get(first.id, [])))
    same_police = _attended(first_rows, "police", unit=True) & _attended(rows, "police", unit=True)
    same_health = _attended(first_rows, "health") & _attended(rows, "health")
    return bool(same_police) and bool(same_health)


def _attended(rows: Sequence[AttendanceRow], kind: str, *, unit: bool = False) -> set[str]:
    """Who of an agency kind attended: the people, or (`unit`) their roles (police units)."""
    return {r.role if unit else r.contact for r in rows if r.attended and r.agency_kind == kind}


def _attendance(
    core: Core, discussion: models.Discussion, confirmed: RecordContent | None
) -> list[AttendanceRow]:
    if confirmed is not None and confirmed.snapshot is not None:
        return confirmed.snapshot.attendance
    return attendance(core, discussion, confirmed or RecordContent())


def _circulated_in_time(version: RecordVersion) -> bool:
    content = RecordContent.load(version.content)
    if content.snapshot is None or version.circulation_due_at is None:
        return False
    deadline = version.circulation_due_at
    reached = {
        d.contact.key
        for d in version.deliveries
        if d.status == DeliveryStatus.SENT and d.delivered_at <= deadline
    }
    return all(person.contact in reached for person in recipients(content.snapshot))


def _team(core: Core, discussion: models.Discussion) -> str:
    for key in (discussion.chair.key, discussion.convenor.key):
        contact = core.directory.contact(key)
        if contact is not None and contact.team:
            return contact.team
    return NO_TEAM


def _action_facts(core: Core, action: models.Action, as_of: datetime) -> ActionFacts:
    row = action_row(core, action)
    closed = action.closed_at is not None
    return ActionFacts(
        agency=row.agency or "(no owner)",
        has_owner_and_due=bool(row.owner and row.due_at),
        due_or_closed=closed or action.due_at <= as_of,
        closed_on_time=action.closed_at is not None and action.closed_at <= action.due_at,
        open_overdue=action.status == models.ActionStatus.OPEN and action.due_at < as_of,
    )

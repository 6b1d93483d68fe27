"""A further strategy discussion decided on in a final record (`further="yes: ..."`).

When the chair finalises a record that decides on a further discussion, the
chair is reminded to convene it: on the working day before the date the record
gives ("within 10 working days"), or the next working morning when it gives
none. The reminder is not sent if the case has been convened again by then.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import Session, aliased

from bot.core import Core
from bot.messages import Kind, Outgoing
from bot.record.content import RecordContent
from bot.references import discussion_reference
from bot.shared import audit, schedule, to_chair, when
from bot.storage import models
from bot.unit import Unit

_WITHIN = re.compile(r"\bwithin\s+(?P<n>[0-9]{1,2})\s+(?P<working>working\s+)?days?\b", re.I)


def by_when(core: Core, rationale: str, finalised_at: datetime) -> datetime | None:
    """The date the record gives for the further discussion, as the end of that day."""
    match = _WITHIN.search(rationale)
    if match is None:
        return None
    calendar, n = core.calendar, int(match["n"])
    today = calendar.local_date(finalised_at)
    day = (
        calendar.add_working_days(today, n)
        if match["working"]
        else calendar.working_day_on_or_after(today + timedelta(days=n))
    )
    return calendar.end_of_day(day)


def schedule_reminder(
    core: Core,
    session: Session,
    discussion: models.Discussion,
    content: RecordContent,
    *,
    first: bool = False,
) -> None:
    """`first`: the discussion's first final version, so no reminder of it is pending
    (only finalising schedules one), and none is looked for."""
    decision = content.decisions.get("further")
    if decision is None or decision.decision != "yes":
        return
    now = core.clock.now()
    by = by_when(core, decision.rationale, now)
    remind_at = core.calendar.next_working_morning(now)
    if by is not None:
        day_before = core.calendar.at_local(
            core.calendar.add_working_days(core.calendar.local_date(by), -1),
            core.calendar.settings.working_hours.start,
        )
        remind_at = max(remind_at, day_before)
    schedule(
        session,
        models.WorkKind.FURTHER_REMINDER,
        remind_at,
        discussion=discussion,
        key=f"further:{discussion.id}",
        payload={"by": by.isoformat() if by is not None else None},
        new=first,
    )


def remind(unit: Unit, discussion: models.Discussion, by: datetime | None) -> list[Outgoing]:
    """Unless the case has been convened again, remind the chair of the further discussion."""
    core, session = unit.core, unit.session
    # The chair's row is then in the session: to_chair reads it without a query.
    _chair, convened_again = session.execute(
        _CHAIR_AND_LATER, {"discussion_id": discussion.id}
    ).one()
    if convened_again:
        return []
    audit(session, core, "system", "further_reminder", discussion)
    return [
        to_chair(
            discussion,
            Kind.ALERT,
            "messages/further_reminder.txt.j2",
            case=discussion_reference(discussion),
            reference=discussion.case.reference,
            by=when(core, by) if by is not None else None,
        )
    ]


# The discussion's chair, and whether its case has a later discussion, in one query
# (rather than the case's discussions, then the chair, each loaded lazily).
_LATER = aliased(models.Discussion)
_CHAIR_AND_LATER = (
    select(
        models.Contact,
        exists()
        .where(
            _LATER.case_id == models.Discussion.case_id,
            _LATER.number > models.Discussion.number,
        )
        .label("convened_again"),
    )
    .join(models.Discussion, models.Discussion.chair_id == models.Contact.id)
    .where(models.Discussion.id == bindparam("discussion_id"))
)

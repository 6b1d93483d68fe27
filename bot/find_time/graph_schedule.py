"""Free/busy from Microsoft Graph: getSchedule, for the people in the partnership's tenant.

Graph answers at most 20 people and 62 days a call, so the people are asked
in batches of 20 and long windows in pieces of at most 62 days. Only people
whose email domain is one of the tenant's (GRAPH_TENANT_DOMAINS) are asked:
Graph cannot see other organisations' calendars, and asking would only
reveal who we are meeting with. Everyone else comes back Unknown, and so
does anyone Graph cannot resolve (an address it does not know, a mailbox it
may not read) or whose call kept failing after the retries: the poll asks
them instead. Nothing here raises for one person's trouble or Graph being down.

The token is the calendar's own (msal client credentials, cached in the
database): the caller reads and writes the token cache around a use, as the
calendar sync does (`Invites.tokens`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from bot.calendar.port import CalendarRefused, CalendarUnavailable
from scheduling.availability import Availability, Interval, Known, Person, Unknown
from scheduling.clock import as_utc

MAX_PEOPLE_PER_CALL = 20
MAX_DAYS_PER_CALL = 62

# scheduleItem statuses that make someone unavailable. "free" and "workingElsewhere"
# (working from another place, reachable on Teams) do not.
BUSY_STATUSES = frozenset({"busy", "oof", "tentative", "unknown"})
# The same for the availabilityView, as O365 spells its codes ("unkknown" sic).
BUSY_VIEW_WORDS = frozenset({"tentative", "busy", "out of office", "unknown", "unkknown"})

OUTSIDE_TENANT = "not in the partnership's Microsoft 365 tenant: asked by poll"


@runtime_checkable
class ScheduleReader(Protocol):
    """What this needs of Graph: `GraphCalendar.get_schedule` (bot/calendar/graph.py)."""

    def get_schedule(
        self, emails: Sequence[str], start: datetime, end: datetime, interval_minutes: int
    ) -> list[dict[str, Any]]: ...


def in_tenant(email: str, tenant_domains: Collection[str]) -> bool:
    return email.rpartition("@")[2].lower() in tenant_domains


def _pieces(start: datetime, end: datetime, days: int) -> Iterator[tuple[datetime, datetime]]:
    step = timedelta(days=days)
    while start < end:
        yield start, min(start + step, end)
        start += step


class GraphFreeBusy:
    """An AvailabilitySource on Graph getSchedule, asked from the organiser mailbox."""

    def __init__(
        self,
        graph: ScheduleReader,
        tenant_domains: Collection[str],
        *,
        interval_minutes: int = 15,  # the grain of availabilityView, when that is all Graph gives
        people_per_call: int = MAX_PEOPLE_PER_CALL,
        days_per_call: int = MAX_DAYS_PER_CALL,
    ) -> None:
        if not 1 <= people_per_call <= MAX_PEOPLE_PER_CALL:
            raise ValueError(f"Graph takes 1-{MAX_PEOPLE_PER_CALL} people a call")
        if not 1 <= days_per_call <= MAX_DAYS_PER_CALL:
            raise ValueError(f"Graph takes 1-{MAX_DAYS_PER_CALL} days a call")
        self.graph = graph
        self.tenant_domains = frozenset(d.strip().lower().lstrip("@") for d in tenant_domains)
        self.interval_minutes = interval_minutes
        self.people_per_call = people_per_call
        self.days_per_call = days_per_call

    def busy_times(
        self, people: Sequence[Person], start: datetime, end: datetime
    ) -> dict[str, Availability]:
        start, end = as_utc(start), as_utc(end)
        result: dict[str, Availability] = {}
        ids_by_email: dict[str, list[str]] = {}
        for person in people:
            if in_tenant(person.email, self.tenant_domains):
                ids_by_email.setdefault(person.email.lower(), []).append(person.id)
            else:
                result[person.id] = Unknown(OUTSIDE_TENANT)
        emails = list(ids_by_email)
        busy: dict[str, list[Interval]] = {email: [] for email in emails}
        unknown: dict[str, str] = {}
        for low, high in _pieces(start, end, self.days_per_call):
            for first in range(0, len(emails), self.people_per_call):
                batch = [
                    e for e in emails[first : first + self.people_per_call] if e not in unknown
                ]
                if batch:
                    self._ask(batch, low, high, busy, unknown)
        for email, ids in ids_by_email.items():
            availability: Availability = (
                Unknown(unknown[email]) if email in unknown else Known(tuple(busy[email]))
            )
            for person_id in ids:
                result[person_id] = availability
        return {person.id: result[person.id] for person in people}

    def _ask(
        self,
        batch: list[str],
        start: datetime,
        end: datetime,
        busy: dict[str, list[Interval]],
        unknown: dict[str, str],
    ) -> None:
        """One getSchedule call: fills `busy` and `unknown` for the addresses in `batch`."""
        try:
            answers = self.graph.get_schedule(batch, start, end, self.interval_minutes)
        except (CalendarUnavailable, CalendarRefused) as error:
            for email in batch:
                unknown[email] = f"free/busy could not be read ({error}): asked by poll"
            return
        by_email = {str(a.get("scheduleId", "")).lower(): a for a in answers}
        for email in batch:
            answer = by_email.get(email)
            if answer is None:
                unknown[email] = "Graph gave no free/busy for them: asked by poll"
            elif answer.get("error"):
                unknown[email] = _refusal(answer["error"])
            else:
                busy[email].extend(self._busy(answer, start, end))

    def _busy(self, answer: Mapping[str, Any], start: datetime, end: datetime) -> list[Interval]:
        items = answer.get("scheduleItems")
        if items is None:  # only the coarse view (e.g. a mailbox shared as free/busy only)
            return self._from_view(answer.get("availabilityView") or [], start, end)
        found: list[Interval] = []
        for item in items:
            if str(item.get("status", "busy")).lower() not in BUSY_STATUSES:
                continue
            begins, ends = item.get("start"), item.get("end")
            if not (isinstance(begins, datetime) and isinstance(ends, datetime)):
                continue
            low, high = max(as_utc(begins), start), min(as_utc(ends), end)
            if low < high:
                found.append(Interval(low, high))
        return found

    def _from_view(self, view: Sequence[str], start: datetime, end: datetime) -> list[Interval]:
        step = timedelta(minutes=self.interval_minutes)
        found = []
        for index, word in enumerate(view):
            begins = start + index * step
            if begins >= end:
                break
            if str(word).lower() in BUSY_VIEW_WORDS:
                found.append(Interval(begins, min(begins + step, end)))
        return found


def _refusal(error: Mapping[str, Any]) -> str:
    code = str(error.get("responseCode") or "error")
    message = str(error.get("message") or "").strip().rstrip(".")
    detail = f"{message} ({code})" if message else code
    return f"Graph cannot read their calendar: {detail}: asked by poll"

"""The language of time: what people type in chat, read the UK way.

Dates are day first ("3/12 14:00" is 3 December), times are in the
partnership's time zone and words like "tomorrow" or "Monday" are relative to a
`now` that the caller passes in (nothing here reads the clock).

Most text goes to `dateparser`, with its relative base set to the *local*
wall-clock `now` and its TIMEZONE set to UTC so that it neither reads the system
clock nor the system time zone; its naive answers are local wall times, which
are localised here with zoneinfo (see `WorkingCalendar.at_local`). A few phrases
are read here instead, because dateparser cannot read them or reads them
wrongly:

- "now"; "in 2 hours", "+90m", "30 minutes ago": exact elapsed time, also
  across a clock change (dateparser adds to the wall time instead);
- "+1d", "+3 working days": the same local time 1 calendar day / 3 working
  days later;
- "in 3 working days", "next working day", "end of week", "end of next week",
  "end of day" / "eod", and "end of Friday" / "EOD 3/12" / "Friday EOD" (the day);
- "midday", "thurs", "weds" are rewritten to words dateparser knows, and
  "9.30am" to "9:30am" (next to "today" or "tomorrow" dateparser drops it).

Readings that dateparser makes up are refused rather than guessed at: a bare
number ("monday 2" is read by dateparser as the 2nd of this month), no day of
the month ("December", "0900" which it reads as the year 900), or a year far
from now ("12/13" is read as 12 November 2113).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from dateparser.date import DateDataParser

from scheduling.clock import as_utc
from scheduling.time_limits import (
    CLOCK_MOVE_WITHIN,
    DUE_WITHIN,
    IDENTIFIED_WITHIN,
    MEETING_WITHIN,
    check_exists,
    check_offset,
    check_within,
)
from scheduling.time_limits import TimeTextError as TimeTextError
from scheduling.workdays import WorkingCalendar, format_day, format_local

Preference = Literal["future", "past"]

MEETING_EXAMPLES = "'tomorrow 2pm', 'Monday 10am', '3/12 14:00' or '2026-12-18 16:00'"
DUE_EXAMPLES = "'Friday', 'tomorrow 5pm', '3/12', 'in 3 working days' or 'end of week'"
IDENTIFIED_EXAMPLES = "'now', 'today 9.30am', 'yesterday 4pm' or '18/12 16:00'"
MOMENT_EXAMPLES = "'tomorrow 9am', 'Monday', '+2h' or '+3 working days'"
TIME_FORMATS = "write times as '2pm', '2.30pm' or '14:30'"

# A reading this many years away from now is a misreading, e.g. "12/13" -> 2113.
MAX_YEARS_AWAY = 5

_REWRITES = (
    # "9.30am" -> "9:30am": next to "today", "tomorrow" or "in 2 days", dateparser
    # silently drops a time written with a dot. Dates such as 18.12.2026 are left alone.
    (re.compile(r"(?<![\d.:/])([01]?\d|2[0-3])\.([0-5]\d)(?![\d.:/])"), r"\1:\2"),
    (re.compile(r"\bmid-?day\b"), "noon"),
    (re.compile(r"\bthurs?\b"), "thursday"),
    (re.compile(r"\bweds\b"), "wednesday"),
)
_MINUTES = r"m|mins?|minutes?"
_HOURS = r"h|hrs?|hours?"
_DAYS = r"d|days?"
_WORKING_DAYS = r"wd|working\s+days?"
_OFFSET = re.compile(rf"\+\s*(?P<n>\d+)\s*(?P<unit>{_WORKING_DAYS}|{_MINUTES}|{_HOURS}|{_DAYS})")
_IN = re.compile(rf"in\s+(?P<n>\d+|an?)\s*(?P<unit>{_MINUTES}|{_HOURS})")
_AGO = re.compile(rf"(?P<n>\d+|an?)\s*(?P<unit>{_MINUTES}|{_HOURS})\s+ago")
_IN_WORKING_DAYS = re.compile(rf"(?:in|within)\s+(?P<n>\d+)\s+(?:{_WORKING_DAYS})")
_NEXT_WORKING_DAY = re.compile(r"(?:the\s+)?next\s+working\s+day")
_END_OF_WEEK = re.compile(r"(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?week|eow")
_END_OF_NEXT_WEEK = re.compile(r"(?:the\s+)?end\s+of\s+next\s+week")
_END_OF_DAY = re.compile(r"(?:the\s+)?end\s+of\s+(?:the\s+)?day|eod")
# "end of Friday", "EOD 3/12", "Friday EOD": the day, whatever time it names
_END_OF_A_DAY = re.compile(r"(?:(?:the\s+)?end\s+of|eod)\s+(?P<day>.+)")
_A_DAY_END = re.compile(r"(?P<day>.+?)\s+(?:eod|end\s+of\s+(?:the\s+)?day)")


@dataclass(frozen=True)
class MeetingTime:
    at: datetime  # UTC
    echo: str  # e.g. "Tue 24 Nov 2026, 14:00 GMT", to confirm what was understood
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class DueTime:
    at: datetime  # UTC
    due_date: date  # local
    echo: str  # "Tue 24 Nov 2026, 14:00 GMT", or "end of Fri 27 Nov 2026" for a date alone


@dataclass(frozen=True)
class _Reading:
    """What a text says: a local day, and an instant if it named a time of day."""

    day: date
    at: datetime | None = None  # UTC
    vague: bool = False  # the time is a part of the day ("tomorrow morning")


# -- public functions -------------------------------------------------------


def parse_meeting_time(text: str, now: datetime, calendar: WorkingCalendar) -> MeetingTime:
    """When a meeting is to be held: a future instant with a time of day.

    A time outside working hours or on a non-working day is accepted, with a
    warning saying why, since urgent discussions do happen then.
    """
    now = as_utc(now)
    reading = _read(text, now, calendar, "future", MEETING_EXAMPLES)
    if reading.at is None or reading.vague:
        raise TimeTextError(
            f"'{text.strip()}' gives a day but no exact time of day: add a time, "
            f"e.g. '{_example_with_time(text, reading)}' ({TIME_FORMATS})."
        )
    if reading.at <= now:
        raise _past_error(text, reading.at, now, calendar, "meeting time", MEETING_EXAMPLES)
    check_within(text, reading.at, now, MEETING_WITHIN, "a meeting", MEETING_EXAMPLES)
    return MeetingTime(
        at=reading.at,
        echo=format_local(reading.at, calendar),
        warnings=_meeting_warnings(reading.at, calendar),
    )


def parse_due(text: str, now: datetime, calendar: WorkingCalendar) -> DueTime:
    """When something is due. A date alone means the end of that day (23:59:59 local).

    Besides what dateparser reads, understands "today" / "end of day" / "eod",
    "tomorrow", "next working day", "in N working days", "end of Friday" and
    "end of week": the last working day of this week (Friday, or earlier if
    Friday is not a working day); when no working day is left this week, e.g.
    at the weekend, the last working day of next week. "end of next week" is
    the last working day of next week.
    """
    now = as_utc(now)
    reading = _read(text, now, calendar, "future", DUE_EXAMPLES)
    if reading.at is None:
        at = calendar.end_of_day(reading.day)
        echo = f"end of {format_day(reading.day)}"
    else:
        at = reading.at
        echo = format_local(at, calendar)
    if at <= now:
        raise _past_error(text, at, now, calendar, "due date", DUE_EXAMPLES)
    check_within(text, at, now, DUE_WITHIN, "a due date", DUE_EXAMPLES)
    return DueTime(at=at, due_date=calendar.local_date(at), echo=echo)


def parse_identified(text: str, now: datetime, calendar: WorkingCalendar) -> datetime:
    """When a concern was identified (UTC). Prefers past dates; "now" is accepted.

    A date alone means the start of working hours (09:00 local by default) on
    that day, because a concern is rarely identified before then; on the day
    itself, if that is still to come, it means `now`. The day, not the hour,
    is what counts for deadlines (day 0), so this choice never moves one.
    A date after today, or a time more than a minute after `now`, is refused.
    """
    now = as_utc(now)
    reading = _read(text, now, calendar, "past", IDENTIFIED_EXAMPLES)
    if reading.at is None:
        if reading.day > calendar.local_date(now):
            raise _future_error(text, format_day(reading.day))
        start = calendar.at_local(reading.day, calendar.settings.working_hours.start)
        at = min(start, now)
    elif reading.at > now + timedelta(minutes=1):
        raise _future_error(text, format_local(reading.at, calendar))
    else:
        at = reading.at
    check_within(text, at, now, IDENTIFIED_WITHIN, "the concern", IDENTIFIED_EXAMPLES)
    return at


def parse_moment(
    text: str, now: datetime, calendar: WorkingCalendar, within: timedelta = CLOCK_MOVE_WITHIN
) -> datetime:
    """A moment not in the past and at most `within` away (UTC), e.g. to move a simulated
    clock to.

    A date alone means the start of working hours (09:00 local by default).
    Also reads offsets: "+90m", "+2h" (elapsed time), "+1d", "+3 working days"
    (the same local time, 1 calendar day / 3 working days later).
    """
    now = as_utc(now)
    reading = _read(text, now, calendar, "future", MOMENT_EXAMPLES)
    at = reading.at
    if at is None:
        at = calendar.at_local(reading.day, calendar.settings.working_hours.start)
    if at < now:
        raise _past_error(text, at, now, calendar, "time", MOMENT_EXAMPLES)
    check_within(text, at, now, within, "the time", MOMENT_EXAMPLES)
    return at


# -- reading ----------------------------------------------------------------


def _read(
    text: str, now: datetime, calendar: WorkingCalendar, prefer: Preference, examples: str
) -> _Reading:
    cleaned = _normalise(text)
    if not cleaned:
        raise TimeTextError(f"Say when, e.g. {examples}.")
    return _read_cleaned(cleaned, text, now, calendar, prefer, examples)


def _read_cleaned(
    cleaned: str,
    text: str,
    now: datetime,
    calendar: WorkingCalendar,
    prefer: Preference,
    examples: str,
) -> _Reading:
    reading = _read_phrase(cleaned, now, calendar)
    if reading is not None:
        return reading
    phrase = cleaned.removeprefix("by ")
    if match := _END_OF_A_DAY.fullmatch(phrase) or _A_DAY_END.fullmatch(phrase):
        day = _read_cleaned(match["day"], text, now, calendar, prefer, examples).day
        return _Reading(day=day)
    return _read_with_dateparser(cleaned, text, now, calendar, prefer, examples)


def _normalise(text: str) -> str:
    cleaned = " ".join(text.lower().split()).strip(" .!")
    for pattern, replacement in _REWRITES:
        cleaned = pattern.sub(replacement, cleaned)
    return cleaned


def _read_phrase(text: str, now: datetime, calendar: WorkingCalendar) -> _Reading | None:
    """The phrases read here rather than by dateparser; None if `text` is none of them."""
    today = calendar.local_date(now)
    phrase = text.removeprefix("by ")
    if phrase == "now":
        return _Reading(day=today, at=now)
    if match := _OFFSET.fullmatch(phrase):
        return _offset(phrase, match["n"], match["unit"], now, calendar)
    if match := _IN.fullmatch(phrase) or _AGO.fullmatch(phrase):
        elapsed = _elapsed(phrase, match["n"], match["unit"])
        at = now - elapsed if phrase.endswith("ago") else now + elapsed
        return _Reading(day=calendar.local_date(at), at=at)
    if match := _IN_WORKING_DAYS.fullmatch(phrase):
        check_offset(phrase, int(match["n"]), "working days", DUE_EXAMPLES)
        return _Reading(day=calendar.add_working_days(today, int(match["n"])))
    if _NEXT_WORKING_DAY.fullmatch(phrase):
        return _Reading(day=calendar.next_working_day(today))
    if _END_OF_WEEK.fullmatch(phrase):
        return _Reading(day=_end_of_week(today, calendar))
    if _END_OF_NEXT_WEEK.fullmatch(phrase):
        next_monday = today + timedelta(days=7 - today.weekday())
        return _Reading(day=_end_of_week(next_monday, calendar))
    if _END_OF_DAY.fullmatch(phrase):
        return _Reading(day=today)
    return None


def _elapsed(text: str, number: str, unit: str) -> timedelta:
    """'90', 'm' -> 90 minutes; 'an', 'hour' -> 1 hour."""
    n = 1 if number in ("a", "an") else int(number)
    if re.fullmatch(_MINUTES, unit):
        check_offset(text, n, "minutes", MOMENT_EXAMPLES)
        return timedelta(minutes=n)
    check_offset(text, n, "hours", MOMENT_EXAMPLES)
    return timedelta(hours=n)


def _offset(
    text: str, number: str, unit: str, now: datetime, calendar: WorkingCalendar
) -> _Reading:
    """'+90m', '+2h': elapsed time; '+1d', '+3 working days': the same local time."""
    if re.fullmatch(_MINUTES, unit) or re.fullmatch(_HOURS, unit):
        at = now + _elapsed(text, number, unit)
        return _Reading(day=calendar.local_date(at), at=at)
    local = calendar.local(now)
    if re.fullmatch(_DAYS, unit):
        check_offset(text, int(number), "days", MOMENT_EXAMPLES)
        day = local.date() + timedelta(days=int(number))
    else:
        check_offset(text, int(number), "working days", MOMENT_EXAMPLES)
        day = calendar.add_working_days(local.date(), int(number))
    check_exists(text, day, local.time(), calendar)
    return _Reading(day=day, at=calendar.at_local(day, local.time()))


def _end_of_week(today: date, calendar: WorkingCalendar) -> date:
    """The last working day from today to Sunday; if there is none, that of next week."""
    monday = today - timedelta(days=today.weekday())
    while True:
        sunday = monday + timedelta(days=6)
        day = sunday
        while day >= max(monday, today):
            if calendar.is_working_day(day):
                return day
            day -= timedelta(days=1)
        monday += timedelta(days=7)


def _read_with_dateparser(
    cleaned: str,
    text: str,
    now: datetime,
    calendar: WorkingCalendar,
    prefer: Preference,
    examples: str,
) -> _Reading:
    parsed, parts, period = _iso(cleaned) or _dateparser(cleaned, now, calendar, prefer)
    if parsed is None:
        raise TimeTextError(
            f"I could not read '{text.strip()}' as a date or time. Try e.g. {examples}."
        )
    if "day" not in parts or "month" not in parts:
        raise TimeTextError(
            f"'{text.strip()}' does not say clearly which day: give the day and month "
            f"('3/12', '3 Dec') or a day name ('Monday'), and {TIME_FORMATS}; "
            f"e.g. {examples}."
        )
    day = parsed.date()
    if abs(day.year - calendar.local_date(now).year) > MAX_YEARS_AWAY:
        raise TimeTextError(
            f"'{text.strip()}' reads as {format_day(day)}, which cannot be right: "
            f"write dates day first with the month, e.g. '3/12', '3 Dec 2026' or '2026-12-03'."
        )
    if parsed.tzinfo is not None:  # the text named its own zone, e.g. "14:00 BST"
        at: datetime | None = as_utc(parsed)
        day = calendar.local_date(parsed)
    else:
        at = None
        if "time" in parts:
            check_exists(text, day, parsed.time(), calendar)
            at = calendar.at_local(day, parsed.time())
    return _Reading(day=day, at=at, vague=period == "part_of_day")


_Parsed = tuple[datetime | None, tuple[str, ...], str | None]  # when, its parts, its period
_ISO = re.compile(r"(\d{4})-(\d\d)-(\d\d)(?: (\d\d):(\d\d))?")


def _iso(cleaned: str) -> _Parsed | None:
    """'2026-12-18 16:00' or '2026-12-18', read as dateparser reads them (a test compares)
    without its 0.7 ms; None for anything else, or no such day or time (dateparser then
    has its say: it reads 2026-13-01 as 13 January)."""
    if (match := _ISO.fullmatch(cleaned)) is None:
        return None
    year, month, day, hour, minute = match.groups()
    try:
        parsed = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0))
    except ValueError:
        return None
    if hour is None:
        return parsed, ("year", "month", "day"), "day"
    return parsed, ("year", "month", "day", "time"), "time"


def _dateparser(
    cleaned: str, now: datetime, calendar: WorkingCalendar, prefer: Preference
) -> _Parsed:
    settings: dict[str, Any] = {
        "DATE_ORDER": "DMY",
        "PREFER_DATES_FROM": prefer,
        # The local wall time, naive: with TIMEZONE "UTC" dateparser does no
        # conversion of its own and never asks the system for its time zone.
        "RELATIVE_BASE": calendar.local(now).replace(tzinfo=None),
        "TIMEZONE": "UTC",
        "RETURN_TIME_AS_PERIOD": True,
    }
    parser = DateDataParser(languages=["en"], settings=settings)
    # A DateData, typed Any: the types-dateparser stubs lag dateparser 1.5 and
    # know neither `parts` nor the "part_of_day" period read above.
    data: Any
    try:
        data = parser.get_date_data(cleaned)
    except (ValueError, OverflowError):
        return None, (), None
    if data is None or data.date_obj is None:
        return None, (), None
    return data.date_obj, tuple(data.parts), data.period


# -- messages ---------------------------------------------------------------


def _example_with_time(text: str, reading: _Reading) -> str:
    """'Monday' -> 'Monday 10am'; text with numbers or a part of the day -> '21/11 10am'."""
    cleaned = " ".join(text.split())
    if reading.vague or any(character.isdigit() for character in cleaned):
        return f"{reading.day.day}/{reading.day.month} 10am"
    return f"{cleaned} 10am"


def _past_error(
    text: str,
    at: datetime,
    now: datetime,
    calendar: WorkingCalendar,
    what: str,
    examples: str,
) -> TimeTextError:
    return TimeTextError(
        f"'{text.strip()}' is {format_local(at, calendar)}, which is in the past "
        f"(it is now {format_local(now, calendar)}): give a {what} in the future, "
        f"e.g. {examples}."
    )


def _future_error(text: str, when: str) -> TimeTextError:
    return TimeTextError(
        f"'{text.strip()}' is {when}, which is in the future: "
        f"say when the concern was identified, e.g. {IDENTIFIED_EXAMPLES}."
    )


def _meeting_warnings(at: datetime, calendar: WorkingCalendar) -> tuple[str, ...]:
    local = calendar.local(at)
    reason = calendar.non_working_reason(local.date())
    if reason is not None:
        return (f"{format_day(local.date())} is not a working day ({reason}).",)
    if not calendar.is_within_working_hours(at):
        hours = calendar.settings.working_hours
        return (
            f"{format_local(at, calendar)} is outside working hours "
            f"({hours.start:%H:%M} to {hours.end:%H:%M}).",
        )
    return ()

"""The language of time: meeting times, due dates, identification times and clock moves."""

from __future__ import annotations

import time as time_module
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

import scheduling
from scheduling.rules import CalendarSettings, Region
from scheduling.timetext import (
    DueTime,
    MeetingTime,
    TimeTextError,
    _dateparser,
    _iso,
    parse_due,
    parse_identified,
    parse_meeting_time,
    parse_moment,
)
from scheduling.workdays import WorkingCalendar

ENG = WorkingCalendar(CalendarSettings(region=Region.ENGLAND_WALES))
SCT = WorkingCalendar(CalendarSettings(region=Region.SCOTLAND))
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)  # Friday 20 November 2026, 10:00 GMT
SATURDAY = ("Sat 21 Nov 2026 is not a working day (Saturday).",)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def d(text: str) -> date:
    return date.fromisoformat(text)


def error_for(parse: object, text: str, now: datetime = NOW) -> str:
    assert callable(parse)
    with pytest.raises(TimeTextError) as raised:
        parse(text, now, ENG)
    return str(raised.value)


# -- meeting times ------------------------------------------------------------------

MEETINGS = [
    # text, now, expected instant (UTC), echo, warnings
    ("2026-12-18 16:00", NOW, "2026-12-18 16:00", "Fri 18 Dec 2026, 16:00 GMT", ()),
    ("2026-12-18T16:00", NOW, "2026-12-18 16:00", "Fri 18 Dec 2026, 16:00 GMT", ()),
    ("18/12/2026 16:00", NOW, "2026-12-18 16:00", "Fri 18 Dec 2026, 16:00 GMT", ()),
    ("18 Dec 2026 4pm", NOW, "2026-12-18 16:00", "Fri 18 Dec 2026, 16:00 GMT", ()),
    ("Monday 10am", NOW, "2026-11-23 10:00", "Mon 23 Nov 2026, 10:00 GMT", ()),
    ("monday at noon", NOW, "2026-11-23 12:00", "Mon 23 Nov 2026, 12:00 GMT", ()),
    ("10am monday", NOW, "2026-11-23 10:00", "Mon 23 Nov 2026, 10:00 GMT", ()),
    ("next Tuesday at 14:30", NOW, "2026-11-24 14:30", "Tue 24 Nov 2026, 14:30 GMT", ()),
    ("tues 2.30pm", NOW, "2026-11-24 14:30", "Tue 24 Nov 2026, 14:30 GMT", ()),
    ("weds 10am", NOW, "2026-11-25 10:00", "Wed 25 Nov 2026, 10:00 GMT", ()),
    ("thurs 10am", NOW, "2026-11-26 10:00", "Thu 26 Nov 2026, 10:00 GMT", ()),
    ("Thur 10:30", NOW, "2026-11-26 10:30", "Thu 26 Nov 2026, 10:30 GMT", ()),
    ("3/12 14:00", NOW, "2026-12-03 14:00", "Thu 3 Dec 2026, 14:00 GMT", ()),
    ("3 December 2pm", NOW, "2026-12-03 14:00", "Thu 3 Dec 2026, 14:00 GMT", ()),
    ("2pm 3 Dec", NOW, "2026-12-03 14:00", "Thu 3 Dec 2026, 14:00 GMT", ()),
    ("3/12/26 14:00", NOW, "2026-12-03 14:00", "Thu 3 Dec 2026, 14:00 GMT", ()),
    ("in 2 hours", NOW, "2026-11-20 12:00", "Fri 20 Nov 2026, 12:00 GMT", ()),
    ("in an hour", NOW, "2026-11-20 11:00", "Fri 20 Nov 2026, 11:00 GMT", ()),
    ("in 90 minutes", NOW, "2026-11-20 11:30", "Fri 20 Nov 2026, 11:30 GMT", ()),
    ("today 2pm", NOW, "2026-11-20 14:00", "Fri 20 Nov 2026, 14:00 GMT", ()),
    ("noon", NOW, "2026-11-20 12:00", "Fri 20 Nov 2026, 12:00 GMT", ()),
    ("midday", NOW, "2026-11-20 12:00", "Fri 20 Nov 2026, 12:00 GMT", ()),
    ("Mid-day Monday", NOW, "2026-11-23 12:00", "Mon 23 Nov 2026, 12:00 GMT", ()),
    ("14.30", NOW, "2026-11-20 14:30", "Fri 20 Nov 2026, 14:30 GMT", ()),
    # dotted times: next to "tomorrow" dateparser would drop them without a word
    ("tomorrow 9.30", NOW, "2026-11-21 09:30", "Sat 21 Nov 2026, 09:30 GMT", SATURDAY),
    ("tomorrow 2.30 pm", NOW, "2026-11-21 14:30", "Sat 21 Nov 2026, 14:30 GMT", SATURDAY),
    ("in 3 days 9.30am", NOW, "2026-11-23 09:30", "Mon 23 Nov 2026, 09:30 GMT", ()),
    ("18.12.2026 16:00", NOW, "2026-12-18 16:00", "Fri 18 Dec 2026, 16:00 GMT", ()),
    ("18.12.26 10.15", NOW, "2026-12-18 10:15", "Fri 18 Dec 2026, 10:15 GMT", ()),
    ("  Monday   10am. ", NOW, "2026-11-23 10:00", "Mon 23 Nov 2026, 10:00 GMT", ()),
    # a time alone that has passed today is tomorrow (here a Saturday)
    (
        "9am",
        NOW,
        "2026-11-21 09:00",
        "Sat 21 Nov 2026, 09:00 GMT",
        ("Sat 21 Nov 2026 is not a working day (Saturday).",),
    ),
    # the bot's own echo reads back as the same instant
    ("Tue 24 Nov 2026, 14:00 GMT", NOW, "2026-11-24 14:00", "Tue 24 Nov 2026, 14:00 GMT", ()),
    (
        "2027-06-01 14:00 BST",
        datetime(2027, 5, 20, 10, tzinfo=UTC),  # a meeting is within 90 days
        "2027-06-01 13:00",
        "Tue 1 Jun 2027, 14:00 BST",
        (),
    ),
    ("2026-12-18T16:00:00+01:00", NOW, "2026-12-18 15:00", "Fri 18 Dec 2026, 15:00 GMT", ()),
    # non-working days and hours are accepted with a warning
    (
        "tomorrow 2pm",
        NOW,
        "2026-11-21 14:00",
        "Sat 21 Nov 2026, 14:00 GMT",
        ("Sat 21 Nov 2026 is not a working day (Saturday).",),
    ),
    (
        "28/11 10am",
        NOW,
        "2026-11-28 10:00",
        "Sat 28 Nov 2026, 10:00 GMT",
        ("Sat 28 Nov 2026 is not a working day (Saturday).",),
    ),
    (
        "25/12 10am",
        NOW,
        "2026-12-25 10:00",
        "Fri 25 Dec 2026, 10:00 GMT",
        ("Fri 25 Dec 2026 is not a working day (Christmas Day (bank holiday)).",),
    ),
    (
        "28/12 10am",
        NOW,
        "2026-12-28 10:00",
        "Mon 28 Dec 2026, 10:00 GMT",
        ("Mon 28 Dec 2026 is not a working day (substitute for Boxing Day (bank holiday)).",),
    ),
    (
        "monday 18:30",
        NOW,
        "2026-11-23 18:30",
        "Mon 23 Nov 2026, 18:30 GMT",
        ("Mon 23 Nov 2026, 18:30 GMT is outside working hours (09:00 to 17:00).",),
    ),
    (
        "8.45am Monday",
        NOW,
        "2026-11-23 08:45",
        "Mon 23 Nov 2026, 08:45 GMT",
        ("Mon 23 Nov 2026, 08:45 GMT is outside working hours (09:00 to 17:00).",),
    ),
    (
        "monday 17:00",
        NOW,
        "2026-11-23 17:00",
        "Mon 23 Nov 2026, 17:00 GMT",
        ("Mon 23 Nov 2026, 17:00 GMT is outside working hours (09:00 to 17:00).",),
    ),
    ("monday 16:59", NOW, "2026-11-23 16:59", "Mon 23 Nov 2026, 16:59 GMT", ()),
    # year end
    ("4/1 10am", utc("2026-12-30 10:00"), "2027-01-04 10:00", "Mon 4 Jan 2027, 10:00 GMT", ()),
    (
        "1/1 10am",
        utc("2026-12-30 10:00"),
        "2027-01-01 10:00",
        "Fri 1 Jan 2027, 10:00 GMT",
        ("Fri 1 Jan 2027 is not a working day (New Year's Day (bank holiday)).",),
    ),
    # summer time
    ("tomorrow 2pm", utc("2026-06-01 10:00"), "2026-06-02 13:00", "Tue 2 Jun 2026, 14:00 BST", ()),
    # 23:30 UTC is already tomorrow in BST: "tomorrow" counts from the local date
    ("tomorrow 10am", utc("2026-06-01 23:30"), "2026-06-03 09:00", "Wed 3 Jun 2026, 10:00 BST", ()),
    # the night the clocks go forward: 01:30 does not exist (refused: test_time_limits.py)
    ("Monday 10am", utc("2026-03-28 12:00"), "2026-03-30 09:00", "Mon 30 Mar 2026, 10:00 BST", ()),
    # elapsed time across the change: 00:30 GMT + 2 hours is 03:30 BST, not 02:30
    (
        "in 2 hours",
        utc("2026-03-29 00:30"),
        "2026-03-29 02:30",
        "Sun 29 Mar 2026, 03:30 BST",
        ("Sun 29 Mar 2026 is not a working day (Sunday).",),
    ),
    # the night the clocks go back: 01:30 happens twice, the first (BST) is taken
    (
        "tomorrow 1.30am",
        utc("2026-10-24 12:00"),
        "2026-10-25 00:30",
        "Sun 25 Oct 2026, 01:30 BST",
        ("Sun 25 Oct 2026 is not a working day (Sunday).",),
    ),
    ("Monday 10am", utc("2026-10-24 12:00"), "2026-10-26 10:00", "Mon 26 Oct 2026, 10:00 GMT", ()),
]


@pytest.mark.parametrize(("text", "now", "at", "echo", "warnings"), MEETINGS)
def test_meeting_times(
    text: str, now: datetime, at: str, echo: str, warnings: tuple[str, ...]
) -> None:
    assert parse_meeting_time(text, now, ENG) == MeetingTime(utc(at), echo, warnings)


def test_meeting_time_on_a_regional_bank_holiday() -> None:
    meeting = parse_meeting_time("30/11 10am", NOW, SCT)
    assert meeting.warnings == (
        "Mon 30 Nov 2026 is not a working day (Saint Andrew's Day (bank holiday)).",
    )
    assert parse_meeting_time("30/11 10am", NOW, ENG).warnings == ()


MEETING_EXAMPLES = "'tomorrow 2pm', 'Monday 10am', '3/12 14:00' or '2026-12-18 16:00'"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "Monday",
            "'Monday' gives a day but no exact time of day: add a time, e.g. 'Monday 10am' "
            "(write times as '2pm', '2.30pm' or '14:30').",
        ),
        (
            "3/12",
            "'3/12' gives a day but no exact time of day: add a time, e.g. '3/12 10am' "
            "(write times as '2pm', '2.30pm' or '14:30').",
        ),
        (
            "tomorrow morning",
            "'tomorrow morning' gives a day but no exact time of day: add a time, "
            "e.g. '21/11 10am' (write times as '2pm', '2.30pm' or '14:30').",
        ),
        (
            "today 9am",
            "'today 9am' is Fri 20 Nov 2026, 09:00 GMT, which is in the past (it is now "
            "Fri 20 Nov 2026, 10:00 GMT): give a meeting time in the future, "
            f"e.g. {MEETING_EXAMPLES}.",
        ),
        (
            "Christmas Eve",
            f"I could not read 'Christmas Eve' as a date or time. Try e.g. {MEETING_EXAMPLES}.",
        ),
        ("", f"Say when, e.g. {MEETING_EXAMPLES}."),
        (
            "monday 2",  # dateparser drops 'monday' and reads the 2nd of this month
            "'monday 2' does not say clearly which day: give the day and month ('3/12', "
            "'3 Dec') or a day name ('Monday'), and write times as '2pm', '2.30pm' or "
            f"'14:30'; e.g. {MEETING_EXAMPLES}.",
        ),
    ],
)
def test_meeting_time_refusals_in_full(text: str, message: str) -> None:
    assert error_for(parse_meeting_time, text) == message


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("monday", "add a time, e.g. 'monday 10am'"),
        ("tomorrow", "add a time, e.g. 'tomorrow 10am'"),
        ("next week", "add a time, e.g. 'next week 10am'"),
        ("in 3 days", "add a time, e.g. '23/11 10am'"),
        ("tomorrow 6", "add a time, e.g. '21/11 10am'"),  # a bare number is not a time
        ("this evening", "add a time, e.g. '20/11 10am'"),
        ("next working day", "add a time, e.g. 'next working day 10am'"),
        ("now", "which is in the past"),
        ("2 hours ago", "which is in the past"),
        ("yesterday 2pm", "which is in the past"),
        ("20/11/2026 09:59", "which is in the past"),
        ("20/11/2026 10:00", "which is in the past"),  # now is not in the future
        ("gibberish", "I could not read 'gibberish'"),
        ("10am-11am", "I could not read '10am-11am'"),
        ("half past two", "I could not read 'half past two'"),
        ("2026-02-30 10:00", "I could not read '2026-02-30 10:00'"),
        ("December", "does not say clearly which day"),
        ("next month", "does not say clearly which day"),
        ("the 3rd at 2pm", "does not say clearly which day"),
        ("0900", "does not say clearly which day"),  # dateparser: the year 900
        ("12/13", "does not say clearly which day"),  # dateparser: 12 November 2113
        ("3/12/2113 14:00", "'3/12/2113 14:00' reads as Sun 3 Dec 2113, which cannot be right"),
        ("   ", "Say when"),
    ],
)
def test_meeting_time_refusals(text: str, fragment: str) -> None:
    assert fragment in error_for(parse_meeting_time, text)


def test_time_text_error_is_a_value_error() -> None:
    assert issubclass(TimeTextError, ValueError)


# -- due dates ------------------------------------------------------------------------

DUE = [
    # text, now, expected instant (UTC), due date, echo
    ("friday", NOW, "2026-11-27 23:59:59", "2026-11-27", "end of Fri 27 Nov 2026"),
    ("by Friday", NOW, "2026-11-27 23:59:59", "2026-11-27", "end of Fri 27 Nov 2026"),
    ("3/12", NOW, "2026-12-03 23:59:59", "2026-12-03", "end of Thu 3 Dec 2026"),
    ("3 Dec", NOW, "2026-12-03 23:59:59", "2026-12-03", "end of Thu 3 Dec 2026"),
    ("2026-12-18", NOW, "2026-12-18 23:59:59", "2026-12-18", "end of Fri 18 Dec 2026"),
    ("tomorrow", NOW, "2026-11-21 23:59:59", "2026-11-21", "end of Sat 21 Nov 2026"),
    ("today", NOW, "2026-11-20 23:59:59", "2026-11-20", "end of Fri 20 Nov 2026"),
    ("end of day", NOW, "2026-11-20 23:59:59", "2026-11-20", "end of Fri 20 Nov 2026"),
    ("by the end of the day", NOW, "2026-11-20 23:59:59", "2026-11-20", "end of Fri 20 Nov 2026"),
    ("EOD", NOW, "2026-11-20 23:59:59", "2026-11-20", "end of Fri 20 Nov 2026"),
    ("in 3 days", NOW, "2026-11-23 23:59:59", "2026-11-23", "end of Mon 23 Nov 2026"),
    ("next working day", NOW, "2026-11-23 23:59:59", "2026-11-23", "end of Mon 23 Nov 2026"),
    ("in 3 working days", NOW, "2026-11-25 23:59:59", "2026-11-25", "end of Wed 25 Nov 2026"),
    ("within 2 working days", NOW, "2026-11-24 23:59:59", "2026-11-24", "end of Tue 24 Nov 2026"),
    ("in 1 working day", NOW, "2026-11-23 23:59:59", "2026-11-23", "end of Mon 23 Nov 2026"),
    ("in 0 working days", NOW, "2026-11-20 23:59:59", "2026-11-20", "end of Fri 20 Nov 2026"),
    ("end of week", NOW, "2026-11-20 23:59:59", "2026-11-20", "end of Fri 20 Nov 2026"),
    ("end of next week", NOW, "2026-11-27 23:59:59", "2026-11-27", "end of Fri 27 Nov 2026"),
    ("end of Friday", NOW, "2026-11-27 23:59:59", "2026-11-27", "end of Fri 27 Nov 2026"),
    ("EOD Friday", NOW, "2026-11-27 23:59:59", "2026-11-27", "end of Fri 27 Nov 2026"),
    ("Friday EOD", NOW, "2026-11-27 23:59:59", "2026-11-27", "end of Fri 27 Nov 2026"),
    ("by end of 3/12", NOW, "2026-12-03 23:59:59", "2026-12-03", "end of Thu 3 Dec 2026"),
    ("tomorrow end of day", NOW, "2026-11-21 23:59:59", "2026-11-21", "end of Sat 21 Nov 2026"),
    ("end of tomorrow", NOW, "2026-11-21 23:59:59", "2026-11-21", "end of Sat 21 Nov 2026"),
    (
        "end of next week",
        utc("2026-12-16 10:00"),
        "2026-12-24 23:59:59",
        "2026-12-24",
        "end of Thu 24 Dec 2026",
    ),
    # with a time, that time
    ("tomorrow 5pm", NOW, "2026-11-21 17:00", "2026-11-21", "Sat 21 Nov 2026, 17:00 GMT"),
    ("friday 12:00", NOW, "2026-11-27 12:00", "2026-11-27", "Fri 27 Nov 2026, 12:00 GMT"),
    ("3/12 14:00", NOW, "2026-12-03 14:00", "2026-12-03", "Thu 3 Dec 2026, 14:00 GMT"),
    # prefers the future: 3 December has passed, so it is next year's
    (
        "3/12 14:00",
        utc("2026-12-05 10:00"),
        "2027-12-03 14:00",
        "2027-12-03",
        "Fri 3 Dec 2027, 14:00 GMT",
    ),
    ("today 4pm", NOW, "2026-11-20 16:00", "2026-11-20", "Fri 20 Nov 2026, 16:00 GMT"),
    ("in 2 hours", NOW, "2026-11-20 12:00", "2026-11-20", "Fri 20 Nov 2026, 12:00 GMT"),
    ("tomorrow morning", NOW, "2026-11-21 09:00", "2026-11-21", "Sat 21 Nov 2026, 09:00 GMT"),
    # over Christmas and the New Year
    (
        "in 3 working days",
        utc("2026-12-23 10:00"),
        "2026-12-30 23:59:59",
        "2026-12-30",
        "end of Wed 30 Dec 2026",
    ),
    (
        "next working day",
        utc("2026-12-31 10:00"),
        "2027-01-04 23:59:59",
        "2027-01-04",
        "end of Mon 4 Jan 2027",
    ),
    # a date alone in summer time ends at 23:59:59 BST
    ("3/6", NOW, "2027-06-03 22:59:59", "2027-06-03", "end of Thu 3 Jun 2027"),
    (
        "29/3",
        utc("2026-03-20 10:00"),
        "2026-03-29 22:59:59",
        "2026-03-29",
        "end of Sun 29 Mar 2026",
    ),
]


@pytest.mark.parametrize(("text", "now", "at", "due_date", "echo"), DUE)
def test_due(text: str, now: datetime, at: str, due_date: str, echo: str) -> None:
    assert parse_due(text, now, ENG) == DueTime(utc(at), d(due_date), echo)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-11-16 10:00", "2026-11-20"),  # Monday: this Friday
        ("2026-11-18 10:00", "2026-11-20"),  # Wednesday
        ("2026-11-20 22:00", "2026-11-20"),  # Friday evening: still today
        ("2026-11-21 10:00", "2026-11-27"),  # Saturday: nothing left this week, next Friday
        ("2026-11-22 10:00", "2026-11-27"),  # Sunday
        ("2026-12-21 10:00", "2026-12-24"),  # Christmas week: Friday is Christmas Day
        ("2026-12-24 10:00", "2026-12-24"),
        ("2026-12-25 10:00", "2026-12-31"),  # Christmas Day: next week ends on New Year's Eve
        ("2026-03-30 10:00", "2026-04-02"),  # Easter week: Good Friday
        ("2026-05-22 10:00", "2026-05-22"),  # a Friday before a bank holiday Monday
        ("2026-05-25 10:00", "2026-05-29"),  # the bank holiday Monday itself
    ],
)
def test_end_of_week(now: str, expected: str) -> None:
    due = parse_due("end of week", utc(now), ENG)
    assert due.due_date == d(expected)
    assert due.at == ENG.end_of_day(d(expected))


@pytest.mark.parametrize("text", ["end of the week", "by end of week", "EOW", "end of this week"])
def test_end_of_week_phrasings(text: str) -> None:
    assert parse_due(text, NOW, ENG).due_date == d("2026-11-20")


def test_end_of_week_with_closure_days() -> None:
    friday_closed = WorkingCalendar(CalendarSettings(closure_days=frozenset({d("2026-11-27")})))
    monday = utc("2026-11-23 10:00")
    assert parse_due("end of week", monday, friday_closed).due_date == d("2026-11-26")
    week_closed = WorkingCalendar(
        CalendarSettings(closure_days=frozenset(d(f"2026-11-{day}") for day in range(23, 28)))
    )
    assert parse_due("end of week", monday, week_closed).due_date == d("2026-12-04")


DUE_EXAMPLES = "'Friday', 'tomorrow 5pm', '3/12', 'in 3 working days' or 'end of week'"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (
            "yesterday",
            "'yesterday' is Thu 19 Nov 2026, 23:59 GMT, which is in the past (it is now "
            f"Fri 20 Nov 2026, 10:00 GMT): give a due date in the future, e.g. {DUE_EXAMPLES}.",
        ),
        ("today 9am", "'today 9am' is Fri 20 Nov 2026, 09:00 GMT, which is in the past"),
        ("19/11/2026", "which is in the past"),
        ("2 hours ago", "which is in the past"),
        ("gibberish", f"I could not read 'gibberish' as a date or time. Try e.g. {DUE_EXAMPLES}."),
        ("", f"Say when, e.g. {DUE_EXAMPLES}."),
        ("in 3 weekdays", "I could not read 'in 3 weekdays'"),
        ("December", "does not say clearly which day"),
        ("end of yesterday", "'end of yesterday' is Thu 19 Nov 2026, 23:59 GMT"),
        ("end of the world", "I could not read 'end of the world' as a date or time."),
    ],
)
def test_due_refusals(text: str, fragment: str) -> None:
    assert fragment in error_for(parse_due, text)


def test_a_due_date_of_today_is_refused_only_after_the_last_second() -> None:
    just_before = utc("2026-11-20 23:59:58")
    assert parse_due("today", just_before, ENG).at == utc("2026-11-20 23:59:59")
    with pytest.raises(TimeTextError, match="in the past"):
        parse_due("today", utc("2026-11-20 23:59:59"), ENG)


# -- when a concern was identified --------------------------------------------------------

IDENTIFIED = [
    # text, now, expected instant (UTC)
    ("now", NOW, "2026-11-20 10:00"),
    ("NOW", utc("2026-11-20 10:00:42"), "2026-11-20 10:00:42"),
    ("today 9.30am", NOW, "2026-11-20 09:30"),
    ("yesterday 4pm", NOW, "2026-11-19 16:00"),
    ("yesterday 4.15pm", NOW, "2026-11-19 16:15"),
    ("yesterday at 16.15", NOW, "2026-11-19 16:15"),
    ("18/11 16:00", NOW, "2026-11-18 16:00"),
    ("2026-11-18 16:00", NOW, "2026-11-18 16:00"),
    ("2 hours ago", NOW, "2026-11-20 08:00"),
    ("an hour ago", NOW, "2026-11-20 09:00"),
    ("30 mins ago", NOW, "2026-11-20 09:30"),
    ("in 1 minute", NOW, "2026-11-20 10:01"),  # up to a minute ahead: clocks differ
    ("this morning", NOW, "2026-11-20 09:00"),
    ("last night", NOW, "2026-11-19 20:00"),
    ("14:00", NOW, "2026-11-19 14:00"),  # prefers the past: yesterday's 14:00
    ("monday 10am", NOW, "2026-11-16 10:00"),  # last Monday
    ("3/12 14:00", NOW, "2025-12-03 14:00"),  # last year's 3 December
    # a date alone is the start of working hours...
    ("yesterday", NOW, "2026-11-19 09:00"),
    ("today", NOW, "2026-11-20 09:00"),
    ("monday", NOW, "2026-11-16 09:00"),
    ("18/11", NOW, "2026-11-18 09:00"),
    ("2026-03-29", NOW, "2026-03-29 08:00"),  # 09:00 BST
    # ...unless that is still to come today
    ("today", utc("2026-11-20 08:15"), "2026-11-20 08:15"),
    ("today", utc("2026-06-01 23:30"), "2026-06-01 23:30"),  # 00:30 BST on 2 June
    ("yesterday", utc("2026-06-01 23:30"), "2026-06-01 08:00"),
    # dateparser quirk, kept: a weekday named on that same weekday is a week ago
    ("friday", NOW, "2026-11-13 09:00"),
]


@pytest.mark.parametrize(("text", "now", "expected"), IDENTIFIED)
def test_identified(text: str, now: datetime, expected: str) -> None:
    assert parse_identified(text, now, ENG) == utc(expected)


IDENTIFIED_EXAMPLES = "'now', 'today 9.30am', 'yesterday 4pm' or '18/12 16:00'"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "tomorrow",
            "'tomorrow' is Sat 21 Nov 2026, which is in the future: say when the concern was "
            f"identified, e.g. {IDENTIFIED_EXAMPLES}.",
        ),
        (
            "today 11am",
            "'today 11am' is Fri 20 Nov 2026, 11:00 GMT, which is in the future: say when the "
            f"concern was identified, e.g. {IDENTIFIED_EXAMPLES}.",
        ),
        (
            "in 2 minutes",
            "'in 2 minutes' is Fri 20 Nov 2026, 10:02 GMT, which is in the future: say when the "
            f"concern was identified, e.g. {IDENTIFIED_EXAMPLES}.",
        ),
        (
            "next working day",
            "'next working day' is Mon 23 Nov 2026, which is in the future: say when the "
            f"concern was identified, e.g. {IDENTIFIED_EXAMPLES}.",
        ),
        (
            "last tuesdayish",
            "I could not read 'last tuesdayish' as a date or time. "
            f"Try e.g. {IDENTIFIED_EXAMPLES}.",
        ),
    ],
)
def test_identified_refusals(text: str, message: str) -> None:
    assert error_for(parse_identified, text) == message


# -- moving a simulated clock ------------------------------------------------------------------

MOMENTS = [
    # text, now, expected instant (UTC)
    ("tomorrow 9am", NOW, "2026-11-21 09:00"),
    ("monday", NOW, "2026-11-23 09:00"),
    ("Monday 2pm", NOW, "2026-11-23 14:00"),
    ("tomorrow", NOW, "2026-11-21 09:00"),
    ("3/12", NOW, "2026-12-03 09:00"),
    ("now", NOW, "2026-11-20 10:00"),
    ("+90m", NOW, "2026-11-20 11:30"),
    ("+2h", NOW, "2026-11-20 12:00"),
    ("+ 2 hours", NOW, "2026-11-20 12:00"),
    ("+1d", NOW, "2026-11-21 10:00"),
    ("+3 days", NOW, "2026-11-23 10:00"),
    ("+3 working days", NOW, "2026-11-25 10:00"),
    ("+3wd", NOW, "2026-11-25 10:00"),
    ("+1 working day", utc("2026-12-24 15:00"), "2026-12-29 15:00"),
    ("in 2 hours", NOW, "2026-11-20 12:00"),
    ("in 3 working days", NOW, "2026-11-25 09:00"),
    # across the spring clock change
    ("+24h", utc("2026-03-28 12:00"), "2026-03-29 12:00"),
    ("+1d", utc("2026-03-28 12:00"), "2026-03-29 11:00"),  # same local time: 12:00 BST
    ("+3 working days", utc("2026-03-27 10:00"), "2026-04-01 09:00"),  # 10:00 BST
    ("+2h", utc("2026-03-29 00:30"), "2026-03-29 02:30"),
    # and the autumn one
    ("+1d", utc("2026-10-24 12:00"), "2026-10-25 13:00"),  # 13:00 BST -> 13:00 GMT
    ("monday", utc("2026-10-24 12:00"), "2026-10-26 09:00"),
]


@pytest.mark.parametrize(("text", "now", "expected"), MOMENTS)
def test_moment(text: str, now: datetime, expected: str) -> None:
    assert parse_moment(text, now, ENG) == utc(expected)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("yesterday", "'yesterday' is Thu 19 Nov 2026, 09:00 GMT, which is in the past"),
        ("today", "'today' is Fri 20 Nov 2026, 09:00 GMT, which is in the past"),
        ("2 hours ago", "which is in the past"),
        ("blue moon", "I could not read 'blue moon' as a date or time. Try e.g. 'tomorrow 9am'"),
        ("+2 light years", "I could not read '+2 light years'"),
    ],
)
def test_moment_refusals(text: str, fragment: str) -> None:
    assert fragment in error_for(parse_moment, text)


# -- no hidden clocks or zones ---------------------------------------------------------------


@pytest.fixture
def system_zone_far_from_london(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run with the process in another time zone, to show that it is not used."""
    if not hasattr(time_module, "tzset"):
        pytest.skip("time.tzset is not available on this platform")
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14
    time_module.tzset()
    yield
    monkeypatch.undo()
    time_module.tzset()


@pytest.mark.usefixtures("system_zone_far_from_london")
def test_the_system_time_zone_is_not_used() -> None:
    assert parse_meeting_time("tomorrow 2pm", NOW, ENG).at == utc("2026-11-21 14:00")
    assert parse_meeting_time("14:00", NOW, ENG).at == utc("2026-11-20 14:00")
    assert parse_identified("yesterday 4pm", NOW, ENG) == utc("2026-11-19 16:00")
    assert parse_due("friday", NOW, ENG).due_date == d("2026-11-27")


def test_the_scheduling_package_never_reads_the_clock() -> None:
    package = Path(scheduling.__file__).parent
    for module in ("workdays.py", "deadlines.py", "timetext.py", "nudges.py"):
        source = (package / module).read_text()
        for call in ("now(", "today(", "utcnow(", "time.time(", "SystemClock"):
            assert call not in source, f"{module} calls {call}"


# -- ISO dates, read without dateparser -----------------------------------------------


def test_iso_dates_are_read_as_dateparser_reads_them() -> None:
    """'2026-12-18 16:00' is read directly; the reading is dateparser's, and what it would
    read otherwise (no such day, month 13, hour 24) is still left to dateparser."""
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(0, 760, 5)]
    texts = [f"{day:%Y-%m-%d}" for day in days[::3]]
    texts += [f"{day:%Y-%m-%d} {n % 24:02}:{n * 7 % 60:02}" for n, day in enumerate(days)]
    texts += ["0999-01-01 10:00", "9999-12-31 23:59", "2026-02-28 00:00", "2028-02-29 12:00"]
    for prefer in ("future", "past"):
        for text in texts:
            assert _iso(text) == _dateparser(text, NOW, ENG, prefer), (text, prefer)
    not_read = ["2026-13-01 10:00", "2026-02-29 10:00", "2026-11-06 24:00", "2026-00-10"]
    assert [_iso(text) for text in not_read] == [None] * 4
    assert _dateparser("2026-13-01 10:00", NOW, ENG, "future")[0] == datetime(2026, 1, 13, 10)

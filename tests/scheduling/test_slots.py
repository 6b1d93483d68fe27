"""Candidate slots before the deadline, and when the poll closes."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduling.availability import Availability, Interval, Known, Unknown
from scheduling.deadlines import statutory_deadline
from scheduling.rules import CalendarSettings, ConcernCategory, TimescaleRules
from scheduling.slots import (
    Slot,
    SlotRules,
    add_working_minutes,
    candidate_slots,
    poll_closes_at,
    search_window,
    working_minutes_between,
)
from scheduling.workdays import WorkingCalendar

LONDON = ZoneInfo("Europe/London")
CALENDAR = WorkingCalendar()
RULES = TimescaleRules()


def london(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


def local(slots: tuple[Slot, ...]) -> list[str]:
    return [f"{s.start.astimezone(LONDON):%a %d %b %H:%M}" for s in slots]


def busy(*spans: tuple[str, str]) -> Known:
    return Known(tuple(Interval(london(a), london(b)) for a, b in spans))


def slots_for(
    now: str,
    category: ConcernCategory = ConcernCategory.STANDARD,
    calendar: WorkingCalendar = CALENDAR,
    identified: str | None = None,
    rules: SlotRules | None = None,
    chair: Availability | None = None,
    essential: Mapping[str, Availability] | None = None,
) -> tuple[Slot, ...]:
    deadline = statutory_deadline(london(identified or now), category, calendar, RULES)
    return candidate_slots(london(now), deadline, calendar, rules, chair, essential)


# -- where slots may lie -----------------------------------------------------------


def test_a_standard_concern_gets_one_slot_a_day_up_to_the_deadline() -> None:
    # Monday 23 Nov 2026, 09:30: the deadline is the end of Thursday 26th; the poll closes
    # after 2 working hours (11:30), so Monday's slot starts 30 minutes later, for the
    # invitations to arrive first.
    slots = slots_for("2026-11-23 09:30")
    assert local(slots) == [
        "Mon 23 Nov 12:00",
        "Tue 24 Nov 09:00",
        "Wed 25 Nov 09:00",
        "Thu 26 Nov 09:00",
    ]
    assert [s.number for s in slots] == [1, 2, 3, 4]
    assert all(s.end - s.start == timedelta(minutes=60) for s in slots)


def test_bank_holidays_and_closure_days_carry_no_slots() -> None:
    # Christmas Eve 2026, 16:00: Christmas Day (Fri) and the substitute Boxing Day (Mon 28th)
    # are bank holidays, so the 3 working days are 29, 30 and 31 December.
    slots = slots_for("2026-12-24 16:00")
    assert local(slots) == [
        "Tue 29 Dec 10:30",  # the poll closes after 1 hour on the 24th and 1 hour on the 29th
        "Tue 29 Dec 12:30",
        "Wed 30 Dec 09:00",
        "Thu 31 Dec 09:00",
    ]
    closed = WorkingCalendar(CalendarSettings(closure_days=frozenset({date(2026, 12, 30)})))
    slots = slots_for("2026-12-24 16:00", calendar=closed)
    days = {s.start.astimezone(LONDON).date() for s in slots}
    assert date(2026, 12, 30) not in days
    assert max(days) == date(2027, 1, 4)  # the 3rd working day, after New Year's Day


def test_slots_stay_inside_working_hours_and_before_the_deadline() -> None:
    for now in ("2026-11-23 09:30", "2026-11-25 16:45", "2026-11-27 20:00"):
        for category in (ConcernCategory.IMMEDIATE_ACTION, ConcernCategory.COMPLEX):
            deadline = statutory_deadline(london(now), category, CALENDAR, RULES)
            for slot in candidate_slots(london(now), deadline, CALENDAR):
                start, end = slot.start.astimezone(LONDON), slot.end.astimezone(LONDON)
                assert CALENDAR.is_working_day(start.date())
                assert f"{start:%H:%M}" >= "09:00" and f"{end:%H:%M}" <= "17:00"
                assert slot.end <= deadline.deadline
                assert slot.start >= poll_closes_at(london(now), deadline, CALENDAR, SlotRules())


def test_a_one_day_timescale_spreads_two_slots_over_each_day() -> None:
    slots = slots_for("2026-11-23 09:30", ConcernCategory.IMMEDIATE_ACTION)
    assert local(slots) == [
        "Mon 23 Nov 12:00",
        "Mon 23 Nov 14:00",
        "Tue 24 Nov 09:00",
        "Tue 24 Nov 11:00",
    ]


def test_same_day_slots_start_30_minutes_ahead_even_outside_working_hours() -> None:
    slots = slots_for("2026-11-23 18:10", ConcernCategory.SERIOUS_HARM)
    assert local(slots) == [
        "Mon 23 Nov 18:45",
        "Mon 23 Nov 19:45",
        "Mon 23 Nov 20:45",
        "Mon 23 Nov 21:45",
    ]
    # on a Saturday too: the timescale is the same calendar day
    assert local(slots_for("2026-11-28 10:00", ConcernCategory.SEXUAL_ABUSE_FORENSIC))[0] == (
        "Sat 28 Nov 10:30"
    )


def test_same_day_slots_never_run_past_midnight() -> None:
    slots = slots_for("2026-11-23 21:50", ConcernCategory.SERIOUS_HARM)
    assert local(slots) == ["Mon 23 Nov 22:30"]  # 23:30 would end after 23:59:59
    assert slots_for("2026-11-23 22:45", ConcernCategory.SERIOUS_HARM) == ()
    deadline = statutory_deadline(
        london("2026-11-23 22:45"), ConcernCategory.SERIOUS_HARM, CALENDAR, RULES
    )
    assert search_window(london("2026-11-23 22:45"), deadline, CALENDAR, SlotRules()) is None


def test_a_deadline_already_passed_has_no_slots() -> None:
    # identified on Monday, same day, convened on Tuesday
    assert (
        slots_for("2026-11-24 09:00", ConcernCategory.SERIOUS_HARM, identified="2026-11-23 09:00")
        == ()
    )
    # standard, convened after the due date's working hours
    assert slots_for("2026-11-26 17:30", identified="2026-11-23 09:00") == ()


def test_the_spring_clock_change_gives_each_instant_once() -> None:
    # Sunday 29 March 2026: 01:00 GMT becomes 02:00 BST
    slots = slots_for("2026-03-29 00:10", ConcernCategory.SERIOUS_HARM)
    starts = [s.start for s in slots]
    assert starts[0] == datetime(2026, 3, 29, 0, 45, tzinfo=UTC)
    assert all(b - a >= timedelta(minutes=60) for a, b in itertools.pairwise(starts))
    assert len(set(starts)) == len(starts) == 4


# -- the chair and the essential people ------------------------------------------


def test_the_chairs_busy_times_are_skipped() -> None:
    chair = busy(("2026-11-24 08:00", "2026-11-24 12:00"), ("2026-11-23 11:00", "2026-11-23 17:00"))
    # Monday is taken from the poll's close; Tuesday gets a second slot, two hours on
    assert local(slots_for("2026-11-23 09:30", chair=chair)) == [
        "Tue 24 Nov 12:00",
        "Tue 24 Nov 14:00",
        "Wed 25 Nov 09:00",
        "Thu 26 Nov 09:00",
    ]
    # an unknown chair calendar skips nothing
    assert local(slots_for("2026-11-23 09:30", chair=Unknown("not in the tenant")))[0] == (
        "Mon 23 Nov 12:00"
    )


def test_a_chair_busy_until_the_deadline_leaves_no_slot() -> None:
    chair = busy(("2026-11-23 00:00", "2026-11-27 00:00"))
    assert slots_for("2026-11-23 09:30", chair=chair) == ()


def test_slots_where_the_essential_people_are_free_come_first() -> None:
    essential: dict[str, Availability] = {
        # the police officer is in court on Tuesday until 15:00 and on Wednesday all day
        "megan.price": busy(
            ("2026-11-24 09:00", "2026-11-24 15:00"), ("2026-11-25 09:00", "2026-11-25 17:00")
        ),
        # the health visitor is free after 14:00 on Monday only
        "olivia.bennett": busy(("2026-11-23 09:00", "2026-11-23 14:00")),
        "tessa.morgan": Unknown("not in the tenant"),  # counts neither way
    }
    assert local(slots_for("2026-11-23 09:30", essential=essential)) == [
        "Mon 23 Nov 14:00",  # both free
        "Tue 24 Nov 15:00",  # both free
        "Wed 25 Nov 09:00",  # nobody can make it all day: the earliest, the poll will tell
        "Thu 26 Nov 09:00",
    ]


def test_custom_rules_change_the_length_the_number_and_the_lead() -> None:
    rules = SlotRules(slot_minutes=90, max_slots=2, lead_minutes=60, same_day_poll_minutes=15)
    slots = slots_for("2026-11-23 10:05", ConcernCategory.SERIOUS_HARM, rules=rules)
    assert local(slots) == ["Mon 23 Nov 11:15", "Mon 23 Nov 12:45"]
    assert all(s.end - s.start == timedelta(minutes=90) for s in slots)


# -- the poll's closing time and working time ------------------------------------


@pytest.mark.parametrize(
    ("now", "category", "rules", "closes"),
    [
        ("2026-11-23 09:30", ConcernCategory.STANDARD, SlotRules(), "2026-11-23 11:30"),
        # Friday afternoon: 2 working hours end on Monday morning
        ("2026-11-27 16:00", ConcernCategory.STANDARD, SlotRules(), "2026-11-30 10:00"),
        # at the weekend, counting starts on Monday
        ("2026-11-28 11:00", ConcernCategory.COMPLEX, SlotRules(), "2026-11-30 11:00"),
        # 1 working day, late in the day: 30 min today + 90 tomorrow
        ("2026-11-23 16:30", ConcernCategory.IMMEDIATE_ACTION, SlotRules(), "2026-11-24 10:30"),
        # a third of the working time left is sooner than a longer configured wait
        (
            "2026-11-23 09:00",
            ConcernCategory.IMMEDIATE_ACTION,
            SlotRules(poll_working_minutes=480),
            "2026-11-23 14:20",  # 960 working minutes left / 3 = 320
        ),
        ("2026-11-23 18:10", ConcernCategory.SERIOUS_HARM, SlotRules(), "2026-11-23 18:40"),
        ("2026-11-28 03:00", ConcernCategory.SERIOUS_HARM, SlotRules(), "2026-11-28 03:30"),
    ],
)
def test_when_the_poll_closes(
    now: str, category: ConcernCategory, rules: SlotRules, closes: str
) -> None:
    deadline = statutory_deadline(london(now), category, CALENDAR, RULES)
    assert poll_closes_at(london(now), deadline, CALENDAR, rules) == london(closes)


def test_a_third_of_little_time_left_closes_the_poll_sooner() -> None:
    # Thursday 16:00, the due day of a standard concern identified on Monday: 60 minutes left
    deadline = statutory_deadline(
        london("2026-11-23 09:00"), ConcernCategory.STANDARD, CALENDAR, RULES
    )
    closes = poll_closes_at(london("2026-11-26 16:00"), deadline, CALENDAR, SlotRules())
    assert closes == london("2026-11-26 16:20")


def test_working_minutes_skip_nights_weekends_and_bank_holidays() -> None:
    assert add_working_minutes(london("2026-12-24 16:30"), 60, CALENDAR) == london(
        "2026-12-29 09:30"
    )
    assert add_working_minutes(london("2026-11-23 07:00"), 480, CALENDAR) == london(
        "2026-11-23 17:00"
    )
    assert add_working_minutes(london("2026-11-23 12:00"), 0, CALENDAR) == london(
        "2026-11-23 12:00"
    )
    assert (
        working_minutes_between(london("2026-11-27 16:00"), london("2026-11-30 10:00"), CALENDAR)
        == 120
    )
    assert (
        working_minutes_between(london("2026-11-30 10:00"), london("2026-11-27 16:00"), CALENDAR)
        == 0
    )
    assert (
        working_minutes_between(london("2026-12-24 17:00"), london("2026-12-29 09:00"), CALENDAR)
        == 0
    )


def test_rules_from_a_partnerships_overrides() -> None:
    assert SlotRules.from_mapping({"slot_minutes": 45, "max_slots": 3}) == SlotRules(
        slot_minutes=45, max_slots=3
    )
    with pytest.raises(ValueError) as raised:
        SlotRules.from_mapping(
            {"slot_minutes": 5, "max_slots": True, "step_minutes": 25, "colour": "red"}
        )
    message = str(raised.value)
    assert "slot_minutes must be a whole number 15-240" in message
    assert "max_slots must be a whole number 1-9" in message
    assert "step_minutes must divide an hour" in message
    assert "unknown find-a-time setting 'colour'" in message

"""The poll: answers, free/busy, the tally agency by agency, closing, and the choice."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import pytest

from bot.directory import AgencyKind, Contact, load_directory
from bot.find_time.calendars_file import load_calendars
from bot.find_time.poll import (
    Answer,
    Attending,
    Closing,
    Invitee,
    Poll,
    PollError,
    answer,
    assess,
    attendance,
    choose,
    closing,
    needs_poll,
    poll_invitees,
    tally,
)
from scheduling.availability import Availability, Interval, Known, Unknown
from scheduling.deadlines import statutory_deadline
from scheduling.rules import ConcernCategory, TimescaleRules
from scheduling.slots import Slot, SlotRules, candidate_slots, poll_closes_at
from scheduling.workdays import WorkingCalendar

DIRECTORY = load_directory()
OPENED = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
CLOSES = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)
SLOTS = tuple(
    Slot(n, start, start + timedelta(hours=1))
    for n, start in enumerate(
        (
            datetime(2026, 11, 23, 11, 30, tzinfo=UTC),
            datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
            datetime(2026, 11, 25, 9, 0, tzinfo=UTC),
            datetime(2026, 11, 26, 9, 0, tzinfo=UTC),
        ),
        start=1,
    )
)


def contact(contact_id: str) -> Contact:
    found = DIRECTORY.contact(contact_id)
    assert found is not None
    return found


def make_poll(*ids: str) -> Poll:
    invited = [contact(i) for i in ids]
    invitees = poll_invitees(DIRECTORY, invited, contact("asha.patel"), contact("ben.okafor"))
    return Poll(SLOTS, invitees, OPENED, CLOSES)


# The chair, the social worker, the police domestic abuse officer, the health visitor
# who knows the family, and the school's safeguarding lead (the referrer).
POLL = make_poll("asha.patel", "ben.okafor", "megan.price", "olivia.bennett", "bethany.cole")
# The council's calendars can be seen; the partners' cannot.
CALENDARS: Mapping[str, Availability] = {
    "asha.patel": Known((Interval(SLOTS[1].start, SLOTS[1].end),)),  # busy in slot 2
    "ben.okafor": Known(()),
    "megan.price": Unknown("not in the tenant"),
    "olivia.bennett": Unknown("not in the tenant"),
    "bethany.cole": Unknown("not in the tenant"),
}


def said(invitee: str, numbers: list[int] | None, minutes: int = 10, **kw: datetime) -> Answer:
    return answer(POLL, invitee, numbers, OPENED + timedelta(minutes=minutes), **kw)


# -- who is essential -------------------------------------------------------------


def test_the_essential_people_are_the_specific_social_care_police_and_health_invitees() -> None:
    essential = {i.id for i in POLL.invitees if i.essential}
    assert essential == {"asha.patel", "ben.okafor", "megan.price", "olivia.bennett"}
    # the MASH nurse is the fallback: essential only when the only health invitee
    alone = make_poll("asha.patel", "ben.okafor", "megan.price", "zoe.fletcher")
    assert {i.id for i in alone.invitees if i.essential} >= {"zoe.fletcher"}
    both = make_poll(
        "asha.patel", "ben.okafor", "nathan.osei", "megan.price", "olivia.bennett", "zoe.fletcher"
    )
    assert {i.id for i in both.invitees if i.essential} == {
        "asha.patel",
        "ben.okafor",
        "megan.price",
        "olivia.bennett",
    }
    assert (
        Invitee.of(contact("megan.price"), DIRECTORY.agency("nv-police")).kind is AgencyKind.POLICE
    )


# -- answers ----------------------------------------------------------------------


def test_answers_are_checked_with_a_reason() -> None:
    at = OPENED + timedelta(minutes=5)
    with pytest.raises(PollError, match="only the people invited"):
        answer(POLL, "kieran.walsh", [1], at)
    with pytest.raises(PollError, match="there is no slot 0, 5: the slots are 1-4"):
        answer(POLL, "megan.price", [1, 5, 0], at)
    with pytest.raises(PollError, match="choose at least one slot"):
        answer(POLL, "megan.price", [], at)
    with pytest.raises(PollError, match="goes with none of these"):
        answer(POLL, "megan.price", [2], at, suggested=at + timedelta(days=1))
    with pytest.raises(PollError, match="must be in the future"):
        answer(POLL, "megan.price", None, at, suggested=at - timedelta(minutes=1))
    with pytest.raises(PollError, match="the poll has closed"):
        answer(POLL, "megan.price", [1], CLOSES)
    none = answer(POLL, "olivia.bennett", None, at, suggested=SLOTS[3].start + timedelta(days=1))
    assert none.none_of_these and none.suggested == SLOTS[3].start + timedelta(days=1)
    assert answer(POLL, "megan.price", [2, 2, 3], at).slots == frozenset({2, 3})


def test_an_answer_beats_the_calendar_and_silence_is_unknown() -> None:
    answers = {"asha.patel": said("asha.patel", [2]), "megan.price": said("megan.price", [1, 3])}
    rows = attendance(POLL, answers, CALENDARS)
    Y, N, U = Attending.YES, Attending.NO, Attending.UNKNOWN
    assert rows["asha.patel"] == (N, Y, N, N)  # she will move her slot-2 meeting
    assert rows["ben.okafor"] == (Y, Y, Y, Y)  # his calendar is clear
    assert rows["megan.price"] == (Y, N, Y, N)
    assert rows["olivia.bennett"] == (U, U, U, U)


def test_only_people_whose_calendars_cannot_be_seen_are_polled() -> None:
    assert [i.id for i in needs_poll(POLL, CALENDARS)] == [
        "megan.price",
        "olivia.bennett",
        "bethany.cole",
    ]


# -- the tally ------------------------------------------------------------------------


def test_the_tally_goes_agency_by_agency_with_the_statutory_three_first() -> None:
    answers = {
        "megan.price": said("megan.price", [1, 3]),
        "bethany.cole": said("bethany.cole", None, suggested=SLOTS[0].start + timedelta(hours=3)),
    }
    result = tally(POLL, answers, CALENDARS)
    assert [(a.agency_id, a.statutory) for a in result.agencies] == [
        ("nv-csc", True),
        ("nv-police", True),
        ("nv-health", True),
        ("nv-education", False),
    ]
    social_care, police, health, school = result.agencies
    assert social_care.slots[0].yes == ("asha.patel", "ben.okafor")
    assert social_care.slots[1].yes == ("ben.okafor",) and social_care.slots[1].no == (
        "asha.patel",
    )
    assert police.slots[2].yes == ("megan.price",) and police.slots[3].no == ("megan.price",)
    assert health.slots[0].unknown == ("olivia.bennett",)
    assert school.slots[0].no == ("bethany.cole",)
    assert (result.asked, result.answered) == (3, 2)
    assert result.waiting == ("olivia.bennett",)
    assert result.from_calendars == ("asha.patel", "ben.okafor")
    assert [s.invitee_id for s in result.suggestions] == ["bethany.cole"]
    assert result.complete == ()  # the health visitor has not answered
    assert result.closes_at == CLOSES


# -- closing and choosing -----------------------------------------------------------


def test_the_poll_closes_when_everyone_polled_has_answered() -> None:
    answers = {
        "megan.price": said("megan.price", [1, 3]),
        "olivia.bennett": said("olivia.bennett", [3, 4]),
    }
    before = OPENED + timedelta(minutes=20)
    assert closing(POLL, answers, CALENDARS, before) is None
    assert choose(POLL, answers, CALENDARS, before) is None
    answers["bethany.cole"] = said("bethany.cole", [4], minutes=25)
    assert closing(POLL, answers, CALENDARS, before) is Closing.ALL_ANSWERED
    choice = choose(POLL, answers, CALENDARS, before)
    assert choice is not None
    assert choice.slot.number == 3  # the earliest where all four essential people can come
    assert choice.all_essential and choice.fallback_for == () and choice.essential_missing == ()
    assert choice.closed_by is Closing.ALL_ANSWERED


def test_at_the_closing_time_silence_counts_as_cannot_attend() -> None:
    answers = {
        "megan.price": said("megan.price", [1, 3]),
        "bethany.cole": said("bethany.cole", [1]),
    }
    assert closing(POLL, answers, CALENDARS, CLOSES - timedelta(seconds=1)) is None
    choice = choose(POLL, answers, CALENDARS, CLOSES)
    assert choice is not None and choice.closed_by is Closing.TIMED_OUT
    # slots 1 and 3 both have the chair, the social worker and the police officer: the earlier
    assert choice.slot.number == 1
    assert not choice.all_essential
    assert choice.essential_missing == ("olivia.bennett",)
    assert choice.fallback_for == (AgencyKind.HEALTH,)  # invite the MASH nurse at once


def test_with_no_slot_for_all_three_the_most_essential_people_win() -> None:
    answers = {
        "megan.price": said("megan.price", [2]),
        "olivia.bennett": said("olivia.bennett", [4]),
        "bethany.cole": said("bethany.cole", [1, 2, 3, 4]),
    }
    choice = choose(POLL, answers, CALENDARS, OPENED + timedelta(minutes=30))
    assert choice is not None
    # slot 2: the chair is busy, so the social worker and the police officer: 2 essential;
    # slot 4: the chair, the social worker and the health visitor: 3, so slot 4
    assert choice.slot.number == 4
    assert choice.essential_attending == ("asha.patel", "ben.okafor", "olivia.bennett")
    assert choice.essential_missing == ("megan.price",)
    assert choice.fallback_for == (AgencyKind.POLICE,)  # invite MASH police at once


def test_among_equals_the_slot_that_needs_fewer_fallbacks_wins() -> None:
    poll = make_poll("asha.patel", "ben.okafor", "megan.price", "olivia.bennett", "zoe.fletcher")
    calendars = {"asha.patel": Known(()), "ben.okafor": Known(())}
    at = OPENED + timedelta(minutes=10)
    answers = {
        "megan.price": answer(poll, "megan.price", [2], at),  # police only in slot 2
        "olivia.bennett": answer(poll, "olivia.bennett", [1], at),  # her only slot is 1
        "zoe.fletcher": answer(poll, "zoe.fletcher", [2], at),  # the MASH nurse covers slot 2
    }
    choice = choose(poll, answers, calendars, at)
    assert choice is not None
    assert choice.slot.number == 2  # 3 essential people either way; slot 1 lacks the police
    assert choice.fallback_for == ()
    assert choice.essential_missing == ("olivia.bennett",)
    first = assess(poll, 1, answers, calendars)
    assert first.fallback_for == (AgencyKind.POLICE,) and first.closed_by is None


def test_the_convenor_can_weigh_any_slot() -> None:
    answers = {
        "megan.price": said("megan.price", [1, 3]),
        "olivia.bennett": said("olivia.bennett", [3]),
    }
    picked = assess(POLL, 4, answers, CALENDARS)
    assert picked.slot == SLOTS[3]
    assert picked.closed_by is None
    assert picked.fallback_for == (AgencyKind.POLICE, AgencyKind.HEALTH)
    with pytest.raises(PollError, match="there is no slot 9"):
        assess(POLL, 9, answers, CALENDARS)


def test_with_every_calendar_visible_the_choice_needs_no_poll() -> None:
    calendars = {i.id: Known(()) for i in POLL.invitees}
    assert needs_poll(POLL, calendars) == []
    choice = choose(POLL, {}, calendars, OPENED)
    assert choice is not None and choice.slot.number == 1 and choice.all_essential
    assert choice.closed_by is Closing.ALL_ANSWERED


def test_a_poll_needs_numbered_slots_and_distinct_invitees() -> None:
    with pytest.raises(ValueError, match="at least one slot"):
        Poll((), POLL.invitees, OPENED, CLOSES)
    with pytest.raises(ValueError, match="numbered"):
        Poll((SLOTS[1],), POLL.invitees, OPENED, CLOSES)
    with pytest.raises(ValueError, match="once"):
        Poll(SLOTS, POLL.invitees + POLL.invitees[:1], OPENED, CLOSES)


def test_slots_free_busy_and_the_poll_together() -> None:
    """From the convene to the choice with the sample's calendars: the later wiring's path."""
    calendar = WorkingCalendar()
    now = OPENED
    deadline = statutory_deadline(now, ConcernCategory.STANDARD, calendar, TimescaleRules())
    invited = [contact(i) for i in ("asha.patel", "ben.okafor", "megan.price", "tessa.morgan")]
    invitees = poll_invitees(DIRECTORY, invited, invited[0], invited[1])
    seen = load_calendars().busy_times(invited, now, deadline.deadline)
    assert isinstance(seen["tessa.morgan"], Unknown)  # a GP: asked by poll
    essential = {i.id: seen[i.id] for i in invitees if i.essential}
    slots = candidate_slots(now, deadline, calendar, chair=seen["asha.patel"], essential=essential)
    poll = Poll(slots, invitees, now, poll_closes_at(now, deadline, calendar, SlotRules()))
    assert [i.id for i in needs_poll(poll, seen)] == ["megan.price", "tessa.morgan"]
    at = now + timedelta(minutes=15)
    answers = {
        "megan.price": answer(poll, "megan.price", [2, 3], at),
        "tessa.morgan": answer(poll, "tessa.morgan", [3, 4], at),
    }
    choice = choose(poll, answers, seen, at)
    assert choice is not None and choice.all_essential
    assert choice.slot == slots[2]

"""The reminder policy through the real core, on a simulated clock over weeks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import Bot
from bot.directory import check_directory, sample_directory_path
from scheduling.clock import SimulatedClock
from tests.helpers import CONVENE, audit_events, say, table_counts, take_sent, to

LONDON = ZoneInfo("Europe/London")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON).astimezone(UTC)


def run_hourly(bot: Bot, clock: SimulatedClock, until: str) -> list[tuple[str, str, str]]:
    """Move the clock an hour at a time; (local time, recipient, text) of each message sent."""
    take_sent(bot)
    seen = []
    while clock.now() < at(until):
        clock.advance(timedelta(hours=1))
        bot.run_due_work()
        moment = clock.now().astimezone(LONDON).strftime("%a %d %b %H:%M")
        seen += [(moment, o.to, o.message.text) for o in take_sent(bot)]
    return seen


def add_action(bot: Bot, owner: str, due: str, urgent: bool = False) -> None:
    reply = say(
        bot,
        "asha.patel",
        f'/strategy action NV-40213 owner={owner} due="{due}" '
        f'text="Visit the family with police"{" urgent=yes" if urgent else ""}',
    )
    assert "recorded" in reply.text, reply.text


def test_through_christmas_nudges_skip_holidays_and_the_chair_and_manager_hear_once(
    convened: Bot, clock: SimulatedClock
) -> None:
    clock.set(at("2026-12-21 10:00"))
    add_action(convened, "daniel.mensah", "24/12")  # Daniel's manager is Marcus Reid
    seen = run_hourly(convened, clock, "2027-01-06 12:00")
    nudges = [when for when, who, text in seen if who == "daniel.mensah" and "Reminder" in text]
    assert nudges == [
        "Wed 23 Dec 09:00",
        "Thu 24 Dec 09:00",
        "Tue 29 Dec 09:00",
        "Wed 30 Dec 09:00",
        "Thu 31 Dec 09:00",
        "Mon 04 Jan 09:00",
        "Tue 05 Jan 09:00",
        "Wed 06 Jan 09:00",
    ]
    escalations = [(when, who) for when, who, text in seen if "Overdue action" in text]
    # Overdue by 2 working days on Wed 30 Dec (Tue 29th was the first).
    assert escalations == [("Wed 30 Dec 09:00", "asha.patel"), ("Wed 30 Dec 09:00", "marcus.reid")]
    assert "2 working days late" in next(t for _, _, t in seen if "Overdue action" in t)
    say(convened, "daniel.mensah", '/strategy close NV-40213/A1 outcome="Visit done with PC Price"')
    assert run_hourly(convened, clock, "2027-01-13 12:00") == []


def test_easter_and_the_clocks_going_forward_on_the_same_weekend(
    convened: Bot, clock: SimulatedClock
) -> None:
    clock.set(at("2027-03-24 10:00"))  # Good Friday 26 Mar 2027; BST from Sun 28 Mar
    add_action(convened, "megan.price", "26/3")
    seen = run_hourly(convened, clock, "2027-03-31 12:00")
    nudges = [when for when, who, _ in seen if who == "megan.price"]
    # Due on Good Friday: nudged the working day before, then from Tuesday (Easter Monday off).
    assert nudges == ["Thu 25 Mar 09:00", "Tue 30 Mar 09:00", "Wed 31 Mar 09:00"]


def test_across_the_autumn_clock_change_the_nudge_stays_at_nine_local(
    convened: Bot, clock: SimulatedClock
) -> None:
    clock.set(at("2027-10-27 10:00"))  # GMT from Sun 31 Oct 2027
    add_action(convened, "megan.price", "29/10")
    take_sent(convened)
    instants = []
    while clock.now() < at("2027-11-02 12:00"):
        clock.advance(timedelta(hours=1))
        convened.run_due_work()
        instants += [clock.now() for o in take_sent(convened) if o.to == "megan.price"]
    assert instants == [
        datetime(2027, 10, 28, 8, 0, tzinfo=UTC),  # 09:00 BST
        datetime(2027, 10, 29, 8, 0, tzinfo=UTC),
        datetime(2027, 11, 1, 9, 0, tzinfo=UTC),  # 09:00 GMT
        datetime(2027, 11, 2, 9, 0, tzinfo=UTC),
    ]


def test_urgent_actions_are_nudged_at_the_weekend(convened: Bot, clock: SimulatedClock) -> None:
    clock.set(at("2026-11-27 10:00"))  # a Friday
    add_action(convened, "megan.price", "monday", urgent=True)
    seen = run_hourly(convened, clock, "2026-11-30 12:00")
    assert [when for when, who, _ in seen if who == "megan.price"] == [
        "Sun 29 Nov 09:00",
        "Mon 30 Nov 09:00",
    ]


def test_after_downtime_missed_nudges_collapse_into_one(
    convened: Bot, clock: SimulatedClock
) -> None:
    add_action(convened, "megan.price", "in 1 working day")
    take_sent(convened)
    clock.advance(timedelta(days=9))  # the bot was down for over a week
    convened.run_due_work()
    nudges = [o for o in take_sent(convened) if "Reminder" in o.message.text]
    assert len(nudges) == 1
    assert "overdue by" in nudges[0].message.text


def test_more_time_approved_moves_the_due_date_and_the_nudges(
    convened: Bot, clock: SimulatedClock
) -> None:
    clock.set(at("2026-11-24 15:00"))
    add_action(convened, "megan.price", "wednesday")
    reply = say(
        convened,
        "megan.price",
        '/strategy more-time NV-40213/A1 due="4/12" reason="The mother is away until next week"',
    )
    assert "has gone to Asha Patel" in reply.text
    request = next(
        o.message
        for o in to(take_sent(convened), "asha.patel")
        if "asks for more time" in o.message.text
    )
    assert "asks for more time on action NV-40213/A1" in request.text
    assert [b.action for b in request.buttons] == ["approve", "refuse"]

    say(convened, "asha.patel", "/strategy approve NV-40213/A1")
    told = to(take_sent(convened), "megan.price")[0].message.text
    assert "approved more time: action NV-40213/A1 is now due Fri 4 Dec 2026" in told
    seen = run_hourly(convened, clock, "2026-12-04 12:00")
    assert [when for when, who, _ in seen if who == "megan.price"] == [
        "Thu 03 Dec 09:00",
        "Fri 04 Dec 09:00",
    ]


def test_more_time_refused_keeps_the_due_date(convened: Bot, clock: SimulatedClock) -> None:
    add_action(convened, "megan.price", "friday")
    say(
        convened,
        "megan.price",
        '/strategy more-time NV-40213/A1 due="4/12" reason="Waiting for school records"',
    )
    say(convened, "asha.patel", '/strategy refuse NV-40213/A1 reason="Needed before the ICPC"')
    told = next(
        o.message.text
        for o in to(take_sent(convened), "megan.price")
        if "more time" in o.message.text
    )
    assert "refused more time: action NV-40213/A1 is still due Fri 27 Nov 2026" in told
    assert "Needed before the ICPC" in told
    events = [e for _, e, _ in audit_events(convened)]
    assert events[-2:] == ["more_time_requested", "more_time_refused"]


@pytest.mark.parametrize(
    ("who", "text", "problem"),
    [
        (
            "olivia.bennett",
            '/strategy more-time NV-40213/A1 due="4/12" reason="busy week"',
            "Only the action's owner can ask for more time",
        ),
        (
            "megan.price",
            '/strategy more-time NV-40213/A1 due="tomorrow" reason="busy week"',
            "must be after the current one",
        ),
        ("megan.price", '/strategy more-time NV-40213/A1 due="4/12"', "Say why"),
        ("megan.price", "/strategy approve NV-40213/A1", "Only the chair decides"),
        ("asha.patel", "/strategy approve NV-40213/A1", "has no request for more time"),
        (
            "megan.price",
            "/strategy reassign NV-40213/A1 to=ian.campbell",
            "Only the chair reassigns",
        ),
        ("asha.patel", "/strategy reassign NV-40213/A1 to=megan.price", "already owns"),
        ("asha.patel", "/strategy snooze NV-40213/A1", "Only the action's owner can snooze"),
        ("megan.price", '/strategy snooze NV-40213/A1 until="+3 working days"', "at the latest"),
        (
            "megan.price",
            "/strategy action NV-40213 owner=megan.price due=friday text=visit urgent=maybe",
            "takes yes or no",
        ),
    ],
)
def test_bad_reminder_requests_are_refused_and_write_nothing(
    convened: Bot, who: str, text: str, problem: str
) -> None:
    add_action(convened, "megan.price", "friday")
    before = table_counts(convened)
    reply = say(convened, who, text)
    assert problem in reply.text
    assert table_counts(convened) == before


def test_snooze_puts_off_the_next_nudge_but_not_past_the_due_date(
    convened: Bot, clock: SimulatedClock
) -> None:
    clock.set(at("2026-11-25 09:30"))  # Wednesday; due Friday, so the first nudge is Thursday
    add_action(convened, "megan.price", "friday")
    clock.set(at("2026-11-26 09:30"))
    convened.run_due_work()  # Thursday's nudge
    reply = say(convened, "megan.price", "/strategy snooze NV-40213/A1")
    assert "paused until Fri 27 Nov 2026, 09:30 GMT" in reply.text
    seen = run_hourly(convened, clock, "2026-11-30 12:00")
    assert [when for when, who, _ in seen if who == "megan.price"] == [
        "Fri 27 Nov 09:30",
        "Mon 30 Nov 09:30",  # the 09:00 nudge, seen at the first hourly step after it
    ]
    reply = say(convened, "megan.price", "/strategy snooze NV-40213/A1")
    assert "can no longer be snoozed" in reply.text


def test_reassigning_moves_the_nudges_to_the_new_owner(
    convened: Bot, clock: SimulatedClock
) -> None:
    add_action(convened, "megan.price", "friday")
    take_sent(convened)
    say(convened, "asha.patel", "/strategy reassign NV-40213/A1 to=ian.campbell")
    sent = take_sent(convened)
    assert "You own action NV-40213/A1" in to(sent, "ian.campbell")[0].message.text
    assert "no more reminders" in to(sent, "megan.price")[0].message.text
    seen = run_hourly(convened, clock, "2026-11-27 12:00")
    assert {who for _, who, text in seen if "Reminder" in text} == {"ian.campbell"}


def test_the_chair_is_warned_before_a_deadline_the_discussion_has_not_met(
    bot: Bot, clock: SimulatedClock
) -> None:
    say(
        bot,
        "ben.okafor",
        CONVENE.replace('meeting="tomorrow 2pm"', 'meeting="1/12 10am"')
        + ' late_reason="police cannot attend earlier"',
    )
    convened = to(take_sent(bot), "asha.patel")
    assert any(
        "has convened a strategy discussion for case NV-40213" in o.message.text
        and "Thu 26 Nov 2026, 23:59 GMT" in o.message.text
        for o in convened
    )
    seen = run_hourly(bot, clock, "2026-11-27 00:00")
    warnings = [(when, who) for when, who, text in seen if "has not taken place yet" in text]
    # Inside working hours on the due day (first steps after 09:00 and 15:00), not at 21:59.
    assert warnings == [("Thu 26 Nov 09:30", "asha.patel"), ("Thu 26 Nov 15:30", "asha.patel")]


def test_no_deadline_warning_when_the_meeting_was_held(
    convened: Bot, clock: SimulatedClock
) -> None:
    seen = run_hourly(convened, clock, "2026-11-27 00:00")
    assert not [text for _, _, text in seen if "has not taken place yet" in text]


def test_the_directory_check_reports_bad_reminder_settings(tmp_path: Path) -> None:
    text = sample_directory_path().read_text(encoding="utf-8")
    line = next(
        i for i, row in enumerate(text.splitlines(), 1) if row.strip().startswith("reminders:")
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace('nudge_at: "09:00"', 'nudge_at: "07:00"'), encoding="utf-8")
    problems = check_directory(bad)
    assert [(p.line, p.message) for p in problems] == [
        (line, "reminders nudge_at must be within the working hours")
    ]
    bad.write_text(
        text.replace("escalate_after_working_days: 2", "escalate_after_working_days: 0"),
        encoding="utf-8",
    )
    assert (
        "escalate_after_working_days must be a whole number 1-20" in check_directory(bad)[0].message
    )


def test_a_snooze_never_lands_outside_working_hours(convened: Bot, clock: SimulatedClock) -> None:
    clock.set(at("2026-11-25 09:30"))
    add_action(convened, "megan.price", "4/12")
    clock.set(at("2026-11-26 19:00"))  # Thursday evening
    reply = say(convened, "megan.price", "/strategy snooze NV-40213/A1")
    # One working day on would be Friday 19:00: the reminder comes at 09:00 instead.
    assert "paused until Fri 27 Nov 2026, 09:00 GMT" in reply.text
    reply = say(convened, "megan.price", '/strategy snooze NV-40213/A1 until="+2h"')
    assert "is outside working hours" in reply.text


def test_the_last_working_nudge_before_a_limit() -> None:
    from scheduling.nudges import latest_working_nudge
    from scheduling.rules import ReminderPolicy
    from scheduling.workdays import WorkingCalendar

    calendar, policy = WorkingCalendar(), ReminderPolicy()
    # Friday 19:00 to Monday 19:00: Monday's 09:00.
    assert latest_working_nudge(
        at("2026-11-27 19:00"), at("2026-11-30 19:00"), calendar, policy
    ) == at("2026-11-30 09:00")
    # Saturday 10:00 to Sunday 10:00: no working morning in between.
    assert (
        latest_working_nudge(at("2026-11-28 10:00"), at("2026-11-29 10:00"), calendar, policy)
        is None
    )

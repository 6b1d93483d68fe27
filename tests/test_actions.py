"""Actions: an owner and a due date for each, a nudge each working day until closed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.app import Bot
from bot.storage import models
from scheduling.clock import SimulatedClock
from tests.helpers import audit_events, say, table_counts, take_sent, to

ADD = (
    '/strategy action NV-40213 owner=megan.price due="in 2 working days" '
    'text="Complete a DASH risk assessment"'
)


def test_the_chair_adds_an_action_and_its_owner_is_told(convened: Bot) -> None:
    reply = say(convened, "asha.patel", ADD)
    assert (
        "Action NV-40213/A1 recorded for Megan Price, due Wed 25 Nov 2026, 23:59 GMT" in reply.text
    )
    assigned = to(take_sent(convened), "megan.price")
    assert "You own action NV-40213/A1" in assigned[0].message.text
    assert [b.action for b in assigned[0].message.buttons] == ["close", "more-time", "snooze"]
    with convened.core.sessions() as session:
        action = session.scalars(select(models.Action)).one()
        assert action.owner.key == "megan.price"
        assert action.due_at == datetime(2026, 11, 25, 23, 59, 59, tzinfo=UTC)
    assert audit_events(convened)[-1][:2] == ("asha.patel", "action_added")


def test_an_owner_outside_the_invitees_can_hold_and_close_an_action(convened: Bot) -> None:
    say(
        convened,
        "asha.patel",
        '/strategy action NV-40213 owner=george.palmer due="friday" '
        'text="Check the family\'s housing situation"',
    )
    assert "NV-40213/A1" in say(convened, "george.palmer", "/strategy actions").text
    reply = say(
        convened,
        "george.palmer",
        '/strategy close NV-40213/A1 outcome="Family housed; no concerns"',
    )
    assert "closed by you" in reply.text


@pytest.mark.parametrize(
    ("who", "text", "problem"),
    [
        ("megan.price", ADD, "Only the chair or the convenor records actions"),
        (
            "asha.patel",
            ADD.replace("megan.price", "nobody.here"),
            "is not in the partner directory",
        ),
        ("asha.patel", ADD.replace("in 2 working days", "when pigs fly"), "could not read"),
        ("asha.patel", ADD.replace("in 2 working days", "yesterday"), "past"),
        (
            "asha.patel",
            ADD.replace('text="Complete a DASH risk assessment"', ""),
            "Add what is to be done",
        ),
        ("asha.patel", ADD.replace("NV-40213", "NV-99999"), "You have no strategy discussion"),
        ("ian.campbell", ADD, "You have no strategy discussion"),
    ],
)
def test_bad_actions_are_refused_and_write_nothing(
    convened: Bot, who: str, text: str, problem: str
) -> None:
    before = table_counts(convened)
    reply = say(convened, who, text)
    assert problem.lower() in reply.text.lower()
    assert table_counts(convened) == before


def nudges(bot: Bot) -> list[str]:
    return [o.message.text for o in take_sent(bot) if "Reminder: action" in o.message.text]


def test_the_owner_is_nudged_at_nine_each_working_day_until_closed(
    convened: Bot, clock: SimulatedClock
) -> None:
    clock.set(datetime(2026, 11, 26, 15, 0, tzinfo=UTC))  # Thu afternoon
    say(convened, "asha.patel", ADD)  # due Mon 30 Nov
    take_sent(convened)
    seen: list[tuple[datetime, str]] = []
    for _ in range(7 * 24):  # a week, an hour at a time
        clock.advance(timedelta(hours=1))
        convened.run_due_work()
        seen += [(clock.now(), text) for text in nudges(convened)]
    days = [moment.strftime("%a %d %H:%M") for moment, _ in seen]
    # Fri, then Mon (not the weekend), then daily while overdue.
    assert days == ["Fri 27 09:00", "Mon 30 09:00", "Tue 01 09:00", "Wed 02 09:00", "Thu 03 09:00"]
    assert "is due Mon 30 Nov 2026" in seen[0][1]
    assert "overdue by 1 working day" in seen[2][1]
    assert "overdue by 2 working days" in seen[3][1]

    say(
        convened,
        "megan.price",
        '/strategy close NV-40213/A1 outcome="DASH done: high risk, MARAC referral made"',
    )
    clock.advance(timedelta(days=7))
    convened.run_due_work()
    assert nudges(convened) == []


def test_closing_needs_the_owner_or_chair_and_an_outcome(convened: Bot) -> None:
    say(convened, "asha.patel", ADD)
    take_sent(convened)
    reply = say(convened, "olivia.bennett", '/strategy close NV-40213/A1 outcome="done it"')
    assert "Only the action's owner or the chair can close it" in reply.text
    reply = say(convened, "megan.price", "/strategy close NV-40213/A1")
    assert "Give the outcome" in reply.text
    reply = say(convened, "megan.price", '/strategy close NV-40213-A1 outcome="done it"')
    assert "is not an action reference" in reply.text
    reply = say(convened, "megan.price", '/strategy close NV-40213/A7 outcome="done it"')
    assert "has no action A7" in reply.text

    reply = say(convened, "asha.patel", '/strategy close NV-40213/A1 outcome="Done by the chair"')
    assert "closed by you" in reply.text
    owner = to(take_sent(convened), "megan.price")
    assert "closed by Asha Patel" in owner[0].message.text
    reply = say(convened, "megan.price", '/strategy close NV-40213/A1 outcome="done again"')
    assert "already closed" in reply.text
    with convened.core.sessions() as session:
        action = session.scalars(select(models.Action)).one()
        assert (action.status, action.outcome) == ("closed", "Done by the chair")


def test_my_actions_lists_open_actions_with_overdue_marked(
    convened: Bot, clock: SimulatedClock
) -> None:
    say(convened, "asha.patel", ADD)
    assert "You have no open actions" in say(convened, "olivia.bennett", "/strategy actions").text
    clock.advance(timedelta(days=3))
    reply = say(convened, "megan.price", "/strategy actions")
    assert (
        "NV-40213/A1: Complete a DASH risk assessment (due Wed 25 Nov 2026, 23:59 GMT, OVERDUE)"
        in reply.text
    )


def test_status_shows_actions_to_invitees(convened: Bot) -> None:
    say(convened, "asha.patel", ADD)
    reply = say(convened, "olivia.bennett", "/strategy status NV-40213")
    assert "NV-40213/A1 (Megan Price, due Wed 25 Nov 2026, 23:59 GMT, open)" in reply.text

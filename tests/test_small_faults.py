"""The smaller faults found while building reviews (issue 12, item 7), one test each."""

from __future__ import annotations

from datetime import timedelta

from bot.app import Bot
from scheduling.clock import SimulatedClock
from tests.helpers import say, take_sent, to

TWO_HEALTH = (
    "/strategy convene NV-40213 children=C1:2020-05-14 category=standard "
    'identified="today 9am" meeting="tomorrow 2pm" known=olivia.bennett,rachel.evans'
)
NO_HEALTH = (
    "/strategy convene NV-40213 children=C1:2020-05-14 category=standard "
    'identified="today 9am" meeting="tomorrow 2pm"'
)


def test_the_chairs_request_card_shows_the_old_due_date_as_from(convened: Bot) -> None:
    say(
        convened,
        "asha.patel",
        '/strategy action NV-40213 owner=megan.price due="wednesday" text="Complete the DASH"',
    )
    say(
        convened,
        "megan.price",
        '/strategy more-time NV-40213/A1 due="friday" reason="waiting for the GP"',
    )
    take_sent(convened)
    say(convened, "asha.patel", "/strategy approve NV-40213/A1")
    card = to(take_sent(convened), "asha.patel")[0].message.text
    assert "from Wed 25 Nov 2026, 23:59 GMT to Fri 27 Nov 2026, 23:59 GMT" in card
    assert "You approved this request" in card


def test_the_fallback_reason_says_the_others_declined(bot: Bot) -> None:
    say(bot, "ben.okafor", TWO_HEALTH)
    say(bot, "olivia.bennett", '/strategy decline NV-40213 reason="clinic all day"')
    take_sent(bot)
    say(bot, "rachel.evans", '/strategy decline NV-40213 reason="on leave"')
    alert = [
        o.message.text
        for o in to(take_sent(bot), "asha.patel")
        if o.message.text.startswith("Quorum at risk")
    ]
    assert (
        "Rachel Evans declined and everyone else from health has declined or delegated"
        in (alert[0])
    )
    assert "nobody else" not in alert[0]


def test_the_fallback_reason_when_nobody_else_was_invited(bot: Bot) -> None:
    say(
        bot,
        "ben.okafor",
        "/strategy convene NV-40213 children=C1:2020-05-14 category=standard "
        'meeting="tomorrow 2pm" known=olivia.bennett',
    )
    take_sent(bot)
    say(bot, "olivia.bennett", '/strategy decline NV-40213 reason="clinic all day"')
    alert = " ".join(o.message.text for o in to(take_sent(bot), "asha.patel"))
    assert "Olivia Bennett declined and nobody else from health was invited" in alert


def test_a_chair_who_delegated_the_chair_is_no_longer_labelled_chair(convened: Bot) -> None:
    say(convened, "asha.patel", "/strategy delegate NV-40213 to=marcus.reid")
    status = say(convened, "marcus.reid", "/strategy status NV-40213").text
    assert "chaired by Marcus Reid" in status
    assert (
        "Asha Patel, Northvale Children's Services (was the chair; delegated the chair to"
        in (status)
        or "(was the chair; delegated the chair to Marcus Reid)" in status
    )
    assert "(chair)" not in status.replace("delegated by Asha Patel (chair)", "")


def test_an_urgent_actions_owner_is_told_it_is_chased_every_day(convened: Bot) -> None:
    say(
        convened,
        "asha.patel",
        '/strategy action NV-40213 owner=megan.price due="tomorrow" text="Visit the home" '
        "urgent=yes",
    )
    assigned = to(take_sent(convened), "megan.price")[0].message.text
    assert "each day (urgent: weekends and bank holidays too) it is overdue" in assigned
    assert "each working day" not in assigned


def test_every_mash_nurse_asked_is_said_once(bot: Bot, clock: SimulatedClock) -> None:
    say(bot, "ben.okafor", NO_HEALTH)  # Zoe Fletcher, the duty MASH nurse, is invited
    say(bot, "zoe.fletcher", '/strategy decline NV-40213 reason="in court"')  # Amir is asked
    say(bot, "amir.hassan", '/strategy decline NV-40213 reason="on leave"')
    clock.advance(timedelta(hours=2))  # past the cutoff: the fallback check runs again
    bot.run_due_work()
    told = [
        o
        for o in take_sent(bot)
        if o.to == "asha.patel" and "every MASH nurse in the directory" in o.message.text
    ]
    assert len(told) == 1


def test_a_first_record_finalised_late_says_so(convened: Bot, clock: SimulatedClock) -> None:
    from tests.test_reviews import hold

    hold(convened, clock)
    clock.advance(timedelta(days=7))
    say(
        convened,
        "asha.patel",
        "/strategy record NV-40213 attended=asha.patel,ben.okafor,megan.price,olivia.bennett "
        's47="joint: C1 has bruising" children=C1,C2 family="partial: mother told"',
    )
    late = say(convened, "asha.patel", "/strategy record NV-40213 finalise").text
    assert "now: it is late, as the record was due to reach them by" in late


def test_a_record_finalised_in_time_is_not_called_late(
    convened: Bot, clock: SimulatedClock
) -> None:
    from tests.test_reviews import hold

    hold(convened, clock)
    say(
        convened,
        "asha.patel",
        "/strategy record NV-40213 attended=asha.patel,ben.okafor,megan.price,olivia.bennett "
        's47="joint: C1 has bruising" children=C1,C2 family="partial: mother told"',
    )
    on_time = say(convened, "asha.patel", "/strategy record NV-40213 finalise").text
    assert "it is late" not in on_time and "due by" in on_time


def test_a_same_day_deadline_is_warned_of_at_once_whatever_the_hour(
    bot: Bot, clock: SimulatedClock
) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import select

    from bot.storage import models

    clock.set(datetime(2026, 11, 23, 18, 0, tzinfo=UTC))  # out of hours
    say(
        bot,
        "ben.okafor",
        "/strategy convene NV-40213 children=C1:2020-05-14 category=serious_harm "
        'meeting="today 8pm" tags=injury',
    )
    with bot.core.sessions() as session:
        warnings = session.scalars(
            select(models.ScheduledWork.due_at).where(
                models.ScheduledWork.kind == models.WorkKind.DEADLINE_WARNING
            )
        ).all()
    # Serious harm: due the same day; the warning keeps to the time before the deadline.
    assert len(warnings) == 1 and warnings[0] > datetime(2026, 11, 23, 18, 0, tzinfo=UTC)


def test_a_same_day_warning_also_goes_to_the_chairs_deputy(bot: Bot, clock: SimulatedClock) -> None:
    from datetime import UTC, datetime

    clock.set(datetime(2026, 11, 23, 18, 0, tzinfo=UTC))  # out of hours
    say(
        bot,
        "ben.okafor",
        "/strategy convene NV-40213 children=C1:2020-05-14 category=serious_harm "
        'meeting="today 11:30pm" tags=injury',
    )
    take_sent(bot)
    seen = []
    while clock.now() < datetime(2026, 11, 23, 23, 0, tzinfo=UTC):
        clock.advance(timedelta(hours=1))
        bot.run_due_work()
        seen += [(o.to, o.message.text) for o in take_sent(bot)]
    warned = [(who, text) for who, text in seen if "has not taken place yet" in text]
    # The chair (Asha Patel) and the deputy the sample directory names for her.
    assert [who for who, _ in warned] == ["asha.patel", "marcus.reid"]
    assert warned[1][1].startswith("As Asha Patel's deputy")
    assert not warned[0][1].startswith("As ")


def test_a_deputy_is_not_warned_for_a_category_with_working_days(
    bot: Bot, clock: SimulatedClock
) -> None:
    from tests.test_reminders import run_hourly

    say(
        bot,
        "ben.okafor",
        "/strategy convene NV-40213 children=C1:2020-05-14 category=standard "
        'meeting="1/12 10am" late_reason="police cannot attend earlier"',
    )
    seen = run_hourly(bot, clock, "2026-11-27 00:00")
    warned = [who for _, who, text in seen if "has not taken place yet" in text]
    assert warned and set(warned) == {"asha.patel"}

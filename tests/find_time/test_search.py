"""Convening without a time: the search, the poll, closing it, choosing, overriding.

The bundled sample directory comes with the sample calendars (the council's
staff), so the chair's and the convenor's free/busy is read and the police
and health people are asked by poll, as in production outside the tenant.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.app import Bot
from bot.storage import models
from bot.storage.find_time_models import SearchStatus, TimeSearch
from scheduling.clock import SimulatedClock
from tests.helpers import audit_events, invitation_statuses, say, take_sent, to

FIND = (
    "/strategy convene NV-40213 children=C1:2020-05-14 category=standard "
    'identified="today 9am" tags=domestic_abuse known=olivia.bennett'
)
DEADLINE = datetime(2026, 11, 26, 23, 59, 59, tzinfo=UTC)


def _search(bot: Bot) -> TimeSearch:
    with bot.core.sessions() as session:
        search = session.scalars(select(TimeSearch)).one()
        session.expunge(search)
        return search


def _status(bot: Bot) -> str:
    with bot.core.sessions() as session:
        return session.scalars(select(models.Discussion.status)).one()


def _meeting(bot: Bot) -> datetime:
    with bot.core.sessions() as session:
        return session.scalars(select(models.Discussion.meeting_at)).one()


def _slot(bot: Bot, number: int) -> datetime:
    return datetime.fromisoformat(_search(bot).slots[number - 1][0])


def test_convene_without_a_time_offers_slots_before_the_deadline_and_polls_the_unseen(
    bot: Bot,
) -> None:
    reply = say(bot, "ben.okafor", FIND)
    items = take_sent(bot)

    assert "Finding a time for case NV-40213" in reply.text
    search = _search(bot)
    assert 1 <= len(search.slots) <= 4
    starts = [datetime.fromisoformat(s) for s, _ in search.slots]
    assert starts == sorted(starts)
    assert all(datetime.fromisoformat(e) <= DEADLINE for _, e in search.slots)
    assert search.closes_at == datetime(2026, 11, 23, 11, 30, tzinfo=UTC)  # 2 working hours
    assert all(s >= search.closes_at for s in starts)
    # The chair's calendar is read: none of the slots is when she is busy.
    assert "busy" in search.availability["asha.patel"]
    chair_busy = search.availability["asha.patel"]["busy"]
    for start, end in search.slots:
        assert not any(b_start < end and start < b_end for b_start, b_end in chair_busy)
    assert _status(bot) == models.DiscussionStatus.FINDING_TIME
    # Only the people whose calendars cannot be seen get the poll; no invitation yet.
    polls = [o for o in items if o.message.template == "messages/poll.txt.j2"]
    assert {o.to for o in polls} == {"olivia.bennett", "megan.price"}
    assert [b.action for b in polls[0].message.buttons] == ["available"]
    assert not [o for o in items if o.message.template == "messages/invitation.txt.j2"]
    tallies = [o for o in items if o.message.template == "messages/tally.txt.j2"]
    assert {o.to for o in tallies} == {"ben.okafor", "asha.patel"}
    assert "[statutory]" in tallies[0].message.text
    status = say(bot, "ben.okafor", "/strategy status NV-40213").text
    assert "finding a time: 0 of 2 answered, closes at Mon 23 Nov 2026, 11:30 GMT" in status
    listed = say(bot, "megan.price", "/strategy status").text
    assert "NV-40213: finding a time: 0 of 2 answered" in listed


def test_when_everyone_has_answered_the_earliest_slot_all_three_can_make_is_chosen(
    bot: Bot,
) -> None:
    say(bot, "ben.okafor", FIND)
    take_sent(bot)
    say(bot, "megan.price", "/strategy available NV-40213 2,3")
    assert _status(bot) == models.DiscussionStatus.FINDING_TIME
    tally = say(bot, "asha.patel", "/strategy slots NV-40213").text
    assert "1 of 2 answered" in tally and "Megan Price" in tally

    say(bot, "olivia.bennett", "/strategy available NV-40213 1,3")
    items = take_sent(bot)

    assert _status(bot) == models.DiscussionStatus.SCHEDULED
    assert _meeting(bot) == _slot(bot, 3)
    search = _search(bot)
    assert (search.status, search.chosen_slot, search.closed_by) == ("chosen", 3, "all_answered")
    with bot.core.sessions() as session:
        closing = session.scalars(
            select(models.ScheduledWork.status).where(
                models.ScheduledWork.kind == models.WorkKind.POLL_CLOSE
            )
        ).all()
    assert closing == [models.WorkStatus.CANCELLED]  # chosen before the poll closed
    invitations = [o for o in items if o.message.template == "messages/invitation.txt.j2"]
    assert {o.to for o in invitations} == {"olivia.bennett", "megan.price"}
    found = to(items, "ben.okafor")[-1].message
    assert "can all come" in found.text
    closed = [o for o in to(items, "megan.price") if o.message.template == "messages/poll.txt.j2"]
    assert closed and not closed[-1].message.buttons and "has closed" in closed[-1].message.text
    assert not any(o.to == "zoe.fletcher" for o in items)  # no fallback needed
    with bot.core.sessions() as session:
        kinds = set(session.scalars(select(models.ScheduledWork.kind)).all())
    assert {models.WorkKind.MEETING_START, models.WorkKind.FALLBACK_CHECK} <= kinds
    assert models.WorkKind.CALENDAR_SYNC in kinds
    events = [e for _, e, _ in audit_events(bot)]
    assert events.count("poll_answered") == 2 and "time_chosen" in events


def test_the_poll_closes_at_its_time_and_the_fallback_is_invited_when_health_cannot_come(
    bot: Bot, clock: SimulatedClock
) -> None:
    say(bot, "ben.okafor", FIND)
    say(bot, "megan.price", "/strategy available NV-40213 2,3,4")
    take_sent(bot)  # Olivia (health) never answers

    clock.set(datetime(2026, 11, 23, 11, 29, tzinfo=UTC))
    bot.run_due_work()
    assert _status(bot) == models.DiscussionStatus.FINDING_TIME
    clock.set(datetime(2026, 11, 23, 11, 30, tzinfo=UTC))
    bot.run_due_work()
    items = take_sent(bot)

    search = _search(bot)
    assert (search.status, search.closed_by) == ("chosen", "timed_out")
    assert _meeting(bot) == _slot(bot, 2)  # the most essential people; earliest among equals
    statuses = invitation_statuses(bot)
    assert statuses["zoe.fletcher"] == "invited"  # the MASH nurse, at once
    assert "nathan.osei" not in statuses  # police can come: no police fallback
    found = to(items, "ben.okafor")[-1].message.text
    assert "Not able to come: Olivia Bennett" in found
    assert "the MASH nurse has been invited now" in found
    refused = say(bot, "olivia.bennett", "/strategy available NV-40213 1")
    assert "has closed" in refused.text


def test_no_slot_with_all_three_picks_the_most_essential_people_and_says_so(bot: Bot) -> None:
    say(bot, "ben.okafor", FIND)
    say(bot, "megan.price", "/strategy available NV-40213 2")
    say(bot, "olivia.bennett", '/strategy available NV-40213 none when="friday 9am"')
    items = take_sent(bot)

    assert _meeting(bot) == _slot(bot, 2)  # police can come then; health cannot at any
    assert invitation_statuses(bot)["zoe.fletcher"] == "invited"
    with bot.core.sessions() as session:
        fallback = session.scalars(
            select(models.Invitation).where(models.Invitation.via_fallback.is_(True))
        ).one()
        assert "no candidate time suited" in fallback.reason
    assert any("MASH nurse" in o.message.text for o in to(items, "asha.patel"))


def test_the_convenor_overrides_with_a_slot_or_a_typed_time(bot: Bot) -> None:
    say(bot, "ben.okafor", FIND)
    refused = say(bot, "megan.price", "/strategy pick NV-40213 1")
    assert "Only the convenor and the chair" in refused.text
    assert "no slot 9" in say(bot, "ben.okafor", "/strategy pick NV-40213 9").text
    assert _status(bot) == models.DiscussionStatus.FINDING_TIME

    say(bot, "ben.okafor", "/strategy pick NV-40213 2")
    assert _meeting(bot) == _slot(bot, 2)
    search = _search(bot)
    assert (search.status, search.closed_by) == ("chosen", "convenor")

    # After the choice, pick moves the meeting (a reschedule, everyone told).
    take_sent(bot)
    say(bot, "asha.patel", '/strategy pick NV-40213 meeting="wednesday 3pm"')
    assert _meeting(bot) == datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
    assert any(o.message.template == "messages/rescheduled_notice.txt.j2" for o in take_sent(bot))


def test_a_typed_time_after_the_deadline_needs_a_reason(bot: Bot) -> None:
    say(bot, "ben.okafor", FIND)
    late = say(bot, "ben.okafor", '/strategy pick NV-40213 meeting="monday 10am"')
    assert "after the statutory deadline" in late.text
    say(bot, "ben.okafor", '/strategy pick NV-40213 meeting="thursday 10am"')
    assert _meeting(bot) == datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    assert _search(bot).chosen_slot is None


def test_a_found_meeting_can_be_rescheduled(bot: Bot) -> None:
    say(bot, "ben.okafor", FIND)
    say(bot, "ben.okafor", "/strategy pick NV-40213 1")
    reply = say(
        bot,
        "asha.patel",
        '/strategy reschedule NV-40213 meeting="thursday 2pm" reason="officer in court"',
    )
    assert "has moved from" in reply.text and "Thu 26 Nov 2026, 14:00 GMT" in reply.text
    assert _meeting(bot) == datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
    with bot.core.sessions() as session:
        starts = session.scalars(
            select(models.ScheduledWork.due_at).where(
                models.ScheduledWork.kind == models.WorkKind.MEETING_START,
                models.ScheduledWork.status == models.WorkStatus.PENDING,
            )
        ).all()
    assert starts == [datetime(2026, 11, 26, 14, 0, tzinfo=UTC)]


def test_bad_answers_are_refused_and_change_nothing(bot: Bot) -> None:
    say(bot, "ben.okafor", FIND)
    assert "no slot 7" in say(bot, "megan.price", "/strategy available NV-40213 7").text
    assert "not a slot number" in say(bot, "megan.price", "/strategy available NV-40213 x").text
    with_time = say(bot, "megan.price", '/strategy available NV-40213 1 when="friday 9am"')
    assert "none of these" in with_time.text
    outsider = say(bot, "kieran.walsh", "/strategy available NV-40213 1")
    assert "NV-40213" in outsider.text  # not invited: told as if there were no such case
    again = say(bot, "ben.okafor", FIND)
    assert "already being found" in again.text
    with bot.core.sessions() as session:
        assert len(session.scalars(select(models.Discussion)).all()) == 1
        assert not session.scalars(
            select(models.AuditEvent).where(models.AuditEvent.event == "poll_answered")
        ).all()


def test_the_poll_button_opens_a_form_of_the_slots_that_a_link_page_can_post_too(
    bot: Bot,
) -> None:
    say(bot, "ben.okafor", FIND)
    megan = bot.core.directory.contact("megan.price")
    assert megan is not None
    form = bot.form(megan, "available", "NV-40213")
    values = [c.value for c in form.choices("slots")]
    assert values == ["1", "2", "3", "4", "none"]

    outcome = bot.act(megan, "available", {"case": "NV-40213", "slots": ["1", "2"]})
    assert outcome.ok
    with bot.core.sessions() as session:
        answers = session.scalars(select(TimeSearch)).one().answers
        assert [(a.contact.key, a.slots) for a in answers] == [("megan.price", [1, 2])]


def test_same_day_categories_search_today_and_close_in_half_an_hour(bot: Bot) -> None:
    say(
        bot,
        "ben.okafor",
        "/strategy convene NV-40213 children=C1 category=serious_harm tags=injury",
    )
    search = _search(bot)
    assert search.closes_at == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    for start, _ in search.slots:
        at = datetime.fromisoformat(start)
        assert at.date() == datetime(2026, 11, 23).date()
        assert at >= search.closes_at
    assert search.status == SearchStatus.OPEN
    assert len(search.slots) == 4  # every hour of the day counts: slots an hour apart


def test_the_convene_form_finds_a_time_when_find_a_time_is_ticked(bot: Bot) -> None:
    ben = bot.core.directory.contact("ben.okafor")
    assert ben is not None
    fields = {"case": "NV-40213", "children": "C1", "category": "standard", "find_time": True}
    both = bot.act(ben, "convene", {**fields, "meeting": "tomorrow 2pm"})
    assert not both.ok and "not both" in both.reply.text
    assert bot.act(ben, "convene", fields).ok
    assert _status(bot) == models.DiscussionStatus.FINDING_TIME

"""Cancelling while a time is being found, and poll buttons that name their discussion
(NV-40213#1), so an old poll card never acts on a review. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.app import Bot
from bot.links.tokens import find_link
from bot.storage import models
from bot.storage.find_time_models import SearchStatus, TimeSearch
from bot.storage.link_models import LinkToken
from scheduling.clock import SimulatedClock
from tests.helpers import audit_events, say, take_sent, to
from tests.web_page.items import poll_link

FIND = (
    "/strategy convene NV-40213 children=C1:2020-05-14 category=standard "
    'identified="today 9am" tags=domestic_abuse known=olivia.bennett'
)
CANCEL = '/strategy cancel NV-40213 reason="The family has moved out of the area"'


def searches(bot: Bot) -> list[tuple[int, str]]:
    with bot.core.sessions() as session:
        return [
            (s.discussion.number, s.status)
            for s in session.scalars(select(TimeSearch).order_by(TimeSearch.id))
        ]


def test_cancel_while_finding_a_time_ends_the_search_and_updates_each_poll_in_place(
    bot: Bot, clock: SimulatedClock
) -> None:
    say(bot, "ben.okafor", FIND)
    polls = {o.to: o.thread for o in take_sent(bot) if o.message.template == "messages/poll.txt.j2"}
    assert set(polls) == {"megan.price", "olivia.bennett"}
    say(bot, "megan.price", "/strategy available NV-40213 1")
    take_sent(bot)

    reply = say(bot, "ben.okafor", CANCEL)
    items = take_sent(bot)
    assert "the search for a time was cancelled by Ben Okafor" in reply.text
    assert searches(bot) == [(1, SearchStatus.CANCELLED)]
    with bot.core.sessions() as session:
        discussion = session.scalars(select(models.Discussion)).one()
        assert discussion.status == models.DiscussionStatus.CANCELLED
        closing = session.scalars(
            select(models.ScheduledWork.status).where(
                models.ScheduledWork.kind == models.WorkKind.POLL_CLOSE
            )
        ).all()
    assert closing == [models.WorkStatus.CANCELLED]
    # Each invitee's poll changes in place (its own thread) to say it is not needed.
    for who, thread in polls.items():
        [poll] = [o for o in to(items, who) if o.thread == thread]
        assert "This poll is no longer needed" in poll.message.text
        assert "moved out of the area" in poll.message.text and not poll.message.buttons
    # The convenor's and the chair's tally say so too; nobody was ever invited.
    for who in ("ben.okafor", "asha.patel"):
        [tally] = [o for o in to(items, who) if (o.thread or "").startswith("tally:")]
        assert "search for a time was cancelled" in tally.message.text
    assert not [o for o in items if o.message.template == "messages/invitation.txt.j2"]
    events = [(actor, event) for actor, event, _ in audit_events(bot)]
    assert ("ben.okafor", "time_search_cancelled") in events
    assert ("ben.okafor", "cancelled") in events

    # Answers and picks after that are refused, saying why, and change nothing.
    for who, typed in (
        ("olivia.bennett", "/strategy available NV-40213 2"),
        ("ben.okafor", "/strategy pick NV-40213 1"),
    ):
        refused = bot.command(bot.core.directory.contact(who), typed)  # type: ignore[arg-type]
        assert not refused.ok
        assert "The search for a time for case NV-40213 was cancelled" in refused.reply.text
    # The poll's closing time passes: nothing is chosen, nobody invited.
    clock.advance(timedelta(hours=3))
    bot.run_due_work()
    assert not [o for o in take_sent(bot) if o.message.template == "messages/invitation.txt.j2"]
    assert searches(bot) == [(1, SearchStatus.CANCELLED)]


def test_only_the_convenor_or_chair_may_cancel_a_search(bot: Bot) -> None:
    say(bot, "ben.okafor", FIND)
    megan = bot.core.directory.contact("megan.price")
    assert megan is not None
    refused = bot.command(megan, CANCEL)
    assert not refused.ok
    assert searches(bot) == [(1, SearchStatus.OPEN)]


def test_an_old_poll_button_never_acts_on_the_review(bot: Bot) -> None:
    say(bot, "ben.okafor", FIND)
    [old_poll] = [
        o for o in to(take_sent(bot), "megan.price") if o.message.template == "messages/poll.txt.j2"
    ]
    [button] = old_poll.message.buttons
    assert (button.action, button.value) == ("available", "NV-40213#1")
    say(bot, "ben.okafor", CANCEL)
    take_sent(bot)
    say(bot, "ben.okafor", FIND)  # the review, NV-40213#2, finds a time too
    items = take_sent(bot)
    assert searches(bot) == [(1, SearchStatus.CANCELLED), (2, SearchStatus.OPEN)]
    [new_poll] = [
        o for o in to(items, "megan.price") if o.message.template == "messages/poll.txt.j2"
    ]
    assert [b.value for b in new_poll.message.buttons] == ["NV-40213#2"]
    tally = [o for o in to(items, "ben.okafor") if (o.thread or "").startswith("tally:")]
    assert [b.value for b in tally[-1].message.buttons] == ["NV-40213#2"]

    # The old card's button names the first discussion: refused, the review's poll untouched.
    megan = bot.core.directory.contact("megan.price")
    assert megan is not None
    old = bot.act(megan, "available", {"case": button.value, "slots": ["1"]})
    assert not old.ok and "cancelled" in old.reply.text
    with bot.core.sessions() as session:
        answers = [a for s in session.scalars(select(TimeSearch)) for a in s.answers]
    assert answers == []
    # The review's own button works.
    new = bot.act(megan, "available", {"case": "NV-40213#2", "slots": ["1"]})
    assert new.ok, new.reply.text


def test_an_old_pick_button_never_moves_the_review(bot: Bot) -> None:
    say(bot, "ben.okafor", FIND)
    say(bot, "megan.price", "/strategy available NV-40213 1")
    say(bot, "olivia.bennett", "/strategy available NV-40213 1")  # found: slot 1
    found = [o for o in to(take_sent(bot), "ben.okafor") if o.message.buttons]
    [pick] = found[-1].message.buttons
    assert (pick.action, pick.value) == ("pick", "NV-40213#1")
    say(bot, "ben.okafor", CANCEL.replace("cancel NV-40213", "cancel NV-40213#1"))
    review = FIND.replace("tags=", 'meeting="tomorrow 2pm" tags=')
    assert "NV-40213#2" in say(bot, "ben.okafor", review).text
    ben = bot.core.directory.contact("ben.okafor")
    assert ben is not None
    with bot.core.sessions() as session:
        before = session.scalars(
            select(models.Discussion.meeting_at).where(models.Discussion.number == 2)
        ).one()
    moved = bot.act(ben, "pick", {"case": pick.value, "slot": "2"})
    assert not moved.ok and "NV-40213" in moved.reply.text
    with bot.core.sessions() as session:
        after = session.scalars(
            select(models.Discussion.meeting_at).where(models.Discussion.number == 2)
        ).one()
    assert after == before
    assert "rescheduled" not in [event for _, event, _ in audit_events(bot)]


def test_cancelling_a_search_revokes_its_poll_links(bot: Bot) -> None:
    say(bot, "ben.okafor", FIND)
    take_sent(bot)
    link = poll_link(bot, "olivia.bennett")
    with bot.core.sessions() as session:
        assert find_link(session, link, bot.core.clock.now()) is not None

    say(bot, "ben.okafor", CANCEL)
    with bot.core.sessions() as session:
        assert find_link(session, link, bot.core.clock.now()) is None
        [row] = session.scalars(select(LinkToken)).all()
        assert row.revoked_reason == "cancelled"
    revoked = [d for _, event, d in audit_events(bot) if event == "links_revoked"]
    assert revoked == [{"reason": "cancelled", "count": 1, "item": "poll"}]

"""Which discussion an outbox row is about: whom to tell when nobody can be reached.

A message that names a case (in its facts or its buttons, an action's reference
naming its case) is about that case's latest discussion; the row's INSERT finds
it, once the unit of work's changes are flushed (a discussion it has just added too).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.app import Bot
from bot.messages import Button, Kind, Message, Outgoing
from bot.storage import models
from bot.storage.outbox_models import OutboxRow
from bot.unit import unit_of_work
from scheduling.clock import SimulatedClock
from tests.helpers import say, take_sent
from tests.test_reviews import REVIEW


def row_discussions(bot: Bot, *messages: Message) -> list[int | None]:
    """The discussion each message's row records, written in one unit of work."""
    with unit_of_work(bot.core) as unit:
        unit.emit([Outgoing("megan.price", m) for m in messages])
    with bot.core.sessions() as session:
        written = session.scalars(
            select(OutboxRow.discussion_id).order_by(OutboxRow.id.desc()).limit(len(messages))
        ).all()
    return list(reversed(written))


def discussion_ids(bot: Bot) -> list[int]:
    with bot.core.sessions() as session:
        return list(session.scalars(select(models.Discussion.id).order_by(models.Discussion.id)))


def notice(case: str = "", *buttons: Button) -> Message:
    return Message(Kind.NOTICE, "a notice", context={"case": case} if case else {}, buttons=buttons)


def test_a_message_naming_a_case_or_an_action_is_about_the_cases_discussion(
    convened: Bot,
) -> None:
    (first,) = discussion_ids(convened)
    assert row_discussions(
        convened,
        notice("NV-40213"),
        notice("", Button("close", "NV-40213/A1")),
        notice("NV-99999", Button("accept", "NV-40213")),  # the first case that has one
        notice("NV-99999"),
        notice(),
    ) == [first, first, first, None, None]


def test_after_a_review_messages_naming_the_case_are_about_the_review(
    convened: Bot, clock: SimulatedClock
) -> None:
    """Those the review's own unit of work writes (it adds the discussion), and later ones."""
    for who in ("megan.price", "olivia.bennett", "bethany.cole"):
        say(convened, who, "/strategy accept NV-40213")
    clock.advance(timedelta(days=1, hours=4, minutes=30))
    convened.run_due_work()
    take_sent(convened)
    with convened.core.sessions() as session:
        before = session.scalar(select(func.max(OutboxRow.id)))
    say(convened, "ben.okafor", REVIEW)
    first, review = discussion_ids(convened)
    with convened.core.sessions() as session:
        written = set(session.scalars(select(OutboxRow.discussion_id).where(OutboxRow.id > before)))
        assert review in written and first not in written
    later = row_discussions(convened, notice("NV-40213"), notice("", Button("x", "NV-40213/A1")))
    assert later == [review, review]

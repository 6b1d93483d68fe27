"""Links to every kind of item, issued directly (as the emails will issue them)."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import Bot
from bot.links.tokens import (
    CHAIR_ACTION_INTENTS,
    OWNER_ACTION_INTENTS,
    issue_action_link,
    issue_poll_link,
    issue_record_link,
)
from bot.storage import models
from bot.storage.db import transaction
from bot.storage.find_time_models import TimeSearch
from bot.storage.record_models import RecordVersion
from tests.helpers import say, take_sent

FIND = (
    "/strategy convene NV-40213 children=C1:2020-05-14 category=standard "
    'identified="today 9am" tags=domestic_abuse known=olivia.bennett'
)
ACTION = (
    "/strategy action NV-40213 owner={owner} due=friday "
    'text="Share the health visitor\'s notes with police"'
)
RECORD = (
    "/strategy record NV-40213 attended=asha.patel,ben.okafor,megan.price,olivia.bennett "
    "children=C1,C2 "
    's47="joint: C1 has bruising <b>and</b> says her mother\'s partner hurt her" '
    'family="partial: mother told today"'
)


def _contact(session: object, key: str) -> models.Contact:
    found = session.scalars(  # type: ignore[attr-defined]
        select(models.Contact).where(models.Contact.key == key)
    ).one()
    assert isinstance(found, models.Contact)
    return found


def add_action(bot: Bot, owner: str = "olivia.bennett") -> None:
    reply = say(bot, "asha.patel", ACTION.format(owner=owner))
    assert "A1" in reply.text, reply.text
    take_sent(bot)


def action_link(bot: Bot, who: str, *, chair: bool = False) -> str:
    intents = CHAIR_ACTION_INTENTS if chair else OWNER_ACTION_INTENTS
    with transaction(bot.core.sessions) as session:
        action = session.scalars(select(models.Action).order_by(models.Action.id.desc())).first()
        assert action is not None
        return issue_action_link(
            session,
            action,
            _contact(session, who),
            now=bot.core.clock.now(),
            calendar=bot.core.calendar,
            intents=intents,
        )


def poll_link(bot: Bot, who: str) -> str:
    with transaction(bot.core.sessions) as session:
        search = session.scalars(select(TimeSearch)).one()
        return issue_poll_link(
            session,
            search,
            _contact(session, who),
            now=bot.core.clock.now(),
            calendar=bot.core.calendar,
        )


def record_link(bot: Bot, who: str) -> str:
    with transaction(bot.core.sessions) as session:
        version = session.scalars(select(RecordVersion)).one()
        return issue_record_link(
            session,
            version,
            _contact(session, who),
            now=bot.core.clock.now(),
            calendar=bot.core.calendar,
        )


def finalise_record(bot: Bot) -> None:
    """The discussion held and its record finalised (version 1, circulated)."""
    from datetime import timedelta

    from bot.mail import OutboxMailer

    say(bot, "megan.price", "/strategy accept NV-40213")
    say(bot, "olivia.bennett", "/strategy accept NV-40213")
    bot.core.clock.advance(timedelta(days=1, hours=4, minutes=30))  # type: ignore[attr-defined]
    bot.run_due_work()
    say(bot, "asha.patel", RECORD)
    if bot.core.mailer is None:
        import tempfile
        from pathlib import Path

        bot.core.mailer = OutboxMailer(Path(tempfile.mkdtemp()))
    reply = say(bot, "asha.patel", "/strategy record NV-40213 finalise")
    assert "finalised: version 1" in reply.text, reply.text
    take_sent(bot)

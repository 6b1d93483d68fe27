"""A command reads the discussion and what hangs from it in as few queries as it can:
eager loading where the command reads on, no reload of what the session holds."""

from __future__ import annotations

import gc
import re

from sqlalchemy import event

from bot.app import Bot
from tests.helpers import say

ADD = (
    '/strategy action NV-40213 owner=megan.price due="in 2 working days" '
    'text="Complete a DASH risk assessment"'
)
# An ORM load of rows of one of these tables (the outbox's id-only lookups are not).
_LOAD = re.compile(
    r'\s*SELECT\s+"?(discussion|case|invitation|contact|discussion_child|action)"?\.\w+,'
)


def loads(bot: Bot, who: str, text: str) -> list[str]:
    """The tables whose rows one command loads, a query at a time, in order."""
    tables: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if (match := _LOAD.match(statement)) is not None:
            tables.append(match[1])

    engine = bot.core.sessions.kw["bind"]
    event.listen(engine, "before_cursor_execute", seen)
    # The session's identity map holds its rows weakly: a cyclic collection in the middle
    # of the command (when it comes depends on what earlier tests allocated) can free the
    # loaded invitations once the service is done with them, and the outbox's lookup by
    # thread then reads one again. Without it the count is the command's own.
    gc.disable()
    try:
        say(bot, who, text)
    finally:
        gc.enable()
        event.remove(engine, "before_cursor_execute", seen)
    return tables


def test_accepting_loads_the_discussion_with_its_case_and_invitations_once(convened: Bot) -> None:
    # Was eight: the case, invitations and children lazily, then all again after a refresh.
    assert loads(convened, "megan.price", "/strategy accept NV-40213") == [
        "discussion",
        "discussion_child",
    ]


def test_adding_an_action_loads_the_discussion_with_its_chair_and_convenor(convened: Bot) -> None:
    # Then the owner's contact row (the actor's is the chair's); was six: chair, convenor
    # and case lazily, then the actor's row by key.
    assert loads(convened, "asha.patel", ADD) == ["discussion", "contact"]


def test_closing_an_action_loads_it_with_its_owner_discussion_and_chair(convened: Bot) -> None:
    say(convened, "asha.patel", ADD)
    # Was six: owner, discussion, chair and case lazily, then the closer's row by key.
    outcome = '/strategy close NV-40213/A1 outcome="DASH done: high risk"'
    assert loads(convened, "megan.price", outcome) == ["action"]

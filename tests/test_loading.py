"""A command reads the discussion and what hangs from it in as few queries as it can:
eager loading where the command reads on, no reload of what the session holds."""

from __future__ import annotations

import gc
import re
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from bot.app import Bot
from bot.links.buttons import DatabaseLinks
from bot.messages import Button, Kind, Message
from scheduling.clock import SimulatedClock
from tests.helpers import CONVENE, say
from tests.test_reviews import hold

ADD = (
    '/strategy action NV-40213 owner=megan.price due="in 2 working days" '
    'text="Complete a DASH risk assessment"'
)
# An ORM load of rows of one of these tables (the outbox's id-only lookups are not).
_LOAD = re.compile(
    r'\s*SELECT\s+"?(discussion|case|invitation|contact|discussion_child|action)"?\.\w+,'
)


# The table a load selects from: its first columns may be those of a joined row (the
# case's, for a discussion read with contains_eager).
_FROM = re.compile(r'\bFROM\s+"?(\w+)"?')


def loads(bot: Bot, who: str, text: str) -> list[str]:
    """The tables whose rows one command loads, a query at a time, in order."""
    return loaded_by(bot, lambda: say(bot, who, text))


def loaded_by(bot: Bot, run: Callable[[], object]) -> list[str]:
    """The tables whose rows `run` loads, a query at a time, in order."""
    return [_table(statement) for statement in load_statements(bot, run)]


def _table(statement: str) -> str:
    found = _FROM.search(statement)
    assert found is not None, statement
    return found[1]


def load_statements(bot: Bot, run: Callable[[], object]) -> list[str]:
    """The SQL of each ORM load of rows that `run` makes, in order."""
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if _LOAD.match(statement) is not None:
            statements.append(statement)

    engine = bot.core.sessions.kw["bind"]
    event.listen(engine, "before_cursor_execute", seen)
    # The session's identity map holds its rows weakly: a cyclic collection in the middle
    # of the command (when it comes depends on what earlier tests allocated) can free the
    # loaded invitations once the service is done with them, and the outbox's lookup by
    # thread then reads one again. Without it the count is the command's own.
    gc.disable()
    try:
        run()
    finally:
        gc.enable()
        event.remove(engine, "before_cursor_execute", seen)
    return statements


def test_accepting_loads_the_discussion_with_its_case_invitations_and_children_once(
    convened: Bot,
) -> None:
    # Was eight: the case, invitations and children lazily, then all again after a refresh;
    # then two, the children lazily for the invitee's card.
    assert loads(convened, "megan.price", "/strategy accept NV-40213") == ["discussion"]


def test_adding_an_action_loads_the_discussion_with_its_chair_and_convenor(convened: Bot) -> None:
    # Not the owner's contact row: the action points at it by the id the core keeps
    # (bot/storage/row_ids.py). Was six: chair, convenor and case lazily, then the actor's
    # row by key; then two, with the owner's row.
    assert loads(convened, "asha.patel", ADD) == ["discussion"]


def test_closing_an_action_loads_it_with_its_owner_discussion_and_chair(convened: Bot) -> None:
    say(convened, "asha.patel", ADD)
    # Was six: owner, discussion, chair and case lazily, then the closer's row by key.
    outcome = '/strategy close NV-40213/A1 outcome="DASH done: high risk"'
    assert loads(convened, "megan.price", outcome) == ["action"]


def lazy_loads(run: Callable[[], object]) -> list[str]:
    """The relationships `run` loads lazily (a query each), in order: SQLAlchemy's own
    event for every ORM statement, which names the object a lazy load is for."""
    loaded: list[str] = []

    def seen(state: ORMExecuteState) -> None:
        if state.is_select and state.lazy_loaded_from is not None:
            loaded.append(str(state.loader_strategy_path[-1]))

    event.listen(Session, "do_orm_execute", seen)
    try:
        run()
    finally:
        event.remove(Session, "do_orm_execute", seen)
    return loaded


def test_convening_reads_the_new_discussion_back_with_what_its_messages_show(bot: Bot) -> None:
    # Was a refresh, then the invitations and the children lazily for the invitations
    # and the chair's view. Left: the calendar sync's invitations, by their own query
    # on purpose (bot/calendar/sync.py).
    assert lazy_loads(lambda: say(bot, "ben.okafor", CONVENE)) == ["Discussion.invitations"]


def test_responding_loads_nothing_lazily(convened: Bot) -> None:
    assert lazy_loads(lambda: say(convened, "megan.price", "/strategy accept NV-40213")) == []
    decline = '/strategy decline NV-40213 reason="On leave that day"'
    assert "Discussion.child_facts" not in lazy_loads(lambda: say(convened, "megan.price", decline))


def _invitation_card() -> Message:
    """An emailed invitation's card: its three buttons name the same discussion."""
    return Message(
        Kind.INVITATION,
        "You are invited",
        buttons=tuple(Button(name, "NV-40213#1") for name in ("accept", "decline", "delegate")),
    )


def test_an_emailed_invitations_links_read_its_discussion_once(convened: Bot) -> None:
    links = DatabaseLinks(convened.core, "https://strategy.example.org")
    card = _invitation_card()

    def issue() -> None:
        gc.collect()  # the session holds rows weakly: nothing is kept alive by chance
        assert len(set(links.links("megan.price", card).values())) == 1

    # The token's expiry (the meeting day) read the discussion again, by id, once the
    # session let it go.
    assert lazy_loads(issue) == []


def test_a_discussion_named_by_reference_comes_with_the_case_it_was_found_by(
    convened: Bot,
) -> None:
    (statement,) = load_statements(
        convened, lambda: say(convened, "megan.price", "/strategy accept NV-40213")
    )
    # Was twice: once to find the case by its reference, once more for its eager load.
    assert statement.count('JOIN "case"') == 1


def test_an_emailed_invitations_links_read_only_that_invitation(convened: Bot) -> None:
    links = DatabaseLinks(convened.core, "https://strategy.example.org")
    card = _invitation_card()
    statements = load_statements(convened, lambda: links.links("megan.price", card))
    # Was the discussion with every invitation (and each invitee's contact and agency),
    # to pick out the one, once per button: now the invitation with its discussion and
    # case, once for the three buttons that name it.
    assert [_table(s) for s in statements] == ["invitation"]
    assert " invitation AS " not in statements[0]


def test_the_record_reads_the_chair_and_convenor_with_the_invitations(
    convened: Bot, clock: SimulatedClock
) -> None:
    hold(convened, clock)
    draft = '/strategy record NV-40213 s47="joint: C1 has bruising"'
    statements: list[str] = []

    def record() -> None:
        statements.extend(load_statements(convened, lambda: say(convened, "asha.patel", draft)))

    # Not a query for either: their rows came with the invitations.
    assert lazy_loads(record) == []
    # The discussion, then its children and its actions by a query each (selectinload),
    # in an order SQLAlchemy leaves open: it differs between processes.
    tables = [_table(s) for s in statements]
    assert tables[0] == "discussion"
    assert sorted(tables[1:]) == ["action", "discussion_child"]
    # Was three contacts joined: the chair's and the convenor's besides the invitees'.
    assert statements[0].count("JOIN contact") == 1

"""A person's commands find their discussions from the case, or from the discussions
still to be held, never from every invitation that person has had: the police and
health leads are invited to nearly every discussion, so a lookup that started from
their invitations would grow with the partnership's history.

Read from SQLite's own plans (EXPLAIN QUERY PLAN of each statement the command ran).
PostgreSQL plans by its statistics, which a test's few rows do not resemble."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from bot.app import Bot
from tests.helpers import recorded_statements, say

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

# A step that walks a person's invitations by the contact index (the outer loop).
_BY_PERSON = "USING INDEX ix_invitation_contact"


def plan_steps(bot: Bot, who: str, text: str) -> list[tuple[str, str]]:
    """(statement, plan step) for every step of every SELECT the command ran."""
    with recorded_statements(bot) as ran:
        say(bot, who, text)
    engine: Engine = bot.core.sessions.kw["bind"]
    steps = []
    with engine.connect() as connection:
        for statement in ran:
            if statement.sql.startswith("SELECT"):
                plan = connection.exec_driver_sql(
                    "EXPLAIN QUERY PLAN " + statement.sql, statement.parameters
                )
                steps += [(statement.sql[:120], row[3]) for row in plan]
    return steps


@pytest.mark.parametrize(
    ("who", "command"),
    [
        ("megan.price", "/strategy status NV-40213"),
        ("megan.price", "/strategy status NV-40213#1"),
        ("megan.price", "/strategy status"),
        ("megan.price", "/strategy accept NV-40213"),
        ("ben.okafor", "/strategy status"),
    ],
)
def test_a_persons_lookup_does_not_start_from_their_invitations(
    convened: Bot, who: str, command: str
) -> None:
    steps = plan_steps(convened, who, command)
    assert steps, "the command ran no SELECT: nothing was checked"
    assert [s for s in steps if _BY_PERSON in s[1]] == []

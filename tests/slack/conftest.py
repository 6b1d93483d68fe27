"""Slack tests run the real Bolt app behind the real web app, against FakeSlack.

`slack` runs on SQLite: what these tests check is the platform (the database
behaviour of the flow is covered by the core tests). `slack_db` runs on SQLite
and PostgreSQL, for what the Slack adapter itself keeps in the database.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from scheduling.clock import SimulatedClock
from tests.slack.harness import SlackTest, slack_test


def _checked(test: SlackTest) -> None:
    assert test.fake.problems == [], "Block Kit refused by slack_sdk's models"
    if not test.errors_allowed:
        assert [r.getMessage() for r in test.errors.records] == []


@pytest.fixture
def slack(sqlite_template: Path, tmp_path: Path, clock: SimulatedClock) -> Iterator[SlackTest]:
    shutil.copy(sqlite_template, tmp_path / "slack.db")
    with slack_test(f"sqlite:///{tmp_path / 'slack.db'}", clock) as test:
        yield test
        _checked(test)


@pytest.fixture
def slack_db(database_url: str, clock: SimulatedClock) -> Iterator[SlackTest]:
    with slack_test(database_url, clock) as test:
        yield test
        _checked(test)

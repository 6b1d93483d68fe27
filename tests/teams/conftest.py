"""The Teams bot between local fakes of Microsoft, on a fresh database."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from scheduling.clock import SimulatedClock
from tests.conftest import MONDAY_0930
from tests.contract.teams_driver import TeamsDriver
from tests.teams.harness import TeamsHarness


@pytest.fixture
def teams(sqlite_template: Path, tmp_path: Path) -> Iterator[TeamsHarness]:
    """On SQLite: these tests are about Teams; the databases are covered elsewhere."""
    path = tmp_path / "teams.db"
    shutil.copy(sqlite_template, path)
    with TeamsHarness.start(f"sqlite:///{path}", SimulatedClock(MONDAY_0930), tmp_path) as harness:
        yield harness
        assert harness.teams.card_problems == []


@pytest.fixture
def driver(teams: TeamsHarness) -> TeamsDriver:
    assert teams.install_in_channel().status_code == 200
    assert isinstance(teams.clock, SimulatedClock)
    return TeamsDriver(teams, teams.clock)

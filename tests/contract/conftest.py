"""The contract suite runs once per platform: each platform adds its driver to PLATFORMS.

A platform's entry is a context manager that, given a fresh database URL and
the simulated clock, starts whatever the platform needs (local fake servers
for Slack or Teams) and yields a driver.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
from rich.console import Console

from bot.app import Bot, build_core
from bot.intents import INTENTS, IntentTable
from bot.settings import Settings
from handlers.console import ConsoleChat
from scheduling.clock import SimulatedClock
from tests.conftest import MONDAY_0930
from tests.contract.drivers import ConsoleDriver, PlatformDriver
from tests.contract.slack_driver import slack_platform
from tests.contract.teams_driver import teams_platform


@contextmanager
def console_platform(
    database_url: str, clock: SimulatedClock, intents: IntentTable = INTENTS
) -> Iterator[PlatformDriver]:
    core = build_core(Settings(database_url=database_url, strategy_directory=None), clock)
    chat = ConsoleChat(core.directory, Console(file=io.StringIO(), width=200))
    try:
        yield ConsoleDriver(Bot(core, chat, intents), clock)
    finally:
        core.close()


Platform = Callable[[str, SimulatedClock, IntentTable], AbstractContextManager[PlatformDriver]]

PLATFORMS: dict[str, Platform] = {
    "console": console_platform,
    "slack": slack_platform,
    "teams": teams_platform,
}


@pytest.fixture(params=sorted(PLATFORMS))
def driver(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path
) -> Iterator[PlatformDriver]:
    # The contract is about the platforms; the databases are covered by the core tests.
    path = tmp_path / "contract.db"
    shutil.copy(sqlite_template, path)
    clock = SimulatedClock(MONDAY_0930)
    with PLATFORMS[request.param](f"sqlite:///{path}", clock, INTENTS) as driver:
        yield driver

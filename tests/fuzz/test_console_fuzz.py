"""Fuzzing the console: thousands of valid and mutated commands through real consoles.

CI runs a fixed seed (the same commands every time). A developer can run
longer, or another seed, with STRATEGY_FUZZ_SEED and STRATEGY_FUZZ_COMMANDS,
or from the command line: `python -m tests.fuzz.run --seed 7 --commands 50000`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.fuzz.console_driver import Report
from tests.fuzz.run import DEFAULT_TIMEOUT, fuzz

SEED = int(os.environ.get("STRATEGY_FUZZ_SEED", "1"))
COMMANDS = int(os.environ.get("STRATEGY_FUZZ_COMMANDS", "5000"))
PROCESSES = 4  # consoles, each on its own fresh database
PARALLEL = 2  # at a time: this machine has 2 cores


@pytest.mark.slow
def test_no_command_crashes_hangs_or_writes_when_refused(sqlite_template: Path) -> None:
    report: Report = fuzz(SEED, COMMANDS, PROCESSES, PARALLEL, sqlite_template, DEFAULT_TIMEOUT)
    assert report.commands >= COMMANDS
    assert report.findings == [], "\n".join(str(f) for f in report.findings[:20])
    # The mutations reach the services: many commands are refused, many are not.
    assert COMMANDS * 0.2 < report.refused < COMMANDS * 0.8

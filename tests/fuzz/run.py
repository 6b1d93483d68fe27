"""Fuzz the console from the command line, longer or with another seed than CI does.

    python -m tests.fuzz.run [--seed 1] [--commands 5000] [--processes 4] [--parallel 2]

Each process gets its own seed (derived from --seed) and a fresh database. It
prints what it found (crashes, hangs, refused commands that wrote, refusals
without an example), one finding per line with the input that caused it, and
exits with status 1 if there was any.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bot.storage.db import migrate
from tests.fuzz.console_driver import Report, run_lines
from tests.fuzz.generate import Generator

# Seconds one console line may take before it counts as a hang.
DEFAULT_TIMEOUT = 5.0


def fuzz(
    seed: int, commands: int, processes: int, parallel: int, template: Path, timeout: float
) -> Report:
    per_process = -(-commands // processes)
    scripts = [Generator(seed * 1000 + n).lines(per_process) for n in range(processes)]
    report = Report()
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        for part in pool.map(lambda lines: run_lines(lines, template, timeout), scripts):
            report.add(part)
    return report


def migrated_template(folder: Path) -> Path:
    path = folder / "template.db"
    migrate(f"sqlite:///{path}")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--commands", type=int, default=5000)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT)
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as folder:
        template = migrated_template(Path(folder))
        report = fuzz(
            args.seed, args.commands, args.processes, args.parallel, template, args.timeout
        )
    for finding in report.findings:
        print(finding)
    kinds = ("crash", "hang", "refused_wrote", "refused_without_example")
    print(
        f"{report.commands} commands ({report.refused} refused) in "
        f"{time.monotonic() - started:.0f} s, slowest {report.slowest:.2f} s: "
        + ", ".join(f"{report.count(k)} {k}" for k in kinds)
    )
    sys.exit(1 if report.findings else 0)


if __name__ == "__main__":
    main()

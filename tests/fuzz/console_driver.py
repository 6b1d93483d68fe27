"""Drive a real `strategy-bot console` process one line at a time, and judge each answer.

Each line is followed by a comment line carrying a marker; the console prints
comments as narration, so the marker's appearance on standard output says the
line before it is finished. A line whose marker does not come within the time
limit is a hang; a process that dies, or a traceback on standard error, is a
crash. Between lines the driver asks SQLite whether anything was committed
(`PRAGMA data_version` changes when another connection commits), so a refused
line that wrote something is caught.
"""

from __future__ import annotations

import contextlib
import os
import select
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REFUSED = "── refused"
EXAMPLE = "For example:"
START = "2026-11-23T09:30:00+00:00"
STARTUP_SECONDS = 120


@dataclass
class Finding:
    kind: str  # crash, hang, refused_wrote, refused_without_example
    line: bytes
    detail: str

    def __str__(self) -> str:
        shown = self.line[:200].decode("utf-8", "backslashreplace")
        return f"{self.kind}: {shown!r}\n    {self.detail[-1500:]}"


@dataclass
class Report:
    commands: int = 0
    refused: int = 0
    slowest: float = 0.0
    findings: list[Finding] = field(default_factory=list)

    def add(self, other: Report) -> None:
        self.commands += other.commands
        self.refused += other.refused
        self.slowest = max(self.slowest, other.slowest)
        self.findings += other.findings

    def count(self, kind: str) -> int:
        return sum(1 for f in self.findings if f.kind == kind)


class ConsoleProcess:
    """One console on its own fresh SQLite database (a copy of `template`)."""

    def __init__(self, folder: Path, template: Path, env: dict[str, str]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.database = folder / "fuzz.db"
        self.database.write_bytes(template.read_bytes())
        self.stderr_path = folder / "stderr.txt"
        self._stderr = open(self.stderr_path, "wb")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot",
                "console",
                "--database",
                f"sqlite:///{self.database}",
                "--start",
                START,
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            cwd=folder,
            env=env,
        )
        self._db = sqlite3.connect(self.database)
        self._buffer = b""
        self._marks = 0
        # Wait for the console to be up, so that its start-up is not timed as a command.
        self.run(b"", STARTUP_SECONDS)

    def data_version(self) -> int:
        return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    def run(self, line: bytes, timeout: float) -> tuple[str, float, bool]:
        """Send one line; (what it printed, seconds taken, whether it finished in time)."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self._marks += 1
        mark = f"@@fuzz-mark-{self._marks}@@".encode()
        started = time.monotonic()
        try:
            self.process.stdin.write(line + b"\n# " + mark + b"\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            return "", 0.0, False
        deadline = started + timeout
        fd = self.process.stdout.fileno()
        while mark not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return self._buffer.decode("utf-8", "replace"), timeout, False
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 1 << 16)
                if not chunk:  # the process ended
                    self.process.wait(10)
                    return self._buffer.decode("utf-8", "replace"), 0.0, False
                self._buffer += chunk
        output, _, self._buffer = self._buffer.partition(mark)
        # The rest of the marker's line (its newline) belongs to this answer.
        _, _, self._buffer = self._buffer.partition(b"\n")
        return output.decode("utf-8", "replace"), time.monotonic() - started, True

    def alive(self) -> bool:
        return self.process.poll() is None

    def stderr(self) -> str:
        self._stderr.flush()
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                with contextlib.suppress(BrokenPipeError):
                    stream.close()
        self._stderr.close()
        self._db.close()


def run_lines(
    lines: list[bytes], template: Path, timeout: float, env: dict[str, str] | None = None
) -> Report:
    """Run the lines through consoles (a fresh one after each crash or hang)."""
    report = Report()
    env = dict(env or os.environ)
    env.setdefault("PYTHONUNBUFFERED", "1")
    with tempfile.TemporaryDirectory(prefix="strategy-bot-fuzz-") as folder:
        generation = 0
        console = ConsoleProcess(Path(folder) / str(generation), template, env)
        try:
            for line in lines:
                before = console.data_version()
                output, seconds, finished = console.run(line, timeout)
                report.commands += 1
                report.slowest = max(report.slowest, seconds)
                problem = _judge(console, line, output, finished, before)
                if problem is not None:
                    report.findings.append(problem)
                if REFUSED in output:
                    report.refused += 1
                if not finished or not console.alive() or (problem and problem.kind == "crash"):
                    console.stop()
                    generation += 1
                    console = ConsoleProcess(Path(folder) / str(generation), template, env)
        finally:
            console.stop()
    return report


def _judge(
    console: ConsoleProcess, line: bytes, output: str, finished: bool, before: int
) -> Finding | None:
    if not finished:
        if console.alive():
            return Finding("hang", line, output[-500:])
        return Finding("crash", line, console.stderr())
    errors = console.stderr()
    if "Traceback" in errors:
        return Finding("crash", line, errors)
    if "Traceback" in output:
        return Finding("crash", line, output)
    if REFUSED in output:
        if console.data_version() != before:
            return Finding("refused_wrote", line, output[-500:])
        if EXAMPLE not in output.split(REFUSED, 1)[1]:
            return Finding("refused_without_example", line, output[-500:])
    return None

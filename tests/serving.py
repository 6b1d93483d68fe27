"""Run `strategy-bot serve` as a real process for the end-to-end tests of each platform.

(An ASGI app under uvicorn in a thread of the test process: `fakes.serving.WebServer`.)
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(check: Callable[[], object], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


@contextmanager
def serving(
    folder: Path,
    env: dict[str, str],
    stderr: Path | None = None,
    output: list[str] | None = None,
    port: int | None = None,
) -> Iterator[int]:
    """Start `strategy-bot serve` on a free port, wait until it answers, yield the port.

    Standard error goes to the file `stderr` when given (else with standard output).
    On the way out it is stopped with Ctrl-C, and must have exited cleanly; what it
    printed is appended to `output` when given. `port`: this one (e.g. one already named
    in PUBLIC_URL), else a free one.
    """
    port = port or free_port()
    errors = open(stderr, "w", encoding="utf-8") if stderr else None  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--port", str(port)],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=errors or subprocess.STDOUT,
        text=True,
    )

    def healthy() -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
        except httpx.TransportError:
            assert process.poll() is None, process.communicate()[0]
            return False

    try:
        wait_until(healthy)
        yield port
    finally:
        process.send_signal(signal.SIGINT)
        printed = process.communicate(timeout=30)[0]
        if errors is not None:
            errors.close()
        if output is not None:
            output.append(printed)
    assert process.returncode == 0, printed + (stderr.read_text() if stderr else "")

"""Serving for the end-to-end tests: `strategy-bot serve` as a real process, or an ASGI
app under uvicorn in a thread of the test process."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn


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
) -> Iterator[int]:
    """Start `strategy-bot serve` on a free port, wait until it answers, yield the port.

    Standard error goes to the file `stderr` when given (else with standard output).
    On the way out it is stopped with Ctrl-C, and must have exited cleanly; what it
    printed is appended to `output` when given.
    """
    port = free_port()
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


class WebServer:
    """uvicorn serving an ASGI app on a free port of 127.0.0.1, in a thread."""

    def __init__(self, app: Any, **config: Any) -> None:
        """`config`: more uvicorn.Config options (e.g. log_level="info" for the access log)."""
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.server = uvicorn.Server(uvicorn.Config(app, **({"log_level": "warning"} | config)))
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.socket.getsockname()[1]}"

    def start(self) -> WebServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

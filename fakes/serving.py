"""Serving an app on 127.0.0.1 for tests and benchmarks, and a pool that says when it is idle."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import uvicorn


class TrackedExecutor(ThreadPoolExecutor):
    """A thread pool that can say when all the work handed to it is done."""

    def __init__(self) -> None:
        super().__init__(max_workers=8, thread_name_prefix="slack-test")
        self._pending = 0
        self._idle = threading.Condition()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._idle:
            self._pending += 1
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(self._done)
        return future

    def _done(self, _future: Future[Any]) -> None:
        with self._idle:
            self._pending -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float = 20) -> None:
        with self._idle:
            assert self._idle.wait_for(lambda: self._pending == 0, timeout), "work still running"


class WebServer:
    """uvicorn serving an ASGI app on a free port of 127.0.0.1, in a thread."""

    def __init__(self, app: Any, **config: Any) -> None:
        """`config`: more uvicorn.Config options (e.g. log_level="info" for the access log)."""
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        # Idle connections are kept longer than uvicorn's 5 s: a test client that waits
        # (a simulated day of work under load) must not reuse one the server has just closed.
        defaults: dict[str, Any] = {"log_level": "warning", "timeout_keep_alive": 120}
        self.server = uvicorn.Server(uvicorn.Config(app, **(defaults | config)))
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

"""Rate limits for the answer pages, kept in this process's memory.

Each key (a client address, or a token's hash) may make `limit` requests per
`window` seconds (a fixed window). At most `max_keys` keys are remembered; the
least recently seen are forgotten first, so a flood of new addresses cannot
exhaust memory. With several replicas each one counts on its own: the limit a
client meets is `limit` per replica it reaches (a load balancer with sticky
sessions, or a proxy's own limit, makes it global).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """How much one client or one link may ask of the answer pages."""

    per_address: int = 60  # requests per window from one client address
    per_token: int = 20  # requests per window for one link
    window_seconds: float = 60.0
    max_body_bytes: int = 8 * 1024  # a POST body; a reason of a few thousand characters fits
    max_keys: int = 10_000  # addresses (and tokens) remembered at once


class RateLimiter:
    def __init__(
        self,
        limit: int,
        window_seconds: float,
        max_keys: int = 10_000,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window_seconds
        self.max_keys = max_keys
        self._now = now
        self._windows: OrderedDict[str, tuple[float, int]] = OrderedDict()
        self._lock = threading.Lock()

    def hit(self, key: str) -> float | None:
        """Count one request for `key`: None if allowed, else the seconds to wait."""
        now = self._now()
        with self._lock:
            started, count = self._windows.pop(key, (now, 0))
            if now - started >= self.window:
                started, count = now, 0
            count += 1
            self._windows[key] = (started, count)
            while len(self._windows) > self.max_keys:
                self._windows.popitem(last=False)
            if count > self.limit:
                return max(started + self.window - now, 1.0)
            return None

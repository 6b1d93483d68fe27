"""When a message that could not be sent is tried again."""

from __future__ import annotations

from datetime import timedelta

FIRST_RETRY = timedelta(seconds=5)
MAX_RETRY = timedelta(minutes=15)


def retry_delay(attempts: int, retry_after: float | None = None) -> timedelta:
    """Doubling from 5 seconds after each failed attempt, at most 15 minutes; the
    platform's own Retry-After when it gave one (a 429), however long."""
    if retry_after is not None and retry_after >= 0:
        return timedelta(seconds=retry_after)
    doubled: timedelta = FIRST_RETRY * 2 ** min(max(attempts - 1, 0), 20)
    return min(doubled, MAX_RETRY)

"""The sweeper: APScheduler calls the sweep every few seconds in a live bot.

The database says what is due (see bot/services/due_work.py); this only
decides when to look. It sweeps once at start-up, so work missed while the
bot was down runs straight away.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_SECONDS = 15


def start_sweeper(
    sweep: Callable[[], int], interval_seconds: float = DEFAULT_INTERVAL_SECONDS
) -> BackgroundScheduler:
    """Run `sweep` now and then every `interval_seconds`, in a background thread.

    One sweep at a time per process (max_instances=1); a sweep still running
    when the next is due is skipped, not stacked. Call `.shutdown()` to stop.
    """
    scheduler = BackgroundScheduler(timezone="UTC")
    job = _logged(sweep)
    scheduler.add_job(job, "date", id="startup-sweep")  # a date trigger with no date: now
    scheduler.add_job(
        job, "interval", seconds=interval_seconds, max_instances=1, coalesce=True, id="sweep"
    )
    scheduler.start()
    return scheduler


def _logged(sweep: Callable[[], int]) -> Callable[[], None]:
    def run() -> None:
        try:
            done = sweep()
        except Exception:
            log.exception("sweep failed", extra={"event": "sweep_failed"})
            return
        if done:
            log.info("sweep finished", extra={"event": "sweep", "items": done})

    return run

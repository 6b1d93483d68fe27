"""What operations watch, for Prometheus: `GET /metrics` on the web server `serve` runs.

- scheduled work pending and overdue, and the age of the oldest overdue item,
  read from the database at each scrape (the database knows what is due);
- scheduled work done and failed, by kind;
- messages delivered to each chat platform, sent or failed;
- the outbox: messages no channel could deliver (a counter by kind, and the
  rows in that state now), refusals that moved a message to its next channel,
  and failed attempts tried again later, by channel; rows waiting for a retry;
- HTTP requests from each chat platform, by status, and how long they took.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from bot.core import Core
from bot.storage import models
from bot.storage.outbox_models import OutboxRow, OutboxStatus

log = logging.getLogger(__name__)

WORK_DONE = Counter(
    "strategy_bot_work_done", "Scheduled work performed and delivered, by kind.", ["kind"]
)
WORK_FAILED = Counter(
    "strategy_bot_work_failed", "Scheduled work that failed and will be retried.", ["kind"]
)
DELIVERIES = Counter(
    "strategy_bot_deliveries",
    "Messages handed to a chat platform, by outcome (sent or failed).",
    ["platform", "outcome"],
)
UNDELIVERABLE = Counter(
    "strategy_bot_undeliverable",
    "Messages no channel could deliver (the chair or the convenor is told), by kind.",
    ["kind"],
)
REFUSED = Counter(
    "strategy_bot_delivery_refused",
    "Channels that cannot reach a recipient (the message moves to their next), by channel.",
    ["channel"],
)
RETRIED = Counter(
    "strategy_bot_delivery_retried",
    "Attempts that failed and will be tried again later, by channel.",
    ["channel"],
)
REQUESTS = Histogram(
    "strategy_bot_request_seconds",
    "HTTP requests from a chat platform: how long the bot took to answer.",
    ["platform", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
CONTENT_TYPE = CONTENT_TYPE_LATEST


class ScheduledWorkCollector(Collector):
    """The scheduled-work gauges, from the database of the core being watched."""

    def __init__(self) -> None:
        self.core: Core | None = None

    def collect(self) -> Iterator[GaugeMetricFamily]:
        if self.core is None:
            return
        core = self.core
        now = core.clock.now()
        pending = models.ScheduledWork.status == models.WorkStatus.PENDING
        try:
            with core.sessions() as session:
                total = session.scalar(select(func.count()).where(pending)) or 0
                overdue, oldest = session.execute(
                    select(func.count(), func.min(models.ScheduledWork.due_at)).where(
                        pending, models.ScheduledWork.due_at < now
                    )
                ).one()
                undeliverable = session.scalar(
                    select(func.count()).where(OutboxRow.status == OutboxStatus.UNDELIVERABLE)
                )
                waiting = session.scalar(
                    select(func.count()).where(
                        OutboxRow.status == OutboxStatus.PENDING, OutboxRow.attempts > 0
                    )
                )
        except SQLAlchemyError as error:
            log.warning("metrics: could not read the scheduled work: %s", error)
            return
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)  # SQLite keeps times without their zone
        age = (now - oldest).total_seconds() if oldest is not None else 0.0
        yield GaugeMetricFamily(
            "strategy_bot_scheduled_work_pending", "Scheduled work not yet done.", total
        )
        yield GaugeMetricFamily(
            "strategy_bot_scheduled_work_overdue", "Scheduled work past its due time.", overdue
        )
        yield GaugeMetricFamily(
            "strategy_bot_scheduled_work_oldest_overdue_seconds",
            "How long the oldest overdue item has been due (0: none).",
            age,
        )
        yield GaugeMetricFamily(
            "strategy_bot_outbox_undeliverable",
            "Outbox messages no channel could deliver (listed by `strategy-bot jobs`).",
            undeliverable or 0,
        )
        yield GaugeMetricFamily(
            "strategy_bot_outbox_retrying",
            "Outbox messages that failed at least once and wait to be tried again.",
            waiting or 0,
        )


_SCHEDULED_WORK = ScheduledWorkCollector()
REGISTRY.register(_SCHEDULED_WORK)


def watch(core: Core) -> None:
    """Report this core's scheduled work (one core per serving process)."""
    _SCHEDULED_WORK.core = core


def exposition() -> bytes:
    """Every metric, in Prometheus' text format."""
    return generate_latest(REGISTRY)


def delivered(platform: str, sent: int, failed: int = 0) -> None:
    if sent:
        DELIVERIES.labels(platform, "sent").inc(sent)
    if failed:
        DELIVERIES.labels(platform, "failed").inc(failed)


def refused(channel: str) -> None:
    """A channel cannot reach this recipient: the message moves on to their next."""
    DELIVERIES.labels(channel, "failed").inc()
    REFUSED.labels(channel).inc()


def retried(channel: str) -> None:
    """An attempt failed and the message will be tried again later."""
    DELIVERIES.labels(channel, "failed").inc()
    RETRIED.labels(channel).inc()


def undeliverable(kind: str) -> None:
    """No channel is left for a message: it is undeliverable."""
    UNDELIVERABLE.labels(kind or "message").inc()

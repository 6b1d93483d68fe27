"""Slack sends a request again when it did not see an answer in time (`x-slack-retry-num`).

Each request is taken on once: its key (what stays the same between Slack's
attempts) is written down first, and a request whose key is already there is
not acted on again, even when the first attempt is still being worked on.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from bot.core import Core
from bot.storage.db import transaction
from bot.storage.slack_models import SlackRequest

# Slack retries within minutes; a day is ample, and keeps the table small.
KEEP = timedelta(days=1)


def request_key(body: Mapping[str, Any]) -> str | None:
    """What identifies a request across Slack's retries of it (None: nothing does)."""
    if body.get("event_id"):
        return f"event:{body['event_id']}"
    if body.get("trigger_id"):
        return f"{body.get('type') or 'command'}:{body['trigger_id']}"
    return None


def first_time(core: Core, body: Mapping[str, Any]) -> bool:
    """Record the request; False when it was recorded before (a retry, or a replay)."""
    key = request_key(body)
    if key is None:
        return True
    now = core.clock.now()
    try:
        with transaction(core.sessions) as session:
            session.execute(delete(SlackRequest).where(SlackRequest.seen_at < now - KEEP))
            session.add(SlackRequest(key=key[:200], seen_at=now))
    except IntegrityError:
        return False
    return True

"""The Slack ChatPort: direct messages, channel notices, and updates in place."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import metrics
from bot.core import Core
from bot.messages import Delivery, Outgoing
from bot.ports import DeliveryFailed
from handlers.slack.render import SlackMessage as Rendered
from handlers.slack.render import slack_message
from handlers.slack.store import MessageStore, Where
from handlers.slack.users import SlackUsers

log = logging.getLogger(__name__)

# chat.update errors after which the message is posted afresh instead.
GONE = {"message_not_found", "cant_update_message", "channel_not_found", "edit_window_closed"}


class SlackChat:
    """Sends the core's messages to Slack.

    A direct message is posted to the contact's Slack user (it lands in the
    app's Messages tab). Where a message with a `thread` went is remembered
    (handlers/slack/store.py), so the next message for the same thread and
    person updates it in place, even after a restart. Channel notices go to the notices channel.
    Rate limits and transient errors are retried by the WebClient's retry
    handlers; a refusal from Slack raises DeliveryFailed, as the ChatPort
    promises (with Slack's Retry-After, when it gave one).
    """

    def __init__(
        self, client: WebClient, core: Core, users: SlackUsers, notices_channel: str | None
    ) -> None:
        self.client = client
        self.users = users
        self.notices_channel = notices_channel
        self.store = MessageStore(core)

    def deliver(self, outgoing: Sequence[Outgoing]) -> None:
        for item in outgoing:
            try:
                self._send(item)
            except SlackApiError as error:
                metrics.delivered("slack", sent=0, failed=1)
                raise DeliveryFailed(
                    f"Slack refused a message for {item.to}: {error.response.get('error')}",
                    retry_after=_retry_after(error),
                ) from error
            metrics.delivered("slack", sent=1)

    def _send(self, item: Outgoing) -> None:
        rendered = slack_message(item.message)
        if item.delivery is Delivery.CHANNEL:
            self._post(self.notices_channel or item.to, rendered)
            return
        user = self.users.user_id(item.to)
        if user is None:
            log.warning("%s has no Slack account: a message to them was not sent", item.to)
        elif item.thread is None:
            self._post(user, rendered)
        else:
            self._post_or_update(item.to, item.thread, user, rendered)

    def _post(self, channel: str, rendered: Rendered) -> dict[str, Any]:
        response = self.client.chat_postMessage(
            channel=channel,
            text=rendered.text,
            blocks=rendered.blocks,
            unfurl_links=False,
            unfurl_media=False,
        )
        return dict(response.data) if isinstance(response.data, dict) else {}

    def _post_or_update(self, recipient: str, thread: str, user: str, rendered: Rendered) -> None:
        earlier = self.store.find(recipient, thread)
        if earlier is not None:
            try:
                self.client.chat_update(
                    channel=earlier.channel,
                    ts=earlier.ts,
                    text=rendered.text,
                    blocks=rendered.blocks,
                )
            except SlackApiError as error:
                if error.response.get("error") not in GONE:
                    raise
                log.info("message %s for %s is gone: posting it again", thread, recipient)
            else:
                self.store.remember(recipient, thread, earlier, updated=True)
                return
        posted = self._post(user, rendered)
        where = Where(str(posted["channel"]), str(posted["ts"]))
        self.store.remember(recipient, thread, where, updated=False)


def _retry_after(error: SlackApiError) -> float | None:
    """Seconds Slack asked us to wait (a 429 the retry handler gave up on), if it said."""
    value = (error.response.headers or {}).get("Retry-After") if error.response else None
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None

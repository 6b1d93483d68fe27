"""The Slack Channel: direct messages, channel notices, and updates in place.

A direct message is posted to the contact's Slack user (it lands in the app's
Messages tab). The outbox gives back where the thread's first message went
(`earlier`: "<conversation> <ts>"), so a later version updates it in place, even
after a restart. Channel notices go to the notices channel.

Slack's pace (about one message a second per conversation) is kept per
conversation actually posted to: a DM is posted to the user (U...) but lives in
the D... channel Slack returns, where its updates go; both are paced as that
one channel (`Pace.alias`), learnt from the first post, from `earlier`, or
after a restart from the thread bindings.

Rate limits and passing errors are retried a few times by the WebClient's retry
handlers; after that Slack's refusal raises DeliveryFailed (with its Retry-After,
when it gave one) and the outbox tries again later. Someone Slack cannot reach
(no Slack account, found by neither id nor email) raises Unreachable, and the
outbox moves on to their next channel.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import select

from bot.core import Core
from bot.messages import Delivery, Outgoing
from bot.ports import DeliveryFailed, Unreachable
from bot.storage.outbox_models import ThreadBinding
from handlers.slack import PLATFORM
from handlers.slack.render import SlackMessage as Rendered
from handlers.slack.render import slack_message
from handlers.slack.users import SlackUsers

# chat.update errors after which the message is posted afresh instead.
GONE = {"message_not_found", "cant_update_message", "channel_not_found", "edit_window_closed"}
# Errors that say this person can never be reached in this workspace.
NOBODY = {"user_not_found", "users_not_found", "user_disabled", "account_inactive", "cannot_dm_bot"}
# Errors that say the notices channel cannot take the bot's posts (until someone fixes it).
NO_CHANNEL = {"channel_not_found", "not_in_channel", "is_archived"}
# Slack allows about one message a second in each conversation (each DM is one).
PER_CONVERSATION_SECONDS = 1.0


class SlackChat:
    """Sends the core's messages to Slack, one at a time, for the outbox."""

    name = PLATFORM

    def __init__(
        self,
        client: WebClient,
        core: Core,
        users: SlackUsers,
        notices_channel: str | None,
        pace: float = PER_CONVERSATION_SECONDS,
    ) -> None:
        self.client = client
        self.core = core
        self.users = users
        self.notices_channel = notices_channel
        self.pace = Pace(pace)

    def send(self, outgoing: Outgoing, earlier: str | None) -> str:
        try:
            return self._send(outgoing, earlier)
        except SlackApiError as error:
            code = str(error.response.get("error"))
            if code in NOBODY:
                raise Unreachable(f"Slack does not know them ({code})") from error
            if outgoing.delivery is Delivery.CHANNEL and code in NO_CHANNEL:
                raise Unreachable(f"Slack cannot post in the notices channel ({code})") from error
            raise DeliveryFailed(
                f"Slack refused a message for {outgoing.to}: {code}",
                retry_after=_retry_after(error),
            ) from error
        except (SlackClientError, OSError) as error:
            raise DeliveryFailed(f"Slack was not reached for {outgoing.to}: {error}") from error

    def _send(self, item: Outgoing, earlier: str | None) -> str:
        rendered = slack_message(item.message)
        if item.delivery is Delivery.CHANNEL:
            conversation = self.notices_channel or item.to
        else:
            user = self.users.user_id(item.to)
            if user is None:
                raise Unreachable(
                    "no Slack account: no Slack id in the directory, and none found by email"
                )
            conversation = user
            self._learn_dm(item.to, user, earlier)
        if earlier is not None:
            where = self._update(earlier, rendered)
            if where is not None:
                return where
        posted = self._post(conversation, rendered)
        if posted.get("channel") and posted["channel"] != conversation:
            self.pace.alias(conversation, str(posted["channel"]))  # U... lives in D...
        return f"{posted['channel']} {posted['ts']}"

    def _learn_dm(self, contact: str, user: str, earlier: str | None) -> None:
        """Pace posts to `user` as their DM channel, once known: from this thread's earlier
        message, else (the first time in this process) from any thread bound to them."""
        if self.pace.knows(user):
            return
        channel = earlier.partition(" ")[0] if earlier else ""
        if not channel.startswith("D"):
            with self.core.sessions() as session:
                references = session.scalars(
                    select(ThreadBinding.reference).where(
                        ThreadBinding.recipient == contact, ThreadBinding.channel == PLATFORM
                    )
                ).all()
            channel = next((r.partition(" ")[0] for r in references if r.startswith("D")), "")
        if channel:
            self.pace.alias(user, channel)

    def _update(self, earlier: str, rendered: Rendered) -> str | None:
        """The earlier message, updated; None when it is gone (then it is posted afresh)."""
        channel, _, ts = earlier.partition(" ")
        self.pace.wait(channel)
        try:
            self.client.chat_update(
                channel=channel, ts=ts, text=rendered.text, blocks=rendered.blocks
            )
        except SlackApiError as error:
            if error.response.get("error") not in GONE:
                raise
            return None
        return earlier

    def _post(self, channel: str, rendered: Rendered) -> dict[str, Any]:
        self.pace.wait(channel)
        response = self.client.chat_postMessage(
            channel=channel,
            text=rendered.text,
            blocks=rendered.blocks,
            unfurl_links=False,
            unfurl_media=False,
        )
        return dict(response.data) if isinstance(response.data, dict) else {}


class Pace:
    """At most one message per `seconds` to each conversation, however many senders.

    Two names of one conversation (a user and their DM channel) share one pace
    once `alias` has said so."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._next: dict[str, float] = {}
        self._same: dict[str, str] = {}  # another name -> the conversation it is
        self._lock = threading.Lock()

    def key(self, conversation: str) -> str:
        return self._same.get(conversation, conversation)

    def knows(self, name: str) -> bool:
        return name in self._same

    def alias(self, name: str, conversation: str) -> None:
        """`name` (a user id) is paced as `conversation` (their DM channel) from now on."""
        with self._lock:
            if self._same.get(name) == conversation:
                return
            self._same[name] = conversation
            waited = self._next.pop(name, None)
            if waited is not None:
                self._next[conversation] = max(self._next.get(conversation, waited), waited)

    def wait(self, conversation: str) -> None:
        if self.seconds <= 0:
            return
        with self._lock:
            conversation = self._same.get(conversation, conversation)
            now = time.monotonic()
            start = max(now, self._next.get(conversation, now))
            self._next[conversation] = start + self.seconds
        if start > now:
            time.sleep(start - now)


def _retry_after(error: SlackApiError) -> float | None:
    """Seconds Slack asked us to wait (a 429 the retry handler gave up on), if it said."""
    value = (error.response.headers or {}).get("Retry-After") if error.response else None
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None

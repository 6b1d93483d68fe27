"""The Teams Channel: each message as an Adaptive Card in a one-to-one chat, or in the channel.

The outbox sends synchronously, from worker threads; the Teams SDK is
asynchronous and lives on the server's event loop. `send` hands each message
to that loop and waits for it, so it has reached the Bot Connector (or failed)
by the time `send` returns.

A person the bot has never talked to gets a one-to-one chat started for them
(the app must be installed for them, which administrators can do for
everyone): the Bot Connector's createConversation, with the person as the one
member, by their Teams user id (29:...) or, when the directory knows them only
by their Entra object id (a GUID), by that id as `aadObjectId` too, and the
tenant id. The chat is remembered (TeamsStore, keyed by the directory's id), and
the thread binding keeps which card each thread went to. A threaded message
seen before (`earlier`: "<conversation> <activity>") replaces the earlier card
in place. Someone Teams cannot reach (no Teams identity in the directory; the
Bot Connector's 403 for an app not installed for them or another tenant, its
404 for a user it does not know) raises Unreachable, and the outbox moves on to
their next channel (email), telling the chair when none is left.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections.abc import Coroutine
from typing import Any, TypeVar

import httpx
from microsoft_teams.api.activities.message.message import MessageActivityInput
from microsoft_teams.api.clients.conversation.params import CreateConversationParams
from microsoft_teams.apps import App
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential

from bot.core import Core
from bot.intents import INTENTS, IntentTable
from bot.messages import Delivery, Outgoing
from bot.ports import DeliveryFailed, Unreachable
from handlers.teams import PLATFORM
from handlers.teams.auth import TokenUnavailable
from handlers.teams.cards import CARD_CONTENT_TYPE, Card, card_for, summary
from handlers.teams.settings import TeamsSettings
from handlers.teams.store import ConversationRef, TeamsStore

log = logging.getLogger(__name__)


SEND_TIMEOUT_SECONDS = 60
# A sweep may start before the web server has: wait this long for it.
STARTUP_WAIT_SECONDS = 30

T = TypeVar("T")


def channel_key(name: str) -> str:
    return f"channel:{name}"


def card_activity(card: Card, reply_to: str | None = None) -> MessageActivityInput:
    """A message holding one card; `summary` is what notifications show, and
    `reply_to` names the message this one answers."""
    return MessageActivityInput.model_validate(
        {
            "summary": summary(card),
            "attachments": [{"contentType": CARD_CONTENT_TYPE, "content": card}],
            "replyToId": reply_to,
        }
    )


def is_entra_object_id(user: str) -> bool:
    """An Entra (AAD) object id, a GUID; a Teams user id looks like 29:..."""
    try:
        uuid.UUID(user)
    except ValueError:
        return False
    return True


def member(user: str) -> dict[str, str]:
    """The one member of a new one-to-one chat, as the Bot Connector takes it."""
    return {"id": user, "aadObjectId": user} if is_entra_object_id(user) else {"id": user}


def refusal_reason(user: str, response: httpx.Response) -> str:
    """Why Teams will not start a chat with someone, from its 403 or 404."""
    try:
        error = response.json().get("error") or {}
    except ValueError:
        error = {}
    said = f"{response.status_code} {error.get('code', '')}: {error.get('message', '')}".strip()
    if response.status_code == 404:
        return f"Teams does not know {user} in this tenant ({said})"
    return f"Teams would not start a chat with {user} ({said}): is the app installed for them?"


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait, when Teams said (a 429's Retry-After)."""
    try:
        return float(response.headers["Retry-After"])
    except (KeyError, ValueError):
        return None


def _transient(error: BaseException) -> bool:
    """Worth another try: throttling, a server error, a dropped connection."""
    if isinstance(error, httpx.HTTPStatusError):
        return error.response.status_code == 429 or error.response.status_code >= 500
    return isinstance(error, httpx.TransportError)


class TeamsChat:
    name = PLATFORM

    def __init__(
        self,
        core: Core,
        app: App,
        store: TeamsStore,
        settings: TeamsSettings,
        intents: IntentTable = INTENTS,
    ) -> None:
        self._core = core
        self._intents = intents
        self._app = app
        self._store = store
        self._settings = settings
        self._loop: asyncio.AbstractEventLoop | None = None
        self._started = threading.Event()
        store.adopt_bindings(core.directory, PLATFORM)

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Send through this event loop (the server's, where the SDK's clients live)."""
        self._loop = loop
        self._started.set()

    def send(self, outgoing: Outgoing, earlier: str | None) -> str:
        try:
            return self._deliver(outgoing, earlier)
        except httpx.HTTPStatusError as error:
            response = error.response
            raise DeliveryFailed(
                f"Teams refused a message for {outgoing.to}: {response.status_code} "
                f"{response.text[:200]}",
                retry_after=_retry_after(response),
            ) from error
        except (httpx.TransportError, TokenUnavailable) as error:
            raise DeliveryFailed(f"Teams was not reached for {outgoing.to}: {error}") from error

    def _deliver(self, item: Outgoing, earlier: str | None) -> str:
        target = self._conversation_for(item)
        card = self.card_for(item)
        conversation, _, activity = (earlier or "").partition(" ")
        previous = activity if activity and conversation == target.conversation_id else None
        try:
            activity_id = self._run(self._send(target, card, previous))
        except httpx.HTTPStatusError as error:
            user = self._user(item)
            if user is None or error.response.status_code not in (403, 404):
                raise
            # The chat is gone (the app was removed and installed again): start a new one.
            target = self._run(self._open_chat(user))
            self._store.remember_conversation(user, target)
            activity_id = self._run(self._send(target, card, None))
        return f"{target.conversation_id} {activity_id}"

    def card_for(self, item: Outgoing) -> Card:
        return card_for(self._intents, self._core.directory, item)

    def _conversation_for(self, item: Outgoing) -> ConversationRef:
        if item.delivery is Delivery.CHANNEL:
            if self._settings.teams_notices_channel:
                return ConversationRef(
                    self._settings.teams_notices_channel,
                    self._settings.teams_service_url,
                    self._settings.teams_tenant_id,
                )
            ref = self._store.conversation(channel_key(item.to))
            if ref is None:
                raise Unreachable(
                    f"no Teams channel for #{item.to}: install the app in a team, or set "
                    "TEAMS_NOTICES_CHANNEL"
                )
            return ref
        user = self._user(item)
        if user is None:
            raise Unreachable("no Teams identity (Entra object id or Teams id) in the directory")
        ref = self._store.conversation(user)
        if ref is None:
            ref = self._run(self._open_chat(user))
            self._store.remember_conversation(user, ref)
        return ref

    def _user(self, item: Outgoing) -> str | None:
        """The recipient's Teams identity, for a direct message."""
        if item.delivery is not Delivery.DIRECT:
            return None
        contact = self._core.directory.contact(item.to)
        return contact.chat_id(PLATFORM) if contact is not None else None

    async def _open_chat(self, user: str) -> ConversationRef:
        """Start the one-to-one chat between the bot and someone who has never written to it."""
        tenant = self._settings.teams_tenant_id
        params = CreateConversationParams.model_validate(
            {
                "isGroup": False,
                "members": [member(user)],
                "tenantId": tenant,
                "channelData": {"tenant": {"id": tenant}},
            }
        )
        try:
            async for attempt in self._retrying():
                with attempt:
                    created = await self._app.api.conversations.create(params)
        except httpx.HTTPStatusError as error:
            if _transient(error) or error.response.status_code not in (403, 404):
                raise
            raise Unreachable(refusal_reason(user, error.response)) from error
        service_url = created.service_url or self._settings.teams_service_url
        return ConversationRef(created.id, service_url.rstrip("/"), tenant)

    async def _send(self, target: ConversationRef, card: Card, previous: str | None) -> str:
        activity = card_activity(card)
        if previous is not None:
            activity.id = previous
            try:
                await self._with_retries(target, activity)
                return previous
            except httpx.HTTPStatusError as error:
                if error.response.status_code != 404:
                    raise
                # The card was deleted in Teams: send it afresh.
                activity.id = None
        return await self._with_retries(target, activity)

    async def _with_retries(self, target: ConversationRef, activity: MessageActivityInput) -> str:
        async for attempt in self._retrying():
            with attempt:
                sent = await self._app.send(
                    target.conversation_id, activity, service_url=target.service_url
                )
        return sent.id

    @staticmethod
    def _retrying() -> AsyncRetrying:
        return AsyncRetrying(
            retry=retry_if_exception(_transient),
            stop=stop_after_attempt(3),
            wait=wait_exponential(multiplier=0.25, max=2),
            reraise=True,
        )

    def _run(self, work: Coroutine[Any, Any, T]) -> T:
        """Run `work` on the server's event loop and wait for it (from a worker thread)."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass  # no event loop in this thread: waiting is fine
        else:
            work.close()
            raise RuntimeError("deliver() waits for Teams: call it from a worker thread")
        loop = self._loop if self._started.wait(STARTUP_WAIT_SECONDS) else None
        if loop is None or loop.is_closed():
            work.close()
            raise RuntimeError("Teams is not running: start the web server before sending")
        return asyncio.run_coroutine_threadsafe(work, loop).result(SEND_TIMEOUT_SECONDS)

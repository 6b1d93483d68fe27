"""strategy-bot in Microsoft Teams, on Microsoft's Teams SDK for Python (microsoft-teams-apps).

Teams posts every activity to the messaging endpoint (/api/messages) with a
token signed by the Bot Framework; the SDK refuses any request whose token
does not verify. This module only translates:

- text typed to the bot (`convene ...`, `strategy accept NV-40213`) is the
  same `/strategy` command as on every other platform (`Bot.command`); a
  command that opens a form when typed alone (`convene`, `record CASE`)
  answers with the form, rendered from the intent's fields;
- a card action (`Action.Execute`) is the intent the button stands for, with
  what was filled in under it (`Bot.act`), and answers with the updated card,
  which Teams shows in place;
- installing the app remembers the conversation, so that invitations and
  reminders reach each person even after a restart.

Details are only ever sent in one-to-one chats: in a channel the bot answers
commands with a pointer to the one-to-one chat, and posts case references only.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from microsoft_teams.api.activities.install_update.add import InstalledActivity
from microsoft_teams.api.activities.invoke.adaptive_card.action import AdaptiveCardInvokeActivity
from microsoft_teams.api.activities.message.message import MessageActivity
from microsoft_teams.api.activities.utils.strip_mentions_text import strip_mentions_text
from microsoft_teams.api.models.account import Account
from microsoft_teams.api.models.activity import Activity as ActivityBase
from microsoft_teams.api.models.adaptive_card.adaptive_card_action_response import (
    AdaptiveCardActionCardResponse,
    AdaptiveCardActionMessageResponse,
)
from microsoft_teams.api.models.invoke_response import AdaptiveCardInvokeResponse
from microsoft_teams.apps import ActivityContext, App
from microsoft_teams.cards.core import AdaptiveCard
from microsoft_teams.common.http import ClientOptions

from bot.app import Bot
from bot.core import Core
from bot.directory import Contact
from bot.errors import InputError, refusal
from bot.intents import INTENTS, IntentTable
from bot.messages import Kind, message, refused
from handlers.teams import PLATFORM, teams_configured
from handlers.teams.auth import EntraTokenProvider, cloud_for
from handlers.teams.cards import Card, form_card, message_card
from handlers.teams.chat import TeamsChat, card_activity, channel_key
from handlers.teams.endpoint import CheckedFastAPIAdapter
from handlers.teams.settings import TeamsSettings
from handlers.teams.store import ConversationRef, TeamsStore
from handlers.teams.tokens import TeamsRequestChecker

MESSAGING_ENDPOINT = "/api/messages"
Data = Mapping[str, Any]

# What a card action sends besides what was filled in under it.
CARD_DATA = ("action", "value", "thread", "form")
# Phone keyboards type curly quotes; the command parser wants straight ones.
STRAIGHT_QUOTES = str.maketrans(
    {"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2018": "'", "\u2019": "'", "\xa0": " "}
)


def command_text(activity: MessageActivity) -> str:
    """The typed text as a `/strategy` command: mentions gone, 'strategy' optional."""
    text = html.unescape(strip_mentions_text(activity) or "").translate(STRAIGHT_QUOTES).strip()
    first, _, rest = text.partition(" ")
    if first.lower() in ("strategy", "/strategy"):
        text = rest.strip()
    return f"/strategy {text}".strip()


class TeamsBot:
    """The Teams app: its SDK App mounted on the web app, and its Channel."""

    def __init__(
        self,
        core: Core,
        settings: TeamsSettings,
        web: FastAPI,
        intents: IntentTable = INTENTS,
        bot: Bot | None = None,
    ) -> None:
        """Mount Teams on `web`; what the core sends goes to Teams. `bot`, when given, is
        the one Bot of a process serving several platforms (handlers/composition.py): the
        activities drive it instead of a Bot of Teams' own."""
        if not (teams_configured(settings) and settings.teams_app_id):
            raise ValueError("Teams needs TEAMS_APP_ID and TEAMS_APP_PASSWORD")
        if not settings.teams_tenant_id:
            raise refusal("setup.teams_tenant")
        self.core = core
        self.settings = settings
        self.checker = TeamsRequestChecker(
            settings.teams_app_id,
            settings.teams_tenant_id,
            settings.teams_openid_metadata_url,
            settings.http_timeout_seconds,
        )
        adapter = CheckedFastAPIAdapter(web, self.checker, MESSAGING_ENDPOINT)
        self.app = App(
            client_id=settings.teams_app_id,
            tenant_id=settings.teams_tenant_id,
            token=EntraTokenProvider(settings),
            service_url=settings.teams_service_url,
            cloud=cloud_for(settings),
            http_server_adapter=adapter,
            messaging_endpoint=MESSAGING_ENDPOINT,
            # The adapter authenticates every request before the SDK sees it
            # (handlers/teams/tokens.py), more strictly than the SDK would.
            dangerously_allow_unauthenticated_requests=True,
            client=ClientOptions(timeout=settings.http_timeout_seconds),
        )
        self._adapter = adapter
        self.store = TeamsStore(core)
        self.chat = TeamsChat(core, self.app, self.store, settings, intents)
        self.bot = bot if bot is not None else Bot(core, self.chat, intents)
        adapter.lifespans.append(self._lifespan)
        self.app.on_message(self._on_message)
        self.app.on_card_action_execute(self._on_card_action)
        self.app.on_install_add(self._on_install)

    @asynccontextmanager
    async def _lifespan(self, _web: object) -> AsyncIterator[None]:
        # Registers /api/messages (behind the checker), and readies app.send.
        await self.app.initialize()
        if MESSAGING_ENDPOINT not in self._adapter.checked_routes:
            raise RuntimeError("the Teams messaging endpoint is not behind the token checks")
        await self.checker.prefetch()
        self.chat.attach(asyncio.get_running_loop())
        try:
            yield
        finally:
            await asyncio.to_thread(self.bot.settle)
            await asyncio.to_thread(self.store.close)

    # --- What Teams sends ------------------------------------------------------

    async def _on_message(self, ctx: ActivityContext[MessageActivity]) -> None:
        activity = ctx.activity
        if activity.conversation.conversation_type != "personal":
            await ctx.send(card_activity(self._note("teams/channel_hint.txt.j2"), activity.id))
            return
        try:
            contact = self._identify(activity.from_)
        except InputError as problem:
            await ctx.send(card_activity(self._problem(problem), activity.id))
            return
        self._remember_chat(activity, contact)
        outcome = await asyncio.to_thread(
            self.bot.command, contact, command_text(activity), can_ask=True
        )
        card = form_card(outcome.form) if outcome.form else message_card(outcome.reply)
        await ctx.send(card_activity(card, activity.id))

    async def _on_card_action(
        self, ctx: ActivityContext[AdaptiveCardInvokeActivity]
    ) -> AdaptiveCardInvokeResponse:
        activity = ctx.activity
        try:
            contact = self._identify(activity.from_)
        except InputError as problem:
            return AdaptiveCardActionMessageResponse(value=self._problem_text(problem))
        if activity.conversation.conversation_type == "personal":
            self._remember_chat(activity, contact)
        answer = await asyncio.to_thread(self.act, contact, activity.value.action.data)
        if isinstance(answer, str):
            return AdaptiveCardActionMessageResponse(value=answer)
        return AdaptiveCardActionCardResponse(value=AdaptiveCard.model_validate(answer))

    async def _on_install(self, ctx: ActivityContext[InstalledActivity]) -> None:
        activity = ctx.activity
        kind = activity.conversation.conversation_type
        if kind == "channel":
            self.store.remember_conversation(channel_key(self.core.channel), self._ref(activity))
            await ctx.send(card_activity(self._note("teams/installed_channel.txt.j2")))
        elif kind == "personal":
            try:
                contact = self._identify(activity.from_)
            except InputError:
                return  # not in the directory: nothing to send them
            self._remember_chat(activity, contact)
            welcome = self._note("teams/welcome.txt.j2", convenor=contact.is_convenor)
            await ctx.send(card_activity(welcome))

    # --- The core, from a worker thread ------------------------------------------

    def run_due_work(self) -> int:
        """Send what has fallen due (the sweeper calls this too)."""
        return self.bot.run_due_work()

    def act(self, actor: Contact, data: Data) -> Card | str:
        """Run a card action: the updated card to show in its place, or a problem to show."""
        name, item, thread = _text(data, "action"), _text(data, "value"), _text(data, "thread")
        intent = self.bot.intents.get(name)
        # A form on a card of its own (older convene cards do not say so).
        standalone = data.get("form") is True or (intent is not None and intent.opens_form)
        fields: dict[str, object] = {k: v for k, v in data.items() if k not in CARD_DATA}
        if intent is not None and intent.item_field is not None and item:
            fields[intent.item_field.name] = item
        outcome = self.bot.act(actor, name, fields, submitted=standalone, send=False)
        if not outcome.ok:
            self.bot.kick()  # delivered in the background: the answer does not wait
            if standalone and outcome.form is not None:
                return form_card(outcome.form)
            return outcome.reply.text
        # The card that was clicked comes back in the answer, and Teams shows it in place.
        clicked = next(
            (o for o in outcome.outgoing if thread and (o.to, o.thread) == (actor.id, thread)),
            None,
        )
        if clicked is not None and clicked.thread is not None:
            # Its outbox row is done: Teams shows it in place of the card that was clicked.
            self.bot.deliverer.delivered_in_place(clicked.to, clicked.thread)
        self.bot.kick()
        if clicked is not None:
            return self.chat.card_for(clicked)
        if standalone or (intent is not None and intent.ends_item):
            return message_card(outcome.reply)  # the card has done its job: the answer replaces it
        return outcome.reply.text

    # --- Helpers -----------------------------------------------------------------

    def _identify(self, account: Account) -> Contact:
        """The directory lists a Teams user id (29:...) or an Entra object id."""
        if account.aad_object_id:
            contact = self.core.directory.by_chat_id(PLATFORM, account.aad_object_id)
            if contact is not None:
                return contact
        return self.bot.identify(PLATFORM, account.id)

    @staticmethod
    def _problem_text(problem: InputError) -> str:
        return refused(problem).reply.text

    @staticmethod
    def _problem(problem: InputError) -> Card:
        return message_card(refused(problem).reply)

    def _remember_chat(self, activity: ActivityBase, contact: Contact) -> None:
        user = contact.chat_id(PLATFORM)
        if user is not None:
            self.store.remember_conversation(user, self._ref(activity))

    def _ref(self, activity: ActivityBase) -> ConversationRef:
        conversation = activity.conversation
        # The checker refused any other tenant: only ever store this bot's own.
        tenant = self.settings.teams_tenant_id
        # A channel post's conversation id names the thread it was in: keep the channel.
        conversation_id = conversation.id.split(";messageid=")[0]
        service_url = (activity.service_url or self.settings.teams_service_url).rstrip("/")
        return ConversationRef(conversation_id, service_url, tenant)

    @staticmethod
    def _note(template: str, **context: object) -> Card:
        return message_card(message(Kind.NOTICE, template, **context))


def _text(data: Data, name: str) -> str:
    value = data.get(name)
    return value.strip() if isinstance(value, str) else ""

"""What happens when someone uses strategy-bot in Slack: commands, buttons, forms, the App Home.

Slack wants an answer within 3 seconds. Commands and buttons are acknowledged
at once and worked on afterwards, in a thread pool. A submitted form is
checked and written before the answer, so that a problem can be shown in the
form itself; the messages it causes are sent afterwards. Every request is taken
on once, however often Slack sends it (`retries.first_time`).

The adapter only translates: a slash command is `Bot.command`, a button or a
submitted modal is `Bot.act` on the intent of the same name, and modals are
the intents' own forms. The core decides who may do what; a crafted payload
gets no further than its checks.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot.app import Bot
from bot.directory import Contact
from bot.errors import InputError, refusal
from bot.forms import Form
from bot.messages import Button, Message, Outcome, refused
from handlers.slack import render
from handlers.slack.chat import SlackChat
from handlers.slack.retries import first_time
from handlers.slack.users import SlackUsers

log = logging.getLogger(__name__)

# The App Home has room for 100 blocks.
HOME_DISCUSSIONS = 20
HOME_ACTIONS = 30
# What an open action offers in the App Home.
HOME_BUTTONS = ("close", "more-time")


@dataclass(frozen=True)
class ReplyTo:
    """Where the answer for the person who acted goes."""

    user: str  # their Slack user id
    response_url: str | None  # set for commands and message buttons: an ephemeral reply
    home: bool = False  # they acted in the App Home, which is refreshed afterwards


def form_values(view: Mapping[str, Any]) -> dict[str, Any]:
    """A submitted form's values by block id: text, a chosen value, or a list of them."""
    values: dict[str, Any] = {}
    for block_id, elements in view.get("state", {}).get("values", {}).items():
        for element in elements.values():
            if "selected_options" in element:
                values[block_id] = [o["value"] for o in element["selected_options"] or []]
            elif "selected_option" in element:
                chosen = element["selected_option"]
                values[block_id] = chosen["value"] if chosen else ""
            else:
                values[block_id] = element.get("value") or ""
    return values


class SlackListeners:
    def __init__(
        self,
        bot: Bot,
        client: WebClient,
        chat: SlackChat,
        users: SlackUsers,
        executor: Executor,
    ) -> None:
        self.bot = bot
        self.client = client
        self.chat = chat
        self.users = users
        self.executor = executor

    # --- Bolt listeners ---------------------------------------------------------

    def acknowledging(
        self, work: Callable[[dict[str, Any]], None]
    ) -> Callable[[Ack, dict[str, Any]], None]:
        """A listener that acknowledges at once and hands `work` the request, in the pool.

        Bolt's lazy listeners do the same, but copy the whole request first: that
        copy cost more than everything else in the acknowledgement (bench/).
        """

        def acknowledge(ack: Ack, body: dict[str, Any]) -> None:
            ack()
            self.executor.submit(self._logged, work, body)

        return acknowledge

    def _logged(self, work: Callable[[dict[str, Any]], None], body: dict[str, Any]) -> None:
        try:
            work(body)
        except Exception:
            log.exception("Slack request failed after its acknowledgement: %s", body.get("type"))

    def strategy(self, body: dict[str, Any]) -> None:
        """`/strategy ...`, after the acknowledgement."""
        if not first_time(self.bot.core, body):
            return
        reply_to = ReplyTo(str(body["user_id"]), body.get("response_url"))
        text = str(body.get("text") or "").strip()
        try:
            actor = self._actor(reply_to.user)
        except InputError as problem:
            self._finish(refused(problem), reply_to)
            return
        outcome = self.bot.command(actor, f"/strategy {text}", can_ask=True, send=False)
        if outcome.form is not None:
            self._open(outcome.form, reply_to, str(body["trigger_id"]))
            return
        self._finish(outcome, reply_to)

    def button(self, body: dict[str, Any]) -> None:
        """A button on a message or in the App Home, after the acknowledgement."""
        if not first_time(self.bot.core, body):
            return
        pressed = body["actions"][0]
        name, value = str(pressed["action_id"]), str(pressed.get("value") or "")
        from_home = (body.get("view") or {}).get("type") == "home"
        reply_to = ReplyTo(str(body["user"]["id"]), body.get("response_url"), from_home)
        try:
            actor = self._actor(reply_to.user)
        except InputError as problem:
            self._finish(refused(problem), reply_to)
            return
        outcome = self.bot.press(actor, name, value, send=False)
        if outcome.form is not None:
            self._open(outcome.form, reply_to, str(body["trigger_id"]))
            return
        self._finish(outcome, reply_to)

    def form(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        """A submitted form: checked and written before the answer; messages sent after."""
        name = str(view["callback_id"])
        metadata = json.loads(view.get("private_metadata") or "{}")
        reference = str(metadata.get("reference") or "")
        reply_to = ReplyTo(
            str(body["user"]["id"]), metadata.get("response_url"), bool(metadata.get("home"))
        )
        if not first_time(self.bot.core, body):
            ack()
            return
        try:
            actor = self._actor(reply_to.user)
        except InputError as problem:
            ack(response_action="update", view=render.problem_view(refused(problem).reply))
            return
        fields = {**form_values(view), **self._item(name, reference)}
        outcome = self.bot.act(actor, name, fields, submitted=True, send=False)
        if outcome.ok:
            ack()
            self.executor.submit(self._finish, outcome, reply_to)
            return
        inputs = [str(b["block_id"]) for b in view.get("blocks", []) if b.get("type") == "input"]
        if outcome.form is not None and outcome.field not in inputs:
            # The form again, with what was typed and what was wrong at the top.
            ack(response_action="update", view=self._view(outcome.form, reply_to))
        else:
            # The problem goes on the field it is about; the form stays as it was.
            block = outcome.field if outcome.field in inputs else (inputs or ["error"])[0]
            ack(response_action="errors", errors={block: outcome.reply.text.strip()[:2000]})
        if outcome.outgoing:  # what was saved before the problem (a record not finalised)
            self.executor.submit(self.bot.send, outcome.outgoing)

    def home_opened(self, body: dict[str, Any]) -> None:
        """Someone opened the bot's App Home: show them what is theirs."""
        event = body["event"]
        if event.get("tab", "home") == "home" and first_time(self.bot.core, body):
            self.publish_home(str(event["user"]))

    # --- Acting through the core ------------------------------------------------

    def _actor(self, user_id: str) -> Contact:
        contact = self.users.contact_for(user_id)
        if contact is None:
            raise refusal("people.not_in_directory_slack")
        return contact

    def _item(self, name: str, value: str) -> dict[str, str]:
        """A button's or a form's value, as the field of the intent it stands for."""
        intent = self.bot.intents.get(name)
        field = intent.item_field if intent is not None else None
        return {field.name: value} if field is not None and value else {}

    def _finish(self, outcome: Outcome, reply_to: ReplyTo) -> None:
        """Answer the person who acted, deliver the outbox, run what fell due.

        Each on its own: the reply failing (an unreachable response_url) never stops
        the outbox, whose rows were written with the change and are retried anyway.
        """
        try:
            self._reply(outcome.reply, reply_to)
        except Exception:
            log.exception("could not answer %s in Slack", reply_to.user)
        try:
            self.bot.send(outcome.outgoing)
        except Exception:
            log.exception("delivering after a Slack request failed; the next sweep retries")
        try:
            if reply_to.home:
                self.publish_home(reply_to.user)
        except Exception:
            log.exception("could not refresh the App Home of %s", reply_to.user)

    def _reply(self, reply: Message, reply_to: ReplyTo) -> None:
        rendered = render.slack_message(reply)
        if reply_to.response_url:
            response = WebhookClient(
                reply_to.response_url, retry_handlers=self.client.retry_handlers
            ).send(
                text=rendered.text,
                blocks=rendered.blocks,
                response_type="ephemeral",
                replace_original=False,
            )
            if response.status_code != 200:
                log.warning("the reply to %s was refused: %s", reply_to.user, response.body)
            return
        self.client.chat_postMessage(
            channel=reply_to.user,
            text=rendered.text,
            blocks=rendered.blocks,
            unfurl_links=False,
            unfurl_media=False,
        )

    # --- Forms and the App Home -------------------------------------------------

    def _open(self, form: Form, reply_to: ReplyTo, trigger_id: str) -> None:
        self.client.views_open(trigger_id=trigger_id, view=self._view(form, reply_to))

    def _view(self, form: Form, reply_to: ReplyTo) -> dict[str, Any]:
        metadata: dict[str, Any] = {"reference": form.item, "response_url": reply_to.response_url}
        if reply_to.home:
            metadata["home"] = True
        return render.form_view(form, json.dumps(metadata))

    def publish_home(self, user_id: str) -> None:
        contact = self.users.contact_for(user_id)
        context: dict[str, Any] = {
            "contact": None,
            "discussions": [],
            "actions": [],
            "more_discussions": 0,
            "more_actions": 0,
        }
        if contact is not None:
            lists = self.bot.lists(contact)
            owned = [
                {"row": row, "buttons": self._buttons(row.reference)}
                for row in lists.actions[:HOME_ACTIONS]
            ]
            context |= {
                "contact": contact.name,
                "discussions": lists.discussions[:HOME_DISCUSSIONS],
                "more_discussions": max(0, len(lists.discussions) - HOME_DISCUSSIONS),
                "actions": owned,
                "more_actions": max(0, len(lists.actions) - HOME_ACTIONS),
            }
        self.client.views_publish(user_id=user_id, view=render.view("home.json.j2", **context))

    def _buttons(self, reference: str) -> list[Button]:
        return [self.bot.button(name, reference) for name in HOME_BUTTONS]

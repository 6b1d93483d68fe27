"""What happens when someone uses strategy-bot in Slack: commands, buttons, forms, the App Home.

Slack wants an answer within 3 seconds. Commands and buttons are acknowledged
at once and worked on afterwards, in a thread pool. A submitted form is
checked and written before the answer, so that a problem can be shown in the
form itself; the messages it causes are sent afterwards. Every request is taken
on once, however often Slack sends it (`retries.first_time`).

The adapter only translates: each request becomes a call to a core service,
which decides who may do what. A crafted payload gets no further than the
service's own checks.
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

from bot import commands
from bot.core import Core
from bot.directory import Contact
from bot.domain import HarmTag
from bot.errors import InputError
from bot.messages import Message, Outcome, latest_per_thread, message
from bot.record import service as record_service
from bot.services import actions, convene, respond, status
from bot.text_input import clean_option, require_text
from handlers.slack import record_form, render
from handlers.slack.chat import SlackChat
from handlers.slack.retries import first_time
from handlers.slack.users import SlackUsers
from scheduling.rules import ConcernCategory

log = logging.getLogger(__name__)

# Buttons that open a form first; the others act at once.
FORMS = {
    "decline": "decline_modal.json.j2",
    "delegate": "delegate_modal.json.j2",
    "close_action": "close_action_modal.json.j2",
    "more_time": "more_time_modal.json.j2",
    "refuse_time": "refuse_time_modal.json.j2",
    "convene": "convene_modal.json.j2",
    "record": "record_modal.json.j2",  # `/strategy record CASE` with no fields
}
BUTTONS = (
    *("accept", "decline", "delegate"),  # an invitation
    *("close_action", "more_time", "snooze"),  # an action, for its owner
    *("approve_time", "refuse_time"),  # a request for more time, for the chair
)

# The App Home has room for 100 blocks.
HOME_DISCUSSIONS = 20
HOME_ACTIONS = 30


@dataclass(frozen=True)
class ReplyTo:
    """Where the answer for the person who acted goes."""

    user: str  # their Slack user id
    response_url: str | None  # set for commands and message buttons: an ephemeral reply
    home: bool = False  # they acted in the App Home, which is refreshed afterwards


def option(value: str, label: str) -> dict[str, str]:
    limit = render.OPTION_TEXT_LIMIT
    return {"value": value, "label": label if len(label) <= limit else label[: limit - 1] + "…"}


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


def _text(values: Mapping[str, Any], key: str) -> str:
    """A form's text, cleaned and within its limit as typed text is (bot/text_input.py)."""
    value = values.get(key)
    if not isinstance(value, str):
        return ""
    return clean_option(key, require_text(value), f"{key}=...").strip()


def _choices(values: Mapping[str, Any], key: str) -> list[str]:
    value = values.get(key)
    return [str(v) for v in value] if isinstance(value, list) else []


def _record_form_request(words: list[str]) -> bool:
    """`record CASE` and nothing else opens the form; `record CASE show` and the rest are text."""
    return (
        len(words) == 2
        and words[0].lower() == "record"
        and "=" not in words[1]
        and words[1].lower() not in ("show", "finalise", "finalize")
    )


def _error(problem: InputError) -> Message:
    return message("messages/error.txt.j2", problem=problem.problem, example=problem.example)


class SlackListeners:
    def __init__(
        self,
        core: Core,
        client: WebClient,
        chat: SlackChat,
        users: SlackUsers,
        due_work: Callable[[], int],
        executor: Executor,
    ) -> None:
        self.core = core
        self.client = client
        self.chat = chat
        self.users = users
        self.due_work = due_work
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
        if not first_time(self.core, body):
            return
        reply_to = ReplyTo(str(body["user_id"]), body.get("response_url"))
        text = str(body.get("text") or "").strip()
        try:
            actor = self._actor(reply_to.user)
            if text.lower() == "convene":
                self._open_convene(actor, str(body["trigger_id"]), reply_to)
                return
            words = text.split()
            if _record_form_request(words):
                self._open_form("record", actor, words[1], reply_to, str(body["trigger_id"]))
                return
            outcome = commands.handle(self.core, actor, f"/strategy {text}")
        except InputError as problem:
            outcome = Outcome(_error(problem))
        self._finish(outcome, reply_to)

    def button(self, body: dict[str, Any]) -> None:
        """A button on a message or in the App Home, after the acknowledgement."""
        if not first_time(self.core, body):
            return
        pressed = body["actions"][0]
        name, value = str(pressed["action_id"]), str(pressed.get("value") or "")
        from_home = (body.get("view") or {}).get("type") == "home"
        reply_to = ReplyTo(str(body["user"]["id"]), body.get("response_url"), from_home)
        try:
            actor = self._actor(reply_to.user)
            if name in FORMS:
                self._open_form(name, actor, value, reply_to, str(body["trigger_id"]))
                return
            outcome = self._press(actor, name, value)
        except InputError as problem:
            outcome = Outcome(_error(problem))
        self._finish(outcome, reply_to)

    def form(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        """A submitted form: checked and written before the answer; messages sent after."""
        name = str(view["callback_id"])
        metadata = json.loads(view.get("private_metadata") or "{}")
        reference = str(metadata.get("reference") or "")
        reply_to = ReplyTo(
            str(body["user"]["id"]), metadata.get("response_url"), bool(metadata.get("home"))
        )
        values = form_values(view)
        if not first_time(self.core, body):
            ack()
            return
        if name == "record":
            self._submit_record(ack, reply_to, reference, values)
            return
        actor: Contact | None = None
        try:
            actor = self._actor(reply_to.user)
            outcome = self._submit(name, actor, reference, values)
        except InputError as problem:
            form = self._form(name, actor, reference, reply_to, values, problem)
            ack(response_action="update", view=form)
            return
        ack()
        self.executor.submit(self._finish, outcome, reply_to)

    def home_opened(self, body: dict[str, Any]) -> None:
        """Someone opened the bot's App Home: show them what is theirs."""
        event = body["event"]
        if event.get("tab", "home") == "home" and first_time(self.core, body):
            self.publish_home(str(event["user"]))

    # --- Acting through the core ------------------------------------------------

    def _actor(self, user_id: str) -> Contact:
        contact = self.users.contact_for(user_id)
        if contact is None:
            raise InputError(
                "You are not in the partner directory, so strategy-bot cannot act for you.",
                "ask your partnership's administrator to add your Slack account",
            )
        return contact

    def _press(self, actor: Contact, name: str, value: str) -> Outcome:
        if name == "accept":
            return respond.accept(self.core, actor, value)
        if name == "snooze":
            return actions.snooze(self.core, actor, value)
        if name == "approve_time":
            return actions.decide_more_time(self.core, actor, value, approve=True)
        raise ValueError(f"no button '{name}'")

    def _submit(
        self, name: str, actor: Contact, reference: str, values: Mapping[str, Any]
    ) -> Outcome:
        if name == "convene":
            return convene.convene(self.core, actor, self._convene_request(values))
        if name == "decline":
            return respond.decline(self.core, actor, reference, _text(values, "reason"))
        if name == "delegate":
            return respond.delegate(self.core, actor, reference, _text(values, "colleague"))
        if name == "close_action":
            return actions.close_action(self.core, actor, reference, _text(values, "outcome"))
        if name == "more_time":
            return actions.request_more_time(
                self.core,
                actor,
                reference,
                due=_text(values, "due"),
                reason=_text(values, "reason"),
            )
        if name == "refuse_time":
            return actions.decide_more_time(
                self.core, actor, reference, approve=False, reason=_text(values, "reason")
            )
        raise ValueError(f"no form '{name}'")

    def _submit_record(
        self, ack: Ack, reply_to: ReplyTo, case: str, values: Mapping[str, Any]
    ) -> None:
        """The record form: changed fields saved, then finalised if asked; problems in the form.

        A field the service refuses is marked in the form, and nothing is saved. If the
        record cannot be finalised yet, the changes stay saved and the form says what is missing.
        """
        keys = [record_form.FIRST]
        try:
            actor = self._actor(reply_to.user)
            draft = record_form.draft(self.core, actor, case)
            keys = [field.key for field in draft.fields]
            fields = record_form.changed(draft, values)
            reason = _text(values, record_form.REASON) or None
            outcome = (
                record_service.update(self.core, actor, case, fields, reason)
                if fields or reason
                else None
            )
        except InputError as problem:
            block = record_form.block_for(problem, keys, keys[0])
            ack(response_action="errors", errors={block: record_form.error_text(problem)})
            return
        if record_form.FINALISE in _choices(values, record_form.FINALISE):
            saved = " Your other changes are saved in the draft." if outcome else ""
            try:
                finalised = record_service.finalise(self.core, actor, case)
            except InputError as problem:
                finalised = Outcome(_error(problem))
            if finalised.reply.template != "record/finalised.txt.j2":
                text = finalised.reply.text.strip() + saved
                ack(response_action="errors", errors={record_form.FINALISE: text[:2000]})
                if outcome is not None:
                    self.executor.submit(self.chat.deliver, latest_per_thread(outcome.outgoing))
                return
            outgoing = (outcome.outgoing if outcome else []) + finalised.outgoing
            outcome = Outcome(finalised.reply, outgoing)
        ack()
        if outcome is None:
            outcome = record_service.form(self.core, actor, case)
        self.executor.submit(self._finish, outcome, reply_to)

    def _convene_request(self, values: Mapping[str, Any]) -> convene.ConveneRequest:
        return convene.ConveneRequest(
            case_reference=_text(values, "case"),
            children=commands.parse_children(_text(values, "children")),
            category=_text(values, "category"),
            meeting=_text(values, "meeting"),
            identified=_text(values, "identified") or None,
            tags=_choices(values, "tags"),
            known=_choices(values, "known"),
            referrer=_text(values, "referrer") or None,
            late_reason=_text(values, "late_reason") or None,
        )

    def _finish(self, outcome: Outcome, reply_to: ReplyTo) -> None:
        """Answer the person who acted, send what the core produced, run what fell due."""
        try:
            self._reply(outcome.reply, reply_to)
            self.chat.deliver(latest_per_thread(outcome.outgoing))
            self.due_work()
            if reply_to.home:
                self.publish_home(reply_to.user)
        except Exception:
            # Already written: a failed send is logged, as the core cannot take it back.
            log.exception("could not finish a Slack request for %s", reply_to.user)

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

    def _open_convene(self, actor: Contact, trigger_id: str, reply_to: ReplyTo) -> None:
        if not actor.is_convenor:
            # The core says why in its own words: a non-convenor is the first thing it refuses.
            convene.check(self.core, actor, convene.ConveneRequest("", (), "", ""))
        self._open_form("convene", actor, "", reply_to, trigger_id)

    def _open_form(
        self, name: str, actor: Contact, reference: str, reply_to: ReplyTo, trigger_id: str
    ) -> None:
        if name == "delegate" and not self.core.directory.colleagues(actor):
            # Nobody to choose from: the core explains.
            respond.delegate(self.core, actor, reference, "")
        form = self._form(name, actor, reference, reply_to, {}, None)
        self.client.views_open(trigger_id=trigger_id, view=form)

    def _form(
        self,
        name: str,
        actor: Contact | None,
        reference: str,
        reply_to: ReplyTo,
        values: Mapping[str, Any],
        error: InputError | None,
    ) -> dict[str, Any]:
        metadata: dict[str, Any] = {"reference": reference, "response_url": reply_to.response_url}
        if reply_to.home:
            metadata["home"] = True
        context: dict[str, Any] = {
            "metadata": json.dumps(metadata),
            "reference": reference,
            "values": dict(values),
            "error": {"problem": error.problem, "example": error.example} if error else None,
        }
        if name == "convene":
            context |= self._convene_choices()
        if name == "record" and actor is not None:
            draft = record_form.draft(self.core, actor, reference)
            context |= record_form.context(draft, {**draft.values, **values})
        if name == "delegate":
            colleagues = self.core.directory.colleagues(actor) if actor else []
            context["colleagues"] = [option(c.id, f"{c.name}, {c.role.label}") for c in colleagues]
        return render.view(FORMS[name], **context)

    def _convene_choices(self) -> dict[str, Any]:
        directory = self.core.directory
        agencies = [
            {
                "label": option(a.id, a.name)["label"],
                "options": [option(c.id, f"{c.name}, {c.role.label}") for c in a.contacts][:100],
            }
            for a in directory.agencies
            if a.contacts
        ][:100]
        return {
            "case_example": directory.partnership.case_reference_example,
            "categories": [option(c.value, c.value.replace("_", " ")) for c in ConcernCategory],
            "tags": [option(t.value, t.value.replace("_", " ")) for t in HarmTag],
            "agencies": agencies,
            "contacts": [o for a in agencies for o in a["options"]],
        }

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
            discussions = list(status.status(self.core, contact, None).reply.context["discussions"])
            owned = list(actions.my_actions(self.core, contact).reply.context["actions"])
            context |= {
                "contact": contact.name,
                "discussions": discussions[:HOME_DISCUSSIONS],
                "more_discussions": max(0, len(discussions) - HOME_DISCUSSIONS),
                "actions": owned[:HOME_ACTIONS],
                "more_actions": max(0, len(owned) - HOME_ACTIONS),
            }
        self.client.views_publish(user_id=user_id, view=render.view("home.json.j2", **context))

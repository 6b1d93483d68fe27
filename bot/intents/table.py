"""Every intent strategy-bot knows: what it takes, who may do it, and the service it runs.

Each entry's wording (usage, button, form labels) is in templates/intents.yaml.
A new intent is an entry here: it then works as a typed command, a button, a
Slack modal, a Teams card and a web form, with no adapter changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from bot.directory import Contact
from bot.errors import refusal
from bot.forms import Field, FieldKind, FormContent
from bot.intents import choices
from bot.intents.intent import IntentTable, Values, worded
from bot.messages import Kind, Outcome, message
from bot.record import chat as record_chat
from bot.record import draft as record_draft
from bot.services import actions, more_time, poll_answers, reminders, reschedule, respond, status
from bot.services.convene import ConveneRequest, convene, parse_children, require_convenor
from bot.text_input import (
    ACTION_TEXT_CHARACTERS,
    IDENTIFIER_CHARACTERS,
    IDENTIFIER_LIST_CHARACTERS,
    REASON_CHARACTERS,
    RECORD_SECTION_CHARACTERS,
    TIME_CHARACTERS,
)
from bot.unit import Unit

REFERENCE = FieldKind.REFERENCE
# The length limits (bot/text_input.py): one place for every way in.
ID = IDENTIFIER_CHARACTERS  # a reference, a directory id, a choice
IDS = IDENTIFIER_LIST_CHARACTERS  # several of them
TIME = TIME_CHARACTERS  # a time or date as typed
REASON = REASON_CHARACTERS
ACTION_TEXT = ACTION_TEXT_CHARACTERS  # what is to be done, how it was done
# What an intent is about. A form is about it, and does not ask for it (but convene's does).
CASE = Field("case", kind=REFERENCE, required=True, max_length=ID, on_form=False)
ACTION = Field("action", kind=REFERENCE, required=True, max_length=ID, on_form=False)


def _convene(unit: Unit, actor: Contact, v: Values) -> Outcome:
    if v.flag("find_time") and v.optional("meeting"):
        raise refusal("find_time.time_and_find", field="meeting")
    request = ConveneRequest(
        case_reference=v.text("case"),
        children=parse_children(v.text("children")),
        category=v.text("category"),
        # No time (or "find a time" ticked on the form): the bot finds one.
        meeting=None if v.flag("find_time") else v.optional("meeting"),
        identified=v.optional("identified"),
        tags=v.many("tags"),
        known=v.many("known"),
        referrer=v.optional("referrer"),
        late_reason=v.optional("late_reason"),
        dropped=v.optional("dropped"),
    )
    return convene(unit, actor, request)


def _accept(unit: Unit, actor: Contact, v: Values) -> Outcome:
    return respond.accept(unit, actor, v.text("case"))


def _decline(unit: Unit, actor: Contact, v: Values) -> Outcome:
    return respond.decline(unit, actor, v.text("case"), v.text("reason"))


def _delegate(unit: Unit, actor: Contact, v: Values) -> Outcome:
    return respond.delegate(unit, actor, v.text("case"), v.text("to"))


def _status(unit: Unit, actor: Contact, v: Values) -> Outcome:
    return status.status(unit, actor, v.optional("case"))


def _action(unit: Unit, actor: Contact, v: Values) -> Outcome:
    return actions.add_action(
        unit,
        actor,
        v.text("case"),
        owner=v.text("owner"),
        due=v.text("due"),
        description=v.text("text"),
        urgent=v.flag("urgent"),
    )


def _close(unit: Unit, actor: Contact, v: Values) -> Outcome:
    return actions.close_action(unit, actor, v.text("action"), v.text("outcome"))


def _more_time(unit: Unit, actor: Contact, v: Values) -> Outcome:
    return more_time.request(unit, actor, v.text("action"), v.text("due"), v.text("reason"))


def _approve(unit: Unit, actor: Contact, v: Values) -> Outcome:
    return more_time.decide(unit, actor, v.text("action"), approve=True)


def _refuse(unit: Unit, actor: Contact, v: Values) -> Outcome:
    return more_time.decide(unit, actor, v.text("action"), approve=False, reason=v.text("reason"))


def _snooze(unit: Unit, actor: Contact, v: Values) -> Outcome:
    return reminders.snooze(unit, actor, v.text("action"), v.optional("until"))


def _reassign(unit: Unit, actor: Contact, v: Values) -> Outcome:
    return actions.reassign(unit, actor, v.text("action"), v.text("to"))


def _actions(unit: Unit, actor: Contact, v: Values) -> Outcome:
    return actions.my_actions(unit, actor)


def _record(unit: Unit, actor: Contact, v: Values) -> Outcome:
    return record_chat.record(
        unit,
        actor,
        v.text("case"),
        v.many("verb"),
        v.extra,
        v.optional("reason"),
        finalise=v.flag("finalise"),
        share=v.optional("share"),
    )


RECORD_REASON = Field("reason", multiline=True, max_length=REASON, on_form=False)
RECORD_FINALISE = Field("finalise", kind=FieldKind.FLAG, max_length=ID)
# The chair lets someone not invited read a final record: share=<directory id>.
RECORD_SHARE = Field("share", identifier=True, max_length=ID, on_form=False)
# The record's own fields, typed as name=...: who attended and the children are
# directory ids and pseudonyms; everything else is a section of text.
RECORD_SECTION = Field("section", multiline=True, max_length=RECORD_SECTION_CHARACTERS)
RECORD_IDS = Field("ids", identifier=True, max_length=IDS)


def _record_option(name: str) -> Field:
    return RECORD_IDS if name in record_draft.ID_LISTS else RECORD_SECTION


def _record_form(unit: Unit, actor: Contact, case: str) -> FormContent:
    reason = RECORD.field("reason")
    finalise = RECORD.field("finalise")
    assert reason is not None and finalise is not None
    return record_draft.form_content(unit, actor, case, reason, finalise)


def _report(unit: Unit, actor: Contact, v: Values) -> Outcome:
    options = {key: v.text(key) for key in ("from", "to", "by") if v.text(key)}
    return record_chat.report(unit, actor, options)


def _reschedule(unit: Unit, actor: Contact, v: Values) -> Outcome:
    return reschedule.reschedule(
        unit,
        actor,
        v.text("case"),
        meeting=v.text("meeting"),
        reason=v.text("reason"),
        late_reason=v.optional("late_reason"),
    )


def _cancel(unit: Unit, actor: Contact, v: Values) -> Outcome:
    return reschedule.cancel(unit, actor, v.text("case"), v.text("reason"))


def _available(unit: Unit, actor: Contact, v: Values) -> Outcome:
    chosen = v.many("answer") + v.many("slots")
    return poll_answers.available(unit, actor, v.text("case"), chosen, v.optional("when"))


def _slots(unit: Unit, actor: Contact, v: Values) -> Outcome:
    return poll_answers.slots(unit, actor, v.text("case"))


def _slot_labels(unit: Unit, actor: Contact, case: str) -> Mapping[str, str]:
    return poll_answers.slot_labels(unit, actor, case)


def _pick(unit: Unit, actor: Contact, v: Values) -> Outcome:
    number = v.optional("slot") or (" ".join(v.many("number")) or None)
    return poll_answers.pick(
        unit, actor, v.text("case"), number, v.optional("meeting"), v.optional("late_reason")
    )


def _help(unit: Unit, actor: Contact, v: Values) -> Outcome:
    usage = {intent.name: intent.usage for intent in INTENTS}
    return Outcome(
        message(Kind.REPLY, "messages/help.txt.j2", usage=usage, convenor=actor.is_convenor)
    )


RECORD = worded(
    "record",
    _record,
    [
        CASE,
        Field("verb", kind=FieldKind.WORDS, max_length=ID, on_form=False),
        RECORD_REASON,
        RECORD_FINALISE,
        RECORD_SHARE,
    ],
    open=_record_option,
    opens_form=True,
    form=_record_form,
)

INTENTS = IntentTable(
    [
        worded(
            "convene",
            _convene,
            [
                replace(CASE, on_form=True),
                Field("children", required=True, identifier=True, max_length=IDS),
                Field(
                    "category",
                    kind=FieldKind.CHOICE,
                    required=True,
                    choices=choices.categories,
                    max_length=ID,
                ),
                Field("meeting", max_length=TIME),
                Field("find_time", kind=FieldKind.FLAG, max_length=ID),
                Field("identified", max_length=TIME),
                Field("tags", kind=FieldKind.CHOICES, choices=choices.harm_tags, max_length=IDS),
                Field("known", kind=FieldKind.CHOICES, choices=choices.everyone, max_length=IDS),
                Field("referrer", kind=FieldKind.CHOICE, choices=choices.everyone, max_length=ID),
                Field("late_reason", multiline=True, max_length=REASON),
                Field("dropped", multiline=True, max_length=REASON),
            ],
            who=require_convenor,
            opens_form=True,
            positive=True,
        ),
        worded("accept", _accept, [CASE], positive=True),
        worded(
            "decline",
            _decline,
            [CASE, Field("reason", required=True, multiline=True, max_length=REASON)],
        ),
        worded(
            "delegate",
            _delegate,
            [
                CASE,
                Field(
                    "to",
                    kind=FieldKind.CHOICE,
                    required=True,
                    choices=choices.colleagues,
                    max_length=ID,
                ),
            ],
        ),
        worded("status", _status, [replace(CASE, required=False)]),
        worded(
            "action",
            _action,
            [
                CASE,
                Field(
                    "owner",
                    kind=FieldKind.CHOICE,
                    required=True,
                    choices=choices.everyone,
                    max_length=ID,
                ),
                Field("due", required=True, max_length=TIME),
                Field("text", required=True, multiline=True, max_length=ACTION_TEXT),
                Field("urgent", kind=FieldKind.FLAG, max_length=ID),
            ],
        ),
        worded(
            "close",
            _close,
            [ACTION, Field("outcome", required=True, multiline=True, max_length=ACTION_TEXT)],
            ends_item=True,
        ),
        worded(
            "more-time",
            _more_time,
            [
                ACTION,
                Field("due", required=True, max_length=TIME),
                Field("reason", required=True, multiline=True, max_length=REASON),
            ],
        ),
        worded("approve", _approve, [ACTION], positive=True),
        worded(
            "refuse",
            _refuse,
            [ACTION, Field("reason", required=True, multiline=True, max_length=REASON)],
        ),
        worded("snooze", _snooze, [ACTION, Field("until", max_length=TIME, on_form=False)]),
        worded(
            "reassign",
            _reassign,
            [
                ACTION,
                Field(
                    "to",
                    kind=FieldKind.CHOICE,
                    required=True,
                    choices=choices.everyone,
                    max_length=ID,
                ),
            ],
        ),
        worded("actions", _actions),
        RECORD,
        worded(
            "report",
            _report,
            [
                Field("from", max_length=TIME),
                Field("to", max_length=TIME),
                Field("by", kind=FieldKind.CHOICE, choices=choices.report_groups, max_length=ID),
            ],
            who=record_chat.require_team_manager,
        ),
        worded(
            "reschedule",
            _reschedule,
            [
                CASE,
                Field("meeting", required=True, max_length=TIME),
                Field("reason", required=True, multiline=True, max_length=REASON),
                Field("late_reason", multiline=True, max_length=REASON),
            ],
        ),
        worded(
            "cancel",
            _cancel,
            [CASE, Field("reason", required=True, multiline=True, max_length=REASON)],
        ),
        worded(
            "available",
            _available,
            [
                CASE,
                Field("answer", kind=FieldKind.WORDS, max_length=IDS, on_form=False),
                Field(
                    "slots", kind=FieldKind.CHOICES, choices=choices.poll_answers, max_length=IDS
                ),
                Field("when", max_length=TIME),
            ],
            positive=True,
            labels=_slot_labels,
        ),
        worded("slots", _slots, [CASE]),
        worded(
            "pick",
            _pick,
            [
                CASE,
                Field("number", kind=FieldKind.WORDS, max_length=ID, on_form=False),
                Field("slot", kind=FieldKind.CHOICE, choices=choices.slots, max_length=ID),
                Field("meeting", max_length=TIME),
                Field("late_reason", multiline=True, max_length=REASON),
            ],
            labels=_slot_labels,
        ),
        worded("help", _help, [Field("topic", kind=FieldKind.WORDS, max_length=ID, on_form=False)]),
    ]
)

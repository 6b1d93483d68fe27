"""Platform-neutral messages: what the core says, to whom, and what a person can answer.

Adapters turn these into console text, Slack Block Kit or Teams cards. The
wording comes from `templates/`; the core only chooses a template and fills it.
A message says what it is (`kind`), so adapters choose how to show it from
that, never from the name of the template it was written with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from templates import render_parts

if TYPE_CHECKING:
    from bot.errors import InputError
    from bot.forms import Form


class Kind(StrEnum):
    """What a message is, whatever its wording."""

    REPLY = "reply"  # the answer to the person who acted
    ERROR = "error"  # what was wrong with what they asked, and an example; nothing was done
    INVITATION = "invitation"  # an invitation to a discussion (updated in place as it is answered)
    QUORUM = "quorum"  # the chair's live view of who has confirmed
    ACTION = "action"  # an action given to its owner
    NUDGE = "nudge"  # a reminder about an open action
    REQUEST = "request"  # a request waiting for the chair's decision (more time)
    RECORD = "record"  # a finalised record, as circulated
    ALERT = "alert"  # something the chair must act on (partners missing, a deadline, a failure)
    NOTICE = "notice"  # anything else a person or channel is told


@dataclass(frozen=True)
class Button:
    """An answer a person can give with one click: an intent, and what it is about.

    Services set `action` and `value`; the entry points fill in `label`,
    `command` (the same answer, typed) and `positive` from the intent table
    before the message leaves the core.
    """

    action: str  # the intent, by its command's name: accept, decline, close, more-time...
    value: str  # what it is about, e.g. "NV-40213" or "NV-40213/A1"
    label: str = ""
    command: str = ""  # the equivalent text command, e.g. "/strategy accept NV-40213"
    positive: bool = False  # the affirmative answer (accept, approve): shown as such


@dataclass(frozen=True)
class Message:
    kind: Kind
    text: str
    template: str = ""  # the template it was written with (for tests and logs only)
    context: Mapping[str, Any] = field(default_factory=dict)  # the facts it was written from
    buttons: tuple[Button, ...] = ()
    # The parts its template names (headline, facts...): what a card arranges, so a
    # card says what the text says, in the same words.
    parts: Mapping[str, Any] = field(default_factory=dict)


def message(
    kind: Kind, template: str, buttons: tuple[Button, ...] = (), /, **context: Any
) -> Message:
    text, parts = render_parts(template, **context)
    return Message(kind, text, template, context, buttons, parts)


class Delivery(StrEnum):
    DIRECT = "direct"
    CHANNEL = "channel"


@dataclass(frozen=True)
class Outgoing:
    """One message to send.

    `thread` names the conversation item the message belongs to (for example
    the invitation to one person); sending again with the same `thread` and
    recipient updates the earlier message in place where the platform can.
    """

    to: str  # a contact key, or a channel name for Delivery.CHANNEL
    message: Message
    delivery: Delivery = Delivery.DIRECT
    thread: str | None = None


@dataclass
class Outcome:
    """What an intent did: the reply to the person who asked, and everything to send.

    `ok` is False when it did not do what was asked (a refusal, bad input, a
    record that cannot be finalised yet); `field` then names the field the
    problem is about, when the core knows. `form`, when set, is a form to show
    instead of the reply: more is needed before anything can be done. `saved`:
    not done, but other changes it asked for were written (a record whose fields
    were saved in the draft, though it could not be finalised yet).
    """

    reply: Message
    outgoing: list[Outgoing] = field(default_factory=list)
    ok: bool = True
    field: str | None = None
    form: Form | None = None
    saved: bool = False


def refused(problem: InputError, form: Form | None = None) -> Outcome:
    """The outcome of bad input or a refusal: what was wrong and an example; nothing written."""
    reply = message(
        Kind.ERROR, "messages/error.txt.j2", problem=problem.problem, example=problem.example
    )
    return Outcome(reply, ok=False, field=problem.field, form=form)


def latest_per_thread(outgoing: list[Outgoing]) -> list[Outgoing]:
    """Drop a threaded message when a later one in the same batch replaces it anyway."""
    last = {(o.to, o.thread): i for i, o in enumerate(outgoing) if o.thread is not None}
    return [o for i, o in enumerate(outgoing) if o.thread is None or last[(o.to, o.thread)] == i]

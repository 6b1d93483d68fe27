"""The `/strategy ...` text commands, shared by every chat platform.

Parsing turns text into a typed command or an InputError with an example;
`handle` runs a command through the services. Buttons, modals and cards in
the platform adapters call the same services directly.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from bot.core import Core
from bot.directory import Contact
from bot.domain import ChildSpec
from bot.errors import InputError, LateMeeting
from bot.messages import Outcome, message
from bot.record import chat as record_chat
from bot.services import actions, reschedule, respond, status
from bot.services.convene import ConveneRequest, convene
from bot.text_input import (
    COMMAND_CHARACTERS,
    IDENTIFIER_CHARACTERS,
    check_length,
    clean_identifier,
    clean_option,
    clean_text,
    require_text,
    shown,
)

USAGE: Mapping[str, str] = {
    "convene": "/strategy convene NV-40213 children=C1:2019-04-02 category=standard "
    'meeting="tomorrow 2pm" [identified="today 9am"] [tags=domestic_abuse,injury] '
    '[known=hv.id,gp.id] [referrer=id] [late_reason="..."]',
    "accept": "/strategy accept NV-40213",
    "decline": '/strategy decline NV-40213 reason="in court all day; colleague can attend"',
    "delegate": "/strategy delegate NV-40213 to=<colleague's directory id>",
    "status": "/strategy status [NV-40213]",
    "action": '/strategy action NV-40213 owner=<directory id> due="in 2 working days" '
    'text="Arrange child protection medical" [urgent=yes]',
    "close": '/strategy close NV-40213/A1 outcome="Medical completed on Tuesday"',
    "more-time": '/strategy more-time NV-40213/A1 due="4/12" reason="GP records awaited"',
    "approve": "/strategy approve NV-40213/A1",
    "refuse": '/strategy refuse NV-40213/A1 reason="the child needs this before the ICPC"',
    "snooze": '/strategy snooze NV-40213/A1 [until="tomorrow 9am"]',
    "reassign": "/strategy reassign NV-40213/A1 to=<directory id>",
    "actions": "/strategy actions",
    "record": '/strategy record NV-40213 [show | finalise | <field>="..." ... [reason="..."]]',
    "report": "/strategy report [from=2026-11-01] [to=2026-11-30] [by=team|category]",
    "reschedule": '/strategy reschedule NV-40213 meeting="wednesday 10am" '
    'reason="the police officer is in court" [late_reason="..."]',
    "cancel": '/strategy cancel NV-40213 reason="concern resolved: the injury was accidental"',
    "help": "/strategy help",
}


@dataclass(frozen=True)
class Parsed:
    name: str
    positional: list[str]
    options: dict[str, str]
    text: str = ""  # the command as typed (cleaned), for examples built from it


# `reason ="..."`, `reason= "..."`: outside quotes, spaces around '=' after an option name
# are dropped (but `reason= text="..."` leaves reason= empty, not swallowing text=).
_QUOTED = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'[^']*'")
_SPACED_EQUALS = re.compile(r"(?<!\S)([A-Za-z_][\w.]*)\s*=(?:\s+(?![A-Za-z_][\w.]*\s*=))?")
COMMAND_WORDS = ("/strategy", "strategy")


def _close_spaced_options(text: str) -> str:
    parts, last = [], 0
    for quoted in _QUOTED.finditer(text):
        parts += [_SPACED_EQUALS.sub(r"\1=", text[last : quoted.start()]), quoted.group()]
        last = quoted.end()
    parts.append(_SPACED_EQUALS.sub(r"\1=", text[last:]))
    return "".join(parts)


def _usage_of(text: str) -> str:
    """The usage of the command `text` names, before it could be read (or /strategy help)."""
    words = text.split()
    if words and words[0].lower() in COMMAND_WORDS:
        words = words[1:]
    return USAGE.get(clean_identifier(words[0]).lower() if words else "help", USAGE["help"])


def parse(text: str) -> Parsed:
    text = clean_text(require_text(text))
    check_length(text, COMMAND_CHARACTERS, "The command", _usage_of(text))
    try:
        words = shlex.split(_close_spaced_options(text))
    except ValueError as problem:
        raise InputError(
            f"Could not read the command: {problem} (check the quotes).", _usage_of(text)
        ) from None
    if words and words[0].lower() in COMMAND_WORDS:
        words = words[1:]
    if not words:
        return Parsed("help", [], {}, text)
    name, rest = clean_identifier(words[0]).lower(), words[1:]
    if name not in USAGE:
        raise InputError(f"'{shown(name)}' is not a /strategy command.", "/strategy help")
    positional = [p for p in (clean_identifier(w) for w in rest if "=" not in w) if p]
    for word in positional:
        check_length(word, IDENTIFIER_CHARACTERS, f"'{shown(word, 20)}'", USAGE[name])
    options: dict[str, str] = {}
    for word in rest:
        if "=" in word:
            key, _, value = word.partition("=")
            key = clean_identifier(key).lower()
            check_length(key, IDENTIFIER_CHARACTERS, "An option name", USAGE[name])
            if key in options:
                raise InputError(f"'{key}=' is given twice; give it once.", USAGE[name])
            options[key] = clean_option(key, value, USAGE[name])
    return Parsed(name, positional, options, text)


def _allowed(parsed: Parsed, keys: set[str], positional: int) -> None:
    unknown = sorted(set(parsed.options) - keys)
    if unknown:
        raise InputError(
            f"Unknown option {shown(', '.join(unknown))} for '{parsed.name}'.", USAGE[parsed.name]
        )
    if len(parsed.positional) > positional:
        extra = " ".join(parsed.positional[positional:])
        raise InputError(
            f"Did not understand '{shown(extra)}' (put quotes around text with spaces).",
            USAGE[parsed.name],
        )


def _required(parsed: Parsed, key: str, what: str) -> str:
    value = parsed.options.get(key, "").strip()
    if not value:
        raise InputError(f"Add {what} ({key}=...).", USAGE[parsed.name])
    return value


def _case(parsed: Parsed) -> str:
    case = parsed.options.pop("case", None) or (parsed.positional[0] if parsed.positional else "")
    if not case:
        raise InputError("Add the case reference.", USAGE[parsed.name])
    if parsed.positional and parsed.positional[0] == case:
        parsed.positional.pop(0)
    return case


def parse_children(text: str) -> list[ChildSpec]:
    """'C1:2019-04-02,C2:unborn:2027-03-01,C3' -> children (dates are optional)."""
    children = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        pseudonym, *dates = item.split(":")
        try:
            if len(dates) == 2 and dates[0].lower() == "unborn":
                children.append(
                    ChildSpec(pseudonym.upper(), expected_date=date.fromisoformat(dates[1]))
                )
            elif len(dates) == 1:
                children.append(
                    ChildSpec(pseudonym.upper(), date_of_birth=date.fromisoformat(dates[0]))
                )
            elif not dates:
                children.append(ChildSpec(pseudonym.upper()))
            else:
                raise ValueError(item)
        except ValueError:
            raise InputError(
                f"Could not read the child '{item}'. Give a pseudonym, then the date of birth "
                "(YYYY-MM-DD) or 'unborn:' and the expected date.",
                "children=C1:2019-04-02,C2:unborn:2027-03-01",
            ) from None
    return children


def _list(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


# Everything `convene` takes besides the case reference (forms on every platform use these).
CONVENE_OPTIONS = (
    "children",
    "category",
    "meeting",
    "identified",
    "tags",
    "known",
    "referrer",
    "late_reason",
)


def _convene(core: Core, actor: Contact, parsed: Parsed) -> Outcome:
    case = _case(parsed)
    _allowed(parsed, set(CONVENE_OPTIONS), 0)
    request = ConveneRequest(
        case_reference=case,
        children=parse_children(_required(parsed, "children", "the children, by pseudonym")),
        category=_required(parsed, "category", "the concern category"),
        meeting=_required(parsed, "meeting", "the proposed meeting time"),
        identified=parsed.options.get("identified"),
        tags=_list(parsed.options.get("tags")),
        known=_list(parsed.options.get("known")),
        referrer=parsed.options.get("referrer"),
        late_reason=parsed.options.get("late_reason"),
    )
    try:
        return convene(core, actor, request)
    except LateMeeting as problem:
        raise _with_late_reason(problem, parsed) from None


def _accept(core: Core, actor: Contact, parsed: Parsed) -> Outcome:
    case = _case(parsed)
    _allowed(parsed, set(), 0)
    return respond.accept(core, actor, case)


def _decline(core: Core, actor: Contact, parsed: Parsed) -> Outcome:
    case = _case(parsed)
    _allowed(parsed, {"reason"}, 0)
    return respond.decline(core, actor, case, parsed.options.get("reason", ""))


def _delegate(core: Core, actor: Contact, parsed: Parsed) -> Outcome:
    case = _case(parsed)
    _allowed(parsed, {"to"}, 0)
    return respond.delegate(core, actor, case, _required(parsed, "to", "the colleague"))


def _status(core: Core, actor: Contact, parsed: Parsed) -> Outcome:
    _allowed(parsed, set(), 1)
    return status.status(core, actor, parsed.positional[0] if parsed.positional else None)


def _action(core: Core, actor: Contact, parsed: Parsed) -> Outcome:
    case = _case(parsed)
    _allowed(parsed, {"owner", "due", "text", "urgent"}, 0)
    return actions.add_action(
        core,
        actor,
        case,
        owner=_required(parsed, "owner", "the action's owner"),
        due=_required(parsed, "due", "the due date"),
        description=_required(parsed, "text", "what is to be done"),
        urgent=_yes_no(parsed, "urgent"),
    )


def _yes_no(parsed: Parsed, key: str) -> bool:
    value = parsed.options.get(key, "no").strip().lower()
    if value not in ("yes", "no"):
        raise InputError(f"{key}= takes yes or no, not '{value}'.", USAGE[parsed.name])
    return value == "yes"


def _action_reference(parsed: Parsed) -> str:
    if not parsed.positional:
        raise InputError("Add the action reference.", USAGE[parsed.name])
    return parsed.positional[0]


def _more_time(core: Core, actor: Contact, parsed: Parsed) -> Outcome:
    _allowed(parsed, {"due", "reason"}, 1)
    return actions.request_more_time(
        core,
        actor,
        _action_reference(parsed),
        due=_required(parsed, "due", "the due date you need"),
        reason=parsed.options.get("reason", ""),
    )


def _approve(core: Core, actor: Contact, parsed: Parsed) -> Outcome:
    _allowed(parsed, set(), 1)
    return actions.decide_more_time(core, actor, _action_reference(parsed), approve=True)


def _refuse(core: Core, actor: Contact, parsed: Parsed) -> Outcome:
    _allowed(parsed, {"reason"}, 1)
    return actions.decide_more_time(
        core,
        actor,
        _action_reference(parsed),
        approve=False,
        reason=_required(parsed, "reason", "the reason, which the owner is told"),
    )


def _snooze(core: Core, actor: Contact, parsed: Parsed) -> Outcome:
    _allowed(parsed, {"until"}, 1)
    return actions.snooze(core, actor, _action_reference(parsed), parsed.options.get("until"))


def _reassign(core: Core, actor: Contact, parsed: Parsed) -> Outcome:
    _allowed(parsed, {"to"}, 1)
    return actions.reassign(
        core, actor, _action_reference(parsed), _required(parsed, "to", "the new owner")
    )


def _close(core: Core, actor: Contact, parsed: Parsed) -> Outcome:
    _allowed(parsed, {"outcome"}, 1)
    if not parsed.positional:
        raise InputError("Add the action reference.", USAGE["close"])
    return actions.close_action(
        core, actor, parsed.positional[0], parsed.options.get("outcome", "")
    )


def _actions(core: Core, actor: Contact, parsed: Parsed) -> Outcome:
    _allowed(parsed, set(), 0)
    return actions.my_actions(core, actor)


def _record(core: Core, actor: Contact, parsed: Parsed) -> Outcome:
    case = _case(parsed)
    return record_chat.record(core, actor, case, parsed.positional, parsed.options)


def _report(core: Core, actor: Contact, parsed: Parsed) -> Outcome:
    _allowed(parsed, {"from", "to", "by"}, 0)
    return record_chat.report(core, actor, parsed.options)


def _reschedule(core: Core, actor: Contact, parsed: Parsed) -> Outcome:
    case = _case(parsed)
    _allowed(parsed, {"meeting", "reason", "late_reason"}, 0)
    try:
        return reschedule.reschedule(
            core,
            actor,
            case,
            meeting=_required(parsed, "meeting", "the new meeting time"),
            reason=_required(parsed, "reason", "the reason, which everyone invited is told"),
            late_reason=parsed.options.get("late_reason"),
        )
    except LateMeeting as problem:
        raise _with_late_reason(problem, parsed) from None


# A typed command this long is not repeated back as the example.
OWN_EXAMPLE_CHARACTERS = 400


def _with_late_reason(problem: LateMeeting, parsed: Parsed) -> InputError:
    """A meeting after the deadline: the example is the user's own command, plus the reason."""
    own = parsed.text.strip()
    if len(own) > OWN_EXAMPLE_CHARACTERS:
        return problem
    return InputError(problem.problem, f'{own} late_reason="..."')


def _cancel(core: Core, actor: Contact, parsed: Parsed) -> Outcome:
    case = _case(parsed)
    _allowed(parsed, {"reason"}, 0)
    return reschedule.cancel(
        core, actor, case, _required(parsed, "reason", "the reason, which everyone invited is told")
    )


def _help(core: Core, actor: Contact, parsed: Parsed) -> Outcome:
    return Outcome(message("messages/help.txt.j2", usage=USAGE, convenor=actor.is_convenor))


COMMANDS: Mapping[str, Callable[[Core, Contact, Parsed], Outcome]] = {
    "convene": _convene,
    "accept": _accept,
    "decline": _decline,
    "delegate": _delegate,
    "status": _status,
    "action": _action,
    "close": _close,
    "more-time": _more_time,
    "approve": _approve,
    "refuse": _refuse,
    "snooze": _snooze,
    "reassign": _reassign,
    "actions": _actions,
    "record": _record,
    "report": _report,
    "reschedule": _reschedule,
    "cancel": _cancel,
    "help": _help,
}


def handle(core: Core, actor: Contact, text: str) -> Outcome:
    """Run one `/strategy ...` command. Bad input comes back as the reply; nothing is written."""
    usage = _usage_of(text)
    try:
        parsed = parse(text)
        usage = USAGE[parsed.name]
        return COMMANDS[parsed.name](core, actor, parsed)
    except InputError as problem:
        # Every refusal carries an example: the command's usage when the service gave none.
        example = problem.example or usage
        return Outcome(message("messages/error.txt.j2", problem=problem.problem, example=example))

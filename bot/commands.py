"""The `/strategy ...` text commands, shared by every chat platform.

Parsing turns text into a typed command or an InputError with an example;
`handle` runs a command through the services. Buttons, modals and cards in
the platform adapters call the same services directly.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from bot.core import Core
from bot.directory import Contact
from bot.domain import ChildSpec
from bot.errors import InputError
from bot.messages import Outcome, message
from bot.record import chat as record_chat
from bot.services import actions, more_time, reminders, reschedule, respond, status
from bot.services.convene import ConveneRequest, convene
from bot.unit import Unit, perform

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


def parse(text: str) -> Parsed:
    try:
        words = shlex.split(text)
    except ValueError as problem:
        raise InputError(
            f"Could not read the command: {problem} (check the quotes).", USAGE["convene"]
        ) from None
    if words and words[0] == "/strategy":
        words = words[1:]
    if not words:
        return Parsed("help", [], {})
    name, rest = words[0].lower(), words[1:]
    if name not in USAGE:
        raise InputError(f"'{name}' is not a /strategy command.", "/strategy help")
    positional = [w for w in rest if "=" not in w]
    options: dict[str, str] = {}
    for word in rest:
        if "=" in word:
            key, _, value = word.partition("=")
            key = key.strip().lower()
            if key in options:
                raise InputError(f"'{key}=' is given twice; give it once.", USAGE[name])
            options[key] = value
    return Parsed(name, positional, options)


def _allowed(parsed: Parsed, keys: set[str], positional: int) -> None:
    unknown = sorted(set(parsed.options) - keys)
    if unknown:
        raise InputError(
            f"Unknown option {', '.join(unknown)} for '{parsed.name}'.", USAGE[parsed.name]
        )
    if len(parsed.positional) > positional:
        extra = " ".join(parsed.positional[positional:])
        raise InputError(
            f"Did not understand '{extra}' (put quotes around text with spaces).",
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


def _convene(unit: Unit, actor: Contact, parsed: Parsed) -> Outcome:
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
    return convene(unit, actor, request)


def _accept(unit: Unit, actor: Contact, parsed: Parsed) -> Outcome:
    case = _case(parsed)
    _allowed(parsed, set(), 0)
    return respond.accept(unit, actor, case)


def _decline(unit: Unit, actor: Contact, parsed: Parsed) -> Outcome:
    case = _case(parsed)
    _allowed(parsed, {"reason"}, 0)
    return respond.decline(unit, actor, case, parsed.options.get("reason", ""))


def _delegate(unit: Unit, actor: Contact, parsed: Parsed) -> Outcome:
    case = _case(parsed)
    _allowed(parsed, {"to"}, 0)
    return respond.delegate(unit, actor, case, _required(parsed, "to", "the colleague"))


def _status(unit: Unit, actor: Contact, parsed: Parsed) -> Outcome:
    _allowed(parsed, set(), 1)
    return status.status(unit, actor, parsed.positional[0] if parsed.positional else None)


def _action(unit: Unit, actor: Contact, parsed: Parsed) -> Outcome:
    case = _case(parsed)
    _allowed(parsed, {"owner", "due", "text", "urgent"}, 0)
    return actions.add_action(
        unit,
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


def _more_time(unit: Unit, actor: Contact, parsed: Parsed) -> Outcome:
    _allowed(parsed, {"due", "reason"}, 1)
    return more_time.request(
        unit,
        actor,
        _action_reference(parsed),
        due=_required(parsed, "due", "the due date you need"),
        reason=parsed.options.get("reason", ""),
    )


def _approve(unit: Unit, actor: Contact, parsed: Parsed) -> Outcome:
    _allowed(parsed, set(), 1)
    return more_time.decide(unit, actor, _action_reference(parsed), approve=True)


def _refuse(unit: Unit, actor: Contact, parsed: Parsed) -> Outcome:
    _allowed(parsed, {"reason"}, 1)
    return more_time.decide(
        unit,
        actor,
        _action_reference(parsed),
        approve=False,
        reason=parsed.options.get("reason", ""),
    )


def _snooze(unit: Unit, actor: Contact, parsed: Parsed) -> Outcome:
    _allowed(parsed, {"until"}, 1)
    return reminders.snooze(unit, actor, _action_reference(parsed), parsed.options.get("until"))


def _reassign(unit: Unit, actor: Contact, parsed: Parsed) -> Outcome:
    _allowed(parsed, {"to"}, 1)
    return actions.reassign(
        unit, actor, _action_reference(parsed), _required(parsed, "to", "the new owner")
    )


def _close(unit: Unit, actor: Contact, parsed: Parsed) -> Outcome:
    _allowed(parsed, {"outcome"}, 1)
    if not parsed.positional:
        raise InputError("Add the action reference.", USAGE["close"])
    return actions.close_action(
        unit, actor, parsed.positional[0], parsed.options.get("outcome", "")
    )


def _actions(unit: Unit, actor: Contact, parsed: Parsed) -> Outcome:
    _allowed(parsed, set(), 0)
    return actions.my_actions(unit, actor)


def _record(unit: Unit, actor: Contact, parsed: Parsed) -> Outcome:
    case = _case(parsed)
    return record_chat.record(unit, actor, case, parsed.positional, parsed.options)


def _report(unit: Unit, actor: Contact, parsed: Parsed) -> Outcome:
    _allowed(parsed, {"from", "to", "by"}, 0)
    return record_chat.report(unit, actor, parsed.options)


def _reschedule(unit: Unit, actor: Contact, parsed: Parsed) -> Outcome:
    case = _case(parsed)
    _allowed(parsed, {"meeting", "reason", "late_reason"}, 0)
    return reschedule.reschedule(
        unit,
        actor,
        case,
        meeting=_required(parsed, "meeting", "the new meeting time"),
        reason=_required(parsed, "reason", "the reason, which everyone invited is told"),
        late_reason=parsed.options.get("late_reason"),
    )


def _cancel(unit: Unit, actor: Contact, parsed: Parsed) -> Outcome:
    case = _case(parsed)
    _allowed(parsed, {"reason"}, 0)
    return reschedule.cancel(
        unit, actor, case, _required(parsed, "reason", "the reason, which everyone invited is told")
    )


def _help(unit: Unit, actor: Contact, parsed: Parsed) -> Outcome:
    return Outcome(message("messages/help.txt.j2", usage=USAGE, convenor=actor.is_convenor))


COMMANDS: Mapping[str, Callable[[Unit, Contact, Parsed], Outcome]] = {
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
    """Run one `/strategy ...` command in one unit of work, its messages emitted.

    Bad input comes back as the reply; nothing is written.
    """
    try:
        parsed = parse(text)
        return perform(core, lambda unit: COMMANDS[parsed.name](unit, actor, parsed))
    except InputError as problem:
        return Outcome(
            message("messages/error.txt.j2", problem=problem.problem, example=problem.example)
        )

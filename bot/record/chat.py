"""`/strategy record ...` and `/strategy report ...`: the words typed in chat, checked."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from bot.directory import Contact
from bot.errors import InputError, NotAllowed
from bot.messages import Outcome, message
from bot.record import service
from bot.record.report import compliance_report
from bot.record.report_output import as_table
from bot.unit import Unit

RECORD_USAGE = '/strategy record NV-40213 [show | finalise | <field>="..." ... [reason="..."]]'
REPORT_USAGE = "/strategy report [from=2026-11-01] [to=2026-11-30] [by=team|category]"
VERBS = ("show", "finalise", "finalize")


def record(
    unit: Unit,
    actor: Contact,
    case: str,
    positional: Sequence[str],
    options: Mapping[str, str],
) -> Outcome:
    words = [word.lower() for word in positional]
    example = RECORD_USAGE.replace("NV-40213", case)
    if len(words) > 1 or (words and words[0] not in VERBS):
        raise InputError(
            f"Did not understand '{' '.join(positional)}': after the case comes show, finalise, "
            'or fields such as risk="..." (put quotes around text with spaces).',
            example,
        )
    reason = options.get("reason")
    fields = {key: value for key, value in options.items() if key != "reason"}
    verb = words[0] if words else None
    if verb is not None and (fields or reason is not None):
        raise InputError(
            f"'{verb}' takes nothing else: save the fields first, then {verb} on its own.",
            f"/strategy record {case} {verb}",
        )
    if verb == "show":
        return service.show(unit, actor, case)
    if verb in ("finalise", "finalize"):
        return service.finalise(unit, actor, case)
    if not fields and reason is None:
        return service.form(unit, actor, case)
    return service.update(unit, actor, case, fields, reason)


def report(unit: Unit, actor: Contact, options: Mapping[str, str]) -> Outcome:
    core = unit.core
    if not actor.can_chair:
        raise NotAllowed(
            "The compliance report is for team managers.",
            "ask your team manager for the figures",
        )
    today = core.calendar.local_date(core.clock.now())
    start = _date(options.get("from"), today.replace(day=1), "from")
    end = _date(options.get("to"), today, "to")
    if end < start:
        raise InputError(f"The period ends ({end}) before it starts ({start}).", REPORT_USAGE)
    by = options.get("by", "team").strip().lower()
    if by not in ("team", "category"):
        raise InputError(f"by= takes team or category, not '{by}'.", REPORT_USAGE)
    table = as_table(compliance_report(unit, start, end), groups=(by,))
    return Outcome(message("record/report_chat.txt.j2", table=table))


def _date(text: str | None, default: date, key: str) -> date:
    if text is None or not text.strip():
        return default
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            f"{key}= takes a date as YYYY-MM-DD, not '{text}'.", REPORT_USAGE
        ) from None

"""`/strategy record ...` and `/strategy report ...`: the words typed in chat, checked."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from bot.directory import Contact
from bot.errors import InputError, NotAllowed
from bot.messages import Kind, Message, Outcome, message, refused
from bot.record import service
from bot.record.report import compliance_report
from bot.record.report_output import as_table
from bot.unit import Unit
from templates import render

RECORD_USAGE = '/strategy record NV-40213 [show | finalise | <field>="..." ... [reason="..."]]'
REPORT_USAGE = "/strategy report [from=2026-11-01] [to=2026-11-30] [by=team|category]"
VERBS = ("show", "finalise", "finalize")


def record(
    unit: Unit,
    actor: Contact,
    case: str,
    positional: Sequence[str],
    fields: Mapping[str, str],
    reason: str | None = None,
    finalise: bool = False,
) -> Outcome:
    """The record command: show, finalise, save fields, or the record as a form.

    `finalise` (the form's box) saves the fields first, then finalises; if the
    record cannot be finalised yet, what was saved stays saved.
    """
    words = [word.lower() for word in positional]
    example = RECORD_USAGE.replace("NV-40213", case)
    if len(words) > 1 or (words and words[0] not in VERBS):
        raise InputError(
            f"Did not understand '{' '.join(positional)}': after the case comes show, finalise, "
            'or fields such as risk="..." (put quotes around text with spaces).',
            example,
        )
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
    if finalise:
        return _save_and_finalise(unit, actor, case, fields, reason)
    if not fields and reason is None:
        return service.form(unit, actor, case)
    return service.update(unit, actor, case, fields, reason)


def _save_and_finalise(
    unit: Unit, actor: Contact, case: str, fields: Mapping[str, str], reason: str | None
) -> Outcome:
    saved = service.update(unit, actor, case, fields, reason) if fields or reason else None
    try:
        # Raises only before it writes anything (not the chair, already final).
        finalised = service.finalise(unit, actor, case)
    except InputError as problem:
        finalised = refused(problem)
    outgoing = (saved.outgoing if saved else []) + finalised.outgoing
    if finalised.ok:
        return Outcome(finalised.reply, outgoing)
    note = render("record/saved_in_draft.txt.j2") if saved else ""
    text = f"{finalised.reply.text} {note}".strip()
    reply = Message(Kind.ERROR, text, finalised.reply.template, finalised.reply.context)
    return Outcome(reply, outgoing, ok=False, field="finalise")


def require_team_manager(actor: Contact) -> None:
    if not actor.can_chair:
        raise NotAllowed(
            "The compliance report is for team managers.",
            "ask your team manager for the figures",
        )


def report(unit: Unit, actor: Contact, options: Mapping[str, str]) -> Outcome:
    core = unit.core
    require_team_manager(actor)
    today = core.calendar.local_date(core.clock.now())
    start = _date(options.get("from"), today.replace(day=1), "from")
    end = _date(options.get("to"), today, "to")
    if end < start:
        raise InputError(f"The period ends ({end}) before it starts ({start}).", REPORT_USAGE)
    by = options.get("by", "team").strip().lower()
    if by not in ("team", "category"):
        raise InputError(f"by= takes team or category, not '{by}'.", REPORT_USAGE)
    table = as_table(compliance_report(unit, start, end), groups=(by,))
    return Outcome(message(Kind.REPLY, "record/report_chat.txt.j2", table=table))


def _date(text: str | None, default: date, key: str) -> date:
    if text is None or not text.strip():
        return default
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            f"{key}= takes a date as YYYY-MM-DD, not '{text}'.", REPORT_USAGE
        ) from None

"""`/strategy record ...` and `/strategy report ...`: the words typed in chat, checked."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from bot.directory import Contact
from bot.errors import InputError, not_allowed, refusal
from bot.messages import Kind, Message, Outcome, message, refused
from bot.record import service
from bot.record.report import compliance_report
from bot.record.report_output import as_table
from bot.unit import Unit
from templates import render, words

VERBS = ("show", "finalise", "finalize")


def record(
    unit: Unit,
    actor: Contact,
    case: str,
    positional: Sequence[str],
    fields: Mapping[str, str],
    reason: str | None = None,
    finalise: bool = False,
    share: str | None = None,
) -> Outcome:
    """The record command: show, finalise, save fields, or the record as a form.

    `finalise` (the form's box) saves the fields first, then finalises; if the
    record cannot be finalised yet, what was saved stays saved.
    """
    words = [word.lower() for word in positional]
    example = _usage("record").replace("NV-40213", case)
    if len(words) > 1 or (words and words[0] not in VERBS):
        raise refusal("record.words_after_case", words=" ".join(positional), example=example)
    verb = words[0] if words else None
    if share is not None:
        if verb is not None or fields or reason is not None or finalise:
            raise refusal("record.share_alone", case=case)
        return service.share(unit, actor, case, share)
    if verb is not None and (fields or reason is not None):
        raise refusal("record.verb_alone", verb=verb, case=case)
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
    return Outcome(reply, outgoing, ok=False, field="finalise", saved=saved is not None)


def require_team_manager(actor: Contact) -> None:
    if not actor.can_chair:
        raise not_allowed("report.team_managers")


def report(unit: Unit, actor: Contact, options: Mapping[str, str]) -> Outcome:
    core = unit.core
    require_team_manager(actor)
    today = core.calendar.local_date(core.clock.now())
    start = _date(options.get("from"), today.replace(day=1), "from")
    end = _date(options.get("to"), today, "to")
    if end < start:
        raise refusal("report.backwards", end=end, start=start, example=_usage("report"))
    by = options.get("by", "team").strip().lower()
    if by not in ("team", "category"):
        raise refusal("report.by", by=by, example=_usage("report"))
    table = as_table(compliance_report(unit, start, end), groups=(by,))
    return Outcome(message(Kind.REPLY, "record/report_chat.txt.j2", table=table))


def _date(text: str | None, default: date, key: str) -> date:
    if text is None or not text.strip():
        return default
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise refusal("report.date", key=key, text=text, example=_usage("report")) from None


def _usage(intent: str) -> str:
    """The command as typed (templates/intents.yaml), the example with a mistake."""
    usage: str = words("intents")[intent]["usage"]
    return usage

"""The action pages: the owner's (Close, More time, Snooze) and the chair's (Approve, Refuse).

Both show the action as chat names it (NV-40213/A1), what is to be done, its
owner, due date and status, and its history from the audit trail (agreed,
reminders, more time asked and decided, snoozes, reassignments). The forms are
the intents' own fields (their labels, examples and the chat's wording for a
missing value, from templates/intents.yaml); what is submitted goes to the same
intents through `Bot.act`, so every rule (the chair decides, snoozes only in
working hours and never past the due date) is the chat's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.core import Core
from bot.directory import Contact
from bot.forms import Field
from bot.intents.table import INTENTS
from bot.links.tokens import CHAIR_ACTION_INTENTS
from bot.references import action_reference
from bot.shared import when
from bot.storage import models
from bot.storage.audit_rows import discussion_events
from bot.storage.link_models import LinkToken
from handlers.web_page.forms import FieldKind, Form, FormField
from handlers.web_page.view import PageView
from templates import phrase, words

# The audit events about one action, shown as its history (worded in the template).
HISTORY_EVENTS = (
    "action_added",
    "nudge_sent",
    "escalated",
    "more_time_requested",
    "more_time_approved",
    "more_time_refused",
    "snoozed",
    "action_reassigned",
    "action_closed",
)
# Details that are instants, shown as people read them.
INSTANTS = ("due_at", "until")


def action_view(core: Core, session: Session, link: LinkToken, actor: Contact) -> PageView:
    action = link.action
    assert action is not None  # find_link only returns bound action links
    chair_link = set(link.intents) <= set(CHAIR_ACTION_INTENTS)
    reference = action_reference(action)
    requested = action.requested_due_at
    details: dict[str, Any] = {
        "reference": reference,
        "description": action.description,
        "owner": action.owner.name,
        "chair": action.discussion.chair.name,
        "due": when(core, action.due_at),
        "overdue": action.due_at < core.clock.now(),
        "urgent": action.urgent,
        "requested_due": when(core, requested) if requested is not None else None,
        "request_reason": action.request_reason,
        "history": history(core, session, action),
        "chair_page": chair_link,
    }
    if chair_link:
        # The chair decides a request for more time, only while there is one.
        possible = [i for i in CHAIR_ACTION_INTENTS if i in link.intents] if requested else []
    else:
        possible = [i for i in ("close", "more-time", "snooze") if i in link.intents]
    page = words("web")["action"]
    return PageView(
        template="action.html.j2",
        title=phrase(page["chair_title" if chair_link else "title"], reference=reference),
        details=details,
        forms=tuple(action_form(name, page["forms"][name]) for name in possible),
        item_fields={"action": reference},
    )


def action_form(intent: str, wording: dict[str, Any]) -> Form:
    """The intent's form: its own fields (labels, examples, missing wording from the
    intent table), with the page's title, button and hints."""
    chosen = INTENTS.get(intent)
    assert chosen is not None
    hints: dict[str, str] = wording.get("hints", {})
    fields = tuple(
        _field(f, hints.get(f.name)) for f in chosen.fields if f.name in wording.get("fields", [])
    )
    return Form(
        intent,
        str(wording["title"]),
        str(wording["button"]),
        fields,
        warning=bool(wording.get("warning", False)),
    )


def _field(field: Field, hint: str | None) -> FormField:
    kind = FieldKind.TEXTAREA if field.multiline else FieldKind.TEXT
    example = field.example or None
    if field.name == "due":
        # The browser's date picker (the core reads 2026-12-04 as typed dates): the
        # chat's typed examples ("next friday") do not apply.
        kind, example = FieldKind.DATE, None
    return FormField(
        field.name,
        field.label or field.name,
        kind,
        required=field.required,
        example=example,
        hint=hint,
        missing=field.missing or None,
    )


def history(core: Core, session: Session, action: models.Action) -> list[dict[str, Any]]:
    """What happened to the action, oldest first, from the audit trail."""
    events = discussion_events(session, action.discussion_id, HISTORY_EVENTS)
    names = {c.id: c.name for c in core.directory.contacts()}
    shown = []
    for event in events:
        if event.details.get("action") != action.label:
            continue
        details = dict(event.details)
        for key in INSTANTS:
            if isinstance(details.get(key), str):
                details[key] = when(core, datetime.fromisoformat(details[key]))
        shown.append(
            {
                "event": event.event,
                "at": when(core, event.occurred_at),
                "by": names.get(event.actor),
                "to": names.get(str(details.get("to_owner", ""))),
                "details": details,
            }
        )
    return shown

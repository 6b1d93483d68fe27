"""The find-a-time poll page: the candidate slots with their days and times, a box to
tick for each, "None of these" with a time that would work.

What is ticked goes to the `available` intent through `Bot.act`, as the chat's
form sends it (`slots`: the numbers, or "none"; `when`: a time), so the rules
and the wording of every refusal are the chat's. Opened again while the poll is
open, the page shows the answer given and lets it be changed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bot.core import Core
from bot.directory import Contact
from bot.intents.table import INTENTS
from bot.links.tokens import poll_is_open
from bot.services.poll_answers import NONE_OF_THESE
from bot.services.time_search import poll_state
from bot.storage.link_models import LinkToken
from handlers.web_page.forms import Choice, FieldKind, Form, FormField
from handlers.web_page.view import PageView
from templates import phrase, words


def poll_view(core: Core, session: Session, link: LinkToken, actor: Contact) -> PageView:
    search = link.time_search
    assert search is not None  # find_link only returns bound poll links
    state = poll_state(core, search)
    discussion = search.discussion
    case = discussion.case.reference
    local = core.calendar.local
    slots = [
        {"number": s.number, "start": local(s.start), "end": local(s.end)} for s in state.poll.slots
    ]
    given = state.answers.get(actor.id)
    details: dict[str, Any] = {
        "case": case,
        "chair": discussion.chair.name,
        "deadline": local(discussion.deadline_at),
        "closes": local(search.closes_at),
        "slots": slots,
        "answered": sorted(given.slots) if given is not None else None,
        "suggested": local(given.suggested) if given and given.suggested else None,
        "open": poll_is_open(search, core.clock.now()),
    }
    wording = words("web")["poll"]
    forms = (answer_form(wording["form"], slots, given),) if details["open"] else ()
    return PageView(
        template="poll.html.j2",
        title=phrase(wording["title"], case=case),
        details=details,
        forms=forms,
        item_fields={"case": case},
    )


def answer_form(wording: dict[str, Any], slots: list[dict[str, Any]], given: Any) -> Form:
    """The `available` intent's form: a checkbox per slot and None of these, and when."""
    chosen = INTENTS.get("available")
    assert chosen is not None
    when_field = chosen.field("when")
    assert when_field is not None
    none_label = str(words("intents")["none_of_these"])
    choices = tuple(Choice(str(s["number"]), _slot_label(s)) for s in slots)
    ticked = ""
    if given is not None:
        ticked = ",".join(str(n) for n in sorted(given.slots)) or NONE_OF_THESE
    return Form(
        "available",
        str(wording["title"]),
        str(wording["button"]),
        (
            FormField(
                "slots",
                str(wording["slots_label"]),
                FieldKind.CHOICES,
                required=True,
                choices=(*choices, Choice(NONE_OF_THESE, none_label)),
                hint=str(wording["slots_hint"]),
                missing=str(wording["slots_missing"]),
                value=ticked,
            ),
            FormField(
                "when",
                when_field.label or "when",
                FieldKind.TEXT,
                example=when_field.example or None,
                hint=str(wording["when_hint"]),
            ),
        ),
    )


def _slot_label(slot: dict[str, Any]) -> str:
    """'Thursday 3 December, 10:00 to 11:00' (the partnership's local time)."""
    start, end = slot["start"], slot["end"]
    return f"{start:%A} {start.day} {start:%B}, {start:%H:%M} to {end:%H:%M}"

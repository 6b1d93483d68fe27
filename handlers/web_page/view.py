"""What a page shows: the item's details and the forms that can be sent now.

Each kind of item (an invitation now; an action and a slot poll later) has a
view function `(core, session, link, actor) -> PageView`, listed in
`handlers.web_page.routes.VIEWS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from handlers.web_page.forms import FieldKind, Form, FormField


@dataclass(frozen=True)
class PageView:
    template: str  # in templates/web/
    title: str
    details: Mapping[str, Any]  # what the template shows about the item
    forms: tuple[Form, ...]  # the intents that can be sent now, in the order shown
    # Sent to the core with every intent on this item, e.g. {"case": "NV-40213"}.
    item_fields: Mapping[str, str]

    def form(self, intent: str) -> Form | None:
        return next((f for f in self.forms if f.intent == intent), None)

    def replacing(self, form: Form) -> PageView:
        forms = tuple(form if f.intent == form.intent else f for f in self.forms)
        return replace(self, forms=forms)


# A shared mailbox (e.g. a MASH health inbox) is asked who is answering before it
# can answer; the two fields travel with every form afterwards, and are recorded
# with the answer.
IDENTIFY = "identify"
ANSWERER = Form(
    IDENTIFY,
    "Who is answering?",
    "Continue",
    (
        FormField(
            "answerer_name",
            "Your name",
            FieldKind.TEXT,
            required=True,
            example="Sam Green",
        ),
        FormField(
            "answerer_role",
            "Your role",
            FieldKind.TEXT,
            required=True,
            example="Duty health visitor",
        ),
    ),
)

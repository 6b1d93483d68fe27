"""Every message, checklist and record the bot sends, as Jinja2 templates.

Wording lives here, not in code. Templates are looked up by path relative to
this package, e.g. `render("messages/invitation.txt.j2", ...)`.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined


@cache
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("templates", ""),
        undefined=StrictUndefined,  # a missing value is a bug, not an empty string
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        autoescape=False,  # plain text; adapters escape for their own markup
    )


def render(name: str, /, **context: Any) -> str:
    return environment().get_template(name).render(**context).strip()

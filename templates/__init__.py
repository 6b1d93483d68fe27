"""Every message, checklist, label and record the bot produces, as Jinja2 templates.

Wording lives here, not in code. Templates are looked up by path relative to
this package, e.g. `render("messages/invitation.txt.j2", ...)`. Short wording
(field labels, button labels, refusals) lives in catalogues: YAML files here
whose strings are Jinja2 templates, read with `words("intents")` and filled
in with `phrase(text, ...)`.
"""

from __future__ import annotations

from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml
from jinja2 import Environment, PackageLoader, StrictUndefined, Template


# Not reloaded when a file changes (auto_reload off): the templates ship with the
# package, and checking each one's modification time on every use (a stat) cost 30 us
# a message, most of what `get_template` took. A changed template needs a restart.
@cache
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("templates", ""),
        undefined=StrictUndefined,  # a missing value is a bug, not an empty string
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        autoescape=False,  # plain text; adapters escape for their own markup
        auto_reload=False,
    )


@cache
def html_environment() -> Environment:
    """For HTML (emails): every value escaped unless a template says otherwise."""
    return Environment(
        loader=PackageLoader("templates", ""),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=True,
        auto_reload=False,
    )


def render_html(name: str, /, **context: Any) -> str:
    return html_environment().get_template(name).render(**context).strip()


def render(name: str, /, **context: Any) -> str:
    return environment().get_template(name).render(**context).strip()


def render_parts(name: str, /, **context: Any) -> tuple[str, dict[str, Any]]:
    """The text, and the parts the template sets at its top level (`{% set headline %}`):
    what a card arranges, in the template's own words."""
    module = environment().get_template(name).make_module(context)
    parts = {key: value for key, value in vars(module).items() if not key.startswith("_")}
    return str(module).strip(), parts


@cache
def words(catalogue: str) -> dict[str, Any]:
    """A wording catalogue, templates/<catalogue>.yaml, as nested mappings."""
    text = (resources.files("templates") / f"{catalogue}.yaml").read_text(encoding="utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


def phrase(text: str, /, **context: Any) -> str:
    """One string of a catalogue, filled in (spaces around it are kept: " Did you mean...")."""
    return _compiled(text).render(**context)


@lru_cache(maxsize=2048)
def _compiled(text: str) -> Template:
    # Compiling a Jinja2 string costs about a millisecond; the catalogues' strings are few
    # and said thousands of times (every chair's view says how each invitee is reached).
    return environment().from_string(text)

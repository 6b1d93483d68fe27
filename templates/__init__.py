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
from jinja2 import Environment, PackageLoader, StrictUndefined, Template, nodes


@cache
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("templates", ""),
        # The templates ship with the package and do not change while it runs: each
        # lookup (and {% import %} in a template) is then a dictionary hit, not a stat.
        auto_reload=False,
        undefined=StrictUndefined,  # a missing value is a bug, not an empty string
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        autoescape=False,  # plain text; adapters escape for their own markup
    )


@cache
def html_environment() -> Environment:
    """For HTML (emails): every value escaped unless a template says otherwise."""
    return Environment(
        loader=PackageLoader("templates", ""),
        auto_reload=False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=True,
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
    """One string of a catalogue, filled in (spaces around it are kept: " Did you mean...").

    Most are said with nothing or a few plain values ("chair", "C1 (age 6)"), thousands
    of times: those are rendered once and remembered.
    """
    if all(type(value) in _PLAIN for value in context.values()) and _repeatable(text):
        # The type is part of the key: 1 and True are equal, but say "1" and "True".
        return _said(text, tuple((k, type(v), v) for k, v in sorted(context.items())))
    return _compiled(text).render(**context)


# Values whose equality means the same words (not float: -0.0 == 0.0).
_PLAIN = frozenset((str, int, bool, type(None)))


@lru_cache(maxsize=4096)
def _said(text: str, items: tuple[tuple[str, type, Any], ...]) -> str:
    return _compiled(text).render({name: value for name, _, value in items})


@lru_cache(maxsize=2048)
def _repeatable(text: str) -> bool:
    """Whether the same values always give the same words: not if it draws at random."""
    tree = environment().parse(text)
    return not any(
        isinstance(node, nodes.Filter | nodes.Name) and node.name in ("random", "lipsum")
        for node in tree.find_all((nodes.Filter, nodes.Name))
    )


@lru_cache(maxsize=2048)
def _compiled(text: str) -> Template:
    # Compiling a Jinja2 string costs about a millisecond; the catalogues' strings are few
    # and said thousands of times (every chair's view says how each invitee is reached).
    return environment().from_string(text)

"""HTML for the answer pages: Jinja2 templates in templates/web/, always autoescaped."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined


@cache
def html_environment() -> Environment:
    return Environment(
        loader=PackageLoader("templates", "web"),
        undefined=StrictUndefined,
        autoescape=True,  # every value is escaped, whatever the template's name
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_page(name: str, /, **context: Any) -> str:
    return html_environment().get_template(name).render(**context)


@cache
def stylesheet() -> bytes:
    """The one stylesheet every page uses (the CSP allows no other style)."""
    return (resources.files("handlers") / "web_page" / "page.css").read_bytes()

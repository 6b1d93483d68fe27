"""Block Kit from the templates in `templates/slack/`, checked with slack_sdk's block models.

The templates are JSON with Jinja2 expressions. Every `{{ expression }}` is
written out as a JSON value, and every string in it is escaped for Slack's
mrkdwn (`&`, `<`, `>`), so text a person typed can never become a mention
(`<!channel>`, `<@U...>`) or a disguised link. Text for a `plain_text` field,
which Slack never parses, is marked with the `plain` filter so that it is
shown exactly as typed. mrkdwn fields holding such text are also `verbatim`,
so Slack does not turn bare URLs or channel names into links.

Each result goes through slack_sdk's models (`Block.parse`, `View`), whose
`to_dict()` checks lengths and shapes: an invalid payload fails here, in our
code, instead of at Slack.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.forms import Field, FieldKind, Form
from bot.messages import Button, Message

# Block Kit limits this rendering has to respect.
SECTION_TEXT_LIMIT = 3000
MESSAGE_BLOCK_LIMIT = 50
OPTION_TEXT_LIMIT = 75
SELECT_OPTION_LIMIT = 100
TEXT_INPUT_LIMIT = 3000


def escape(text: str) -> str:
    """Slack's own escaping for the three characters that start markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


class Plain(str):
    """Text for a plain_text field: Slack shows it as it is, so it is not escaped."""


def _safe(value: Any) -> Any:
    if isinstance(value, Plain):
        return str(value)
    if isinstance(value, str):
        return escape(value)
    if isinstance(value, Mapping):
        return {str(k): _safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_safe(v) for v in value]
    return value


def _json_value(value: Any) -> str:
    return json.dumps(_safe(value), ensure_ascii=False)


def _plain(value: Any, limit: int | None = None) -> Plain:
    text = "" if value is None else str(value)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return Plain(text)


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("templates", "slack"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        finalize=_json_value,
    )
    env.filters["plain"] = _plain
    return env


def _render(template: str, context: Mapping[str, Any]) -> Any:
    return json.loads(environment().get_template(template).render(**context))


def blocks(template: str, /, **context: Any) -> list[dict[str, Any]]:
    """A list of blocks from a template, checked by slack_sdk's models."""
    return checked_blocks(_render(template, context))


def checked_blocks(data: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    parsed = [Block.parse(dict(block)) for block in data]
    unknown = [block for block, model in zip(data, parsed, strict=True) if model is None]
    if unknown:
        raise ValueError(f"not a Block Kit block: {unknown[0]}")
    return [model.to_dict() for model in parsed if model is not None]


def view(template: str, /, **context: Any) -> dict[str, Any]:
    """A modal or App Home view from a template, checked by slack_sdk's models."""
    return checked_view(_render(template, context))


def checked_view(data: Mapping[str, Any]) -> dict[str, Any]:
    return View(**data).to_dict()


@dataclass(frozen=True)
class SlackMessage:
    """What chat.postMessage / chat.update / a response URL receives."""

    text: str  # the notification text (and what screen readers and old clients show)
    blocks: list[dict[str, Any]]


def slack_message(message: Message) -> SlackMessage:
    """A core message as Block Kit: its first line as a headline, its paragraphs as
    sections, its buttons as buttons."""
    first, _, rest = message.text.strip().partition("\n")
    headline, *overflow = _fit(first, SECTION_TEXT_LIMIT - 2)  # room for the bold's two stars
    rendered = blocks(
        "message.json.j2",
        headline=headline,
        paragraphs=_paragraphs("\n".join([*overflow, rest])),
        buttons=[_button(b) for b in message.buttons],
    )
    return SlackMessage(text=escape(headline), blocks=rendered)


def _button(button: Button) -> dict[str, Any]:
    return {
        "action": button.action,
        "label": button.label,
        "value": button.value,
        "positive": button.positive,
    }


def form_view(form: Form, metadata: str) -> dict[str, Any]:
    """An intent's form as a modal: one input block per field, the block id the field's name."""
    return view(
        "form.json.j2", form=form, metadata=metadata, inputs=[_input(form, f) for f in form.fields]
    )


def _input(form: Form, field: Field) -> dict[str, Any]:
    """What templates/slack/form.json.j2 needs for one field."""
    choices = form.choices(field.name)
    options = [{"value": c.value, "label": _plain(c.label, OPTION_TEXT_LIMIT)} for c in choices]
    groups: list[dict[str, Any]] = []
    if any(c.group for c in choices):
        for choice, option in zip(choices, options, strict=True):
            if not groups or groups[-1]["label"] != choice.group:
                groups.append({"label": _plain(choice.group, OPTION_TEXT_LIMIT), "options": []})
            groups[-1]["options"].append(option)
    chosen = form.chosen(field.name)
    value = form.value(field.name)
    if field.kind is FieldKind.FLAG:
        element = "checkboxes"
    elif field.kind is FieldKind.CHOICES and choices:
        element = "multi_static_select"
    elif field.kind is FieldKind.CHOICE and choices:
        element = "static_select"
    else:
        element = "plain_text_input"
    return {
        "field": field,
        "element": element,
        "options": options[:SELECT_OPTION_LIMIT],
        "groups": [{**g, "options": g["options"][:SELECT_OPTION_LIMIT]} for g in groups][
            :SELECT_OPTION_LIMIT
        ],
        "initial": [o for o in options if o["value"] in chosen],
        "value": value if isinstance(value, str) else ", ".join(value),
        "max_length": min(field.max_length, TEXT_INPUT_LIMIT),
    }


def problem_view(message: Message) -> dict[str, Any]:
    """A modal that only says what went wrong (when there is no form to show it on)."""
    return view("problem.json.j2", text=message.text)


def _paragraphs(text: str) -> list[str]:
    """Split on blank lines, then long paragraphs by lines, to fit Slack's section limit."""
    pieces: list[str] = []
    for paragraph in text.split("\n\n"):
        current = ""
        for line in paragraph.strip("\n").splitlines():
            for part in _fit(line):
                joined = f"{current}\n{part}" if current else part
                if _size(joined) > SECTION_TEXT_LIMIT:
                    pieces.append(current)
                    current = part
                else:
                    current = joined
        if current.strip():
            pieces.append(current)
    # The headline and the buttons take two of the message's blocks.
    keep = MESSAGE_BLOCK_LIMIT - 2
    if len(pieces) > keep:
        pieces = [*pieces[: keep - 1], _fit("\n".join(pieces[keep - 1 :]))[0]]
    return pieces


def _size(text: str) -> int:
    """The length Slack counts: the text once escaped."""
    return len(escape(text))


def _fit(line: str, limit: int = SECTION_TEXT_LIMIT) -> list[str]:
    """A line cut into parts that each fit in `limit` once escaped."""
    if _size(line) <= limit:
        return [line]
    parts: list[str] = []
    current, size = "", 0
    for character in line:
        grows = _size(character)
        if size + grows > limit:
            parts.append(current)
            current, size = "", 0
        current += character
        size += grows
    return [*parts, current]


def text_of(blocks: Sequence[Mapping[str, Any]]) -> str:
    """The words a person sees in some blocks, markup removed (for logs and tests)."""
    lines: list[str] = []
    for block in blocks:
        text = block.get("text")
        if isinstance(text, Mapping):
            lines.append(_unmark(str(text.get("text", "")), text.get("type") == "mrkdwn"))
        for element in block.get("elements", ()):
            if isinstance(element, Mapping) and element.get("type") in ("mrkdwn", "plain_text"):
                lines.append(_unmark(str(element["text"]), element["type"] == "mrkdwn"))
    return "\n".join(line for line in lines if line)


def _unmark(text: str, mrkdwn: bool) -> str:
    if not mrkdwn:
        return text
    return unescape(text.replace("*", ""))

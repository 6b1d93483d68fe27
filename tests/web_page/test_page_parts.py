"""The pieces of the pages: colour contrast, the form seam, the templates' escaping."""

from __future__ import annotations

import re

import pytest

from handlers.web_page.forms import (
    Choice,
    FieldKind,
    Form,
    FormField,
    filled,
    is_valid,
    with_problem,
)
from handlers.web_page.render import render_page, stylesheet
from handlers.web_page.security import csrf_ok, csrf_token, server_secret


def _colours() -> dict[str, str]:
    css = stylesheet().decode()
    return dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-f]{6});", css))


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize(
    ("foreground", "background", "needed"),
    [
        ("text", "background", 4.5),
        ("text", "panel", 4.5),
        ("muted", "background", 4.5),
        ("link", "background", 4.5),
        ("error", "background", 4.5),
        ("button-text", "button", 4.5),
        ("warning-text", "warning", 4.5),
        ("focus-text", "focus", 4.5),
        ("background", "text", 4.5),  # the banner
        ("border", "background", 3.0),  # boxes and field borders (non-text)
        ("success", "background", 3.0),
    ],
)
def test_colours_meet_wcag_aa(foreground: str, background: str, needed: float) -> None:
    colours = _colours()
    assert contrast(colours[foreground], colours[background]) >= needed


def test_the_stylesheet_has_a_visible_focus_and_large_targets() -> None:
    css = stylesheet().decode()
    assert ":focus-visible" in css
    assert "outline: 3px solid" in css
    assert css.count("min-height: 2.75rem") >= 2  # 44 px: inputs and buttons


DECLINE = Form(
    "decline",
    "Decline",
    "Decline",
    (FormField("reason", "Why you cannot attend", FieldKind.TEXTAREA, required=True),),
)
DELEGATE = Form(
    "delegate",
    "Delegate",
    "Delegate",
    (FormField("to", "Colleague", FieldKind.CHOICE, True, (Choice("priya.sharma", "Priya"),)),),
)


def test_filling_a_form_checks_required_fields_and_choices() -> None:
    assert not is_valid(filled(DECLINE, {"reason": "  "}))
    assert filled(DECLINE, {}).fields[0].error == "Enter why you cannot attend."
    ok = filled(DECLINE, {"reason": " on leave "})
    assert is_valid(ok) and ok.values() == {"reason": "on leave"}
    assert filled(DELEGATE, {}).fields[0].error == "Choose colleague."
    assert filled(DELEGATE, {"to": "megan.price"}).fields[0].error == (
        "Choose colleague from the list."
    )
    assert is_valid(filled(DELEGATE, {"to": "priya.sharma"}))
    errors = list(filled(DECLINE, {}).errors())
    assert errors == [("decline-reason", "Enter why you cannot attend.")]


def test_the_cores_refusal_goes_on_the_first_field() -> None:
    shown = with_problem(filled(DECLINE, {"reason": "no"}), "Say why you cannot attend.")
    assert shown.fields[0].error == "Say why you cannot attend."
    assert shown.fields[0].value == "no"
    bare = Form("accept", "Accept", "Accept")
    assert with_problem(bare, "No.") == bare


def test_templates_escape_everything() -> None:
    html = render_page(
        "refused.html.j2",
        stylesheet='/x"><script>',
        partnership="<b>Northvale</b>",
    )
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;b&gt;Northvale&lt;/b&gt;" in html


def test_csrf_tokens_are_bound_to_the_link_and_the_secret() -> None:
    secret = server_secret("s" * 32)
    token = csrf_token(secret, "a" * 64)
    assert csrf_ok(secret, "a" * 64, token)
    assert not csrf_ok(secret, "b" * 64, token)
    assert not csrf_ok(server_secret("t" * 32), "a" * 64, token)
    assert not csrf_ok(secret, "a" * 64, None)
    assert not csrf_ok(secret, "a" * 64, "é")
    assert server_secret(None) != server_secret(None)  # random per process when unset
    with pytest.raises(ValueError, match="at least 32"):
        server_secret("short")

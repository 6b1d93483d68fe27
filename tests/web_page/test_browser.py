"""The invitation page in headless Chromium, as a person on a desktop or a phone uses it.

The real web app runs under uvicorn; Chromium opens a link issued for an
invitee and answers. The forms are sent with JavaScript switched off (the pages
need none); the keyboard and focus checks run with it on, to read the focus.
Screenshots of every page go to test-output/screenshots/.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.helpers import audit_events, invitation_statuses
from tests.web_page.browser import DESKTOP, PHONE, chromium, screenshot
from tests.web_page.conftest import Answer

__all__ = ["chromium"]  # the module-scoped fixture, imported to be used here


@pytest.fixture
def browser_page(chromium: Any) -> Iterator[Any]:
    """A page in a fresh context, JavaScript off, desktop size; CSP reports collected."""
    context = chromium.new_context(java_script_enabled=False, viewport=DESKTOP)
    page = context.new_page()
    page.console_messages = []  # type: ignore[attr-defined]
    page.on("console", lambda message: page.console_messages.append(message.text))
    try:
        yield page
    finally:
        context.close()


def _no_policy_violations(page: Any) -> None:
    assert not [m for m in page.console_messages if "Content Security Policy" in m]


def _both_sizes(page: Any, name: str) -> None:
    screenshot(page, f"{name}-desktop")
    page.set_viewport_size(PHONE)
    screenshot(page, f"{name}-phone")
    page.set_viewport_size(DESKTOP)


def test_accept_in_the_browser(answer_sqlite: Answer, browser_page: Any) -> None:
    page = browser_page
    page.goto(answer_sqlite.link("olivia.bennett"))
    assert page.title().startswith("Strategy discussion for case NV-40213 ")
    assert page.get_by_role("heading", name="Before and during the discussion (health)")
    _both_sizes(page, "invitation")
    page.get_by_role("button", name="Accept the invitation").click()
    page.wait_for_url("**?done=accept")
    assert page.get_by_role("status").inner_text().startswith("Thank you: your answer is saved")
    assert "You accepted" in page.locator(".status").inner_text()
    assert page.get_by_role("button").count() == 0
    _both_sizes(page, "accepted")
    _no_policy_violations(page)
    assert invitation_statuses(answer_sqlite.bot)["olivia.bennett"] == "accepted"
    assert ("olivia.bennett", "accepted", {"via": "web"}) in audit_events(answer_sqlite.bot)


def test_decline_with_a_reason_in_the_browser(answer_sqlite: Answer, browser_page: Any) -> None:
    page = browser_page
    page.goto(answer_sqlite.link("megan.price"))
    page.get_by_label("Why you cannot attend").fill("In court all day; DC Walsh can attend")
    page.get_by_role("button", name="Decline the invitation").click()
    page.wait_for_url("**?done=decline")
    assert "You declined: “In court all day; DC Walsh can attend”" in page.content()
    # As in chat, they may still change their mind: Accept and Delegate remain.
    assert page.get_by_role("button", name="Accept the invitation").is_visible()
    assert page.get_by_role("button", name="Decline the invitation").count() == 0
    _both_sizes(page, "declined")
    assert invitation_statuses(answer_sqlite.bot)["megan.price"] == "declined"


def test_decline_without_a_reason_shows_the_error_linked_to_the_field(
    answer_sqlite: Answer, browser_page: Any
) -> None:
    page = browser_page
    page.goto(answer_sqlite.link("megan.price"))
    page.get_by_role("button", name="Decline the invitation").click()
    summary = page.get_by_role("alert")
    assert summary.get_by_role("heading").inner_text() == "There is a problem"
    assert page.title().startswith("Error: ")
    reason = page.get_by_label("Why you cannot attend")
    assert reason.get_attribute("aria-invalid") == "true"
    described = (reason.get_attribute("aria-describedby") or "").split()
    errors = [" ".join(page.locator(f"#{i}").text_content().split()) for i in described]
    assert any(e.startswith("Error: Enter why you cannot attend.") for e in errors), errors
    _both_sizes(page, "decline-error")
    summary.get_by_role("link", name="Enter why you cannot attend", exact=False).click()
    assert page.url.endswith("#decline-reason")
    assert invitation_statuses(answer_sqlite.bot)["megan.price"] == "invited"


def test_delegate_to_a_colleague_in_the_browser(answer_sqlite: Answer, browser_page: Any) -> None:
    page = browser_page
    page.goto(answer_sqlite.link("olivia.bennett"))
    colleague = page.get_by_label("Colleague (required)", exact=True)
    labels = colleague.locator("option").all_inner_texts()
    assert "Priya Sharma (Health visitor)" in labels
    assert not any("Police" in label or "Megan" in label for label in labels)
    colleague.select_option("priya.sharma")
    page.get_by_role("button", name="Delegate", exact=True).click()
    page.wait_for_url("**?done=delegate")
    assert "You delegated this discussion to Priya Sharma" in page.locator(".status").inner_text()
    _both_sizes(page, "delegated")
    statuses = invitation_statuses(answer_sqlite.bot)
    assert (statuses["olivia.bennett"], statuses["priya.sharma"]) == ("delegated", "invited")


def test_the_keyboard_reaches_every_control_with_a_visible_focus(
    answer_sqlite: Answer, chromium: Any
) -> None:
    context = chromium.new_context(viewport=PHONE)  # JavaScript on, to read the focus
    page = context.new_page()
    try:
        page.goto(answer_sqlite.link("olivia.bennett"))
        # Works on a phone: no sideways scrolling, and large targets.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        for control in page.locator("button, select, textarea").all():
            assert control.bounding_box()["height"] >= 44
        reached = []
        for _ in range(12):
            page.keyboard.press("Tab")
            focused = page.evaluate(
                "() => { const e = document.activeElement;"
                " const s = getComputedStyle(e);"
                " return [e.tagName, e.textContent.trim().slice(0, 30),"
                " s.outlineStyle, s.outlineWidth, s.backgroundColor]; }"
            )
            reached.append(focused[:2])
            if focused[0] in ("BUTTON", "SELECT", "TEXTAREA"):
                assert focused[2] == "solid" and focused[3] == "3px", focused
        assert ["BUTTON", "Accept the invitation"] in reached
        assert ["TEXTAREA", ""] in reached
        # Back to the Accept button, and answer with the keyboard alone.
        page.get_by_role("button", name="Accept the invitation").focus()
        screenshot(page, "focus-phone")
        page.keyboard.press("Enter")
        page.wait_for_url("**?done=accept")
    finally:
        context.close()
    assert invitation_statuses(answer_sqlite.bot)["olivia.bennett"] == "accepted"


def test_the_refusal_and_the_shared_mailbox_pages(answer_sqlite: Answer, browser_page: Any) -> None:
    page = browser_page
    response = page.goto(f"{answer_sqlite.server.url}/answer/{'Z' * 43}")
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "This link does not work"
    _both_sizes(page, "refused")
    answer_sqlite.shared.add("megan.price")  # as if the directory marked her a shared mailbox
    page.goto(answer_sqlite.link("megan.price"))
    assert page.get_by_role("button", name="Accept the invitation").count() == 0
    _both_sizes(page, "shared-mailbox-who")
    page.get_by_label("Your name").fill("Sam Green")
    page.get_by_role("button", name="Continue").click()
    assert "Enter your role." in page.get_by_role("alert").inner_text()
    page.get_by_label("Your role").fill("Duty officer, MASH police")
    page.get_by_role("button", name="Continue").click()
    assert "Answering for this mailbox: Sam Green" in page.locator(".answering").inner_text()
    _both_sizes(page, "shared-mailbox-answering")
    page.get_by_role("button", name="Accept the invitation").click()
    page.wait_for_url("**?done=accept")
    answered = [d for _, e, d in audit_events(answer_sqlite.bot) if e == "accepted"][-1]
    assert answered["answered_by"] == {"name": "Sam Green", "role": "Duty officer, MASH police"}

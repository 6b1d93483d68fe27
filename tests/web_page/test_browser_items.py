"""The action, chair, poll and record pages in headless Chromium (JavaScript off).

Links are issued directly (the email tests read them from real emails). Each
page is saved on a desktop and a phone in test-output/screenshots/.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from bot.app import Bot, build_core
from bot.settings import Settings
from handlers.console import ConsoleChat
from scheduling.clock import SimulatedClock
from tests.helpers import CONVENE, audit_events, say, take_sent
from tests.web_page.browser import DESKTOP, PHONE, chromium, screenshot
from tests.web_page.conftest import Answer, answering
from tests.web_page.items import (
    FIND,
    action_link,
    add_action,
    finalise_record,
    poll_link,
    record_link,
)

__all__ = ["chromium"]


@pytest.fixture
def fresh(sqlite_template: Path, tmp_path: Path, clock: SimulatedClock) -> Iterator[Bot]:
    shutil.copy(sqlite_template, tmp_path / "items.db")
    core = build_core(Settings(database_url=f"sqlite:///{tmp_path / 'items.db'}"), clock)
    try:
        yield Bot(core, ConsoleChat(core.directory, Console(file=io.StringIO(), width=200)))
    finally:
        core.close()


@pytest.fixture
def served(fresh: Bot) -> Iterator[Answer]:
    """NV-40213 convened, with action A1 for Olivia Bennett."""
    say(fresh, "ben.okafor", CONVENE)
    take_sent(fresh)
    add_action(fresh)
    with answering(fresh) as answer:
        yield answer


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(java_script_enabled=False, viewport=DESKTOP)
    opened = context.new_page()
    try:
        yield opened
    finally:
        context.close()


def _both(page: Any, name: str) -> None:
    screenshot(page, f"{name}-desktop")
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, f"{name}-phone")
    page.set_viewport_size(DESKTOP)


def _open(answer: Answer, page: Any, token: str) -> None:
    page.goto(f"{answer.server.url}/answer/{token}")


def _events(bot: Bot, name: str) -> list[dict[str, Any]]:
    return [details for _, event, details in audit_events(bot) if event == name]


def test_close_an_action_with_an_outcome(served: Answer, page: Any) -> None:
    _open(served, page, action_link(served.bot, "olivia.bennett"))
    assert page.title().startswith("Action NV-40213/A1 ")
    _both(page, "action")
    page.get_by_label("Outcome").fill("Notes shared with DC Price on Tuesday")
    page.get_by_role("button", name="Close the action").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").inner_text().startswith("Thank you: your answer is saved")
    assert "is closed" in page.get_by_role("heading", level=1).inner_text()
    _both(page, "action-closed")
    assert _events(served.bot, "action_closed")[-1]["via"] == "web"


def test_close_without_an_outcome_shows_the_error_on_the_field(served: Answer, page: Any) -> None:
    _open(served, page, action_link(served.bot, "olivia.bennett"))
    page.get_by_role("button", name="Close the action").click()
    assert page.title().startswith("Error: ")
    outcome = page.get_by_label("Outcome")
    assert outcome.get_attribute("aria-invalid") == "true"
    described = (outcome.get_attribute("aria-describedby") or "").split()
    texts = [" ".join(page.locator(f"#{i}").text_content().split()) for i in described]
    assert "Error: Give the outcome when you close an action." in texts
    _both(page, "action-close-error")
    page.get_by_role("alert").get_by_role("link").first.click()
    assert page.url.endswith("#close-outcome")
    assert not _events(served.bot, "action_closed")


def test_ask_for_more_time_and_a_bad_date(served: Answer, page: Any) -> None:
    _open(served, page, action_link(served.bot, "olivia.bennett"))
    page.get_by_label("New due date").fill("2026-11-25")  # before it is due now
    page.get_by_label("Why more time is needed").fill("GP records awaited")
    page.get_by_role("button", name="Ask the chair").click()
    alert = page.get_by_role("alert").inner_text()
    assert "The new due date must be after the current one" in alert, alert
    assert page.get_by_label("New due date").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Why more time is needed").input_value() == "GP records awaited"
    _both(page, "action-more-time-error")
    page.get_by_label("New due date").fill("2026-12-04")
    page.get_by_role("button", name="Ask the chair").click()
    page.wait_for_url("**?done=more-time")
    assert "You asked for more time" in page.get_by_role("status").inner_text()
    _both(page, "action-more-time")
    assert _events(served.bot, "more_time_requested")[-1]["reason"] == "GP records awaited"


def test_snooze(served: Answer, page: Any) -> None:
    _open(served, page, action_link(served.bot, "olivia.bennett"))
    page.get_by_role("button", name="Snooze").click()
    page.wait_for_url("**?done=snooze")
    assert "reminders snoozed until" in page.locator(".history").inner_text()
    _both(page, "action-snoozed")
    assert _events(served.bot, "snoozed")[-1]["via"] == "web"


def test_the_chair_approves_and_refuses(served: Answer, page: Any) -> None:
    bot = served.bot
    say(bot, "olivia.bennett", '/strategy more-time NV-40213/A1 due=4/12 reason="GP late"')
    _open(served, page, action_link(bot, "asha.patel", chair=True))
    assert "Olivia Bennett asks for more time" in page.locator(".status").inner_text()
    _both(page, "chair-decides")
    page.get_by_role("button", name="Refuse the request").click()
    assert page.get_by_label("Reason").get_attribute("aria-invalid") == "true"
    page.get_by_role("button", name="Approve the new date").click()
    page.wait_for_url("**?done=approve")
    assert "You approved the new date" in page.get_by_role("status").inner_text()
    _both(page, "chair-approved")
    say(bot, "olivia.bennett", '/strategy more-time NV-40213/A1 due=11/12 reason="Still late"')
    page.goto(page.url.split("?")[0])
    page.get_by_label("Reason").fill("Needed before the conference")
    page.get_by_role("button", name="Refuse the request").click()
    page.wait_for_url("**?done=refuse")
    _both(page, "chair-refused")
    assert _events(bot, "more_time_approved")[-1]["via"] == "web"
    assert _events(bot, "more_time_refused")[-1]["reason"] == "Needed before the conference"


def test_answer_a_poll_with_slots_then_none_and_a_time(fresh: Bot, page: Any) -> None:
    say(fresh, "ben.okafor", FIND)
    take_sent(fresh)
    with answering(fresh) as answer:
        _open(answer, page, poll_link(fresh, "megan.price"))
        boxes = page.get_by_role("checkbox")
        labels = [
            page.locator(f"label[for='{b.get_attribute('id')}']").inner_text() for b in boxes.all()
        ]
        assert labels[-1] == "None of these"
        assert all(" to " in label and "November" in label for label in labels[:-1]), labels
        _both(page, "poll")
        page.get_by_role("button", name="Send my answer").click()
        assert "Tick the times you can make" in page.get_by_role("alert").inner_text()
        _both(page, "poll-error")
        page.get_by_label(labels[0]).check()
        page.get_by_role("button", name="Send my answer").click()
        page.wait_for_url("**?done=available")
        assert page.get_by_label(labels[0]).is_checked()  # what they answered, to change
        _both(page, "poll-answered")
        page.get_by_label(labels[0]).uncheck()
        page.get_by_label("None of these").check()
        page.get_by_label("A time that would work").fill("friday 9am")
        page.get_by_role("button", name="Send my answer").click()
        page.wait_for_url("**?done=available")
        assert "none of these times work" in page.locator(".status").inner_text()
    answers = _events(fresh, "poll_answered")
    assert [a["slots"] for a in answers] == [[1], []]
    assert answers[-1]["suggested"] is not None


def test_read_the_record_and_download_the_pdf(served: Answer, page: Any) -> None:
    finalise_record(served.bot)
    _open(served, page, record_link(served.bot, "megan.price"))
    assert page.title().startswith("Record of the strategy discussion for case NV-40213 ")
    assert page.get_by_role("button").count() == 0 and page.locator("form").count() == 0
    _both(page, "record")
    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download the record as a PDF").click()
    download = downloading.value
    assert download.suggested_filename == "NV-40213-strategy-record-v1.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF")


def test_a_shared_mailbox_asks_who_answers(fresh: Bot, page: Any) -> None:
    say(fresh, "ben.okafor", CONVENE)
    add_action(fresh, owner="maternity.safeguarding")
    with answering(fresh) as answer:
        _open(answer, page, action_link(fresh, "maternity.safeguarding"))
        assert page.get_by_role("button", name="Close the action").count() == 0
        _both(page, "action-shared-mailbox-who")
        page.get_by_label("Your name").fill("Sam Green")
        page.get_by_label("Your role").fill("Duty nurse, MASH")
        page.get_by_role("button", name="Continue").click()
        assert "Answering for this mailbox: Sam Green" in page.locator(".answering").inner_text()
        page.get_by_label("Outcome").fill("Health information shared with the chair")
        page.get_by_role("button", name="Close the action").click()
        page.wait_for_load_state()
        assert "is closed" in page.get_by_role("heading", level=1).inner_text()
    closed = _events(fresh, "action_closed")[-1]
    assert closed["answered_by"] == {"name": "Sam Green", "role": "Duty nurse, MASH"}


def test_the_poll_works_with_the_keyboard_on_a_phone(fresh: Bot, chromium: Any) -> None:
    say(fresh, "ben.okafor", FIND)
    take_sent(fresh)
    with answering(fresh) as answer:
        context = chromium.new_context(viewport=PHONE)  # JavaScript on, to read the focus
        page = context.new_page()
        try:
            _open(answer, page, poll_link(fresh, "olivia.bennett"))
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
            for row in page.locator(".checkbox").all():
                assert row.bounding_box()["height"] >= 44
            page.get_by_role("checkbox").first.focus()
            style = page.evaluate(
                "() => { const s = getComputedStyle(document.activeElement);"
                " return [s.outlineStyle, s.outlineWidth]; }"
            )
            assert style == ["solid", "3px"]
            page.keyboard.press("Space")
            screenshot(page, "poll-focus-phone")
            page.get_by_role("button", name="Send my answer").focus()
            page.keyboard.press("Enter")
            page.wait_for_url("**?done=available")
        finally:
            context.close()
    assert _events(fresh, "poll_answered")[-1]["slots"] == [1]

"""Headless Chromium for the browser tests: Debian's own, driven by Playwright for Python.

Nothing here downloads a browser (never `playwright install`): the executable is
$CHROMIUM, else `chromium` on the PATH, else /usr/bin/chromium, as `.ci/run`
installs it with `apt-get install -y chromium`. Without it the browser tests are
skipped with the reason on a developer's machine, and fail under CI (CI=true).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IN_CI

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-output" / "screenshots"
# The flags this machine needs (see the machine notes): without the networking ones,
# Chromium keeps trying to reach Google's hosts, which the closed network refuses.
# Playwright adds a fresh, empty --user-data-dir of its own for every launch.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def find_chromium() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"the browser tests need Chromium in CI: {reason}")
    pytest.skip(f"no browser here: {reason}")


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One headless Chromium for a module's tests (each test opens its own context)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed (pip install -e '.[test]')")
    executable = find_chromium()
    if executable is None:
        _unavailable("Chromium not found; install it with: apt-get install -y chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_FLAGS
        )
        try:
            yield browser
        finally:
            browser.close()


def screenshot(page: Any, name: str) -> Path:
    """Save the whole page as test-output/screenshots/<name>.png, for a reviewer."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_load_state()  # after a form's POST, the whole new page
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path

"""The command line starts lean: the heavy libraries load only in the commands that use them."""

from __future__ import annotations

import subprocess
import sys

HEAVY = (
    "fpdf",
    "matplotlib",
    "fastapi",
    "uvicorn",
    "starlette",
    "botbuilder",
    "O365",
    "msal",
    "slack_bolt",
)


def test_importing_the_command_line_imports_none_of_the_heavy_libraries() -> None:
    check = f"import sys, bot.cli; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == ""


def test_a_record_is_still_written_as_a_pdf_when_asked() -> None:
    from bot.record.pdf import markdown_to_pdf

    assert markdown_to_pdf("# Record\n\nSome text.", "Record").startswith(b"%PDF")

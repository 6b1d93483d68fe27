"""`directory check FILE`: check a partner directory file and list every problem with its line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from bot.directory import DirectoryError, load_directory
from handlers.platforms import PLATFORM_KEYS


def _count(number: int, singular: str, plural: str) -> str:
    return f"{number} {singular if number == 1 else plural}"


def check_command(
    file: Annotated[Path, typer.Argument(help="The partner directory (YAML) to check.")],
) -> None:
    """Check a partner directory file; exit 1 and list FILE:LINE: problems if it is not usable."""
    # soft_wrap keeps each problem on one line, so editors and grep can read FILE:LINE:.
    # Rich drops the colours by itself when the output is not a terminal.
    console = Console(highlight=False, soft_wrap=True)
    try:
        directory = load_directory(file, PLATFORM_KEYS)
    except DirectoryError as error:
        for problem in error.problems:
            line = Text(problem.format(file))
            line.stylize("bold", 0, len(line) - len(problem.message))
            console.print(line)
        summary = f"{_count(len(error.problems), 'problem', 'problems')} in {file}"
        console.print(Text(summary, style="bold red"))
        raise typer.Exit(code=1) from None
    agencies = _count(len(directory.agencies), "agency", "agencies")
    contacts = _count(len(directory.contacts()), "contact", "contacts")
    console.print(Text(f"OK: 1 partnership, {agencies}, {contacts}", style="green"))

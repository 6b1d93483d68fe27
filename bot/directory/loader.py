"""Loading a partner directory file: every problem in it, with its line, or the Directory.

The file is YAML (the bundled synthetic sample is bot/data/sample_directory.yaml).
Loading checks the whole file (`checker.py`) and reports every problem with
its line, so whoever maintains it can fix everything in one pass instead of
meeting one error per run.
"""

from __future__ import annotations

import atexit
from collections.abc import Collection
from contextlib import ExitStack
from importlib import resources
from pathlib import Path

from bot.directory.checker import Checker
from bot.directory.model import Directory
from bot.directory.nodes import Problem


class DirectoryError(Exception):
    """A directory file that cannot be used, with every problem found in it."""

    def __init__(self, path: Path, problems: list[Problem]) -> None:
        super().__init__(path, problems)
        self.path = path
        self.problems = problems

    def __str__(self) -> str:
        return "\n".join(problem.format(self.path) for problem in self.problems)


_extracted = ExitStack()
atexit.register(_extracted.close)


def sample_directory_path() -> Path:
    """The bundled synthetic sample, found as package data so it works from a wheel."""
    resource = resources.files("bot") / "data" / "sample_directory.yaml"
    if isinstance(resource, Path):
        return resource
    # Imported from a zip: extract to a temporary file that lives as long as the process.
    return _extracted.enter_context(resources.as_file(resource))


def check_directory(path: Path, platforms: Collection[str] | None = None) -> list[Problem]:
    """Every problem in the directory file at `path`, in line order (empty when fine).

    `platforms` are the chat platforms a contact's `chat:` may name: the keys the
    adapters register (handlers/platforms.py). None accepts any.
    """
    return _read(path, platforms)[1]


def load_directory(path: Path | None = None, platforms: Collection[str] | None = None) -> Directory:
    """Load a directory file (None: the bundled sample).

    Raises DirectoryError listing every problem in the file.
    """
    path = sample_directory_path() if path is None else path
    directory, problems = _read(path, platforms)
    if directory is None:
        raise DirectoryError(path, problems)
    return directory


def _read(path: Path, platforms: Collection[str] | None) -> tuple[Directory | None, list[Problem]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        return None, [Problem(0, f"cannot read the file: {reason}")]
    checker = Checker(tuple(platforms) if platforms is not None else None)
    directory = checker.check(text)
    return directory, sorted(checker.problems, key=lambda problem: problem.line)

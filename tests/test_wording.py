"""Wording lives in templates/: every refusal the code names is worded there, and none is unused."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from templates import words

REPO = Path(__file__).resolve().parent.parent
CALLS = ("refusal", "not_allowed", "wording")


def used_keys(calls: tuple[str, ...] = CALLS) -> Iterator[tuple[str, str]]:
    """(file, key) for every call of `calls` with a key, e.g. refusal("convene.no_chair")."""
    for package in ("bot", "handlers"):
        for path in (REPO / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id in calls
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                ):
                    yield path.name, node.args[0].value


def keys(entry: Any, prefix: str = "") -> Iterator[str]:
    """Every refusal in the catalogue: a string, or a mapping with a problem."""
    if isinstance(entry, str) or (isinstance(entry, dict) and "problem" in entry):
        yield prefix
        return
    for name, value in entry.items():
        yield from keys(value, f"{prefix}.{name}" if prefix else name)


def test_every_refusal_the_code_names_is_worded() -> None:
    worded = set(keys(words("refusals")))
    missing = [f"{file}: {key}" for file, key in used_keys() if key not in worded]
    assert missing == []


def test_every_worded_refusal_is_used() -> None:
    used = {key for _, key in used_keys()}
    unused = [key for key in keys(words("refusals")) if key not in used]
    assert unused == [], "remove these from templates/refusals.yaml, or use them"


def test_every_phrase_the_services_say_is_worded() -> None:
    worded = set(keys(words("words")))
    said = {key for _, key in used_keys(("say",))}
    said |= {f"invitation_status.{status}" for status in words("words")["invitation_status"]}
    assert sorted(set(used_keys_of_say()) - worded) == []
    assert sorted(worded - said) == []


def used_keys_of_say() -> set[str]:
    return {key for _, key in used_keys(("say",)) if "{" not in key}


def test_no_refusal_is_written_in_python() -> None:
    """A refusal is raised with its words from the catalogue, not a string in the code."""
    written = []
    for package in ("bot", "handlers"):
        for path in (REPO / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id in ("InputError", "NotAllowed")
                    and node.args
                    and isinstance(node.args[0], ast.Constant | ast.JoinedStr)
                ):
                    written.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert written == []

"""Reading a directory file's YAML nodes, which keep their line marks, and noting problems.

The directory checker (`checker.py`, `partnership.py`) reads the file through
`Nodes`: every problem is noted with its line and reading carries on, so one
run lists them all.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.directory.roles import AgencyKind, Role

NULL_TAG = "tag:yaml.org,2002:null"

# key name -> (key node, value node)
Fields = dict[str, tuple[yaml.Node, yaml.Node]]


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a directory file. Line 0 means the file as a whole."""

    line: int
    message: str

    def format(self, path: Path | str) -> str:
        return f"{path}:{self.line}: {self.message}" if self.line else f"{path}: {self.message}"


def line_of(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def is_empty(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and (
        node.tag == NULL_TAG or not str(node.value).strip()
    )


class Nodes:
    """The problems found so far, and the ways every part of the checker reads nodes."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self._constructor = yaml.constructor.SafeConstructor()

    def add(self, at: yaml.Node | int, message: str) -> None:
        self.problems.append(Problem(at if isinstance(at, int) else line_of(at), message))

    def value(self, node: yaml.Node) -> Any:
        """The node as YAML would load it (a number, a mapping...)."""
        return self._constructor.construct_document(node)

    def fields(
        self, node: yaml.Node, allowed: Collection[str], what: str, key_word: str = "key"
    ) -> Fields | None:
        """The mapping's entries by key, reporting unknown and repeated keys."""
        if not isinstance(node, yaml.MappingNode):
            self.add(node, f"{what} must be a mapping of keys to values")
            return None
        fields: Fields = {}
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                self.add(key, f"a key in {what} must be plain text")
            elif key.value in fields:
                self.add(key, f"duplicate key '{key.value}' in {what}")
            elif key.value not in allowed:
                known = ", ".join(allowed)
                self.add(key, f"unknown {key_word} '{key.value}' in {what} (known: {known})")
            else:
                fields[key.value] = (key, value)
        return fields

    def optional(self, fields: Fields, key: str) -> yaml.Node | None:
        """The value node of `key`, or None when it is absent or left empty."""
        entry = fields.get(key)
        return None if entry is None or is_empty(entry[1]) else entry[1]

    def text(
        self, fields: Fields, key: str, what: str, owner: yaml.Node, required: bool = True
    ) -> str | None:
        """A scalar's text as written: `17:00` stays "17:00" (YAML 1.1 would make it 1020)."""
        node = self.optional(fields, key)
        if node is None:
            if required:
                self.add(fields[key][0] if key in fields else owner, f"{what} has no {key}")
            return None
        if not isinstance(node, yaml.ScalarNode):
            self.add(node, f"{key} of {what} must be text, not a list or mapping")
            return None
        return str(node.value).strip()

    def yes_or_no(self, fields: Fields, key: str, what: str) -> bool:
        """An optional `true`/`false` (absent: false); anything else is reported."""
        node = self.optional(fields, key)
        if node is None:
            return False
        word = str(node.value).strip().lower() if isinstance(node, yaml.ScalarNode) else ""
        if word in ("true", "yes"):
            return True
        if word not in ("false", "no"):
            self.add(node, f"{key} of {what} must be true or false")
        return False

    def role(
        self, fields: Fields, what: str, owner: yaml.Node, kind: AgencyKind | None
    ) -> Role | None:
        raw = self.text(fields, "role", what, owner)
        if raw is None:
            return None
        node = fields["role"][1]
        valid = ", ".join(Role.for_kind(kind) if kind else Role)
        roles_for = f"roles for kind {kind}" if kind else "known roles"
        try:
            role = Role(raw)
        except ValueError:
            self.add(node, f"unknown role '{raw}' for {what} ({roles_for}: {valid})")
            return None
        if kind is not None and role.agency_kind is not kind:
            self.add(
                node,
                f"role '{role}' belongs to kind {role.agency_kind}, not {kind} "
                f"({roles_for}: {valid})",
            )
            return None
        return role

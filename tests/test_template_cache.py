"""A template is read from its file once per process: using it again does not look at the
file (no stat of its modification time per message)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from templates import render_parts


def test_a_template_used_again_does_not_stat_its_file(monkeypatch: pytest.MonkeyPatch) -> None:
    context = {
        "reference": "NV-40213/A1",
        "due": "Friday",
        "description": "Visit",
        "overdue": False,
        "overdue_days": 0,
        "due_today": False,
    }
    first = render_parts("messages/action_nudge.txt.j2", **context)
    looked: list[str] = []
    stat = os.stat

    def counting(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        if str(path).endswith(".j2"):
            looked.append(str(path))
        return stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", counting)
    for _ in range(3):
        assert render_parts("messages/action_nudge.txt.j2", **context) == first
    assert looked == []

"""The record as a document: Markdown from `templates/record/record.md.j2`, and a PDF of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.directory import Directory
from bot.record.content import CONSIDERATIONS, DECISIONS, RecordContent, Snapshot
from bot.record.pdf import markdown_to_pdf
from templates import render


@dataclass(frozen=True)
class VersionInfo:
    version: int
    final: bool
    finalised_at: str | None = None
    finalised_by: str | None = None
    correction_reason: str | None = None


def context(
    directory: Directory, content: RecordContent, snapshot: Snapshot, info: VersionInfo
) -> dict[str, Any]:
    names = {agency.id: agency.name for agency in directory.agencies}
    return {
        "s": snapshot,
        "c": content,
        "version": info.version,
        "final": info.final,
        "finalised_at": info.finalised_at,
        "finalised_by": info.finalised_by,
        "correction_reason": info.correction_reason,
        "shared": [(names.get(agency, agency), text) for agency, text in content.shared.items()],
        "decisions": [(label, content.decisions.get(key)) for key, (label, _) in DECISIONS.items()],
        "considerations": [
            (label, content.considerations.get(key)) for key, label in CONSIDERATIONS.items()
        ],
    }


def markdown(
    directory: Directory, content: RecordContent, snapshot: Snapshot, info: VersionInfo
) -> str:
    return render("record/record.md.j2", **context(directory, content, snapshot, info)) + "\n"


def pdf(markdown_text: str, title: str, created: datetime) -> bytes:
    return markdown_to_pdf(markdown_text, title, created)

"""The record page: a finalised record, as circulated, to read on a phone and download.

The page shows the same document the email carries (the version's Markdown,
rendered with raw HTML switched off, so whatever the chair typed is shown as
text), and links to the PDF under the same token
(`/answer/<token>/record.pdf`). Nothing on it acts: there are no forms, and
GET only shows or downloads.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from markupsafe import Markup
from sqlalchemy.orm import Session

from bot.core import Core
from bot.directory import Contact
from bot.record.content import RecordContent
from bot.shared import when
from bot.storage.link_models import LinkToken
from bot.storage.record_models import RecordVersion
from handlers.web_page.view import PageView
from templates import phrase, words

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

PDF_PATH = "record.pdf"


@cache
def markdown() -> MarkdownIt:
    # CommonMark with tables; "html": False escapes any HTML in the text. Imported with
    # the first record page: a process that shows none does without it (about 4 MB).
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable("table")


def as_html(document: str) -> str:
    """The Markdown as HTML, every heading one level down: the page's own heading is
    the one <h1>."""
    parser = markdown()
    tokens = parser.parse(document)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"
    return str(parser.renderer.render(tokens, parser.options, {}))


def record_view(core: Core, session: Session, link: LinkToken, actor: Contact) -> PageView:
    version = link.record_version
    assert version is not None  # find_link only returns bound record links
    case = case_of(version)
    document = version.document_markdown or ""
    details = {
        "case": case,
        "version": version.version,
        "finalised": when(core, version.finalised_at) if version.finalised_at else "",
        "correction_reason": version.correction_reason,
        "document": Markup(markdown().render(document)),
        "pdf": PDF_PATH if version.document_pdf is not None else None,
        "expires": when(core, link.expires_at),
    }
    return PageView(
        template="record.html.j2",
        title=phrase(words("web")["record"]["title"], case=case),
        details=details,
        forms=(),
        item_fields={},
    )


def case_of(version: RecordVersion) -> str:
    snapshot = RecordContent.load(version.content).snapshot
    return snapshot.case if snapshot is not None else version.discussion.case.reference


def pdf_name(version: RecordVersion) -> str:
    """The attachment's name in the circulated email: NV-40213-strategy-record-v1.pdf."""
    return f"{case_of(version)}-strategy-record-v{version.version}.pdf"

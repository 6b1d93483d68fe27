"""The PDF layout of a record: the rendered Markdown, typeset with fpdf2.

The wording comes from the Markdown template; this module only lays it out.
It reads the small Markdown subset the record template writes: `#`, `##` and
`###` headings, paragraphs, `- ` bullets, and pipe tables whose first row is
the header (`\\|` is a literal bar inside a cell).

PDF core fonts cover Windows-1252 only, so a record with any other character
(a name of a language in its own script, say) is set in DejaVu Sans, which
ships with matplotlib. Core fonts are the default because they are much faster.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # fpdf (with fontTools and PIL) is imported only to write a PDF
    from fpdf import FPDF

CORE_ENCODING = "windows-1252"
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_SEPARATOR_ROW = re.compile(r"^\|?\s*:?-{3,}")


@dataclass
class _Block:
    kind: str  # h1, h2, h3, p, li, table
    lines: list[str] = field(default_factory=list)


def markdown_to_pdf(text: str, title: str, created: datetime) -> bytes:
    """The record as a PDF. `created` (the finalising time, from the core's clock) is the
    document's creation date: fpdf would otherwise stamp the wall clock's."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_creator("strategy-bot")
    pdf.set_creation_date(created)
    pdf.set_auto_page_break(auto=True, margin=15)
    family = _fonts(pdf, text)
    pdf.add_page()
    previous = ""
    for block in _blocks(text):
        if previous == "li" and block.kind != "li":
            pdf.ln(2)
        _typeset(pdf, family, block)
        previous = block.kind
    return bytes(pdf.output())


def _fonts(pdf: FPDF, text: str) -> str:
    try:
        text.encode(CORE_ENCODING)
    except UnicodeEncodeError:
        folder = Path(str(resources.files("matplotlib") / "mpl-data" / "fonts" / "ttf"))
        pdf.add_font("DejaVu", "", folder / "DejaVuSans.ttf")
        pdf.add_font("DejaVu", "B", folder / "DejaVuSans-Bold.ttf")
        return "DejaVu"
    pdf.core_fonts_encoding = CORE_ENCODING
    return "Helvetica"


def _blocks(text: str) -> list[_Block]:
    blocks: list[_Block] = []
    for line in text.splitlines():
        stripped = line.strip()
        last = blocks[-1] if blocks else None
        if not stripped:
            blocks.append(_Block("gap"))
        elif stripped.startswith("### "):
            blocks.append(_Block("h3", [stripped[4:]]))
        elif stripped.startswith("## "):
            blocks.append(_Block("h2", [stripped[3:]]))
        elif stripped.startswith("# "):
            blocks.append(_Block("h1", [stripped[2:]]))
        elif stripped.startswith("|"):
            if _SEPARATOR_ROW.match(stripped):
                continue
            if last is not None and last.kind == "table":
                last.lines.append(stripped)
            else:
                blocks.append(_Block("table", [stripped]))
        elif stripped.startswith("- "):
            blocks.append(_Block("li", [stripped[2:]]))
        elif last is not None and last.kind in ("p", "li"):
            last.lines.append(stripped)
        else:
            blocks.append(_Block("p", [stripped]))
    return [b for b in blocks if b.kind != "gap"]


def _cells(row: str) -> list[str]:
    inner = row.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return [cell.strip().replace("\\|", "|") for cell in _CELL_SPLIT.split(inner)]


LINE = 4.6  # mm per line of 9-10 pt text
PAD = 1.2  # mm of padding inside table cells


def _typeset(pdf: FPDF, family: str, block: _Block) -> None:
    text = " ".join(block.lines)
    if block.kind == "h1":
        _lines(pdf, family, "B", 15, text, line=7.5)
        pdf.ln(2)
    elif block.kind == "h2":
        pdf.ln(3)
        pdf.set_text_color(31, 73, 125)
        _lines(pdf, family, "B", 12, text, line=6.5)
        pdf.set_text_color(0, 0, 0)
        pdf.ln(1)
    elif block.kind == "h3":
        _lines(pdf, family, "B", 10, text, line=5.5)
    elif block.kind == "li":
        _lines(pdf, family, "", 10, "- " + text, indent=4)
    elif block.kind == "table":
        _table(pdf, family, [_cells(row) for row in block.lines])
    else:
        _lines(pdf, family, "", 10, text)
        pdf.ln(2)


def _lines(
    pdf: FPDF, family: str, style: str, size: float, text: str, line: float = 5.0, indent: float = 0
) -> None:
    """A paragraph, wrapped to the page width, one text line at a time."""
    pdf.set_font(family, style, size)
    left = pdf.l_margin + indent
    for part in _wrap(pdf, text, pdf.w - pdf.r_margin - left):
        if pdf.get_y() + line > pdf.page_break_trigger:
            pdf.add_page()
        pdf.text(left, pdf.get_y() + line * 0.75, part)
        pdf.set_y(pdf.get_y() + line)


def _table(pdf: FPDF, family: str, rows: list[list[str]]) -> None:
    """A table with borders and a shaded header row, repeated on each new page.

    Laid out here rather than with fpdf2's table(), which sets each cell twice
    through its general line breaker and is many times slower.
    """
    columns = max(len(row) for row in rows)
    rows = [row + [""] * (columns - len(row)) for row in rows]
    widths = _column_widths(pdf, family, rows, pdf.w - pdf.l_margin - pdf.r_margin)
    header = _wrapped(pdf, family, "B", rows[0], widths)
    _row(pdf, header, widths, heading=True)
    for row in rows[1:]:
        wrapped = _wrapped(pdf, family, "", row, widths)
        if _height(wrapped) + pdf.get_y() > pdf.page_break_trigger:
            pdf.add_page()
            pdf.set_font(family, "B", 9)
            _row(pdf, header, widths, heading=True)
            pdf.set_font(family, "", 9)
        _row(pdf, wrapped, widths, heading=False)
    pdf.ln(3)


def _column_widths(pdf: FPDF, family: str, rows: list[list[str]], usable: float) -> list[float]:
    """Each column as wide as its longest word, the rest shared by how much text it holds."""
    pdf.set_font(family, "B", 9)
    width = _measure(pdf)
    columns = range(len(rows[0]))
    least = [
        max(width(word) for row in rows for word in (row[i].split() or [""])) + 2 * PAD + 0.5
        for i in columns
    ]
    weights = [max(6, min(60, max(len(row[i]) for row in rows))) for i in columns]
    spare = usable - sum(least)
    if spare <= 0:
        return [usable * w / sum(weights) for w in weights]
    return [least[i] + spare * weights[i] / sum(weights) for i in columns]


def _wrapped(
    pdf: FPDF, family: str, style: str, row: list[str], widths: list[float]
) -> list[list[str]]:
    """A row's cells broken into lines, leaving the row's font set."""
    pdf.set_font(family, style, 9)
    return [_wrap(pdf, cell, width - 2 * PAD) for cell, width in zip(row, widths, strict=True)]


def _height(wrapped: list[list[str]]) -> float:
    return max(len(lines) for lines in wrapped) * LINE + 2 * PAD


def _row(pdf: FPDF, wrapped: list[list[str]], widths: list[float], heading: bool) -> None:
    """A row already broken into lines (in the font that is set)."""
    height = _height(wrapped)
    x, y = pdf.l_margin, pdf.get_y()
    pdf.set_draw_color(150, 150, 150)
    if heading:
        pdf.set_fill_color(226, 233, 243)
    for lines, width in zip(wrapped, widths, strict=True):
        pdf.rect(x, y, width, height, style="DF" if heading else "D")
        for number, text in enumerate(lines):
            pdf.text(x + PAD, y + PAD + LINE * number + LINE * 0.75, text)
        x += width
    pdf.set_y(y + height)


# Text widths by font (family, style, size): fpdf2's get_string_width is slow, and words repeat.
_WIDTHS: dict[tuple[str, str, float], dict[str, float]] = {}


def _measure(pdf: FPDF) -> Callable[[str], float]:
    """The width of a text in the current font, remembered."""
    key = (pdf.font_family, pdf.font_style, pdf.font_size_pt)
    known = _WIDTHS.get(key)
    if known is None or len(known) > 50_000:
        known = _WIDTHS[key] = {}
    measure = pdf.get_string_width

    def width(text: str) -> float:
        size = known.get(text)
        if size is None:
            size = known[text] = measure(text)
        return size

    return width


def _wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    """Break text into lines no wider than `width` (in the current font), at spaces."""
    measure = _measure(pdf)
    space = measure(" ")
    lines: list[str] = []
    line, used = "", 0.0
    for word in text.split():
        size = measure(word)
        while size > width and len(word) > 1:  # a word longer than the line: cut it
            cut = max(1, int(len(word) * width / size))
            if line:
                lines.append(line)
                line, used = "", 0.0
            lines.append(word[:cut])
            word = word[cut:]
            size = measure(word)
        if line and used + space + size > width:
            lines.append(line)
            line, used = word, size
        else:
            line, used = (f"{line} {word}", used + space + size) if line else (word, size)
    lines.append(line)
    return lines

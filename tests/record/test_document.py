"""The record as a document: a PDF of the Markdown, in any language, over several pages."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.record.pdf import markdown_to_pdf

FINALISED = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)

MARKDOWN = """# Strategy discussion record: case NV-40213

Northvale. Version 1, finalised Tue 24 Nov 2026, 14:00 GMT by Asha Patel.

## Attendance

| Name | Agency | Attended |
|---|---|---|
| Asha Patel | Northvale Children's Social Care | yes |
| Olivia Bennett | Northvale Health \\| Partnership | no: declined: on leave |

- C1 (age 6): discussed

## Ethnicity, culture, language and identity

{identity}
"""

FRENCH = "Mother speaks French; caf\u00e9 owner \u2013 \u201cfine\u201d"
POLISH = "Polish family (\u0141\u00f3d\u017a); mother says \u201edzi\u0119kuj\u0119\u201d"


def test_western_european_text_uses_the_fast_core_fonts() -> None:
    pdf = markdown_to_pdf(MARKDOWN.format(identity=FRENCH), "x", FINALISED)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert b"/BaseFont /Helvetica" in pdf
    assert b"DejaVu" not in pdf


def test_any_other_script_is_set_in_a_unicode_font() -> None:
    pdf = markdown_to_pdf(MARKDOWN.format(identity=POLISH), "x", FINALISED)
    assert pdf.startswith(b"%PDF-")
    assert b"DejaVuSans" in pdf  # embedded, so every character is shown


def test_the_documents_date_is_the_finalising_time_not_the_wall_clock() -> None:
    # The core never reads the wall clock: the same record finalised at the same time
    # is the same document, byte for byte, whenever it is made.
    pdf = markdown_to_pdf(MARKDOWN.format(identity=FRENCH), "x", FINALISED)
    assert b"/CreationDate (D:20261124140000Z" in pdf
    assert markdown_to_pdf(MARKDOWN.format(identity=FRENCH), "x", FINALISED) == pdf


def test_a_long_table_runs_over_several_pages() -> None:
    rows = "\n".join(f"| Person {n} | Agency {n} | yes |" for n in range(120))
    text = "# Record\n\n| Name | Agency | Attended |\n|---|---|---|\n" + rows + "\n"
    pdf = markdown_to_pdf(text, "x", FINALISED)
    assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") >= 3


def test_a_remembered_width_is_the_width_in_that_very_font() -> None:
    from fpdf import FPDF

    from bot.record.pdf import _measure

    pdf = FPDF(format="A4")
    pdf.add_page()
    widths = {}
    for style, size in (("", 9), ("B", 9), ("", 10), ("B", 9), ("", 9)):
        pdf.set_font("Helvetica", style, size)
        widths[(style, size)] = (_measure(pdf)("Wide words"), pdf.get_string_width("Wide words"))
    assert all(remembered == actual for remembered, actual in widths.values())
    assert len({remembered for remembered, _ in widths.values()}) == 3

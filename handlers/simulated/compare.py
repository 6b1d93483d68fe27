"""Times typed against times found: the same referrals and calendars, side by side."""

from __future__ import annotations

from bot.record.report import Ratio, cell
from handlers.simulated.run import Result


def comparison(typed: Result, found: Result) -> list[tuple[str, str, str]]:
    """(figure, with times typed, with times found) rows."""
    rows: list[tuple[str, Ratio, Ratio]] = []
    for label, pick in (
        (
            "Police and health first invited who attended",
            lambda r: Ratio(*r.first_invited),
        ),
        ("Health attended via the fallback only", lambda r: r.report.overall.health_via_fallback),
        ("Held within the statutory timescale", lambda r: r.report.overall.within_timescale),
        (
            "Social care, police and health all attended",
            lambda r: r.report.overall.minimum_attendance,
        ),
    ):
        rows.append((label, pick(typed), pick(found)))
    return [(label, cell(a), cell(b)) for label, a, b in rows]


def comparison_table(typed: Result, found: Result) -> str:
    rows = [("", "times typed", "times found"), *comparison(typed, found)]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [
        f"Times typed or found: {typed.referrals} referrals over {typed.days} working days "
        f"(seed {typed.seed}), every person with a generated weekly calendar; discussions "
        f"held: {typed.report.overall.held} typed, {found.report.overall.held} found."
    ]
    for row in rows:
        lines.append("  ".join(text.ljust(width) for text, width in zip(row, widths, strict=True)))
    return "\n".join(line.rstrip() for line in lines)

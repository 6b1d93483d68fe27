"""The compliance report as a text table, CSV, JSON or a PNG chart for a board report."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from bot.record.report import RATIOS, Figures, Ratio, Report, cell
from scheduling.workdays import format_day
from templates import environment, render

FORMATS = ("table", "csv", "json", "png")


def _rows(columns: list[Figures]) -> list[tuple[str, list[str]]]:
    rows: list[tuple[str, list[str]]] = [("held", [str(f.held) for f in columns])]
    rows += [(key, [cell(getattr(f, key)) for f in columns]) for key in RATIOS]
    return rows


def _widths(columns: list[str], rows: list[tuple[str, list[str]]]) -> list[int]:
    return [
        max([len(name)] + [len(cells[i]) for _, cells in rows]) for i, name in enumerate(columns)
    ]


def as_table(report: Report, groups: tuple[str, ...] = ("team", "category")) -> str:
    """A plain-text table: overall and per team, then per category (as `groups` asks)."""
    module: Any = environment().get_template("record/report_labels.j2").module
    labels: dict[str, str] = module.labels
    tables = []
    if "team" in groups:
        columns = ["Overall", *report.by_team]
        rows = _rows([report.overall, *report.by_team.values()])
        tables.append(("by_team", columns, rows, _widths(columns, rows)))
    if "category" in groups:
        columns = ["Overall", *(c.replace("_", " ") for c in report.by_category)]
        rows = _rows([report.overall, *report.by_category.values()])
        tables.append(("by_category", columns, rows, _widths(columns, rows)))
    return render(
        "record/report.txt.j2",
        partnership=report.partnership,
        start=format_day(report.start),
        end=format_day(report.end),
        as_of=report.as_of_text or report.as_of.strftime("%d %b %Y, %H:%M UTC"),
        label_width=max(len(label) for label in labels.values()),
        tables=tables,
        overdue=report.overall.open_overdue_by_agency,
    )


def _figures_dict(figures: Figures) -> dict[str, Any]:
    data: dict[str, Any] = {"held": figures.held}
    for key in RATIOS:
        ratio: Ratio = getattr(figures, key)
        data[key] = {"count": ratio.count, "total": ratio.total, "percent": ratio.percent}
    data["open_overdue_by_agency"] = dict(figures.open_overdue_by_agency)
    return data


def as_dict(report: Report) -> dict[str, Any]:
    return {
        "partnership": report.partnership,
        "from": report.start.isoformat(),
        "to": report.end.isoformat(),
        "as_of": report.as_of.isoformat(),
        "overall": _figures_dict(report.overall),
        "by_team": {team: _figures_dict(f) for team, f in report.by_team.items()},
        "by_category": {cat: _figures_dict(f) for cat, f in report.by_category.items()},
    }


def as_json(report: Report) -> str:
    return json.dumps(as_dict(report), indent=2) + "\n"


def as_csv(report: Report) -> str:
    """One row per figure and group: group_type (overall, team, category), group, figure, ..."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["group_type", "group", "figure", "count", "total", "percent"])
    groups: list[tuple[str, str, Figures]] = [("overall", "all", report.overall)]
    groups += [("team", team, f) for team, f in report.by_team.items()]
    groups += [("category", cat, f) for cat, f in report.by_category.items()]
    for group_type, name, figures in groups:
        writer.writerow([group_type, name, "held", figures.held, "", ""])
        for key in RATIOS:
            ratio: Ratio = getattr(figures, key)
            percent = "" if ratio.percent is None else ratio.percent
            writer.writerow([group_type, name, key, ratio.count, ratio.total, percent])
        for agency, count in figures.open_overdue_by_agency.items():
            writer.writerow([group_type, name, f"open_overdue_actions:{agency}", count, "", ""])
    return out.getvalue()


def as_png(report: Report) -> bytes:
    from bot.record.chart import chart  # matplotlib is slow to import: only when asked

    return chart(report)

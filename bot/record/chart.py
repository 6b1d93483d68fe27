"""The compliance report as a chart a manager can put in a board report (PNG, matplotlib).

Left: each figure as a percentage bar against the 90% target, coloured red,
amber or green, with the counts written on it. Right: open overdue actions by
agency. The wording comes from templates/record/report_labels.j2.
"""

from __future__ import annotations

import io
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: render straight to a file

import matplotlib.pyplot as plt

from bot.record.report import RATIOS, TARGET_PERCENT, Ratio, Report, cell
from scheduling.workdays import format_day
from templates import environment

GREEN, AMBER, RED, GREY = "#2e7d32", "#f9a825", "#c62828", "#78909c"
# Shown for information, not measured against the target.
NEUTRAL = ("health_via_fallback", "attendance_confirmed")


def _colour(key: str, percent: float) -> str:
    if key in NEUTRAL:
        return GREY
    if percent >= TARGET_PERCENT:
        return GREEN
    return AMBER if percent >= 75 else RED


def chart(report: Report) -> bytes:
    module: Any = environment().get_template("record/report_labels.j2").module
    labels: dict[str, str] = module.labels
    words: dict[str, str] = module.chart
    figures = report.overall
    keys = [k for k in RATIOS if getattr(figures, k).total]

    fig, (bars, overdue) = plt.subplots(
        1,
        2,
        figsize=(12, 6.2),
        dpi=110,
        layout="constrained",
        gridspec_kw={"width_ratios": [3, 1.25]},
    )
    fig.suptitle(
        f"{words['title']}, {report.partnership}\n"
        f"Meetings {format_day(report.start)} to {format_day(report.end)}: "
        f"{figures.held} {labels['held'].lower()}",
        fontsize=13,
        fontweight="bold",
        x=0.01,
        ha="left",
    )

    positions = list(range(len(keys)))[::-1]
    for position, key in zip(positions, keys, strict=True):
        ratio: Ratio = getattr(figures, key)
        percent = ratio.percent or 0.0
        bars.barh(position, percent, color=_colour(key, percent), height=0.7)
        inside = percent > 35
        bars.text(
            percent - 1 if inside else percent + 1,
            position,
            cell(ratio),
            va="center",
            ha="right" if inside else "left",
            color="white" if inside else "black",
            fontsize=9,
            fontweight="bold",
        )
    shown = {**labels, **module.chart_labels}
    bars.set_yticks(positions, [shown[k].strip() for k in keys], fontsize=9.5)
    bars.set_xlim(0, 100)
    bars.set_xlabel(words["axis"], fontsize=9)
    bars.axvline(TARGET_PERCENT, color="#37474f", linestyle="--", linewidth=1)
    bars.text(TARGET_PERCENT, len(keys) - 0.4, f" {words['target']} {TARGET_PERCENT}%", fontsize=8)
    bars.spines[["top", "right"]].set_visible(False)

    agencies = figures.open_overdue_by_agency
    overdue.set_title(_wrap(words["overdue_title"], 26), fontsize=10.5, loc="left")
    if agencies:
        agency_names = list(agencies)[::-1]
        counts = [agencies[name] for name in agency_names]
        overdue.barh(range(len(agency_names)), counts, color=RED, height=0.6)
        overdue.set_yticks(range(len(agency_names)), [_wrap(n) for n in agency_names], fontsize=8.5)
        for index, count in enumerate(counts):
            overdue.text(count, index, f" {count}", va="center", fontsize=9)
        overdue.set_xlim(0, max(counts) * 1.25)
        top = len(agency_names) - 0.4  # slim bars from the top, however few agencies
        overdue.set_ylim(top - max(len(agency_names), 5), top)
        overdue.xaxis.get_major_locator().set_params(integer=True)
    else:
        overdue.text(0.5, 0.5, words["no_overdue"], ha="center", va="center", fontsize=10)
        overdue.set_xticks([])
        overdue.set_yticks([])
    overdue.spines[["top", "right"]].set_visible(False)

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def _wrap(name: str, width: int = 18) -> str:
    words, lines, line = name.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "\n".join(lines)

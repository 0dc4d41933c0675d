"""A suite's reports as markdown for the check's metadata: a table, and for a plotted report a bar per
value of each series, side by side, so two versions' distributions read at a glance in the Dagster UI.
Every text cell is masked: a report may name an identifier value."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..lib.masking import mask_value
from .suites import Report

if TYPE_CHECKING:
    from .frames import Frames

BAR_WIDTH = 30


@dataclass(frozen=True)
class ReportTable:
    report: Report
    columns: tuple[str, ...]
    rows: tuple[tuple, ...]

    def column(self, name: str) -> list:
        index = self.columns.index(name)
        return [row[index] for row in self.rows]


def run_report(frames: Frames, report: Report) -> ReportTable:
    columns, fetched = frames.rows(report.sql)
    rows = tuple(tuple(mask_value(c, v) for c, v in zip(columns, row, strict=True)) for row in fetched)
    return ReportTable(report, columns, rows)


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "**no**"
    if isinstance(value, float):
        return f"{value:,.4g}"
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value).replace("|", "\\|")


def markdown_table(table: ReportTable) -> str:
    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in table.rows]
    return "\n".join(lines) if table.rows else "(no rows)"


def _bar(value: float, largest: float) -> str:
    # log scale: a distribution of customer sizes spans several orders of magnitude
    if not value or largest <= 0:
        return ""
    return "█" * max(1, round(BAR_WIDTH * math.log1p(value) / math.log1p(largest)))


def markdown_plot(table: ReportTable) -> str:
    report = table.report
    series = {name: table.column(name) for name in report.plot_series}
    largest = max((v or 0 for values in series.values() for v in values), default=0)
    lines = ["```"]
    for index, label in enumerate(table.column(report.plot_label)):
        for name, values in series.items():
            value = values[index] or 0
            lines.append(f"{label!s:>6} {name:<10} {_bar(value, largest):<{BAR_WIDTH}} {value:,}")
        lines.append("")
    lines.append(f"(bars on a log scale; series: {', '.join(series)})")
    lines.append("```")
    return "\n".join(lines)


def report_markdown(table: ReportTable) -> str:
    parts = [f"**{table.report.title}**", "", markdown_table(table)]
    if table.report.plot_label and table.rows:
        parts += ["", markdown_plot(table)]
    return "\n".join(parts)

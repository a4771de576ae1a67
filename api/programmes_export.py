"""A programme report as an XLSX workbook (Chinese headers, one sheet per table, formulas kept inert) and as a
progress chart (matplotlib, the CJK font): year on year, each organisation's tier and KPI figures against their
targets. The report and its tables are built in api/programmes_report.py; this file only writes them out.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from api.programmes_report import RULES_NOTE, ProgrammeReport, number, requirement
from eval.plots import label, new_figure, styled

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value: Any) -> Any:
    """A workbook cell: numbers as numbers, yes/no and unknown in Chinese; text that a spreadsheet would run as
    a formula is kept inert with a leading apostrophe."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float | Decimal):
        return float(value) if isinstance(value, Decimal) else value
    text = str(value)
    return "'" + text if text[:1] in "=+-@" else text


def workbook(report: ProgrammeReport) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    summary = book.active
    summary.title = "概况"
    for row in (("项目", report.programme.name), ("规则文件", report.programme.path), ("年度", report.year),
                ("统计范围", report.scope), ("说明", report.programme.note or "—"),
                ("口径", RULES_NOTE), ("适用地区", report.programme.area.label),
                *((("地区", report.area_note),) if report.area_note else ())):
        summary.append(list(row))
    for table in report.tables():
        sheet = book.create_sheet(table.title)
        sheet.append(list(table.columns))
        for row in table.rows:
            sheet.append([_cell(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export_name(report: ProgrammeReport) -> str:
    return f"programme-{report.programme.code}-{report.year}.xlsx"


# ---- the progress chart ----

CHART_LINES = 10  # organisations drawn; the tables hold them all


def _cut(text: str, limit: int = 14) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@styled
def progress_chart(report: ProgrammeReport) -> bytes:
    """PNG: per organisation, year on year, the tier (when the programme has tiers) and each KPI's figure
    against its target (dashed). Unknown figures leave a gap in the line, never a zero."""
    names = list(dict.fromkeys(s.organization for s in report.pool))[:CHART_LINES]
    kpis = list(dict.fromkeys(k.criterion.code for k in report.kpis))
    panels = (["tiers"] if report.programme.tiers else []) + kpis
    columns = 2 if len(panels) > 1 else 1
    rows = max(1, -(-len(panels) // columns))
    figure = new_figure(8.0, 1.0 + 2.6 * rows)
    years = list(report.history)
    if not panels or not names:
        axes = figure.add_subplot()
        axes.text(0.5, 0.5, label("无可绘制的数据", "no data"), ha="center", va="center", transform=axes.transAxes)
        axes.set_xticks([])
        axes.set_yticks([])
    for index, panel in enumerate(panels if names else []):
        axes = figure.add_subplot(rows, columns, index + 1)
        if panel == "tiers":
            for name, tiers in report.tier_history:
                if name in names:
                    axes.plot(years, [-1 if t is None else t for t in tiers], marker="o", label=_cut(name))
            ticks = ["未入库", *(t.name for t in report.programme.tiers)]
            axes.set_yticks(range(-1, len(ticks) - 1), [label(t, str(i)) for i, t in enumerate(ticks)], fontsize=8)
            axes.set_title(label("档次", "tier"), fontsize=9)
        else:
            criterion = next(k.criterion for k in report.kpis if k.criterion.code == panel)
            known = False
            for name in names:
                by_year = {k.year: number(k.outcome.value) for k in report.kpis
                           if k.organization == name and k.criterion.code == panel}
                known = known or any(v is not None for v in by_year.values())
                axes.plot(years, [float("nan") if by_year.get(y) is None else float(by_year[y]) for y in years],
                          marker="o", label=_cut(name))
            target = criterion.growth if criterion.growth is not None else criterion.threshold
            if not isinstance(target, bool):
                axes.axhline(float(target), linestyle="--", color="#c0392b", linewidth=1)
            if not known:
                axes.text(0.5, 0.75, label("各年均缺数据（未知）", "unknown"), ha="center", va="center",
                          transform=axes.transAxes, color="#777777", fontsize=9, backgroundcolor="white")
            axes.set_title(label(f"{_cut(criterion.name, 16)}（目标 {requirement(criterion)}）", criterion.code),
                           fontsize=9)
        axes.set_xticks(years, [str(y) for y in years], fontsize=8)
        axes.set_xlim(years[0] - 0.5, years[-1] + 0.5)  # a line of unknowns would otherwise collapse the axis
        axes.grid(alpha=0.3)
    if panels and names:
        handles, texts = figure.axes[0].get_legend_handles_labels()
        figure.legend(handles, [label(t, f"#{i + 1}") for i, t in enumerate(texts)], loc="outside lower center",
                      ncols=min(3, max(1, len(texts))), fontsize=8, frameon=False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()

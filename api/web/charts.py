"""Dashboard charts, drawn on the server with matplotlib (a CJK font when installed, ASCII labels otherwise)."""

from __future__ import annotations

import io

import numpy as np

from api.schemas import TargetYear
from data.targets import GroupFigures, TargetSet
from eval.plots import label, new_figure, styled

WAN = 10_000  # amounts are drawn in 万元


def _png(figure) -> bytes:  # noqa: ANN001
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _text(zh: str, en: str, lang: str) -> str:
    return label(zh, en) if lang == "zh" else en


def _tick(text: str, limit: int = 14) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@styled
def yearly_chart(years: list[TargetYear], plan: TargetSet, lang: str) -> bytes:
    """Patents (件) and SME pledge projects (项) per year; the plan's even yearly pace is named in the legend (the
    progress table holds the targets themselves: drawn here, thousands would flatten a region's tens)."""
    pace = len(plan.years) or 1
    series = [("university_patents", _text("高校院所转化专利（件）", "university out", lang), plan.university_patents),
              ("sme_patents", _text("中小企业受让专利（件）", "SME in", lang), plan.sme_patents),
              ("sme_pledge_projects", _text("中小企业质押项目（项）", "SME pledge projects", lang),
               plan.pledge_projects)]
    figure = new_figure(7.5, 3.6)
    axes = figure.add_subplot()
    x = np.arange(len(years))
    width = 0.8 / len(series)
    for i, (key, name, target) in enumerate(series):
        bars = axes.bar(x + (i - 1) * width, [row.figures[key].value or 0 for row in years], width,
                        label=f"{name} ({_text('年目标', 'yearly target', lang)} {target / pace:,.0f})")
        axes.bar_label(bars, fontsize=7, padding=2)
    axes.set_xticks(x, [str(row.year) for row in years])
    axes.set_ylabel(_text("件 / 项", "patents / projects", lang))
    axes.margins(y=0.15)
    figure.legend(loc="outside upper center", ncols=3, fontsize=8, frameon=False)
    axes.grid(axis="y", alpha=0.3)
    return _png(figure)


@styled
def amounts_chart(years: list[TargetYear], lang: str) -> bytes:
    series = [("university_contract", _text("高校院所合同额", "university contract", lang)),
              ("university_received", _text("高校院所到账额", "university received", lang)),
              ("sme_contract", _text("中小企业合同额", "SME contract", lang)),
              ("sme_received", _text("中小企业到账额", "SME received", lang))]
    figure = new_figure(7.5, 3.6)
    axes = figure.add_subplot()
    x = np.arange(len(years))
    width = 0.8 / len(series)
    for i, (key, name) in enumerate(series):
        values = [float(row.figures[key].value or 0) / WAN for row in years]
        axes.bar(x + (i - 1.5) * width, values, width, label=name)
    axes.set_xticks(x, [str(row.year) for row in years])
    axes.set_ylabel(_text("万元", "10k yuan", lang))
    figure.legend(loc="outside upper center", ncols=4, fontsize=8, frameon=False)
    axes.grid(axis="y", alpha=0.3)
    return _png(figure)


@styled
def groups_chart(rows: list[GroupFigures], title: str, lang: str) -> bytes:
    rows = rows[:10][::-1]  # the ten largest, largest on top
    figure = new_figure(7.5, max(1.6, 0.42 * len(rows) + 0.9))
    axes = figure.add_subplot()
    names = [_tick(label(r.name, f"#{i + 1}")) for i, r in enumerate(rows)]
    y = np.arange(len(rows))
    axes.barh(y - 0.2, [float(r.contract) / WAN for r in rows], 0.4,
              label=_text("合同额", "contract", lang))
    axes.barh(y + 0.2, [float(r.received) / WAN for r in rows], 0.4,
              label=_text("到账额", "received", lang))
    axes.set_yticks(y, names, fontsize=8)
    axes.set_xlabel(_text("万元", "10k yuan", lang))
    axes.set_title(title, fontsize=10)
    if rows:
        axes.legend(fontsize=8, loc="lower right")
    axes.grid(axis="x", alpha=0.3)
    return _png(figure)

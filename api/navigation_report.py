"""The landscape report (专利导航) as files: PNG charts (matplotlib, the Noto CJK font), a self-contained
report.html (inline CSS, charts embedded as data URIs) and report.xlsx with one sheet per table.

Used by `patent-match navigate`, the JSON API's chart-free sibling (api/routes_navigation.py) and the web page
(api/web/pages_navigation.py), which draws the same charts. Bars and bubbles link to the patent list: each
chart's drawn shapes are measured in pixels and laid over the image as links placed in percentages, so they
follow the image when it is scaled."""

from __future__ import annotations

import base64
import html
import io
import math
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import numpy as np

from eval.plots import new_figure, styled
from matching.landscape import Landscape, Table
from matching.landscape.subfields import UNCLASSIFIED

CHARTS = ("years", "holders", "fields", "matrix", "shares", "gaps")
CAPTIONS = {"years": "申请、授权与失效年度趋势", "holders": "主要权利人", "fields": "技术分支分布（前 15）",
            "matrix": "技术功效矩阵（气泡面积 = 专利数）", "shares": "沉睡专利与开放许可占比",
            "gaps": "供需缺口：需求占比 − 专利占比"}


@dataclass(frozen=True)
class Area:
    """A linked shape on a chart, in percent of the image (left, top, width, height)."""

    box: tuple[float, float, float, float]
    filters: tuple[tuple[str, str], ...]  # the /ui/patents facets listing its patents
    title: str


@dataclass(frozen=True)
class Chart:
    name: str
    png: bytes
    areas: tuple[Area, ...]


def _png(figure) -> bytes:  # noqa: ANN001
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _box(figure, extent) -> tuple[float, float, float, float]:  # noqa: ANN001
    """A display-pixel extent (origin bottom-left) as percentages of the figure from its top-left."""
    width, height = figure.bbox.width, figure.bbox.height  # a bar of negative value has y0 above y1: use min/max
    return (round(float(100 * extent.xmin / width), 2), round(float(100 * (height - extent.ymax) / height), 2),
            round(float(100 * abs(extent.width) / width), 2), round(float(100 * abs(extent.height) / height), 2))


def _bar_areas(figure, bars, links: list[tuple[tuple[tuple[str, str], ...], str]]) -> list[Area]:  # noqa: ANN001
    return [Area(_box(figure, bar.get_window_extent()), filters, title)
            for bar, (filters, title) in zip(bars, links, strict=True) if filters]


def _empty(axes, text: str = "所选范围内无数据") -> None:  # noqa: ANN001
    axes.text(0.5, 0.5, text, ha="center", va="center", transform=axes.transAxes, color="#777777")
    axes.set_xticks([])
    axes.set_yticks([])


def _cut(text: str, limit: int = 16) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def chart(landscape: Landscape, name: str) -> bytes:
    """One chart of the report as PNG bytes."""
    return drawn(landscape, name).png


def caption(landscape: Landscape, name: str) -> str:
    return f"{landscape.fields.sub.heading}分布（前 15）" if name == "fields" else CAPTIONS[name]


@styled
def drawn(landscape: Landscape, name: str) -> Chart:
    """One chart of the report: the PNG, and where its bars and bubbles are, with the patent lists they stand for."""
    figure = new_figure(8.0, 4.2 if name != "matrix" else 6.0)
    axes = figure.add_subplot()
    base = tuple(landscape.selection.facets().items())
    sub = landscape.fields.sub
    titles = landscape.fields.titles
    bars, links, bubbles = [], [], None
    if name == "years":
        rows = [r for r in landscape.years.rows if r.year is not None]
        if rows:
            x = [r.year for r in rows]
            for values, legend in (([r.applications for r in rows], "申请量"), ([r.grants for r in rows], "授权量"),
                                   ([r.lapses for r in rows], "失效量")):
                axes.plot(x, values, marker="o", label=legend)
            axes.legend(fontsize=8)
            axes.set_xlabel("年份")
            axes.set_ylabel("专利数（件）")
        else:
            _empty(axes)
    elif name == "holders":
        rows = list(landscape.holders.rows)[::-1]
        if rows:
            colors = ["#2f6db5" if r.group == "research" else "#e08a2c" for r in rows]
            bars = list(axes.barh([_cut(r.name) for r in rows], [r.patents for r in rows], color=colors))
            links = [((*((k, v) for k, v in base if k != "holder"), ("holder", r.name)), f"{r.name}：{r.patents} 件")
                     for r in rows]
            axes.set_xlabel("专利数（件）；蓝：高校院所，橙：企业")
        else:
            _empty(axes)
    elif name == "fields":
        rows = list(landscape.fields.rows[:15])[::-1]
        if rows:
            bars = list(axes.barh([f"{r.group} {_cut(r.title, 12)}" for r in rows], [r.patents for r in rows],
                                  color="#2f6db5"))
            links = [(_with(base, sub.facet(r.group)), f"{r.group} {r.title}：{r.patents} 件") for r in rows]
            links = [(f if r.group != UNCLASSIFIED else (), t) for r, (f, t) in zip(rows, links, strict=True)]
            axes.set_xlabel("专利数（件）")
        else:
            _empty(axes)
    elif name == "matrix":
        bubbles = _matrix(axes, landscape)
    elif name == "shares":
        rows = list(landscape.shares.rows)[::-1]
        if rows:
            y = np.arange(len(rows))
            bars = [*axes.barh(y - 0.2, [r.sleeping_share for r in rows], 0.4, label="沉睡占比", color="#999999"),
                    *axes.barh(y + 0.2, [r.open_share for r in rows], 0.4, label="开放许可占比", color="#2a9d55")]
            linked = [r.group != UNCLASSIFIED for r in rows]
            links = [(_with(base, sub.facet(r.group), (("sleeping", "true"),)) if r.sleeping and ok else (),
                      f"{r.group}：沉睡专利 {r.sleeping} 件") for r, ok in zip(rows, linked, strict=True)]
            links += [(_with(base, sub.facet(r.group), (("licence", "true"),)) if r.open_licence and ok else (),
                       f"{r.group}：开放许可专利 {r.open_licence} 件") for r, ok in zip(rows, linked, strict=True)]
            axes.set_yticks(y, [_cut(sub.label(r.group, titles) if sub.topics else r.group, 14) for r in rows])
            axes.set_xlim(0, 1)
            axes.legend(fontsize=8)
        else:
            _empty(axes)
    elif name == "gaps":
        rows = [r for r in landscape.gaps.rows if r.needs or r.patents]
        if rows:
            values = [r.need_share - r.patent_share for r in rows]
            bars = list(axes.bar([f"{r.code} {_cut(r.name, 8)}" for r in rows], values,
                                 color=["#c0392b" if v > 0 else "#2f6db5" for v in values]))
            links = [(_with(base, (("effect", r.code),)) if r.patents else (),
                      f"{r.code} {r.name}：需求 {r.needs} 项，专利 {r.patents} 件") for r in rows]
            axes.axhline(0, color="black", linewidth=0.8)
            axes.tick_params(axis="x", labelrotation=60, labelsize=7)
            axes.set_ylabel("需求占比 − 专利占比")
        else:
            _empty(axes)
    axes.set_title(caption(landscape, name))
    png = _png(figure)  # drawing lays the figure out: the shapes' pixels are final only after it
    areas = _bar_areas(figure, bars, links)
    if name == "matrix" and bubbles is not None:
        areas += _bubble_areas(figure, axes, landscape, *bubbles)
    return Chart(name, png, tuple(areas))


def _with(*parts: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """Facets merged left to right (a later key replaces an earlier one)."""
    merged: dict[str, str] = {}
    for part in parts:
        merged.update(part)
    return tuple(merged.items())


def _bubble_areas(figure, axes, landscape: Landscape, xs, ys, sizes) -> list[Area]:  # noqa: ANN001
    """A square around each bubble (the scatter's size is an area in points²)."""
    from matplotlib.transforms import Bbox

    names = dict(landscape.matrix.effects)
    found = []
    for cell, x, y, s in zip(landscape.matrix.cells, xs, ys, sizes, strict=True):
        cx, cy = axes.transData.transform((x, y))
        radius = max(math.sqrt(s) / 2 * figure.dpi / 72, 6.0)
        square = Bbox.from_bounds(cx - radius, cy - radius, 2 * radius, 2 * radius)
        found.append(Area(_box(figure, square), cell.filters,
                          f"{cell.group} × {cell.effect} {names.get(cell.effect, '')}：{cell.patents} 件"))
    return found


def _matrix(axes, landscape: Landscape):  # noqa: ANN001, ANN202
    """Draws the bubbles; returns their x, y and drawn sizes (None when the matrix is empty)."""
    m = landscape.matrix
    used = [code for code, _ in m.effects if any(c.effect == code for c in m.cells)]
    if not m.cells:
        _empty(axes)
        return None
    names = dict(m.effects)
    xs, ys, sizes = [], [], []
    for cell in m.cells:
        xs.append(used.index(cell.effect))
        ys.append(len(m.groups) - 1 - m.groups.index(cell.group))
        sizes.append(cell.patents)
    top = max(sizes)
    drawn_sizes = [60 + 900 * s / top for s in sizes]
    axes.scatter(xs, ys, s=drawn_sizes, alpha=0.6, color="#2f6db5")
    for x, y, s in zip(xs, ys, sizes, strict=True):
        axes.annotate(str(s), (x, y), ha="center", va="center", fontsize=7)
    axes.set_xticks(range(len(used)), [f"{c} {_cut(names[c], 6)}" for c in used], rotation=60, fontsize=7)
    rows = [_cut(m.sub.label(g, landscape.fields.titles), 16) if m.sub.topics else g for g in m.groups]
    axes.set_yticks(range(len(m.groups)), rows[::-1], fontsize=7)
    axes.set_xlim(-0.7, len(used) - 0.3)
    axes.set_ylim(-0.7, len(m.groups) - 0.3)
    axes.grid(alpha=0.2)
    return xs, ys, drawn_sizes


def patents_link(filters: tuple[tuple[str, str], ...] | dict[str, str], base: str = "/ui/patents") -> str:
    return f"{base}?{urlencode(list(dict(filters).items()))}"


_CSS = """.chart{position:relative;display:inline-block;max-width:100%}.chart img{display:block}
.chart a{position:absolute;display:block}.chart a:hover,.chart a:focus{outline:2px solid #c0392b}
body{font-family:"Noto Sans CJK SC","Noto Sans SC","Microsoft YaHei",sans-serif;margin:2em auto;
max-width:1100px;color:#222;line-height:1.5}h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;margin-top:2em}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 6px}
th{background:#f2f4f7}td.n{text-align:right}.m td.n{min-width:1.6em}.scroll{overflow-x:auto}
img{max-width:100%;border:1px solid #eee}.lead{background:#f7f9fc;padding:.8em 1em;border-left:4px solid #2f6db5}"""


def _table_html(table: Table, links: dict[tuple[int, int], str] | None = None) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in table.columns)
    body = []
    for i, row in enumerate(table.rows):
        cells = []
        for j, value in enumerate(row):
            text = html.escape(str(value))
            href = (links or {}).get((i, j))
            if href and value:
                text = f'<a href="{html.escape(href)}">{text}</a>'
            numeric = isinstance(value, int | float)
            cells.append(f'<td class="n">{text}</td>' if numeric else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<div class="scroll"><table class="{table.name[0]}"><tr>{head}</tr>{"".join(body)}</table></div>'
            if table.rows else "<p>所选范围内无数据。</p>")


def matrix_links(landscape: Landscape, base: str = "/ui/patents") -> dict[tuple[int, int], str]:
    """Each matrix cell's link to the patent list filtered by its sub-field and effect (and the selection's
    cluster / single IPC prefix / single holder)."""
    column = {code: j + 1 for j, (code, _) in enumerate(landscape.matrix.effects)}
    row = {group: i for i, group in enumerate(landscape.matrix.groups)}
    return {(row[c.group], column[c.effect]): patents_link(c.filters, base) for c in landscape.matrix.cells}


def figure_html(chart: Chart, src: str, alt: str, base: str = "/ui/patents") -> str:
    """The chart's image with a link over each bar or bubble (placed in percent: it scales with the image)."""
    links = "".join(
        f'<a href="{html.escape(patents_link(a.filters, base))}" title="{html.escape(a.title)}" '
        f'aria-label="{html.escape(a.title)}" style="left:{a.box[0]}%;top:{a.box[1]}%;width:{a.box[2]}%;'
        f'height:{a.box[3]}%"></a>' for a in chart.areas)
    return f'<div class="chart"><img src="{src}" alt="{html.escape(alt)}">{links}</div>'


def subfield_note(landscape: Landscape) -> str:
    if landscape.fields.sub.topics:
        return "技术分支为学习到的主题（patent-match navigate topics fit，名称由主题词生成）"
    return "技术分支为主分类号的 IPC 主组"


def report_html(landscape: Landscape, charts: dict[str, Chart], images: dict[str, str],
                base: str = "/ui/patents") -> str:
    """The report page; `images` maps a chart name to its src (a data URI or a file beside the page)."""
    parts = [f"<h1>专利导航报告</h1><div class='lead'><p><b>分析范围：</b>{html.escape(landscape.description)}</p>"
             f"<p><b>专利数：</b>{landscape.patents} 件"
             + (f"（技术检索命中 {landscape.query_hits} 件）" if landscape.query_hits is not None else "")
             + f"；统计日：{landscape.today.isoformat()}</p></div>"]
    for table in landscape.tables():
        parts.append(f"<h2>{html.escape(table.title)}</h2>")
        if table.name in images:
            parts.append(figure_html(charts[table.name], images[table.name], caption(landscape, table.name), base))
        parts.append(_table_html(table, matrix_links(landscape, base) if table.name == "matrix" else None))
    parts.append(f"<p>口径说明：{subfield_note(landscape)}；交易仅计已生效交易；失效年份按年费缴至日期计，"
                 "未知者记为“不详”。图中的柱、气泡与矩阵单元格链接到平台专利列表（需登录）。</p>")
    return (f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>专利导航报告</title>"
            f"<style>{_CSS}</style></head><body>{''.join(parts)}</body></html>")


def data_uri(chart: Chart) -> str:
    return "data:image/png;base64," + base64.b64encode(chart.png).decode("ascii")


def write_xlsx(landscape: Landscape, path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    summary = book.create_sheet("分析范围")
    summary.append(["分析范围", landscape.description])
    summary.append(["专利数", landscape.patents])
    summary.append(["统计日", landscape.today.isoformat()])
    for table in landscape.tables():
        sheet = book.create_sheet(table.name)
        sheet.append([table.title])
        sheet.append(list(table.columns))
        for row in table.rows:
            sheet.append(list(row))
    book.save(path)


def write_report(landscape: Landscape, out: Path, base: str = "http://127.0.0.1:8000/ui/patents") -> list[Path]:
    """report.html (charts embedded), the charts beside it as PNG files, and report.xlsx."""
    out.mkdir(parents=True, exist_ok=True)
    images, charts = {}, {}
    written = []
    for name in CHARTS:
        charts[name] = drawn(landscape, name)
        (out / f"{name}.png").write_bytes(charts[name].png)
        written.append(out / f"{name}.png")
        images[name] = data_uri(charts[name])
    (out / "report.html").write_text(report_html(landscape, charts, images, base), encoding="utf-8")
    write_xlsx(landscape, out / "report.xlsx")
    return [out / "report.html", out / "report.xlsx", *written]

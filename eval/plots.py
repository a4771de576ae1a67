"""PNG plots for evaluation reports, drawn without pyplot's global state."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache, wraps
from pathlib import Path
from typing import TypeVar

import numpy as np

logger = logging.getLogger(__name__)
T = TypeVar("T")
_DRAWING = threading.RLock()

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Noto Sans CJK JP", "WenQuanYi Zen Hei",
             "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", "SimHei")


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """An installed font that draws Chinese (Debian: fonts-noto-cjk), or None."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    found = next((name for name in CJK_FONTS if name in installed), None)
    if found is None:  # matplotlib's font cache predates a font installed later: register it
        for path in font_manager.findSystemFonts():
            if any(key in Path(path).name.lower() for key in ("notosanscjk", "sourcehansans", "wqy", "notosanssc")):
                font_manager.fontManager.addfont(path)
        installed = {f.name for f in font_manager.fontManager.ttflist}
        found = next((name for name in CJK_FONTS if name in installed), None)
    if found is None:
        logger.warning("no CJK font found (install fonts-noto-cjk); Chinese labels fall back to their ids")
    return found


@contextmanager
def _style() -> Iterator[None]:
    """Scoped font settings: a CJK font first when one is installed, nothing changed globally."""
    import matplotlib as mpl

    params: dict[str, object] = {"axes.unicode_minus": False}
    if cjk_font():
        params["font.sans-serif"] = [cjk_font(), "DejaVu Sans"]
    with _DRAWING, mpl.rc_context(params):  # rc_context is process-global: one figure at a time
        yield


def styled(draw: Callable[..., T]) -> Callable[..., T]:
    @wraps(draw)
    def wrapper(*args: object, **kwargs: object) -> T:
        with _style():
            return draw(*args, **kwargs)

    return wrapper


def new_figure(width: float, height: float):  # noqa: ANN202
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=120, layout="constrained")


def label(text: str, fallback: str) -> str:
    """Chinese text when a font can draw it, else the ASCII fallback (never boxes)."""
    return text if cjk_font() or text.isascii() else fallback


@styled
def metric_bars(path: Path, means: dict[str, dict[str, float]], measures: list[str], title: str) -> None:
    rankers = list(means)
    figure = new_figure(min(14.0, max(7.0, 1.3 * len(measures) * max(1, len(rankers)) / 2)), 4.2)
    axes = figure.add_subplot()
    width = 0.8 / len(rankers)
    x = np.arange(len(measures))
    for i, ranker in enumerate(rankers):
        values = [means[ranker][m] for m in measures]
        bars = axes.bar(x + (i - (len(rankers) - 1) / 2) * width, values, width, label=ranker)
        axes.bar_label(bars, labels=[f"{v:.3f}" for v in values], fontsize=7, padding=2)
    axes.set_xticks(x, measures)
    axes.set_ylim(0, 1.08)
    axes.set_ylabel("score")
    axes.set_title(title)
    axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    axes.grid(axis="y", alpha=0.3)
    figure.savefig(path)


@styled
def query_deltas(path: Path, deltas: dict[str, float], measure: str, better: str, worse: str) -> None:
    qids = sorted(deltas, key=lambda q: -deltas[q])
    values = np.array([deltas[q] for q in qids])
    figure = new_figure(min(16.0, max(7.0, 0.22 * len(qids) + 2)), 4.2)
    axes = figure.add_subplot()
    colors = ["#2a9d55" if v > 1e-9 else "#c0392b" if v < -1e-9 else "#999999" for v in values]
    axes.bar(np.arange(len(qids)), values, color=colors)
    axes.axhline(0, color="black", linewidth=0.8)
    if len(qids) <= 80:
        axes.set_xticks(np.arange(len(qids)), qids, rotation=90, fontsize=7)
    else:
        axes.set_xticks([])
        axes.set_xlabel(f"{len(qids)} queries, sorted by difference")
    wins, losses = int(np.sum(values > 1e-9)), int(np.sum(values < -1e-9))
    axes.set_ylabel(f"{measure}: {better} − {worse}")
    axes.set_title(f"Per-query {measure}, {better} vs {worse}: {wins} wins, {len(values) - wins - losses} ties, "
                   f"{losses} losses")
    axes.grid(axis="y", alpha=0.3)
    figure.savefig(path)


@styled
def breakdown_bars(path: Path, table: dict[str, dict[str, float | int]], rankers: list[str], attribute: str,
                   measure: str) -> None:
    values = list(table)
    figure = new_figure(min(14.0, max(7.0, 0.9 * len(values) * max(1, len(rankers)) / 2 + 2)), 4.2)
    axes = figure.add_subplot()
    width = 0.8 / len(rankers)
    x = np.arange(len(values))
    for i, ranker in enumerate(rankers):
        axes.bar(x + (i - (len(rankers) - 1) / 2) * width, [table[v][ranker] for v in values], width, label=ranker)
    names = [f"{label(v, f'{attribute}-{n + 1}')} (n={table[v]['queries']})" for n, v in enumerate(values)]
    axes.set_xticks(x, names, rotation=30 if len(values) > 4 else 0, ha="right" if len(values) > 4 else "center")
    axes.set_ylim(0, 1.05)
    axes.set_ylabel(measure)
    axes.set_title(f"{measure} by query {attribute}")
    axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    axes.grid(axis="y", alpha=0.3)
    figure.savefig(path)

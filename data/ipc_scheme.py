"""IPC titles: the subclass table the project ships (data/reference/ipc_subclasses.tsv), and optionally a full
Chinese scheme configured by `ipc_scheme` (TSV: code, level, title_zh; e.g. A01B11/00 group 带有振动…) so main
groups show their own title. The full scheme is not redistributable, so it is read at run time, never shipped."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

_REFERENCE_NOTE = re.compile(r"（[^（）]*入[^（）]*）|〔\d+〕|\[\d{8}\]")
SCHEME_COLUMNS = ("code", "level", "title_zh")
LEVELS = frozenset({"section", "class", "subclass", "group", "subgroup"})
_GROUP_CODE = re.compile(r"^([A-H]\d{2}[A-Z])\s*(\d{1,4})/(\d{2,6})$")


class IpcSchemeError(ValueError):
    """A scheme file that cannot be read; the message (Chinese) names the file, the row and the field."""


def _clean(title: str) -> str:
    return _REFERENCE_NOTE.sub("", title).strip()


@lru_cache(maxsize=1)
def subclass_titles() -> dict[str, str]:
    """Subclass code → official Chinese title, reference notes removed for display."""
    text = resources.files("data").joinpath("reference/ipc_subclasses.tsv").read_text("utf-8")
    titles: dict[str, str] = {}
    for line in text.splitlines()[1:]:
        if line.startswith("#") or line.startswith("code\t"):
            continue
        code, title = line.split("\t", 1)
        titles[code] = _clean(title)
    return titles


def is_known_subclass(subclass: str) -> bool:
    return subclass in subclass_titles()


def read_group_titles(path: Path) -> dict[str, str]:
    """Main group (stored spelling, 'A01B 11') → its Chinese title, from a scheme TSV; subgroups are skipped.
    Raises IpcSchemeError naming the file, row and field of the first bad line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise IpcSchemeError(f"IPC 分类表 {path}：无法读取（{exc.__class__.__name__}），"
                             "须为 UTF-8 编码的 TSV 文件") from None
    if not lines or tuple(c.strip() for c in lines[0].split("\t")) != SCHEME_COLUMNS:
        raise IpcSchemeError(f"IPC 分类表 {path} 第 1 行：表头须为 {'、'.join(SCHEME_COLUMNS)}（制表符分隔），"
                             f"收到“{lines[0][:60] if lines else ''}”")
    titles: dict[str, str] = {}
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cells = line.split("\t")
        if len(cells) != len(SCHEME_COLUMNS):
            raise IpcSchemeError(f"IPC 分类表 {path} 第 {number} 行：应有 {len(SCHEME_COLUMNS)} 列（制表符分隔），"
                                 f"收到 {len(cells)} 列")
        code, level, title = (c.strip() for c in cells)
        if level not in LEVELS:
            raise IpcSchemeError(f"IPC 分类表 {path} 第 {number} 行 level 列：须为 {'、'.join(sorted(LEVELS))} 之一，"
                                 f"收到“{level}”")
        if not code and title:
            raise IpcSchemeError(f"IPC 分类表 {path} 第 {number} 行 code 列：有标题“{title[:20]}”却没有分类号")
        if level != "group" or not title:  # an untitled entry (a few in the official file): the subclass's title
            continue
        match = _GROUP_CODE.match(code)
        if not match or int(match[3]) != 0:
            raise IpcSchemeError(f"IPC 分类表 {path} 第 {number} 行 code 列：“{code}”不是主组号（如 A01B11/00）")
        titles[f"{match[1]} {int(match[2])}"] = _clean(title)
    return titles


@lru_cache(maxsize=4)
def _cached_group_titles(path: Path, stamp: tuple[int, int]) -> dict[str, str]:  # noqa: ARG001 (the cache key)
    return read_group_titles(path)


def group_titles() -> dict[str, str]:
    """The configured scheme's main-group titles (re-read when the file changes); empty when none is set."""
    from data.settings import get_settings

    path = get_settings().ipc_scheme
    if path is None:
        return {}
    try:
        stat = path.stat()
    except OSError:
        raise IpcSchemeError(f"IPC 分类表 {path}（PATENT_MATCH_IPC_SCHEME）不存在") from None
    return _cached_group_titles(path, (stat.st_mtime_ns, stat.st_size))

"""Keeping a served index's file pages in memory.

The serving arrays are memory-mapped, so a page the kernel has dropped is read back from disk inside
a match. Reading files into the page cache is not enough where the platform reclaims cache pages no
process maps: on the benchmark VM a DAMON scheme pages out unmapped file pages at up to 128 MB/s
(`/sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0`: action pageout, anonymous pages
excluded, unmapped pages allowed), so pages read ahead at start-up were gone again within a minute
and 1M-patent tails swung between 196 and 818 ms over three runs. Populating the page tables
(madvise MADV_POPULATE_READ, Linux 5.14+) makes every page of the mappings resident *and mapped*,
which that scheme leaves alone and ordinary reclaim takes last. The pages are the files' shared page
cache: every worker that maps them counts them in its RSS, the machine holds them once (PSS).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

MADV_POPULATE_READ = 22  # linux/mman.h; older kernels answer EINVAL and the pages load on first touch


def mapped_ranges(directory: Path, maps: Path = Path("/proc/self/maps")) -> list[tuple[int, int, str]]:
    """(start, end, path) of this process's mappings of files under `directory`."""
    root = f"{directory.resolve()}{os.sep}"
    try:
        lines = maps.read_text().splitlines()
    except OSError:  # no procfs: not Linux
        return []
    ranges = []
    for line in lines:
        fields = line.split(maxsplit=5)
        if len(fields) == 6 and fields[5].startswith(root):
            start, end = (int(x, 16) for x in fields[0].split("-"))
            ranges.append((start, end, fields[5]))
    return ranges


def page_size() -> int:
    return os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def without(ranges: list[tuple[int, int]], cold: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """`ranges` minus the whole pages inside `cold` (both lists of [start, end) addresses)."""
    page = page_size()
    holes = sorted((-(-start // page) * page, end // page * page) for start, end in cold)
    kept = []
    for start, end in sorted(ranges):
        for hole_start, hole_end in holes:
            if hole_end <= start or hole_start >= end or hole_start >= hole_end:
                continue
            if hole_start > start:
                kept.append((start, hole_start))
            start = max(start, hole_end)
        if start < end:
            kept.append((start, end))
    return kept


def populate(directory: Path, cold: Sequence[np.ndarray] = ()) -> int:
    """Bytes of this process's mappings of `directory` made resident and mapped, except the pages that
    lie wholly inside the `cold` arrays (views of those mappings a server rarely reads); 0 where the
    platform cannot (no procfs or madvise, or a kernel before 5.14)."""
    ranges = [(start, end) for start, end, _ in mapped_ranges(directory)]
    if not ranges:
        return 0
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    libc.madvise.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
    done = 0
    for start, end in without(ranges, [(a.ctypes.data, a.ctypes.data + a.nbytes) for a in cold if a.nbytes]):
        if libc.madvise(start, end - start, MADV_POPULATE_READ) == 0:
            done += end - start
    return done

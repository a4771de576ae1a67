"""Small helpers shared by the benchmarks: timing percentiles, memory, disk."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def shared_patents(limit: int | None = None) -> list[dict]:
    path = SHARED / "patents" / "cn_patents.jsonl"
    if not path.exists():
        raise SystemExit(f"{path} not found: benchmarks read the shared data beside the checkout")
    with path.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    return rows[:limit] if limit else rows


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def latencies_ms(run: Callable[[int], object], n: int) -> np.ndarray:
    out = np.empty(n)
    for i in range(n):
        start = time.perf_counter()
        run(i)
        out[i] = (time.perf_counter() - start) * 1000
    return out


def pct(values: np.ndarray) -> str:
    return f"p50 {np.percentile(values, 50):7.2f} ms  p99 {np.percentile(values, 99):7.2f} ms"

"""Lexical indexes over the same documents as the vector index, saved as JSON + NumPy arrays."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from indexer.hits import Hit


def top_hits(doc_ids: list[str], scores: np.ndarray, k: int, rows: np.ndarray | None = None) -> list[Hit]:
    """The k best positive scores; ties are kept in document order (stable sort). With `rows`, scores[i]
    belongs to doc_ids[rows[i]] (a subset scored; only the hits' ids are looked up).

    Scores are rounded to 4 decimals first: BM25 adds a query's terms in an order that follows
    Python's per-process string hashing, so float32 sums can differ in the last bit between runs,
    and documents that tie in fact would otherwise swap places from one process to the next."""
    k = min(k, len(scores))
    if k <= 0:
        return []
    scores = np.round(scores.astype(np.float64), 4)
    candidates = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    threshold = scores[candidates].min()
    # every document tying with the k-th score is kept, so equal scores never depend on luck
    tied = np.flatnonzero(scores >= threshold)
    order = tied[np.argsort(-scores[tied], kind="stable")]
    return [Hit(doc_ids[i if rows is None else rows[i]], float(scores[i])) for i in order if scores[i] > 0]


def write_json(path: Path, value: object) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")


def read_json(path: Path) -> object:
    return json.loads(path.read_text(encoding="utf-8"))

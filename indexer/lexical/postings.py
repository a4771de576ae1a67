"""Exact top-k over term-major postings without walking every posting of a common term.

A query scores document d as Σ_t w_t · x_{t,d}. In Chinese text the single characters of a query
(的, 一, 种, 置…) occur in most documents, so at a million patents their postings are most of the
work while adding little to any score. Following MaxScore (Turtle & Flood, 1995): the rare terms'
postings are accumulated in full; the common terms are only looked up for the `CANDIDATES` best
documents so far; and the result is kept only when it is provably the exact top k — when the k-th
score beats the best score outside the candidates plus the most the common terms could add to it
(Σ w_t · max_d x_{t,d}). Otherwise the common terms are accumulated in full as well.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from indexer.hits import Hit
from indexer.lexical import top_hits

COMMON_SHARE = 0.02  # a term in more than 2% of documents is looked up, not walked
PRUNE_FROM = 50_000  # below this many documents walking every posting is already fast
CANDIDATES = 2_000  # documents whose common-term weights are looked up
_ROUNDING = 1e-4  # top_hits compares scores rounded to 4 decimals


@dataclass
class Postings:
    """Rows are terms, columns documents; each row's document indices ascending (canonical CSR)."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    n_docs: int
    prune_from: int = PRUNE_FROM
    candidates: int = CANDIDATES
    row_max: np.ndarray = field(init=False)
    checks: dict[str, int] = field(default_factory=lambda: {"pruned": 0, "walked": 0})

    def __post_init__(self) -> None:
        lengths = np.diff(self.indptr)
        starts = np.minimum(self.indptr[:-1], max(len(self.data) - 1, 0))
        peaks = np.maximum.reduceat(self.data, starts) if len(self.data) else np.zeros(len(lengths))
        self.row_max = np.where(lengths > 0, peaks, 0).astype(np.float64)

    def accumulate(self, terms: np.ndarray, weights: np.ndarray, into: np.ndarray | None = None) -> np.ndarray:
        scores = np.zeros(self.n_docs) if into is None else into
        for term, weight in zip(terms, weights, strict=True):
            start, end = self.indptr[term], self.indptr[term + 1]
            scores[self.indices[start:end]] += weight * self.data[start:end]  # a row's documents are distinct
        return scores

    def lookup(self, term: int, docs: np.ndarray) -> np.ndarray:
        """The term's weight in each of `docs` (ascending), 0 where it does not occur."""
        row = self.indices[self.indptr[term]:self.indptr[term + 1]]
        at = np.minimum(np.searchsorted(row, docs), len(row) - 1)
        found = row[at] == docs if len(row) else np.zeros(len(docs), dtype=bool)
        return np.where(found, self.data[self.indptr[term] + at], 0.0)

    def top_k(self, doc_ids: list[str], terms: np.ndarray, weights: np.ndarray, k: int) -> list[Hit]:
        terms, weights = np.asarray(terms, dtype=np.int64), np.asarray(weights, dtype=np.float64)
        common = np.diff(self.indptr)[terms] > self.n_docs * COMMON_SHARE
        m = self.candidates
        if self.n_docs < self.prune_from or not common.any() or self.n_docs <= m or k >= m:
            return top_hits(doc_ids, self.accumulate(terms, weights), k)
        partial = self.accumulate(terms[~common], weights[~common])
        order = np.argpartition(-partial, m)
        candidates = np.sort(order[:m])
        outside = partial[order[m]]  # the best partial score left out
        full = partial[candidates]
        for term, weight in zip(terms[common], weights[common], strict=True):
            full += weight * self.lookup(term, candidates)
        ceiling = outside + float(weights[common] @ self.row_max[terms[common]])
        kth = np.partition(np.round(full, 4), len(full) - k)[len(full) - k]
        if kth > ceiling + _ROUNDING:
            self.checks["pruned"] += 1
            return top_hits([doc_ids[i] for i in candidates], full, k)
        self.checks["walked"] += 1
        return top_hits(doc_ids, self.accumulate(terms[common], weights[common], into=partial), k)

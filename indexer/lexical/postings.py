"""Exact top-k over term-major postings without walking every posting of a common term.

A query scores document d as Σ_t w_t · x_{t,d}. In Chinese text the single characters of a query
(的, 一, 种, 置…) occur in a large share of documents, so at a million patents their postings are much
of the work while adding little to any score. In the spirit of MaxScore (Turtle & Flood, 1995): the
rarer terms' postings are accumulated in full; by Cauchy–Schwarz the common terms add at most
‖w_common‖ · ‖x_{d,common}‖ to document d (the second factor precomputed per document over every
common term); the `candidates` documents with the highest such upper bound get their common terms
looked up; and the result is kept only when it is provably the exact top k — when the k-th score
beats the highest upper bound left out. Otherwise the common terms are accumulated in full as well.
(A bound from each common term's largest weight instead never held on a 100k-patent index.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from indexer.hits import Hit
from indexer.lexical import top_hits

COMMON_SHARE = 0.3  # a term in more than 30% of documents is looked up, not walked
PRUNE_FROM = 50_000  # below this many documents walking every posting is already fast
CANDIDATES = 5_000  # documents whose common-term weights are looked up (exact on 32/32 needs-dev queries at 100k)
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
    common_share: float = COMMON_SHARE
    checks: dict[str, int] = field(default_factory=lambda: {"pruned": 0, "walked": 0})
    _common_norm: np.ndarray | None = field(default=None, repr=False)

    def common_norm(self) -> np.ndarray:
        """Per document, the L2 norm of its weights over every common term (computed on first use)."""
        if self._common_norm is None:
            squares = np.zeros(self.n_docs)
            for term in np.flatnonzero(np.diff(self.indptr) > self.n_docs * self.common_share):
                start, end = self.indptr[term], self.indptr[term + 1]
                squares[self.indices[start:end]] += np.square(self.data[start:end], dtype=np.float64)
            self._common_norm = np.sqrt(squares)
        return self._common_norm

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
        common = np.diff(self.indptr)[terms] > self.n_docs * self.common_share
        m = self.candidates
        if self.n_docs < self.prune_from or not common.any() or self.n_docs <= m or k >= m:
            return top_hits(doc_ids, self.accumulate(terms, weights), k)
        partial = self.accumulate(terms[~common], weights[~common])
        ceiling = partial + np.linalg.norm(weights[common]) * self.common_norm()  # Cauchy–Schwarz
        order = np.argpartition(-ceiling, m)
        candidates = np.sort(order[:m])
        full = partial[candidates]
        for term, weight in zip(terms[common], weights[common], strict=True):
            full += weight * self.lookup(term, candidates)
        kth = np.partition(np.round(full, 4), m - k)[m - k]
        if kth > ceiling[order[m]] + _ROUNDING:  # the highest ceiling left out
            self.checks["pruned"] += 1
            return top_hits([doc_ids[i] for i in candidates], full, k)
        self.checks["walked"] += 1
        return top_hits(doc_ids, self.accumulate(terms[common], weights[common], into=partial), k)

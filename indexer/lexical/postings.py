"""Top-k over term-major postings without walking every posting of a common term.

A query scores document d as Σ_t w_t · x_{t,d}. In Chinese text the single characters of a query (的, 一,
种, 置…) occur in a large share of documents: at a million patents a need's character n-grams have ~19
million postings, 91% of them in terms found in more than 10% of documents, and walking them all takes
~30–60 ms (`accumulate`), against ~8 ms pruned (32 needs-dev needs, warm pages). On large indexes (≥
`prune_from` documents) the rarer terms are walked, the `candidates` documents with the best partial
scores get their common-term weights from `CommonRows` (a dense half-precision copy of the common
terms), and the top k are taken from those, each with its full score (the common part at half
precision). That is approximate in which documents can enter: a document outside the candidates whose
common terms would have lifted it into the top k is missed.
Measured at 1M patents on the 32 needs-dev needs: the top 200 equals the exact top 200 for every need
(recall@200 1.000; `python -m bench.scale` reports it for each run). An exact variant (MaxScore-style,
Turtle & Flood 1995: keep the result only when the k-th score beats what any left-out document could
reach) was tried first and dropped: its bounds — each common term's largest weight, or Cauchy–Schwarz
over per-document norms — held for almost no query at 100k, so it walked everything anyway. Below
`prune_from` documents every posting is walked and results are exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse

from indexer.hits import Hit
from indexer.lexical import top_hits
from indexer.lexical.common_rows import CommonRows, plain

COMMON_SHARE = 0.1  # a term in more than 10% of documents is looked up, not walked
PRUNE_FROM = 200_000  # below this many documents walking every posting is fast enough (100k: ~8 ms)
CANDIDATES = 5_000  # documents whose common-term weights are looked up
ACCUMULATE_CHUNK = 4_000_000  # postings summed per sparse product


def best_positive(scores: np.ndarray, m: int) -> np.ndarray:
    """Ascending indices of the m largest positive scores (all positive ones if fewer). A threshold read
    off a strided sample keeps ~1.25 m candidates in one comparison pass, and only those are partitioned:
    at 1M documents, finding the positive ones and partitioning them took ~19 ms a query, this ~3 ms.
    When the sample misjudges (fewer than m pass), every positive score is partitioned, as before."""
    stride = max(1, len(scores) // (8 * m))
    sample = scores[::stride]
    rank = min(len(sample), int(1.25 * m / stride) + 10)
    threshold = max(np.partition(sample, len(sample) - rank)[len(sample) - rank], 0.0)
    kept = np.flatnonzero(scores > threshold) if threshold > 0 else np.flatnonzero(scores)
    if len(kept) < m:  # the sample's threshold was too high, or there are fewer than m positive scores
        kept = np.flatnonzero(scores)
    if len(kept) > m:
        kept = np.sort(kept[np.argpartition(-scores[kept], m)[:m]])
    return kept


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
    common_rows: CommonRows | None = None
    checks: dict[str, int] = field(default_factory=lambda: {"walked": 0, "pruned": 0})

    def __post_init__(self) -> None:
        self.indptr, self.indices, self.data = plain(self.indptr), plain(self.indices), plain(self.data)

    def accumulate(self, terms: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Σ weight · row over `terms`, for every document, in float32. The chosen rows are gathered a few
        million postings at a time into a small CSR matrix whose transpose multiplies the weights: one
        pass in scipy's C++ that multiplies and scatters. `np.bincount` (float64 weights after a separate
        multiply) took 14 ms for 1.8M postings into 1M documents where this takes 3 ms."""
        terms, weights = np.asarray(terms, dtype=np.int64), np.asarray(weights, dtype=np.float32)
        lengths = self.indptr[terms + 1] - self.indptr[terms]
        group = np.cumsum(lengths) // ACCUMULATE_CHUNK  # bounds the temporary arrays on all-term walks
        scores = np.zeros(self.n_docs, dtype=np.float32)
        for chosen in (group == g for g in np.unique(group)):
            rows = [slice(self.indptr[t], self.indptr[t + 1]) for t in terms[chosen]]
            starts = np.zeros(len(rows) + 1, dtype=self.indices.dtype)  # scipy copies mixed index types
            np.cumsum(lengths[chosen], out=starts[1:])
            chunk = sparse.csr_matrix((np.concatenate([self.data[r] for r in rows]),
                                       np.concatenate([self.indices[r] for r in rows]), starts),
                                      shape=(len(rows), self.n_docs))
            scores += chunk.T @ weights[chosen]
        return scores

    def common(self) -> CommonRows:
        """The common terms' dense rows, built here when the index was saved without them."""
        if self.common_rows is None or self.common_rows.share != self.common_share:
            self.common_rows = CommonRows.of(self)
        return self.common_rows

    def save_common(self, directory: Path, prefix: str) -> None:
        """Saved only where searches will be pruned, so serving processes map them instead of each building
        its own copy."""
        if self.n_docs >= self.prune_from:
            self.common().save(directory, prefix)

    def is_common(self, terms: np.ndarray) -> np.ndarray:
        """Which of `terms` are in more than `common_share` of the documents: looked up, not walked."""
        return self.indptr[terms + 1] - self.indptr[terms] > self.n_docs * self.common_share

    def cold_parts(self) -> list[np.ndarray]:
        """The common terms' postings where searches are pruned: read only by the rare all-common query
        (their weights come from the common rows), so a server need not hold them in memory."""
        if self.n_docs < self.prune_from or self.n_docs <= self.candidates:
            return []
        parts = []
        for term in np.flatnonzero(self.is_common(np.arange(len(self.indptr) - 1))):
            span = slice(self.indptr[term], self.indptr[term + 1])
            parts += [self.indices[span], self.data[span]]
        return parts

    def top_k(self, doc_ids: list[str], terms: np.ndarray, weights: np.ndarray, k: int) -> list[Hit]:
        terms, weights = np.asarray(terms, dtype=np.int64), np.asarray(weights, dtype=np.float64)
        common = self.is_common(terms)
        m = self.candidates
        # All-common queries are walked too: with no rarer term to rank by, candidates would be arbitrary
        if self.n_docs < self.prune_from or not common.any() or common.all() or self.n_docs <= m or k >= m:
            self.checks["walked"] += 1
            return top_hits(doc_ids, self.accumulate(terms, weights), k)
        self.checks["pruned"] += 1
        partial = self.accumulate(terms[~common], weights[~common])
        touched = best_positive(partial, m)  # a document no rarer term reaches has only common terms to offer
        full = partial[touched] + self.common().weights(touched, terms[common], weights[common])
        return top_hits(doc_ids, full, k, rows=touched)

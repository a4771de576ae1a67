"""The common terms of a large lexical index as a dense documents × terms matrix at half precision.

Pruned search (indexer/lexical/postings.py) walks only the rarer terms' postings and reads the common
terms' weights for its few thousand best candidates from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from indexer.lexical.postings import Postings

COMMON_PARTS = ("share", "terms", "matrix")


@dataclass(frozen=True)
class CommonRows:
    """The common terms' weights as a dense documents × common-terms matrix at half precision. For one
    query's candidates that is one gather of contiguous rows (5,000 × ~450 terms × 2 bytes at 1M
    patents); a binary search in each common term's row took 32 ms per need, and a document-major sparse
    copy (the same bytes, as int32 slots + float32 weights) 13 ms, against 5 ms here on a busy machine.
    float16 keeps 11 significant bits: a looked-up score is within 2⁻¹¹ · Σ|w_t| · max x of the
    exact one (≈10⁻⁴ for char TF-IDF), far below the gaps that order candidates."""

    share: float  # the common_share the terms were chosen with
    terms: np.ndarray  # the common terms' ids, ascending
    matrix: np.ndarray  # float16, one row per document, one column per common term

    @classmethod
    def of(cls, postings: Postings) -> CommonRows:
        terms = np.flatnonzero(postings.is_common(np.arange(len(postings.indptr) - 1)))
        matrix = np.zeros((postings.n_docs, len(terms)), dtype=np.float16)
        for column, term in enumerate(terms):
            start, end = postings.indptr[term], postings.indptr[term + 1]
            matrix[postings.indices[start:end], column] = postings.data[start:end]
        return cls(postings.common_share, terms, matrix)

    def weights(self, docs: np.ndarray, terms: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Σ weight · x_{term,doc} over the query's common `terms`, for each of `docs` (ascending)."""
        block = np.take(self.matrix[docs], np.searchsorted(self.terms, terms), axis=1)
        return _single_of_half()[block.view(np.uint16)] @ weights.astype(np.float32)

    def save(self, directory: Path, prefix: str) -> None:
        np.save(directory / f"{prefix}-share.npy", np.asarray([self.share]), allow_pickle=False)
        np.save(directory / f"{prefix}-terms.npy", self.terms, allow_pickle=False)
        np.save(directory / f"{prefix}-matrix.npy", self.matrix, allow_pickle=False)

    @classmethod
    def load(cls, directory: Path, prefix: str, mmap: bool) -> CommonRows | None:
        if not (directory / f"{prefix}-share.npy").exists():
            return None  # a small index, or one saved before these rows existed: built when first needed
        share, terms, matrix = (np.load(directory / f"{prefix}-{part}.npy", allow_pickle=False,
                                        mmap_mode="r" if mmap and part == "matrix" else None)
                                for part in COMMON_PARTS)
        return cls(float(share[0]), terms, plain(matrix))


def plain(array: np.ndarray) -> np.ndarray:
    """A mapped array as a plain ndarray over the same pages: every slice of an np.memmap runs Python-level
    bookkeeping, which cost ~5% of a match at 1M patents (hundreds of row slices per query)."""
    return array.view(np.ndarray) if isinstance(array, np.memmap) else array


@cache
def _single_of_half() -> np.ndarray:
    """float32 for every float16 bit pattern: numpy widens float16 one element at a time in software
    (4 ms for 5,000 × 78 weights); through this 256 KB table it is one gather (1.6 ms)."""
    return np.arange(2**16, dtype=np.uint16).view(np.float16).astype(np.float32)

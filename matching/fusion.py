"""Fusing ranked lists. Inputs are never mutated; equal fused scores keep first-seen order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from indexer.hits import Hit

RRF_K = 60


def reciprocal_rank_fusion(runs: Sequence[Sequence[Hit]], k: int, rrf_k: int = RRF_K,
                           weights: Sequence[float] | None = None) -> list[Hit]:
    """score(d) = Σ_i w_i / (rrf_k + rank_i(d)), ranks from 1 (Cormack et al., 2009)."""
    weights = weights or [1.0] * len(runs)
    scores: dict[str, float] = {}
    for run, weight in zip(runs, weights, strict=True):
        for rank, hit in enumerate(run, start=1):
            scores[hit.doc_id] = scores.get(hit.doc_id, 0.0) + weight / (rrf_k + rank)
    return _top(scores, k)


def normalized_sum(runs: Sequence[Sequence[Hit]], k: int, weights: Sequence[float] | None = None) -> list[Hit]:
    """Weighted sum of min–max normalised scores; a run whose scores are all equal counts 1 for each."""
    weights = weights or [1.0] * len(runs)
    scores: dict[str, float] = {}
    for run, weight in zip(runs, weights, strict=True):
        if not run:
            continue
        high, low = max(h.score for h in run), min(h.score for h in run)
        for hit in run:
            value = 1.0 if high == low else (hit.score - low) / (high - low)
            scores[hit.doc_id] = scores.get(hit.doc_id, 0.0) + weight * value
    return _top(scores, k)


def _top(scores: Mapping[str, float], k: int) -> list[Hit]:
    ordered = sorted(scores.items(), key=lambda item: -item[1])  # stable: ties keep first-seen order
    return [Hit(doc_id, score) for doc_id, score in ordered[:k]]

"""Candidate generation: each retriever's top k0, kept with ranks and scores for features and explanations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from indexer.cache import EmbeddingCache
from indexer.encoders import Encoder
from indexer.store import LoadedIndex
from matching.features import RETRIEVAL, rank_feature
from matching.query_adapter import QueryAdapter
from matching.retrievers import Bm25Retriever, CharTfidfRetriever, DenseRetriever, Retriever

K0 = 200


Fusion = Literal["rank", "score"]


@dataclass(frozen=True)
class Candidate:
    doc_id: str
    ranks: Mapping[str, int]  # retriever → rank from 1, only where it was retrieved
    scores: Mapping[str, float]  # retriever → its raw score
    normalized: Mapping[str, float] = field(default_factory=dict)  # retriever → min–max within its top k0

    def retrieval_features(self, fusion: Fusion = "rank") -> dict[str, float]:
        """`rank`: the RRF term 60 / (60 + rank); `score`: the min–max normalised score. Absent: 0."""
        if fusion == "score":
            return {name: self.normalized.get(name, 0.0) for name in RETRIEVAL}
        return {name: rank_feature(self.ranks.get(name)) for name in RETRIEVAL}


def min_max(scores: Sequence[float]) -> list[float]:
    """Scores scaled to [0, 1] within one list; a list of equal scores counts 1 each."""
    high, low = max(scores, default=0.0), min(scores, default=0.0)
    return [1.0 if high == low else (s - low) / (high - low) for s in scores]


class CandidateGenerator:
    """Runs the retrievers the ranker weighs (a zero-weight retriever is not run) to depth k0."""

    def __init__(self, index: LoadedIndex, encoder: Encoder, cache: EmbeddingCache | None,
                 weights: Mapping[str, float], k0: int = K0, adapter: QueryAdapter | None = None) -> None:
        available: dict[str, Retriever] = {
            "dense": DenseRetriever(index, encoder, cache, adapter=adapter), "char_tfidf": CharTfidfRetriever(index),
            "bm25": Bm25Retriever(index),
        }
        self.retrievers = [r for name, r in available.items() if weights.get(name, 0.0) > 0]
        if not self.retrievers:
            raise ValueError("the ranker weighs no retriever (dense, char_tfidf or bm25); nothing finds candidates")
        self.k0 = k0

    def generate_many(self, queries: Sequence[str]) -> list[list[Candidate]]:
        per_retriever = {r.name: r.search_many(queries, self.k0) for r in self.retrievers}
        results = []
        for i in range(len(queries)):
            ranks: dict[str, dict[str, int]] = {}
            scores: dict[str, dict[str, float]] = {}
            normalized: dict[str, dict[str, float]] = {}
            for name, hits in per_retriever.items():
                scaled = min_max([h.score for h in hits[i]])
                for rank, (hit, value) in enumerate(zip(hits[i], scaled, strict=True), start=1):
                    ranks.setdefault(hit.doc_id, {})[name] = rank
                    scores.setdefault(hit.doc_id, {})[name] = hit.score
                    normalized.setdefault(hit.doc_id, {})[name] = value
            results.append([Candidate(d, ranks[d], scores[d], normalized[d]) for d in ranks])
        return results

    def generate(self, query: str) -> list[Candidate]:
        return self.generate_many([query])[0]

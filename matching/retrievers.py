"""Candidate retrieval: one protocol, `search(query, k) -> list[Hit]`, over a loaded index."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

import numpy as np

from indexer.cache import EmbeddingCache
from indexer.embed import embed_queries
from indexer.encoders import Encoder
from indexer.hits import Hit
from indexer.store import LoadedIndex
from matching.expansion import active_expander
from matching.fusion import RRF_K, normalized_sum, reciprocal_rank_fusion
from matching.query import prepare_query
from matching.query_adapter import QueryAdapter


class Retriever(Protocol):
    name: str

    def search(self, query: str, k: int) -> list[Hit]: ...

    def search_many(self, queries: Sequence[str], k: int) -> list[list[Hit]]: ...


class _OneByOne:
    name: str

    def search(self, query: str, k: int) -> list[Hit]:
        raise NotImplementedError

    def search_many(self, queries: Sequence[str], k: int) -> list[list[Hit]]:
        return [self.search(q, k) for q in queries]


def lexical_query(index: LoadedIndex, query: str) -> str:
    """The prepared need text, plus the words the active association table adds (matching/expansion.py)."""
    prepared = prepare_query(query)
    expander = active_expander()
    if expander is None:
        return prepared
    added = expander.expansions(index.bm25.tokenizer(prepared), prepared)
    return f"{prepared} {' '.join(added)}" if added else prepared


@dataclass
class CharTfidfRetriever(_OneByOne):
    index: LoadedIndex
    name: str = "char_tfidf"

    def search(self, query: str, k: int) -> list[Hit]:
        return self.index.tfidf.search(lexical_query(self.index, query), k)


@dataclass
class Bm25Retriever(_OneByOne):
    index: LoadedIndex
    name: str = "bm25"

    def search(self, query: str, k: int) -> list[Hit]:
        return self.index.bm25.search(lexical_query(self.index, query), k)


@dataclass
class DenseRetriever:
    index: LoadedIndex
    encoder: Encoder
    cache: EmbeddingCache | None = None
    name: str = "dense"
    adapter: QueryAdapter | None = None  # applied to need vectors after the (raw) cache (matching/query_adapter.py)

    def __post_init__(self) -> None:
        # A gate is chosen on its encoder's own query vectors. A query model fitted into that encoder's space
        # (configuration c, indexer/encoders/mapped.py) gives other cosines, so there the map applies to every
        # query, wholly, as it did when c was measured (docs/deployment.md).
        if self.adapter is not None and getattr(self.encoder, "query_role", "query") != "query":
            self.adapter = replace(self.adapter, gate=None, leave_titles=False, scale=1.0)

    def search(self, query: str, k: int) -> list[Hit]:
        return self.search_many([query], k)[0]

    def search_many(self, queries: Sequence[str], k: int) -> list[list[Hit]]:
        if not queries:
            return []
        vectors = embed_queries(self.encoder, [prepare_query(q) for q in queries], self.cache)
        if self.adapter is None:
            return self.index.dense_search(vectors, k)
        if not self.adapter.leaves_some_alone:
            return self.index.dense_search(self.adapter.apply(vectors), k)
        raw = self.index.dense_search(vectors, k)  # the queries left alone keep these; the rest are searched adapted
        nearest = np.array([hits[0].score if hits else -1.0 for hits in raw], dtype=np.float32)
        moved = np.flatnonzero(~self.adapter.kept(len(queries), nearest, queries))
        if len(moved):
            adapted = self.index.dense_search(self.adapter.apply(vectors[moved], nearest[moved],
                                                                 [queries[row] for row in moved]), k)
            for row, hits in zip(moved, adapted, strict=True):
                raw[row] = hits
        return raw


@dataclass
class HybridRetriever:
    """Fuses its retrievers' top-`k0` candidates; `k0` is independent of the output size `k`."""

    retrievers: list[Retriever]
    k0: int = 200
    method: Literal["rrf", "sum"] = "rrf"
    rrf_k: int = RRF_K
    weights: list[float] | None = None
    name: str = field(default="hybrid")

    def search(self, query: str, k: int) -> list[Hit]:
        return self.search_many([query], k)[0]

    def search_many(self, queries: Sequence[str], k: int) -> list[list[Hit]]:
        per_retriever = [r.search_many(queries, self.k0) for r in self.retrievers]
        fused = []
        for i in range(len(queries)):
            runs = [candidates[i] for candidates in per_retriever]
            if self.method == "rrf":
                fused.append(reciprocal_rank_fusion(runs, k, self.rrf_k, self.weights))
            else:
                fused.append(normalized_sum(runs, k, self.weights))
        return fused

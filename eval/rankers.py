"""The rankers an evaluation can name, built over one loaded index."""

from __future__ import annotations

from collections.abc import Callable

from indexer.cache import EmbeddingCache
from indexer.encoders import Encoder
from indexer.store import LoadedIndex
from matching.retrievers import (
    Bm25Retriever,
    CharTfidfRetriever,
    DenseRetriever,
    HybridRetriever,
    Retriever,
)

RankerFactory = Callable[[LoadedIndex, Encoder, EmbeddingCache | None], Retriever]

RANKERS: dict[str, tuple[str, RankerFactory]] = {
    "bm25": ("jieba-word BM25", lambda i, e, c: Bm25Retriever(i)),
    "char_tfidf": ("character 1–2-gram TF-IDF", lambda i, e, c: CharTfidfRetriever(i)),
    "dense": ("dense (FAISS) with the configured encoder", lambda i, e, c: DenseRetriever(i, e, c)),
    "hybrid": ("RRF of dense and character TF-IDF, k0 = 200",
               lambda i, e, c: HybridRetriever([DenseRetriever(i, e, c), CharTfidfRetriever(i)], name="hybrid")),
}


def build_ranker(name: str, index: LoadedIndex, encoder: Encoder, cache: EmbeddingCache | None) -> Retriever:
    if name not in RANKERS:
        raise ValueError(f"unknown ranker '{name}'; choose from {', '.join(RANKERS)}")
    return RANKERS[name][1](index, encoder, cache)

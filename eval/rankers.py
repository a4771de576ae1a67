"""The rankers an evaluation can name, built over one loaded index."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from eval.dataset import Query
from indexer.cache import EmbeddingCache
from indexer.encoders import Encoder
from indexer.hits import Hit
from indexer.store import LoadedIndex
from indexer.text import Document
from matching.candidates import CandidateGenerator
from matching.clusters import ClusterMap, cluster_map
from matching.features import PatentProfile, wording
from matching.ipc import IpcClassifier
from matching.matcher import score_candidates
from matching.profiles import Profiler
from matching.query_adapter import QueryAdapter
from matching.ranker import LinearRanker
from matching.retrievers import (
    Bm25Retriever,
    CharTfidfRetriever,
    DenseRetriever,
    HybridRetriever,
    Retriever,
)
from matching.tags.effects import patent_effects
from matching.tags.products import product_tags


@dataclass(frozen=True)
class RankerContext:
    """What a ranker beyond text similarity needs to know about a judged set."""

    corpus: Sequence[Document] = ()
    ipc_model: IpcClassifier | None = None
    clusters: ClusterMap = field(default_factory=cluster_map)
    ranker: LinearRanker = field(default_factory=LinearRanker)
    adapter: QueryAdapter | None = None  # the need-vector correction the dense retriever applies


class FullRanker:
    """The platform's ranker on a judged set. Judged sets hold text only, so each patent's IPC and
    cluster are inferred from its text, a need's cluster comes from its declared `industry` when the
    set gives one, and the record-only features (value, licence, region, …) are unknown, i.e. 0."""

    name = "full"

    def __init__(self, index: LoadedIndex, encoder: Encoder, cache: EmbeddingCache | None,
                 context: RankerContext) -> None:
        self.ranker = context.ranker
        self.index, self.encoder, self.cache, self.adapter = index, encoder, cache, context.adapter
        self.candidates = CandidateGenerator(index, encoder, cache, self.ranker.weights, adapter=context.adapter)
        self.profiler = Profiler(context.clusters, context.ipc_model)
        inferred = self.profiler.infer_ipc([d.text for d in context.corpus])
        self.patents = {}
        for document, ipc in zip(context.corpus, inferred, strict=True):
            clusters = self.profiler.patent_clusters([], ipc)
            # Effects from the cues alone, on purpose: a judged set has no stored tags and no trained effect
            # classifier, unlike the platform's matcher (stored tags, matching/profiles.py `with_tags`), so
            # the evaluation figures (tests/test_quality.py) do not depend on what a database once trained.
            self.patents[document.doc_id] = PatentProfile(
                document.doc_id, ipc_inferred=ipc, clusters=tuple(e.cluster for e in clusters),
                effects={e.code: e.evidence for e in patent_effects(document.text)},
                products={p.code: (p.confidence, p.evidence) for p in product_tags("", document.text)},
                wording=wording(document.text))
        for doc_id in set(index.ids.doc_ids) - set(self.patents):
            self.patents[doc_id] = PatentProfile(doc_id)

    def with_adapter(self, adapter: QueryAdapter | None) -> FullRanker:
        """The same ranker (profiles shared, not recomputed) with another need-vector correction."""
        changed = copy.copy(self)
        changed.adapter = adapter
        changed.candidates = CandidateGenerator(self.index, self.encoder, self.cache, self.ranker.weights,
                                                adapter=adapter)
        return changed

    def search_queries(self, queries: Sequence[Query], k: int) -> list[list[Hit]]:
        candidate_lists = self.candidates.generate_many([q.text for q in queries])
        hits = []
        for query, candidates in zip(queries, candidate_lists, strict=True):
            need, _ = self.profiler.need_profile(query.text, query.attributes.get("industry"),
                                                 title=query.attributes.get("title", ""))
            ranked = score_candidates(candidates, need, self.patents, self.ranker)
            hits.append([Hit(c.doc_id, score) for c, score, _ in ranked[:k]])
        return hits

    def search_many(self, queries: Sequence[str], k: int) -> list[list[Hit]]:
        return self.search_queries([Query(str(i), q) for i, q in enumerate(queries)], k)

    def search(self, query: str, k: int) -> list[Hit]:
        return self.search_many([query], k)[0]


RankerFactory = Callable[[LoadedIndex, Encoder, EmbeddingCache | None, RankerContext], Retriever]

RANKERS: dict[str, tuple[str, RankerFactory]] = {
    "bm25": ("jieba-word BM25", lambda i, e, c, x: Bm25Retriever(i)),
    "char_tfidf": ("character 1–2-gram TF-IDF", lambda i, e, c, x: CharTfidfRetriever(i)),
    "dense": ("dense (FAISS) with the configured encoder and query adapter",
              lambda i, e, c, x: DenseRetriever(i, e, c, adapter=x.adapter)),
    "hybrid": ("RRF of dense and character TF-IDF, k0 = 200",
               lambda i, e, c, x: HybridRetriever([DenseRetriever(i, e, c, adapter=x.adapter), CharTfidfRetriever(i)],
                                                  name="hybrid")),
    "hybrid_sum": ("weighted sum of min–max normalised dense and char_tfidf scores, k0 = 200",
                   lambda i, e, c, x: HybridRetriever([DenseRetriever(i, e, c, adapter=x.adapter),
                                                       CharTfidfRetriever(i)], method="sum", name="hybrid_sum")),
    "full": ("the platform's linear ranker: normalised-score fusion of dense, character TF-IDF and BM25 plus copied "
             "wording, IPC and cluster agreement (matching/ranker.py)", lambda i, e, c, x: FullRanker(i, e, c, x)),
}


def build_ranker(name: str, index: LoadedIndex, encoder: Encoder, cache: EmbeddingCache | None,
                 context: RankerContext | None = None) -> Retriever:
    if name not in RANKERS:
        raise ValueError(f"unknown ranker '{name}'; choose from {', '.join(RANKERS)}")
    return RANKERS[name][1](index, encoder, cache, context or RankerContext())

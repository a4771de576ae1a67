"""Need → patents: hybrid candidates, joined with the patents' records, filtered and explained.

Ranking today is the measured hybrid (RRF of dense and character TF-IDF over k0 = 200 candidates
each, docs/evaluation.md). Lapsed and invalid patents are excluded unless asked for. The further
signals of the matching plan (IPC and cluster agreement, value, licence fit, region) are reported
as features and explanations but do not yet reorder the list: the first measured attempt at IPC
agreement hurt (see the closing notes), so they enter the ranking only once they are shown to help.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from data.enums import LegalStatus, OfferStatus
from data.models import Patent, PatentHolder
from indexer.cache import EmbeddingCache
from indexer.encoders import Encoder
from indexer.store import LoadedIndex
from indexer.text import normalize
from matching.clusters import ClusterMap
from matching.explain import Explanation, LicenceTerms, matched_ipc, shared_terms
from matching.fusion import reciprocal_rank_fusion
from matching.ipc import IpcClassifier
from matching.query import prepare_query
from matching.retrievers import CharTfidfRetriever, DenseRetriever

EXCLUDED_BY_DEFAULT = (LegalStatus.LAPSED, LegalStatus.INVALID)


@dataclass(frozen=True)
class Match:
    application_number: str
    title: str
    holders: tuple[str, ...]
    legal_status: str
    sleeping: bool
    score: float
    features: dict[str, float] = field(default_factory=dict)
    explanation: Explanation | None = None


class NeedMatcher:
    def __init__(self, index: LoadedIndex, encoder: Encoder, cache: EmbeddingCache | None,
                 clusters: ClusterMap, ipc_model: IpcClassifier | None = None, k0: int = 200) -> None:
        self.index, self.clusters, self.ipc_model, self.k0 = index, clusters, ipc_model, k0
        self.dense = DenseRetriever(index, encoder, cache)
        self.lexical = CharTfidfRetriever(index)

    def match_text(self, session: Session, text: str, k: int = 10, include_inactive: bool = False) -> list[Match]:
        dense_hits, lexical_hits = self.dense.search(text, self.k0), self.lexical.search(text, self.k0)
        fused = reciprocal_rank_fusion([dense_hits, lexical_hits], self.k0)  # what HybridRetriever computes
        dense = {h.doc_id: (rank, h.score) for rank, h in enumerate(dense_hits, start=1)}
        lexical = {h.doc_id: (rank, h.score) for rank, h in enumerate(lexical_hits, start=1)}
        records = {p.application_number: p for p in session.scalars(
            select(Patent).where(Patent.application_number.in_([h.doc_id for h in fused])).options(
                selectinload(Patent.ipcs), selectinload(Patent.offers),
                selectinload(Patent.holders).selectinload(PatentHolder.organization)))}
        need_subclasses = [g.subclass for g in self.ipc_model.predict([text], k=3)[0]] if self.ipc_model else []
        need_clusters = {t.cluster for s in need_subclasses for t in self.clusters.tags_for_ipc(s)}
        query_tokens = self.index.bm25.tokenizer(prepare_query(text))
        matches: list[Match] = []
        for hit in fused:
            patent = records.get(hit.doc_id)
            if patent is None or (not include_inactive and patent.legal_status in EXCLUDED_BY_DEFAULT):
                continue
            matches.append(self._explain(patent, hit.score, dense.get(hit.doc_id), lexical.get(hit.doc_id),
                                         query_tokens, need_subclasses, need_clusters))
            if len(matches) == k:
                break
        return matches

    def _explain(self, patent: Patent, score: float, dense: tuple[int, float] | None,
                 lexical: tuple[int, float] | None, query_tokens: list[str], need_subclasses: list[str],
                 need_clusters: set[str]) -> Match:
        codes = [i.code for i in sorted(patent.ipcs, key=lambda i: (not i.is_main, i.position))]
        patent_clusters = [t.cluster for t in self.clusters.tags_for_patent(codes)]
        offer = next((o for o in patent.offers if o.status is OfferStatus.ACTIVE), None)
        signals = []
        if dense:
            signals.append((dense[0], f"语义相似度第{dense[0]}名"))
        if lexical:
            signals.append((lexical[0], f"字面相似度第{lexical[0]}名"))
        explanation = Explanation(
            shared_terms=shared_terms(query_tokens, self.index.bm25.tokenizer(
                normalize(f"{patent.title} {patent.abstract} {patent.first_claim}")), self.index.bm25),
            matched_ipc=matched_ipc(codes, need_subclasses),
            shared_clusters=tuple(c for c in patent_clusters if c in need_clusters),
            strongest=tuple(text for _, text in sorted(signals)),
            licence=LicenceTerms.from_offer(offer) if offer else None,
        )
        features = {"fused": score, "dense": dense[1] if dense else 0.0, "char_tfidf": lexical[1] if lexical else 0.0,
                    "sleeping": float(patent.is_sleeping), "open_licence": float(offer is not None)}
        return Match(patent.application_number, patent.title,
                     tuple(h.organization.name for h in patent.holders), patent.legal_status.value,
                     patent.is_sleeping, score, features, explanation)

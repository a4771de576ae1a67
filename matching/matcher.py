"""Need → patents: candidates from the index, features from the records, a linear ranker, explanations.

Lapsed and invalid patents are excluded unless asked for. Features and default weights are
documented in matching/features.py and matching/ranker.py; docs/matching.md has the measurements.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from data.enums import LegalStatus
from data.models import Need, Patent, PatentHolder
from indexer.cache import EmbeddingCache
from indexer.encoders import Encoder
from indexer.sources import need_text
from indexer.store import LoadedIndex
from indexer.text import normalize
from matching.candidates import K0, Candidate, CandidateGenerator
from matching.clusters import ClusterMap
from matching.explain import Contribution, Explanation, LicenceTerms, SharedTag, matched_ipc, shared_terms
from matching.features import LABELS_ZH, RETRIEVAL, NeedProfile, PatentProfile, policy_features
from matching.ipc import IpcClassifier
from matching.profiles import ClusterEvidence, Profiler, active_offer
from matching.query import prepare_query
from matching.ranker import LinearRanker

EXCLUDED_BY_DEFAULT = (LegalStatus.LAPSED, LegalStatus.INVALID)
STRONGEST = 3


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
    clusters: tuple[ClusterEvidence, ...] = ()
    value: float | None = None


@dataclass(frozen=True)
class Ranked:
    """One ranked candidate before explanation."""

    patent: Patent
    profile: PatentProfile
    clusters: list[ClusterEvidence]
    candidate: Candidate
    score: float
    features: dict[str, float]


@dataclass(frozen=True)
class Ranking:
    need: NeedProfile
    query_tokens: list[str]
    entries: list[Ranked]


def score_candidates(candidates: list[Candidate], need: NeedProfile, patents: Mapping[str, PatentProfile],
                     ranker: LinearRanker) -> list[tuple[Candidate, float, dict[str, float]]]:
    """Every candidate with a profile, scored and sorted best first (ties keep retrieval order)."""
    scored = []
    for candidate in candidates:
        profile = patents.get(candidate.doc_id)
        if profile is None:
            continue
        features = candidate.retrieval_features(ranker.fusion) | policy_features(need, profile)
        scored.append((candidate, ranker.score(features), features))
    return sorted(scored, key=lambda item: -item[1])


def describe(name: str, value: float, candidate: Candidate, patent: PatentProfile, shared: tuple[str, ...]) -> str:
    if name in candidate.ranks:
        return f"{LABELS_ZH[name]}第{candidate.ranks[name]}名"
    if name == "cluster" and shared:
        return f"{LABELS_ZH[name]}（{'、'.join(shared)}）"
    if name == "value" and patent.value is not None:
        return f"价值指数{patent.value:.2f}"
    if name == "region":
        return {1.0: "同城", 0.6: "同省"}.get(value, "同在长三角")
    return LABELS_ZH[name]


def shared_tags(need: NeedProfile, patent: PatentProfile, products: bool = False) -> tuple[SharedTag, ...]:
    from matching.tags.effects import effect_labels
    from matching.tags.products import product_categories

    if products:
        names = {c.code: c.name for c in product_categories()}
        return tuple(SharedTag(c, names[c], need.products[c][1], patent.products[c][1])
                     for c in sorted(need.products.keys() & patent.products.keys()))
    labels = effect_labels()
    return tuple(SharedTag(c, labels[c], need.effects[c], patent.effects[c])
                 for c in sorted(need.effects.keys() & patent.effects.keys()))


class NeedMatcher:
    def __init__(self, index: LoadedIndex, encoder: Encoder, cache: EmbeddingCache | None, clusters: ClusterMap,
                 ipc_model: IpcClassifier | None = None, ranker: LinearRanker | None = None, k0: int = K0,
                 today: dt.date | None = None) -> None:
        self.index, self.encoder, self.cache, self.ranker, self.k0 = index, encoder, cache, ranker or LinearRanker(), k0
        self.profiler = Profiler(clusters, ipc_model)
        self.candidates = CandidateGenerator(index, encoder, cache, self.ranker.weights, k0)
        self.today = today or dt.date.today()
        # Shared terms need each shown patent's words; jieba costs ~6 ms a patent and a patent is shown
        # again and again, so its words are kept (bounded: the most recently shown patents).
        self._patent_words = lru_cache(maxsize=50_000)(lambda text: tuple(self.index.bm25.tokenizer(text)))

    def rank(self, session: Session, text: str, include_inactive: bool = False,
             need: tuple[NeedProfile, list[ClusterEvidence]] | None = None) -> Ranking:
        """Every candidate with its record, profile and score, best first — not yet explained, so a
        caller that filters or pages explains only what it shows."""
        need_profile, _ = need or self.profiler.need_profile(text)
        candidates = self.candidates.generate(text)
        records = self._records(session, [c.doc_id for c in candidates])
        if not include_inactive:
            records = {n: p for n, p in records.items() if p.legal_status not in EXCLUDED_BY_DEFAULT}
        profiles = {n: self.profiler.profile_of_patent(p, self.today) for n, p in records.items()}
        scored = score_candidates(candidates, need_profile, {n: p for n, (p, _) in profiles.items()}, self.ranker)
        entries = [Ranked(records[c.doc_id], *profiles[c.doc_id], c, score, features) for c, score, features in scored]
        return Ranking(need_profile, self.index.bm25.tokenizer(prepare_query(text)), entries)

    def explain(self, ranking: Ranking, entries: list[Ranked]) -> list[Match]:
        return [self._explain(e.patent, e.profile, e.clusters, e.candidate, e.score, e.features, ranking.need,
                              ranking.query_tokens) for e in entries]

    def match_text(self, session: Session, text: str, k: int = 10, include_inactive: bool = False,
                   need: tuple[NeedProfile, list[ClusterEvidence]] | None = None) -> list[Match]:
        """Patents for `text`; `need` carries the profile of a stored need (industry, budget, region)."""
        ranking = self.rank(session, text, include_inactive, need)
        return self.explain(ranking, ranking.entries[:k])

    def rank_need(self, session: Session, need: Need, include_inactive: bool = False) -> Ranking:
        text = need_text(need)
        return self.rank(session, text, include_inactive, self.profiler.profile_of_need(need, text))

    def match_need(self, session: Session, need: Need, k: int = 10, include_inactive: bool = False) -> list[Match]:
        """Patents for a stored need: its declared industry, budget, cooperation modes and region count."""
        ranking = self.rank_need(session, need, include_inactive)
        return self.explain(ranking, ranking.entries[:k])

    @staticmethod
    def _records(session: Session, numbers: list[str]) -> dict[str, Patent]:
        query = select(Patent).where(Patent.application_number.in_(numbers)).options(
            selectinload(Patent.ipcs), selectinload(Patent.offers), selectinload(Patent.transactions),
            selectinload(Patent.holders).selectinload(PatentHolder.organization))
        return {p.application_number: p for p in session.scalars(query)}

    def _explain(self, patent: Patent, profile: PatentProfile, clusters: list[ClusterEvidence], candidate: Candidate,
                 score: float, features: dict[str, float], need: NeedProfile, query_tokens: list[str]) -> Match:
        shared = tuple(c for c in profile.clusters if c in need.clusters)
        contributions = [Contribution(name, features[name], part, describe(name, features[name], candidate, profile,
                                                                            shared))
                         for name, part in self.ranker.contributions(features)]
        strongest = tuple(contributions[:STRONGEST])
        adjustments = tuple(c for c in contributions[STRONGEST:] if c.feature not in RETRIEVAL)
        offer = active_offer(patent)
        explanation = Explanation(
            shared_terms=shared_terms(query_tokens, list(self._patent_words(
                normalize(f"{patent.title} {patent.abstract} {patent.first_claim}"))), self.index.bm25),
            matched_ipc=matched_ipc(list(profile.ipc_codes), [s for s, _ in need.ipc]),
            shared_clusters=shared,
            strongest=strongest,
            licence=LicenceTerms.from_offer(offer) if offer else None,
            adjustments=adjustments,
            shared_effects=shared_tags(need, profile),
            shared_products=shared_tags(need, profile, products=True),
        )
        return Match(patent.application_number, patent.title, tuple(h.organization.name for h in patent.holders),
                     patent.legal_status.value, patent.is_sleeping, score, features, explanation,
                     tuple(clusters), profile.value)

"""Need → patents: candidates from the index, features from the records, a linear ranker, explanations.

Lapsed and invalid patents are excluded unless asked for. Candidates are looked up by application number,
never by text digest: a patent whose text changed since indexing is still ranked, on the text the index
holds, with its current record; one not yet indexed cannot be a candidate, so each ranking carries the
index's lag (`Ranking.index_lag`) for the answer to say so. Features and default weights are
documented in matching/features.py and matching/ranker.py; docs/matching.md has the measurements.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from sqlalchemy.orm import Session

from data.enums import LegalStatus
from data.models import Need
from indexer.cache import EmbeddingCache
from indexer.encoders import Encoder
from indexer.freshness import Staleness
from indexer.sources import need_text
from indexer.store import LoadedIndex
from indexer.text import normalize
from matching.candidates import K0, Candidate, CandidateGenerator
from matching.clusters import ClusterMap
from matching.confidence import Calibration, relevance_score
from matching.explain import Contribution, Explanation, LicenceTerms, SharedTag, matched_ipc, shared_terms
from matching.features import (
    LABELS_ZH,
    TEXT,
    NeedProfile,
    PatentProfile,
    effect_agreement,
    phrase_features,
    policy_features,
    product_agreement,
    reads_wording,
)
from matching.ipc import IpcClassifier
from matching.profiles import ClusterEvidence, Profiler, active_offer, with_tags
from matching.query import prepare_query
from matching.query_adapter import QueryAdapter
from matching.ranker import LinearRanker
from matching.records import PatentRecord, legal_statuses, patent_records, patent_wordings
from matching.tags.store import stored_effects

EXCLUDED_BY_DEFAULT = (LegalStatus.LAPSED, LegalStatus.INVALID)
STRONGEST = 3
PRUNE_BATCH = 40  # records read per round when pruning: one round answers most top-20 requests
TAG_FEATURES = ("effect", "product")


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
    strength: str | None = None  # strong / medium / weak (matching/confidence.py); None: not calibrated


@dataclass(frozen=True)
class Ranked:
    """One ranked candidate before explanation."""

    patent: PatentRecord
    profile: PatentProfile
    clusters: list[ClusterEvidence]
    candidate: Candidate
    score: float
    features: dict[str, float]
    stored_effects: Mapping[str, str] | None = None  # as `patent-match tag` stored them; None: not tagged yet


@dataclass(frozen=True)
class Ranking:
    need: NeedProfile
    query_tokens: list[str]
    entries: list[Ranked]
    eligible: int  # candidates with a record and an admitted legal status, looked up or not
    index_lag: Staleness | None = None  # patents the index does not hold as they are now; None: none known


def score_candidates(candidates: list[Candidate], need: NeedProfile, patents: Mapping[str, PatentProfile],
                     ranker: LinearRanker) -> list[tuple[Candidate, float, dict[str, float]]]:
    """Every candidate with a profile, scored and sorted best first (ties keep retrieval order)."""
    scored = []
    for candidate in candidates:
        profile = patents.get(candidate.doc_id)
        if profile is None:
            continue
        features = (candidate.retrieval_features(ranker.fusion)
                    | phrase_features(need.text, candidate.ranks, profile.wording) | policy_features(need, profile))
        scored.append((candidate, ranker.score(features), features))
    return sorted(scored, key=lambda item: -item[1])


def describe(name: str, value: float, candidate: Candidate, patent: PatentProfile, shared: tuple[str, ...]) -> str:
    if name in candidate.ranks:
        return f"{LABELS_ZH[name]}第{candidate.ranks[name]}名"
    if name == "cluster" and shared:
        return f"{LABELS_ZH[name]}（{'、'.join(shared)}）"
    if name == "phrase":  # the share floored, so that 99.6% does not read as 100%
        return f"{LABELS_ZH[name]}（需求中{math.floor(value * 100)}%的四字片段见于专利标题或摘要）"
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
                 today: dt.date | None = None, calibration: Calibration | None = None,
                 adapter: QueryAdapter | None = None) -> None:
        self.index, self.encoder, self.cache, self.ranker, self.k0 = index, encoder, cache, ranker or LinearRanker(), k0
        self.adapter = adapter
        calibration = calibration or Calibration.load()
        # Strength is claimed only under the weights it was fitted with (matching/confidence.py)
        fits = calibration and calibration.applies_to(self.ranker.weights, self.ranker.fusion, adapter)
        self.calibration = calibration if fits else None
        self.profiler = Profiler(clusters, ipc_model)
        self.candidates = CandidateGenerator(index, encoder, cache, self.ranker.weights, k0, adapter)
        self.today = today or dt.date.today()
        self.index_lag: Callable[[], Staleness | None] = lambda: None  # the server sets its measurement

    def with_index(self, index: LoadedIndex) -> NeedMatcher:
        """The same matcher over a newer index (after an update): encoder, cache, models and ranker shared."""
        fresh = NeedMatcher(index, self.encoder, self.cache, self.profiler.clusters, self.profiler.ipc_model,
                            self.ranker, self.k0, calibration=self.calibration, adapter=self.adapter)
        fresh.index_lag = self.index_lag
        return fresh

    def strength(self, features: Mapping[str, float]) -> str | None:
        if self.calibration is None:
            return None
        return self.calibration.strength(relevance_score(self.ranker.weights, features))

    @property
    def _weighs_tags(self) -> bool:
        return any(self.ranker.weights.get(name, 0.0) for name in TAG_FEATURES)

    def rank(self, session: Session, text: str, include_inactive: bool = False,
             need: tuple[NeedProfile, list[ClusterEvidence]] | None = None, depth: int | None = None) -> Ranking:
        """Candidates with their records, profiles and scores, best first — not yet explained, so a caller
        that filters or pages explains only what it shows.

        With `depth`, only candidates that can still reach the top `depth` are looked up: the first `depth`
        entries are exactly the full ranking's, later ones are incomplete. `eligible` counts all either way."""
        need_profile, _ = need or self.profiler.need_profile(text)
        candidates = self.candidates.generate(text)
        statuses = legal_statuses(session, [c.doc_id for c in candidates])
        eligible = [c for c in candidates if c.doc_id in statuses
                    and (include_inactive or statuses[c.doc_id][1] not in EXCLUDED_BY_DEFAULT)]
        entries = self._score(session, eligible, {c.doc_id: statuses[c.doc_id][0] for c in eligible}, need_profile,
                              depth)
        lag = self.index_lag()
        return Ranking(need_profile, self.index.bm25.tokenizer(prepare_query(text)), entries, len(eligible),
                       lag if lag is not None and lag.pending else None)

    def _score(self, session: Session, candidates: list[Candidate], ids: dict[str, int], need: NeedProfile,
               depth: int | None) -> list[Ranked]:
        """Candidates in order of their text part (retrieval and phrase); records and profiles are read batch by batch
        until the k-th full score beats every remaining candidate's text part plus the policy ceiling.
        Ties keep candidate order, as `score_candidates` does."""
        retrieval = [c.retrieval_features(self.ranker.fusion) for c in candidates]
        # `phrase` from the wording of the few candidates it reads, at once: it joins the part known before records.
        # A ranker that does not weigh it reads none (the feature is then 0, as `effect` is for unread tags)
        weighs_phrase = bool(self.ranker.weights.get("phrase", 0.0))
        near = [ids[c.doc_id] for c in candidates if weighs_phrase and reads_wording(c.ranks)]
        wordings = patent_wordings(session, near) if near else {}
        for features, candidate in zip(retrieval, candidates, strict=True):
            features |= phrase_features(need.text, candidate.ranks, wordings.get(ids[candidate.doc_id], ""))
        partial = [self.ranker.score(r) for r in retrieval]
        order = sorted(range(len(candidates)), key=lambda i: -partial[i])
        ceiling = self.ranker.policy_ceiling() + 1e-9  # the margin absorbs summation-order rounding
        step = len(order) if depth is None else max(2 * depth, PRUNE_BATCH)
        scored: list[tuple[float, int, Ranked]] = []
        done = 0
        while done < len(order):
            batch = order[done:done + step]
            done += len(batch)
            records = patent_records(session, [ids[candidates[i].doc_id] for i in batch])
            # The effects the patent page shows, read once per batch when the ranker weighs them (else explain()
            # reads them for the patents shown only)
            effects = stored_effects(session, [ids[candidates[i].doc_id] for i in batch]) if self._weighs_tags else {}
            for i in batch:
                patent = records.get(candidates[i].doc_id)
                if patent is None:  # removed since its status was read
                    continue
                stored = effects.get(patent.id)
                profile, clusters = self.profiler.profile_of_patent(patent, self.today, tags=self._weighs_tags,
                                                                    stored_effects=stored, wording_too=False)
                features = retrieval[i] | policy_features(need, profile)  # retrieval[i] holds the phrase
                score = self.ranker.score(features)
                scored.append((score, i, Ranked(patent, profile, clusters, candidates[i], score, features, stored)))
            if depth is not None and len(scored) >= depth and done < len(order):
                if heapq.nlargest(depth, (s for s, _, _ in scored))[-1] > partial[order[done]] + ceiling:
                    break
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [entry for _, _, entry in scored]

    def explain(self, session: Session, ranking: Ranking, entries: list[Ranked]) -> list[Match]:
        if not self._weighs_tags:  # rank() did not read the stored effects: read them for what is shown
            effects = stored_effects(session, [e.patent.id for e in entries])
            entries = [replace(e, stored_effects=effects.get(e.patent.id)) for e in entries]
        return [self._explain(e.patent, e.profile, e.clusters, e.candidate, e.score, e.features, ranking.need,
                              ranking.query_tokens, e.stored_effects) for e in entries]

    def match_text(self, session: Session, text: str, k: int = 10, include_inactive: bool = False,
                   need: tuple[NeedProfile, list[ClusterEvidence]] | None = None) -> list[Match]:
        """Patents for `text`; `need` carries the profile of a stored need (industry, budget, region)."""
        ranking = self.rank(session, text, include_inactive, need, depth=k)
        return self.explain(session, ranking, ranking.entries[:k])

    def rank_need(self, session: Session, need: Need, include_inactive: bool = False,
                  depth: int | None = None) -> Ranking:
        text = need_text(need)
        return self.rank(session, text, include_inactive, self.profiler.profile_of_need(need, text), depth)

    def match_need(self, session: Session, need: Need, k: int = 10, include_inactive: bool = False) -> list[Match]:
        """Patents for a stored need: its declared industry, budget, cooperation modes and region count."""
        ranking = self.rank_need(session, need, include_inactive, depth=k)
        return self.explain(session, ranking, ranking.entries[:k])

    def _explain(self, patent: PatentRecord, profile: PatentProfile, clusters: list[ClusterEvidence],
                 candidate: Candidate, score: float, features: dict[str, float], need: NeedProfile,
                 query_tokens: list[str], stored_effects: Mapping[str, str] | None = None) -> Match:
        if not self._weighs_tags:  # rank() left them out; memoised per text, so shown patents pay once
            profile = with_tags(profile, patent, stored_effects)
            features = features | {"effect": effect_agreement(need, profile),
                                   "product": product_agreement(need, profile)}
        shared = tuple(c for c in profile.clusters if c in need.clusters)
        contributions = [Contribution(name, features[name], part, describe(name, features[name], candidate, profile,
                                                                            shared))
                         for name, part in self.ranker.contributions(features)]
        strongest = tuple(contributions[:STRONGEST])
        adjustments = tuple(c for c in contributions[STRONGEST:] if c.feature not in TEXT)
        offer = active_offer(patent)
        explanation = Explanation(
            shared_terms=shared_terms(query_tokens, normalize(f"{patent.title} {patent.abstract} {patent.first_claim}")
                                      .lower(), self.index.bm25),
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
                     tuple(clusters), profile.value, self.strength(features))

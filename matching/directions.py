"""The other two directions: a patent → needs and potential licensees, a challenge → solver teams.

Patent → needs. Open needs are few next to patents, so every open need is scored against the
patent: each retriever's similarity (dense cosine, character TF-IDF cosine, BM25) ranks the needs,
and the same features and ranker as need → patents order them.

Patent → potential licensees (发现潜在许可实施对象), enterprises only (not universities, institutes or
the patent's own holders), each with its evidence:
  score = best need score of the enterprise's open needs
        + 0.5 · rank feature of its best patent among the patent's 50 nearest neighbours (an
          enterprise that holds similar patents practises the technology)
        + 0.2 · [its declared industry falls in one of the patent's clusters]
        + 0.02 · region fit.

Challenge (揭榜挂帅) → solver teams: universities and institutes ranked by the aggregate relevance of
their patents to the challenge, Σ of their three best patent scores weighted 1, ½, ¼ (one strong
patent beats many weak ones, and breadth still counts), with those patents listed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from data.enums import NeedStatus
from data.models import Need, Organization, Patent
from indexer.embed import embed_documents, embed_queries
from indexer.sources import need_text, patent_document
from matching.candidates import Candidate, min_max
from matching.features import RESEARCH_KINDS, region_fit
from matching.matcher import Match, NeedMatcher, Ranked, score_candidates
from matching.query import prepare_query
from matching.records import OrganizationRecord

NEIGHBOURS = 50
TEAM_DECAY = (1.0, 0.5, 0.25)


@dataclass(frozen=True)
class NeedMatch:
    need_id: int
    external_id: str | None
    title: str
    organization: str
    score: float
    features: dict[str, float]
    shared_clusters: tuple[str, ...]


@dataclass(frozen=True)
class LicenseeMatch:
    organization_id: int
    name: str
    kind: str
    score: float
    evidence: tuple[str, ...]  # in Chinese, strongest first


@dataclass(frozen=True)
class PatentMatches:
    application_number: str
    needs: list[NeedMatch]
    licensees: list[LicenseeMatch]


@dataclass(frozen=True)
class SolverTeam:
    organization_id: int
    name: str
    kind: str
    score: float
    patents: tuple[Match, ...]  # its best patents for the challenge


def _ranks(similarities: np.ndarray) -> list[int]:
    order = np.argsort(-similarities, kind="stable")
    ranks = np.empty(len(order), dtype=int)
    ranks[order] = np.arange(1, len(order) + 1)
    return ranks.tolist()


class PatentMatcher:
    def __init__(self, matcher: NeedMatcher) -> None:
        self.matcher = matcher
        self.index = matcher.index
        self._bm25_row = {doc_id: row for row, doc_id in enumerate(matcher.index.bm25.doc_ids)}

    def match_patent(self, session: Session, patent: Patent, k: int = 10) -> PatentMatches:
        needs = session.scalars(select(Need).where(Need.status == NeedStatus.OPEN).options(
            selectinload(Need.organization)).order_by(Need.id)).all()
        need_matches = self._rank_needs(session, patent, needs)
        return PatentMatches(patent.application_number, need_matches[:k],
                             self._licensees(session, patent, need_matches, needs)[:k])

    def _patent_vector(self, patent: Patent) -> np.ndarray:
        """The patent's indexed embedding (from the cache: the index was built from the same text)."""
        document = patent_document(patent.application_number, patent.title, patent.abstract, patent.first_claim)
        vectors, _ = embed_documents(self.matcher.encoder, [document.embed_text], self.matcher.cache)
        return vectors

    def _similarities(self, patent: Patent, texts: list[str]) -> dict[str, np.ndarray]:
        document = patent_document(patent.application_number, patent.title, patent.abstract, patent.first_claim)
        weights = self.matcher.ranker.weights
        similarities: dict[str, np.ndarray] = {}
        if weights.get("dense", 0) > 0:
            queries = embed_queries(self.matcher.encoder, texts, self.matcher.cache)
            similarities["dense"] = queries @ self._patent_vector(patent)[0]
        if weights.get("char_tfidf", 0) > 0:
            patent_vector = self.index.tfidf.vectorize([document.text])
            similarities["char_tfidf"] = (self.index.tfidf.vectorize(texts) @ patent_vector.T).toarray().ravel()
        row = self._bm25_row.get(patent.application_number)
        if weights.get("bm25", 0) > 0 and row is not None:
            similarities["bm25"] = np.array([self.index.bm25.scores(t)[row] for t in texts])
        return similarities

    def _rank_needs(self, session: Session, patent: Patent, needs: list[Need]) -> list[NeedMatch]:
        if not needs:
            return []
        texts = [prepare_query(need_text(n)) for n in needs]
        similarities = self._similarities(patent, texts)
        ranks = {name: _ranks(values) for name, values in similarities.items()}
        scaled = {name: min_max(values.tolist()) for name, values in similarities.items()}
        profile, _ = self.matcher.profiler.profile_of_patent(patent, self.matcher.today)
        matches = []
        for i, need in enumerate(needs):
            if not any(similarities[name][i] > 0 for name in similarities):
                continue
            need_profile, _ = self.matcher.profiler.profile_of_need(need, need_text(need))
            candidate = Candidate(patent.application_number, {n: ranks[n][i] for n in ranks},
                                  {n: float(similarities[n][i]) for n in similarities},
                                  {n: scaled[n][i] for n in scaled})
            [(_, score, features)] = score_candidates([candidate], need_profile,
                                                      {patent.application_number: profile}, self.matcher.ranker)
            shared = tuple(c for c in profile.clusters if c in need_profile.clusters)
            matches.append(NeedMatch(need.id, need.external_id, need.title, need.organization.name, score,
                                     features, shared))
        return sorted(matches, key=lambda m: -m.score)

    def _licensees(self, session: Session, patent: Patent, need_matches: list[NeedMatch],
                   needs: list[Need]) -> list[LicenseeMatch]:
        holders = {h.organization_id for h in patent.holders}
        profile, _ = self.matcher.profiler.profile_of_patent(patent, self.matcher.today)
        scores: dict[int, float] = {}
        evidence: dict[int, list[str]] = {}
        org_of_need = {n.id: n.organization for n in needs}
        orgs: dict[int, Organization] = {}
        for match in need_matches:
            org = org_of_need[match.need_id]
            if org.id not in scores:
                orgs[org.id], scores[org.id] = org, match.score
                evidence[org.id] = [f"需求“{match.title}”匹配度{match.score:.3f}"]
        counted: set[int] = set()
        for rank, neighbour, org in self._neighbour_holders(session, patent):  # best neighbour first
            if org.id not in counted:
                counted.add(org.id)
                orgs[org.id] = org
                scores[org.id] = scores.get(org.id, 0.0) + 0.5 * 60 / (60 + rank)
                evidence.setdefault(org.id, []).append(f"持有相似专利{neighbour.application_number}“{neighbour.title}”"
                                                       f"（相似度第{rank}名）")
        clusters = set(profile.clusters)
        for org in session.scalars(select(Organization).where(Organization.industry.is_not(None))):
            shared = [t.cluster for t in self.matcher.profiler.clusters.tags_for_industry(org.industry)
                      if t.cluster in clusters]
            if shared:
                orgs[org.id] = org
                scores[org.id] = scores.get(org.id, 0.0) + 0.2
                evidence.setdefault(org.id, []).append(f"所属行业“{org.industry}”属{'、'.join(shared)}集群")
        results = []
        for org_id, org in orgs.items():
            if org_id in holders or org.kind in RESEARCH_KINDS:
                continue
            region = region_fit(org.city, org.province, profile.holder_places)
            if region:
                evidence[org_id].append({1.0: "与权利人同城", 0.6: "与权利人同省"}.get(region, "与权利人同在长三角"))
            results.append(LicenseeMatch(org_id, org.name, org.kind.value, scores[org_id] + 0.02 * region,
                                         tuple(evidence[org_id])))
        return sorted(results, key=lambda m: -m.score)

    def _neighbour_holders(self, session: Session, patent: Patent) -> list[tuple[int, Patent, Organization]]:
        hits = [h for h in self.index.dense_search(self._patent_vector(patent), NEIGHBOURS + 1)[0]
                if h.doc_id != patent.application_number]
        ranks = {h.doc_id: rank for rank, h in enumerate(hits, start=1)}
        neighbours = session.scalars(select(Patent).where(Patent.application_number.in_(list(ranks))).options(
            selectinload(Patent.holders))).all()
        found = [(ranks[p.application_number], p, h.organization) for p in neighbours for h in p.holders]
        return sorted(found, key=lambda item: item[0])


def solver_teams(session: Session, matcher: NeedMatcher, need: Need, k: int = 10,
                 per_team: int = 3) -> list[SolverTeam]:
    ranking = matcher.rank_need(session, need)
    by_org: dict[int, list[Ranked]] = {}
    orgs: dict[int, OrganizationRecord] = {}
    for entry in ranking.entries:  # best first, so each team's list is too
        for holder in entry.patent.holders:
            if holder.organization.kind in RESEARCH_KINDS:
                orgs[holder.organization_id] = holder.organization
                by_org.setdefault(holder.organization_id, []).append(entry)
    scores = {org_id: sum(w * e.score for w, e in zip(TEAM_DECAY, found, strict=False))
              for org_id, found in by_org.items()}
    best = sorted(scores, key=lambda org_id: -scores[org_id])[:k]
    return [SolverTeam(org_id, orgs[org_id].name, orgs[org_id].kind.value, scores[org_id],
                       tuple(matcher.explain(session, ranking, by_org[org_id][:per_team])))  # only what is listed
            for org_id in best]

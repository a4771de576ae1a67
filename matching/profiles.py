"""What the features read about a need and a patent, built from records or, for judged sets, from text alone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache

from data.enums import CooperationMode, OfferStatus, parse_enum
from data.models import Need
from matching.clusters import ClusterMap, ClusterTag
from matching.explain import LicenceTerms
from matching.features import IPC_TOP, NeedProfile, PatentProfile, wording
from matching.ipc import IpcClassifier
from matching.query import prepare_query
from matching.records import PatentLike
from matching.tags.effects import need_effects, patent_effects
from matching.tags.products import product_tags
from matching.value import value_score


@dataclass(frozen=True)
class ClusterEvidence:
    """Why a need or patent is placed in a cluster: source is given, declared, mapped or inferred."""

    cluster: str
    confidence: float
    source: str
    route: str


class Profiler:
    def __init__(self, clusters: ClusterMap, ipc_model: IpcClassifier | None = None) -> None:
        self.clusters, self.ipc_model = clusters, ipc_model

    def infer_ipc(self, texts: list[str]) -> list[tuple[tuple[str, float], ...]]:
        if self.ipc_model is None:
            return [() for _ in texts]
        guesses = self.ipc_model.predict([prepare_query(t) for t in texts], k=IPC_TOP)
        return [tuple((g.subclass, g.score) for g in gs) for gs in guesses]

    def need_clusters(self, industry: str | None, ipc: tuple[tuple[str, float], ...]) -> list[ClusterEvidence]:
        """A declared industry decides; without one (or one the table does not know) the inferred IPC does."""
        declared = self.clusters.tags_for_industry(industry)
        if declared:
            return [ClusterEvidence(t.cluster, 1.0, "declared", t.route) for t in declared]
        return self._from_ipc([(s, p) for s, p in ipc], "inferred")

    def patent_clusters(self, codes: list[str], inferred: tuple[tuple[str, float], ...]) -> list[ClusterEvidence]:
        if codes:
            return [ClusterEvidence(t.cluster, 1.0, "mapped", f"{t.ipc} → {t.route}")
                    for t in self.clusters.tags_for_patent(codes)]
        return self._from_ipc(list(inferred), "inferred")

    def _from_ipc(self, distribution: list[tuple[str, float]], source: str) -> list[ClusterEvidence]:
        best: dict[str, tuple[float, ClusterTag]] = {}
        for subclass, share in distribution:
            for tag in self.clusters.tags_for_ipc(subclass):
                if share > best.get(tag.cluster, (-1.0, tag))[0]:
                    best[tag.cluster] = (share, tag)
        return [ClusterEvidence(c, share, source, f"推断IPC {tag.ipc}（{share:.0%}）→ {tag.route}")
                for c, (share, tag) in sorted(best.items(), key=lambda item: -item[1][0])]

    def need_profile(self, text: str, industry: str | None = None, budget: float | None = None,
                     modes: frozenset[CooperationMode] = frozenset(), city: str | None = None,
                     province: str | None = None, title: str = "") -> tuple[NeedProfile, list[ClusterEvidence]]:
        ipc = self.infer_ipc([text])[0]
        evidence = self.need_clusters(industry, ipc)
        effects = {e.code: e.evidence for e in need_effects(text)}
        products = {p.code: (p.confidence, p.evidence) for p in product_tags(title, f"{text} {industry or ''}")}
        return NeedProfile(text, ipc, {e.cluster: e.confidence for e in evidence}, effects, products, budget, modes,
                           city, province), evidence

    def profile_of_need(self, need: Need, text: str) -> tuple[NeedProfile, list[ClusterEvidence]]:
        modes = frozenset(parse_enum(CooperationMode, m) for m in need.cooperation_modes or ())
        industry = need.industry or need.organization.industry
        return self.need_profile(text, industry, float(need.budget) if need.budget is not None else None, modes,
                                 need.city or need.organization.city, need.province or need.organization.province,
                                 need.title)

    def profile_of_patent(self, patent: PatentLike, today: dt.date, inferred: tuple[tuple[str, float], ...] = (),
                          tags: bool = True, stored_effects: Mapping[str, str] | None = None,
                          wording_too: bool = True) -> tuple[PatentProfile, list[ClusterEvidence]]:
        """`tags=False` leaves effects and products out (see `with_tags`): a ranker that does not weigh them
        need not read them for candidates that are never shown. `stored_effects`: see `with_tags`.
        `wording_too=False` leaves the wording empty, for the matcher, which reads `phrase` before the records."""
        codes = patent_codes(patent)
        evidence = self.patent_clusters(codes, inferred)
        offer = active_offer(patent)
        holders = [h.organization for h in patent.holders]
        profile = PatentProfile(
            patent.application_number, tuple(codes), () if codes else inferred, tuple(e.cluster for e in evidence),
            {}, {},
            value_score(patent, today).overall, patent.is_sleeping, LicenceTerms.from_offer(offer) if offer else None,
            frozenset(o.kind for o in holders), tuple((o.city, o.province) for o in holders),
            wording(f"{patent.title}{patent.abstract}") if wording_too else "")
        return (with_tags(profile, patent, stored_effects) if tags else profile), evidence


def with_tags(profile: PatentProfile, patent: PatentLike,
              stored_effects: Mapping[str, str] | None = None) -> PatentProfile:
    """Effects and product categories on the profile. On the platform the effects are the ones `patent-match
    tag` stored (`stored_effects`, code → evidence): they include the effect classifier's, so a match cites
    the effects the patent page shows, and the classifier need not run at match time (on 200 candidates it
    costs about 0.5 s against 0.07 s for the cues; docs/tagging.md). A patent not tagged yet, and a judged
    set's (no database, no trained classifier: eval/rankers.py), get the cues of the text. Products are
    read from the text: the tagger stores exactly what `product_tags` finds there."""
    effects = dict(text_effects(patent_text(patent)) if stored_effects is None else stored_effects)
    return replace(profile, effects=effects, products=dict(text_products(patent.title, patent_text(patent))))


# Every match re-profiles its candidates, and the cue patterns cost about half a millisecond a patent, so
# unchanged texts are read once per process. The cues alone: no model, so the text is the whole key.
@lru_cache(maxsize=65_536)
def text_effects(text: str) -> tuple[tuple[str, str], ...]:
    return tuple((e.code, e.evidence) for e in patent_effects(text))


@lru_cache(maxsize=65_536)
def text_products(title: str, text: str) -> tuple[tuple[str, tuple[float, str]], ...]:
    return tuple((p.code, (p.confidence, p.evidence)) for p in product_tags(title, text))


def patent_codes(patent: PatentLike) -> list[str]:
    """Given IPC codes, the main code first."""
    return [i.code for i in sorted(patent.ipcs, key=lambda i: (not i.is_main, i.position))]


def patent_text(patent: PatentLike) -> str:
    """What effects and products are read from: the abstract and the first claim."""
    return f"{patent.abstract}。{patent.first_claim}" if patent.first_claim else patent.abstract


def active_offer(patent: PatentLike):  # noqa: ANN201
    return next((o for o in patent.offers if o.status is OfferStatus.ACTIVE), None)

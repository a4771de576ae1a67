"""Tags for one patent or need: technical field (IPC, strategic emerging industry, cluster), technical
effects and product categories — each with a confidence, a source and the evidence behind it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from data.enums import TagDimension, TagSource
from data.ipc_scheme import subclass_titles
from data.models import Need, Patent
from indexer.sources import need_text
from matching.clusters import ClusterMap
from matching.industries import industries_for_ipc
from matching.ipc import IpcClassifier
from matching.profiles import ClusterEvidence, Profiler, patent_codes, patent_text
from matching.tags.effect_model import EffectClassifier
from matching.tags.effects import need_effects, patent_effects
from matching.tags.products import product_tags

# Bump when a rule, table or formula changes what tags come out: every record is then retagged.
TAGGER_VERSION = "2"  # 2: the effect cue fixes of 2026-12-05 (docs/tagging.md)
SOURCES = {"given": TagSource.GIVEN, "mapped": TagSource.MAPPED, "inferred": TagSource.INFERRED,
           "declared": TagSource.DECLARED}


@dataclass(frozen=True)
class TagRecord:
    dimension: TagDimension
    code: str
    label: str
    confidence: float
    source: TagSource
    evidence: str


def _fingerprint(weights: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(weights).tobytes()).hexdigest()[:16]


class Tagger:
    def __init__(self, clusters: ClusterMap, ipc_model: IpcClassifier | None = None, scheme: str = "jiangsu",
                 effect_model: EffectClassifier | None = None) -> None:
        self.profiler, self.effect_model = Profiler(clusters, ipc_model), effect_model
        # A (re)trained model changes its weights, and with them the stamp: every record is retagged.
        ipc = _fingerprint(ipc_model.intercept) if ipc_model else "none"
        effects = f"effects-{effect_model.version}" if effect_model else "none"
        self.stamp = f"{TAGGER_VERSION}|{scheme}|{ipc}|{effects}"

    def digest(self, *parts: object) -> str:
        return hashlib.sha256("\x1f".join([self.stamp, *map(str, parts)]).encode("utf-8")).hexdigest()

    def patent_digest(self, patent: Patent) -> str:
        return self.digest(patent.title, patent.abstract, patent.first_claim, sorted(patent_codes(patent)))

    def need_digest(self, need: Need) -> str:
        return self.digest(need.title, need.text, need.industry, need.organization.industry)

    def _field(self, codes: list[str], inferred: tuple[tuple[str, float], ...],
               clusters: list[ClusterEvidence]) -> list[TagRecord]:
        titles = subclass_titles()
        tags = [TagRecord(TagDimension.IPC, c, titles.get(c[:4], ""), 1.0, TagSource.GIVEN, "著录项目")
                for c in codes]
        tags += [TagRecord(TagDimension.IPC, s, titles.get(s, ""), share, TagSource.INFERRED, "由文本推断")
                 for s, share in inferred]
        sei: dict[str, TagRecord] = {}
        for code, confidence, source in [(c, 1.0, TagSource.MAPPED) for c in codes] + \
                [(s, p, TagSource.INFERRED) for s, p in inferred]:
            for hit in industries_for_ipc(code):
                if hit.sei_code not in sei or sei[hit.sei_code].confidence < confidence:
                    sei[hit.sei_code] = TagRecord(TagDimension.SEI, hit.sei_code, hit.name, confidence, source,
                                                  f"{code} → 参照关系表 {hit.matched_ipc}")
        tags += sorted(sei.values(), key=lambda t: t.code)
        tags += [TagRecord(TagDimension.CLUSTER, e.cluster, e.cluster, e.confidence, SOURCES[e.source], e.route)
                 for e in clusters]
        return tags

    def patent_tags(self, patent: Patent) -> list[TagRecord]:
        codes = patent_codes(patent)
        text = patent_text(patent)
        inferred = () if codes else self.profiler.infer_ipc([f"{patent.title} {patent.abstract}"])[0]
        tags = self._field(codes, inferred, self.profiler.patent_clusters(codes, inferred))
        tags += [TagRecord(TagDimension.EFFECT, e.code, e.label, e.confidence,
                           TagSource.INFERRED if e.inferred else TagSource.EXTRACTED, e.evidence)
                 for e in patent_effects(text, self.effect_model)]
        tags += [TagRecord(TagDimension.PRODUCT, p.code, p.name, p.confidence, TagSource.EXTRACTED, p.evidence)
                 for p in product_tags(patent.title, text)]
        return tags

    def need_tags(self, need: Need) -> list[TagRecord]:
        text = need_text(need)
        inferred = self.profiler.infer_ipc([text])[0]
        industry = need.industry or need.organization.industry
        tags = self._field([], inferred, self.profiler.need_clusters(industry, inferred))
        tags += [TagRecord(TagDimension.EFFECT, e.code, e.label, 1.0, TagSource.EXTRACTED, e.evidence)
                 for e in need_effects(text)]
        tags += [TagRecord(TagDimension.PRODUCT, p.code, p.name, p.confidence, TagSource.EXTRACTED, p.evidence)
                 for p in product_tags(need.title, f"{need.text} {industry or ''}")]
        return tags

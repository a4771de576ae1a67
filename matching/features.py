"""Named matching features, each a documented formula over a need and a candidate patent.

Every feature lies in [0, 1] (value: [−0.5, 0.5]) and is 0 when its inputs are unknown, so an
unknown never pushes a patent up or down. The ranker (matching/ranker.py) weighs them linearly.

Retrieval (computed per candidate list, absent = 0), in one of two forms (the ranker's `fusion`):
- `dense`, `char_tfidf`, `bm25` with fusion `score` (the default, measured better): the retriever's
  score min–max normalised over its top k0, so their weighted sum is a normalised-score fusion;
- with fusion `rank`: 60 / (60 + r) for rank r from 1, the reciprocal-rank term of RRF (Cormack et
  al. 2009, k = 60), so their weighted sum is weighted reciprocal rank fusion.
Wording:
- `phrase`: the share of the need's distinct 4-character sequences (letters, digits and Chinese characters
  only, punctuation and spaces removed on both sides) that occur verbatim in the patent's title and
  abstract. Shared words are the retrievers' part; a copied sequence of four is wording, the form in
  which a user names a patent he knows (its title) and a trace of a need written from a patent. 0 for a
  need shorter than four characters, and for a candidate no retriever ranks in its top PHRASE_DEPTH: the
  platform reads the wording of those few only, so that the match reads no more records than before.
Technical field:
- `ipc`: hierarchical IPC agreement Σ_s q(s) · max_t p(t) · h(s, t) over the need's inferred
  subclass distribution q (top 3) and the patent's codes t (given codes p = 1, else its inferred top
  3), with h = 1 same subclass, 0.5 same class, 0.2 same section, and 1 for a shared main group
  when both sides carry group-level codes (patent ↔ patent).
- `cluster`: the largest confidence among the clusters need and patent share.
- `effect`: the share of the need's wanted technical effects the patent achieves, |E_need ∩ E_patent| / |E_need|
  (matching/tags/effects.py); 0 when the need names none.
- `product`: the largest min(confidence) over the product categories need and patent share.
Platform policy (known only from platform records; measured sets carry none of them):
- `value`: the value index (matching/value.py) − 0.5; unknown 0.
- `sleeping`: 1 for a 沉睡专利 (promoting them is the plan's aim).
- `licence`: 1 for an active open-licence offer that is free, pay-later, or whose lump sum fits the
  need's budget; 0.5 for an offer whose fee cannot be compared with the budget (royalty, per unit,
  or no budget); 0 otherwise.
- `cooperation`: 1 when the patent can be had in a mode the need accepts: 许可 with an open
  offer, 转让 / 作价入股 / 合作开发 with a university or institute holder; 0 otherwise.
- `region`: 1 same city, 0.6 same province, 0.3 both in the Yangtze River Delta, else 0.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from data.enums import CooperationMode, FeeType, OrgKind
from data.normalize import halfwidth
from indexer.text import simplified
from matching.explain import LicenceTerms
from matching.fusion import RRF_K

RETRIEVAL = ("dense", "char_tfidf", "bm25")
TEXT = (*RETRIEVAL, "phrase")  # known from the candidate lists and the wording, before a patent's record is read
FEATURES = (*TEXT, "ipc", "cluster", "effect", "product", "value", "sleeping", "licence", "cooperation", "region")
LABELS_ZH = {
    "dense": "语义相似", "char_tfidf": "字面相似", "bm25": "关键词相似", "phrase": "原文词句相符",
    "ipc": "IPC相符", "cluster": "同属产业集群",
    "effect": "技术功效相符", "product": "产品类别相同",
    "value": "专利价值", "sleeping": "沉睡专利优先", "licence": "开放许可且费用合预算", "cooperation": "合作方式可行",
    "region": "地域相近",
}
YANGTZE_DELTA = frozenset({"上海", "江苏", "浙江", "安徽"})
RESEARCH_KINDS = frozenset({OrgKind.UNIVERSITY, OrgKind.INSTITUTE})
IPC_TOP = 3
# Chinese technical terms are mostly two to four characters: four in a row, copied, is more than a shared word
PHRASE_CHARS = 4
PHRASE_DEPTH = 50
_NOT_WORDING = re.compile(r"[^0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\u3400-\u9fff]+")
_FULL_WIDTH = re.compile(r"[\uff10-\uff5a]")
# The range of each feature (see above): what a weight can add to or take from a score at most.
RANGES = {name: ((-0.5, 0.5) if name == "value" else (0.0, 1.0)) for name in FEATURES}


@dataclass(frozen=True)
class NeedProfile:
    text: str
    ipc: tuple[tuple[str, float], ...] = ()  # inferred subclass distribution, best first
    clusters: dict[str, float] = field(default_factory=dict)  # cluster → confidence
    effects: dict[str, str] = field(default_factory=dict)  # wanted effect code → evidence
    products: dict[str, tuple[float, str]] = field(default_factory=dict)  # category code → (confidence, evidence)
    budget: float | None = None  # yuan
    cooperation_modes: frozenset[CooperationMode] = frozenset()
    city: str | None = None
    province: str | None = None


@dataclass(frozen=True)
class PatentProfile:
    doc_id: str
    ipc_codes: tuple[str, ...] = ()  # given codes, main first
    ipc_inferred: tuple[tuple[str, float], ...] = ()  # used only when no code is given
    clusters: tuple[str, ...] = ()
    effects: dict[str, str] = field(default_factory=dict)  # achieved effect code → evidence
    products: dict[str, tuple[float, str]] = field(default_factory=dict)
    value: float | None = None
    sleeping: bool = False
    offer: LicenceTerms | None = None
    holder_kinds: frozenset[OrgKind] = frozenset()
    holder_places: tuple[tuple[str | None, str | None], ...] = ()  # (city, province) per holder
    wording: str = ""  # title and abstract as `wording` reads them, for `phrase`


def wording(text: str) -> str:
    """Letters, digits and Chinese characters only, in the index's normal form (half-width, simplified, lower case).
    Punctuation goes first: the platform reads a hundred candidates' wording a match, and what is left is shorter."""
    kept = _NOT_WORDING.sub("", text)
    return simplified(halfwidth(kept) if _FULL_WIDTH.search(kept) else kept).lower()


# A need is scored against a few hundred candidates, so its sequences are cut once
@lru_cache(maxsize=4096)
def phrases(text: str) -> frozenset[str]:
    chars = wording(text)
    return frozenset(chars[i:i + PHRASE_CHARS] for i in range(len(chars) - PHRASE_CHARS + 1))


def phrase_overlap(need_text: str, patent_wording: str) -> float:
    grams = phrases(need_text)
    return sum(g in patent_wording for g in grams) / len(grams) if grams and patent_wording else 0.0


def phrase_features(need_text: str, ranks: Mapping[str, int], patent_wording: str) -> dict[str, float]:
    """`phrase` of a candidate with its retrievers' ranks (see the module docstring for the depth)."""
    return {"phrase": phrase_overlap(need_text, patent_wording) if reads_wording(ranks) else 0.0}


def reads_wording(ranks: Mapping[str, int]) -> bool:
    """Whether `phrase` reads a candidate's wording: some retriever ranks it in its top PHRASE_DEPTH."""
    return min(ranks.values(), default=PHRASE_DEPTH + 1) <= PHRASE_DEPTH


def rank_feature(rank: int | None, rrf_k: int = RRF_K) -> float:
    return 0.0 if rank is None else rrf_k / (rrf_k + rank)


def _level_agreement(a: str, b: str) -> float:
    if " " in a and " " in b and a.split("/")[0] == b.split("/")[0]:
        return 1.0
    if a[:4] == b[:4]:
        return 1.0
    if a[:3] == b[:3]:
        return 0.5
    return 0.2 if a[:1] == b[:1] else 0.0


def ipc_agreement(need: tuple[tuple[str, float], ...], patent: PatentProfile) -> float:
    codes = [(c, 1.0) for c in patent.ipc_codes] or list(patent.ipc_inferred[:IPC_TOP])
    if not codes:
        return 0.0
    return sum(q * max(p * _level_agreement(s, t) for t, p in codes) for s, q in need[:IPC_TOP])


def cluster_agreement(need: NeedProfile, patent: PatentProfile) -> float:
    return max((need.clusters[c] for c in patent.clusters if c in need.clusters), default=0.0)


def effect_agreement(need: NeedProfile, patent: PatentProfile) -> float:
    return len(need.effects.keys() & patent.effects.keys()) / len(need.effects) if need.effects else 0.0


def product_agreement(need: NeedProfile, patent: PatentProfile) -> float:
    shared = need.products.keys() & patent.products.keys()
    return max((min(need.products[c][0], patent.products[c][0]) for c in shared), default=0.0)


def licence_fit(offer: LicenceTerms | None, budget: float | None) -> float:
    if offer is None:
        return 0.0
    fee = FeeType(offer.fee_type)
    if fee is FeeType.FREE or offer.pay_later_months:
        return 1.0
    if fee is FeeType.LUMP_SUM and offer.lump_sum is not None and budget is not None:
        return 1.0 if offer.lump_sum <= budget else 0.0
    return 0.5


def cooperation_fit(modes: frozenset[CooperationMode], patent: PatentProfile) -> float:
    if CooperationMode.LICENSE in modes and patent.offer is not None:
        return 1.0
    research_modes = {CooperationMode.TRANSFER, CooperationMode.EQUITY, CooperationMode.JOINT_DEVELOPMENT}
    return 1.0 if modes & research_modes and patent.holder_kinds & RESEARCH_KINDS else 0.0


def _province(name: str | None) -> str | None:
    return name.removesuffix("省").removesuffix("市") if name else None


def region_fit(city: str | None, province: str | None, places: tuple[tuple[str | None, str | None], ...]) -> float:
    best = 0.0
    for holder_city, holder_province in places:
        if city and holder_city and city.removesuffix("市") == holder_city.removesuffix("市"):
            return 1.0
        a, b = _province(province), _province(holder_province)
        if a and b and a == b:
            best = max(best, 0.6)
        elif a in YANGTZE_DELTA and b in YANGTZE_DELTA:
            best = max(best, 0.3)
    return best


def policy_features(need: NeedProfile, patent: PatentProfile) -> dict[str, float]:
    return {
        "ipc": ipc_agreement(need.ipc, patent),
        "cluster": cluster_agreement(need, patent),
        "effect": effect_agreement(need, patent),
        "product": product_agreement(need, patent),
        "value": 0.0 if patent.value is None else patent.value - 0.5,
        "sleeping": float(patent.sleeping),
        "licence": licence_fit(patent.offer, need.budget),
        "cooperation": cooperation_fit(need.cooperation_modes, patent),
        "region": region_fit(need.city, need.province, patent.holder_places),
    }

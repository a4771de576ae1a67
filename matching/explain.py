"""Why a patent matches a need, in Chinese and as data: every claim is checked against records.

Two readings of one explanation. An SME reads `summary()` (one plain sentence: what the patent offers for the
problem the need states, from the effect, product or words they share) and `details()`; nothing there is a
score or a retriever's rank. Operators and evaluators also read `zh()`, with the feature ranks and
contributions that ranked the patent (api/routes_matches.py and the matches page choose by role).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from data.enums import FeeType, label
from data.ipc_scheme import subclass_titles
from data.models import LicenseOffer
from indexer.lexical.bm25 import Bm25Index

STOPWORDS = Path(__file__).parent / "reference" / "keyword_stopwords.txt"
# Features an SME reads in plain words among the details; retrieval ranks and the value index are not among them.
PLAIN_FEATURES = {"sleeping": "沉睡专利，权利人有意转化", "licence": "已开放许可，费用在您的预算内",
                  "cooperation": "权利人可接受您选择的合作方式"}
_CLAUSE = re.compile(r"[，。；;,!?！？、:：\s]+")
_PROBLEM = re.compile(r"差|慢|低|高|大|难|快|短|不足|不够|隐患|损失|问题|故障|耗|缺|不稳|误|频繁|严重|困难")
_SELF = ("我公司", "我们", "本公司", "公司", "希望", "需要", "寻求")  # the enterprise speaking of itself


@lru_cache(maxsize=1)
def keyword_stopwords() -> frozenset[str]:
    """Words never shown as shared keywords (reference/keyword_stopwords.txt): boilerplate and filler such as
    一种, 方法, 所述, 以内, 及其; sharing them explains nothing."""
    words: set[str] = set()
    for line in STOPWORDS.read_text(encoding="utf-8").splitlines():
        if not line.lstrip().startswith("#"):
            words.update(line.split())
    return frozenset(words)


@dataclass(frozen=True)
class LicenceTerms:
    offer_id: int
    fee_type: str
    lump_sum: float | None
    royalty_rate: float | None
    per_unit_fee: float | None
    pay_later_months: int | None
    term_end: str

    @classmethod
    def from_offer(cls, offer: LicenseOffer) -> LicenceTerms:
        def num(value: object) -> float | None:
            return None if value is None else float(value)  # type: ignore[arg-type]

        return cls(offer.id, offer.fee_type.value, num(offer.lump_sum), num(offer.royalty_rate),
                   num(offer.per_unit_fee), offer.pay_later_months, offer.term_end.isoformat())

    def zh(self) -> str:
        fee = FeeType(self.fee_type)
        if fee is FeeType.LUMP_SUM and self.lump_sum is not None:
            text = f"一次性许可费{self.lump_sum / 10_000:g}万元"
        elif fee is FeeType.ROYALTY and self.royalty_rate is not None:
            text = f"销售提成{self.royalty_rate * 100:.2f}%"
        elif fee is FeeType.PER_UNIT and self.per_unit_fee is not None:
            text = f"按件{self.per_unit_fee:g}元"
        else:
            text = label(fee)
        if self.pay_later_months:
            text += f"，先使用后付费{self.pay_later_months}个月"
        return f"开放许可（{text}，许可期至{self.term_end}）"


@dataclass(frozen=True)
class Contribution:
    feature: str
    value: float  # the feature
    contribution: float  # weight × value, its share of the score
    zh: str  # e.g. "语义相似第3名"


@dataclass(frozen=True)
class SharedTag:
    """An effect or product category need and patent share, with the phrase each was read from."""

    code: str
    label: str
    need_evidence: str
    patent_evidence: str

    def zh(self) -> str:
        return f"{self.label}（需求：“{self.need_evidence}”；专利：“{self.patent_evidence}”）"


@dataclass(frozen=True)
class Explanation:
    shared_terms: tuple[str, ...]
    matched_ipc: tuple[tuple[str, str], ...]  # (the patent's code, its subclass's Chinese title)
    shared_clusters: tuple[str, ...]
    strongest: tuple[Contribution, ...]  # the features that ranked it, largest contribution first
    licence: LicenceTerms | None
    adjustments: tuple[Contribution, ...] = ()  # the other non-zero field and policy features
    shared_effects: tuple[SharedTag, ...] = ()
    shared_products: tuple[SharedTag, ...] = ()

    def zh(self) -> str:
        parts = []
        if self.shared_terms:
            parts.append("共同关键词：" + "、".join(self.shared_terms))
        if self.matched_ipc:
            parts.append("IPC相符：" + "；".join(f"{code}（{short_title(title)}）" for code, title in self.matched_ipc))
        if self.shared_clusters:
            parts.append("同属集群：" + "、".join(self.shared_clusters))
        if self.shared_effects:
            parts.append("共同技术功效：" + "、".join(s.zh() for s in self.shared_effects))
        if self.shared_products:
            parts.append("同类产品：" + "、".join(s.zh() for s in self.shared_products))
        if self.strongest:
            parts.append("主要依据：" + "、".join(c.zh for c in self.strongest))
        if self.adjustments:
            shown = [c for c in self.adjustments if abs(c.contribution) >= 0.0005]  # what rounds to ±0.000 says nothing
            if shown:
                parts.append("调整：" + "、".join(f"{c.zh}{c.contribution:+.3f}" for c in shown))
        if self.licence:
            parts.append(self.licence.zh())
        return "；".join(parts)

    def summary(self, title: str = "") -> str:
        """Why this patent, in one plain sentence an SME can read: what the patent offers for the problem the
        need states, from their shared technical effect, product or words (no scores, no ranks)."""
        subject = f"该专利提出的“{subject_of(title)}”" if subject_of(title) else "该专利"
        terms = self.shared_terms
        if self.shared_effects:
            effect = max(self.shared_effects, key=lambda e: _hits(clause(e.need_evidence, terms), terms))
            problem, offer = clause(effect.need_evidence, terms), clause(effect.patent_evidence, terms)
            said = f"可解决您提到的“{problem}”问题" if _PROBLEM.search(problem) else f"可满足您提到的“{problem}”"
            return f"{subject}{said}，专利中写明其“{offer}”。"
        words = "".join(f"“{t}”" for t in terms[:3])
        if self.shared_products:
            product = self.shared_products[0]
            problem = clause(product.need_evidence, terms)
            also = f"，二者都涉及{words}" if words else ""
            return f"{subject}与您提到的“{problem}”同属{product.label}{also}。"
        if terms:
            return f"{subject}与您的需求都涉及{words}。"
        if self.matched_ipc:
            return f"{subject}属于{short_title(self.matched_ipc[0][1])}领域，与您的需求属同一技术领域。"
        if self.shared_clusters:
            return f"{subject}与贵企业同属{self.shared_clusters[0]}产业集群。"
        return f"{subject}与您的需求描述在技术内容上相近。"

    def details(self, value: float | None = None) -> tuple[tuple[str, str], ...]:
        """(heading, text) pairs after the sentence, in plain words; `value` is the patent's value index."""
        found: list[tuple[str, str]] = []
        terms = self.shared_terms
        if terms:
            found.append(("共同关键词", "、".join(terms)))
        for effect in self.shared_effects:
            found.append(("技术功效", f"{effect.label}：您的需求提到“{clause(effect.need_evidence, terms)}”，"
                                      f"专利写明“{clause(effect.patent_evidence, terms)}”"))
        if self.shared_products:
            found.append(("同类产品", "、".join(p.label for p in self.shared_products)))
        if self.matched_ipc:
            found.append(("技术领域", "；".join(f"{code}（{short_title(title)}）" for code, title in self.matched_ipc)))
        if self.shared_clusters:
            found.append(("产业集群", "、".join(self.shared_clusters)))
        if value is not None:
            found.append(("专利价值", value_zh(value)))
        favourable = [PLAIN_FEATURES.get(c.feature) or (c.zh if c.feature == "region" else "")
                      for c in (*self.strongest, *self.adjustments) if c.contribution > 0]
        favourable = [text for text in dict.fromkeys(favourable) if text]
        if favourable:
            found.append(("其他有利条件", "、".join(favourable)))
        if self.licence:
            found.append(("许可条件", self.licence.zh()))
        return tuple(found)

    def plain(self, title: str = "", value: float | None = None) -> str:
        """The SME's reading as one text (the API's explanation_zh for SMEs and TTOs)."""
        return self.summary(title) + "".join(f"{heading}：{text}。" for heading, text in self.details(value))


def subject_of(title: str) -> str:
    """What a patent is about, from its title without the boilerplate opening (一种…)."""
    return re.sub(r"^(一种|一类|一套|一个)", "", title.strip())


def clause(text: str, terms: tuple[str, ...] = (), limit: int = 30) -> str:
    """The part of an evidence phrase that names the problem or effect: the clause holding most shared words,
    not the enterprise speaking of itself, shortened to `limit` characters."""
    parts = [p for p in _CLAUSE.split(text) if p] or [text]
    about = [p for p in parts if not p.startswith(_SELF)] or parts
    best = max(about, key=lambda p: (_hits(p, terms), -abs(len(p) - 12)))
    return best if len(best) <= limit else best[: limit - 1] + "…"


def _hits(text: str, terms: tuple[str, ...]) -> int:
    return sum(t in text for t in terms)


def value_zh(value: float) -> str:
    """The value index (0–1, from legal, technical and economic indicators) in words a buyer can use."""
    word = "高" if value >= 0.8 else "较高" if value >= 0.65 else "中等" if value >= 0.45 else "较低"
    return f"{word}（综合法律状态、技术和市场指标的评估，满分 1 分，得 {value:.2f} 分）"


def short_title(title: str, limit: int = 24) -> str:
    """A scheme title up to its first clause break (the full title stays in the structured data)."""
    head = re.split(r"[；;（(]", title, maxsplit=1)[0].strip()
    return head if len(head) <= limit else head[: limit - 1] + "…"


def shared_terms(query_tokens: list[str], patent_text: str, bm25: Bm25Index, limit: int = 6) -> tuple[str, ...]:
    """The need's words that occur in the patent's (normalised, lower-case) text, rarest in the corpus first.
    A substring test, not the patent's own segmentation: jieba costs ~6 ms a patent, and a need's word
    the patent writes inside a longer compound (电池 in 蓄电池) is shared all the same."""
    stop = keyword_stopwords()
    common = {t for t in query_tokens if len(t) >= 2 and t not in stop and not t.isdigit() and t in patent_text}
    total = len(bm25.doc_ids)
    ranked = sorted(common, key=lambda t: (-math.log((total + 1) / (bm25.document_frequency(t) + 1)), t))
    return tuple(ranked[:limit])


def matched_ipc(patent_codes: list[str], need_subclasses: list[str]) -> tuple[tuple[str, str], ...]:
    titles = subclass_titles()
    return tuple((code, titles.get(code[:4], "")) for code in patent_codes if code[:4] in need_subclasses)

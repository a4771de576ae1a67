"""Why a patent matches a need, in Chinese and as data: every claim is checked against records."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from data.enums import FeeType, label
from data.ipc_scheme import subclass_titles
from data.models import LicenseOffer
from indexer.lexical.bm25 import Bm25Index

# Words every patent and need uses; sharing them explains nothing.
GENERIC_TERMS = frozenset(
    "一种 方法 装置 系统 设备 包括 所述 其特征 特征 在于 提高 降低 问题 希望 技术 目前 我们 公司 我公司 进行 采用 "
    "使用 实现 能够 具有 以及 通过 用于 本发明 本实用新型 公开 提供 方案 需要 要求 获得 现有 产品 生产".split()
)


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
            text = f"销售提成{self.royalty_rate * 100:g}%"
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


def short_title(title: str, limit: int = 24) -> str:
    """A scheme title up to its first clause break (the full title stays in the structured data)."""
    head = re.split(r"[；;（(]", title, maxsplit=1)[0].strip()
    return head if len(head) <= limit else head[: limit - 1] + "…"


def shared_terms(query_tokens: list[str], patent_text: str, bm25: Bm25Index, limit: int = 6) -> tuple[str, ...]:
    """The need's words that occur in the patent's (normalised, lower-case) text, rarest in the corpus first.
    A substring test, not the patent's own segmentation: jieba costs ~6 ms a patent, and a need's word
    the patent writes inside a longer compound (电池 in 蓄电池) is shared all the same."""
    common = {t for t in query_tokens if len(t) >= 2 and t not in GENERIC_TERMS and t in patent_text}
    total = len(bm25.doc_ids)
    ranked = sorted(common, key=lambda t: (-math.log((total + 1) / (bm25.document_frequency(t) + 1)), t))
    return tuple(ranked[:limit])


def matched_ipc(patent_codes: list[str], need_subclasses: list[str]) -> tuple[tuple[str, str], ...]:
    titles = subclass_titles()
    return tuple((code, titles.get(code[:4], "")) for code in patent_codes if code[:4] in need_subclasses)

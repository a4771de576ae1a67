"""One patent as an SME reads it before getting in touch: the text, IPC with titles, holders, the legal
status and the ownership ledger, the value indicators explained, open-licence terms, the tags and similar
patents. `GET /patents/{申请号}` and `/ui/patents/{申请号}` both show this.

Value indicators (matching/value.py) are explained one by one: what each measures, what the record holds,
and an indicator the record does not hold stays *unknown* rather than being shown as 0.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from data.enums import LegalStatus, OrgKind, PatentType, TagDimension, TagEntity, TagSource, label
from data.ipc_scheme import subclass_titles
from data.ledger import LedgerEntry, history
from data.models import LicenseOffer, Patent, PatentHolder
from data.patent_terms import expiry_date
from matching.browse import open_offer_condition
from matching.explain import LicenceTerms
from matching.tags.store import tags_of
from matching.value import DIMENSIONS, LABELS, market_deals, value_score

# What each indicator measures and how it is scored (matching/value.py), in the words shown to users.
MEANINGS = {
    "status": ("法律状态", "授权有效计 1，审查中计 0.3，失效、无效或中止计 0"),
    "remaining_term": ("剩余保护期",
                       "剩余保护年限占法定保护期（发明 20 年、实用新型 10 年、外观设计 10 或 15 年）的比例"),
    "claims": ("权利要求数", "权利要求项数除以 10，最多计 1：项数越多，保护范围越宽、层次越多"),
    "stability": ("权利稳定性", "发明专利经过实质审查计 1；实用新型或外观设计有专利权评价报告计 0.8，没有则未知"),
    "ipc_breadth": ("技术覆盖面", "所属 IPC 小类个数除以 3，最多计 1：跨多个技术领域的专利适用面更广"),
    "citations": ("被引用次数", "被后续专利引用越多，技术影响越大（按对数计，被引 20 次计满 1）"),
    "family": ("同族规模", "在多个国家或地区申请说明权利人看好市场（按对数计，同族 10 件计满 1）"),
    "market_use": ("市场运用",
                   "已有生效的转让、许可或作价入股记录计 1；没有记录时未知，因为未登记的交易不代表没有价值"),
}


@dataclass(frozen=True)
class IpcCode:
    code: str
    subclass: str
    title: str  # the subclass's official Chinese title; "" when the scheme does not list it
    is_main: bool


@dataclass(frozen=True)
class Holder:
    organization_id: int
    name: str
    kind: OrgKind
    kind_label: str
    city: str | None
    province: str | None


@dataclass(frozen=True)
class LegalState:
    status: LegalStatus
    status_label: str
    raw: str | None  # as the export wrote it: 未缴年费专利权终止 …
    needs_review: bool  # the raw text could not be read with certainty
    right_suspended: bool
    annual_fee_paid_until: dt.date | None
    expires_on: dt.date  # the statutory term's last day (Patent Law Art. 42)


@dataclass(frozen=True)
class Indicator:
    name: str
    label: str
    dimension: str  # legal, technical, economic
    dimension_label: str
    value: float | None  # None: unknown
    meaning: str
    evidence: str  # what the record holds, or why it is unknown


@dataclass(frozen=True)
class ValueExplained:
    overall: float | None
    dimensions: dict[str, float | None]
    indicators: tuple[Indicator, ...]
    summary_zh: str


@dataclass(frozen=True)
class OfferTerms:
    offer_id: int
    fee_type: str
    fee_type_label: str
    lump_sum: float | None  # yuan
    royalty_percent: float | None  # of sales, in percent: 1.5 means 1.5%
    per_unit_fee: float | None  # yuan
    payment_method: str
    term_start: dt.date
    term_end: dt.date
    pay_later_months: int | None
    terms_zh: str


@dataclass(frozen=True)
class TagView:
    dimension: TagDimension
    code: str
    label: str
    confidence: float
    source: TagSource
    evidence: str


@dataclass(frozen=True)
class SimilarPatent:
    application_number: str
    title: str
    holders: tuple[str, ...]
    similarity: float  # cosine of the two patents' embeddings


@dataclass(frozen=True)
class PatentDetail:
    application_number: str
    publication_number: str | None
    patent_type: PatentType
    title: str
    abstract: str
    first_claim: str
    application_date: dt.date
    grant_date: dt.date | None
    ipcs: tuple[IpcCode, ...]
    holders: tuple[Holder, ...]
    legal: LegalState
    ownership: tuple[LedgerEntry, ...]
    value: ValueExplained
    offers: tuple[OfferTerms, ...]  # open offers one can accept today
    sleeping: bool
    sleeping_reason: str | None
    tags: tuple[TagView, ...]
    similar: tuple[SimilarPatent, ...] | None  # None: the search index is not available


def find_patent(session: Session, application_number: str) -> Patent | None:
    return session.scalar(select(Patent).where(Patent.application_number == application_number).options(
        selectinload(Patent.ipcs), selectinload(Patent.holders).selectinload(PatentHolder.organization),
        selectinload(Patent.transactions), selectinload(Patent.offers)))


def _evidence(patent: Patent, name: str, value: float | None, expires_on: dt.date, today: dt.date,
              deal_counts: bool) -> str:
    if name == "status":
        suspended = "（权利中止）" if patent.right_suspended else ""
        return f"{label(patent.legal_status)}{suspended}"
    if name == "remaining_term":
        years = max((expires_on - today).days / 365.25, 0)
        return f"保护期至 {expires_on}，剩余约 {years:.1f} 年"
    if name == "claims":
        return f"{patent.claim_count} 项" if patent.claim_count is not None else "记录中没有权利要求项数"
    if name == "stability":
        if patent.patent_type is PatentType.INVENTION:
            return "发明专利"
        return "有专利权评价报告" if patent.has_evaluation_report else "记录中没有专利权评价报告"
    if name == "ipc_breadth":
        subclasses = sorted({i.subclass for i in patent.ipcs})
        return "、".join(subclasses) if subclasses else "记录中没有 IPC 分类号"
    if name == "citations":
        return f"被引 {patent.cited_by_count} 次" if patent.cited_by_count is not None else "记录中没有被引次数"
    if name == "family":
        return f"同族 {patent.family_size} 件" if patent.family_size is not None else "记录中没有同族信息"
    if value is None:
        return "平台没有这件专利生效的转让、许可或作价入股记录"
    if not deal_counts:  # how many deals a holder made is its business: operators and evaluators see the count
        return "有生效的转让、许可或作价入股记录"
    return f"{market_deals(patent)} 笔生效的转让、许可或作价入股交易"


def explain_value(patent: Patent, today: dt.date, deal_counts: bool = False) -> ValueExplained:
    score = value_score(patent, today)
    expires_on = expiry_date(patent.patent_type, patent.application_date)
    dimension_of = {name: dimension for dimension, names in DIMENSIONS.items() for name in names}
    indicators = tuple(Indicator(name, MEANINGS[name][0], dimension_of[name], LABELS[dimension_of[name]], value,
                                 MEANINGS[name][1], _evidence(patent, name, value, expires_on, today,
                                                                          deal_counts))
                       for name, value in score.indicators.items())
    return ValueExplained(score.overall, score.dimensions, indicators, score.zh())


def offer_terms(offer: LicenseOffer) -> OfferTerms:
    def num(value: object) -> float | None:
        return None if value is None else float(value)  # type: ignore[arg-type]

    royalty = num(offer.royalty_rate)
    return OfferTerms(offer.id, offer.fee_type.value, label(offer.fee_type), num(offer.lump_sum),
                      None if royalty is None else round(royalty * 100, 4), num(offer.per_unit_fee),
                      offer.payment_method, offer.term_start, offer.term_end, offer.pay_later_months,
                      LicenceTerms.from_offer(offer).zh())


def offer_terms_by_id(session: Session, offer_ids: list[int]) -> dict[int, OfferTerms]:
    if not offer_ids:
        return {}
    return {o.id: offer_terms(o) for o in session.scalars(select(LicenseOffer).where(LicenseOffer.id.in_(offer_ids)))}


def open_offers(session: Session, patent: Patent, today: dt.date) -> list[LicenseOffer]:
    return list(session.scalars(select(LicenseOffer).where(LicenseOffer.patent_id == patent.id,
                                                           open_offer_condition(today)).order_by(LicenseOffer.id)))


def patent_detail(session: Session, patent: Patent, today: dt.date,
                  similar: tuple[SimilarPatent, ...] | None = None, deal_counts: bool = False) -> PatentDetail:
    """`deal_counts`: say how many deals the market-use indicator rests on (operators and evaluators)."""
    titles = subclass_titles()
    ipcs = tuple(IpcCode(i.code, i.subclass, titles.get(i.subclass, ""), i.is_main) for i in patent.ipcs)
    holders = tuple(Holder(h.organization_id, h.organization.name, h.organization.kind, label(h.organization.kind),
                           h.organization.city, h.organization.province) for h in patent.holders)
    expires_on = expiry_date(patent.patent_type, patent.application_date)
    legal = LegalState(patent.legal_status, label(patent.legal_status), patent.legal_status_raw,
                       patent.legal_status_review, patent.right_suspended, patent.annual_fee_paid_until, expires_on)
    order = list(TagDimension)
    tags = sorted(tags_of(session, TagEntity.PATENT, [patent.id])[patent.id],
                  key=lambda t: (order.index(t.dimension), -t.confidence, t.code))
    return PatentDetail(
        patent.application_number, patent.publication_number, patent.patent_type, patent.title, patent.abstract or "",
        patent.first_claim or "", patent.application_date, patent.grant_date, ipcs, holders, legal,
        tuple(history(session, patent)), explain_value(patent, today, deal_counts),
        tuple(offer_terms(o) for o in open_offers(session, patent, today)), patent.is_sleeping,
        patent.sleeping_reason,
        tuple(TagView(t.dimension, t.code, t.label, t.confidence, t.source, t.evidence) for t in tags), similar)


def similar_patents(session: Session, matcher, patent: Patent, k: int = 5) -> tuple[SimilarPatent, ...]:  # noqa: ANN001
    """The patent's nearest neighbours in the search index (dense embeddings; the vector comes from the
    embedding cache, since the index was built from the same text), itself left out."""
    from indexer.embed import embed_documents
    from indexer.sources import patent_document

    document = patent_document(patent.application_number, patent.title, patent.abstract, patent.first_claim)
    vectors, _ = embed_documents(matcher.encoder, [document.embed_text], matcher.cache)
    hits = [h for h in matcher.index.dense_search(vectors, k + 1)[0] if h.doc_id != patent.application_number][:k]
    found = {p.application_number: p for p in session.scalars(
        select(Patent).where(Patent.application_number.in_([h.doc_id for h in hits]))
        .options(selectinload(Patent.holders).selectinload(PatentHolder.organization)))}
    return tuple(SimilarPatent(h.doc_id, found[h.doc_id].title, tuple(x.organization.name for x in
                                                                      found[h.doc_id].holders), round(h.score, 4))
                 for h in hits if h.doc_id in found)  # a patent deleted since the index was built is left out

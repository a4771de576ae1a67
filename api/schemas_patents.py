"""Response bodies of patent search and detail (`GET /patents…`) and organisation lookup (`GET /orgs…`)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from data.enums import LegalStatus, OrgKind, OwnershipEventKind, PatentType, TagDimension, TagSource


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class PatentSummaryOut(Out):
    application_number: str = Field(description="申请号")
    title: str
    patent_type: PatentType
    legal_status: LegalStatus
    application_date: dt.date
    main_ipc: str | None
    holders: list[str] = Field(description="Current holders (the ownership ledger's latest entry).")
    sleeping: bool = Field(description="Flagged as a sleeping patent (沉睡专利) by the last detection run.")
    sleeping_reason: str | None
    open_offer_ids: list[int] = Field(description="Open-licence offers one can accept now (POST /offers/{id}/accept).")


class PatentPageOut(Out):
    total: int
    offset: int
    limit: int
    items: list[PatentSummaryOut]


class IpcOut(Out):
    code: str
    subclass: str
    title: str = Field(description="The subclass's official Chinese title (IPC scheme); empty when not listed.")
    is_main: bool


class HolderOut(Out):
    organization_id: int = Field(description="GET /orgs/{id} for the organisation.")
    name: str
    kind: OrgKind
    kind_label: str
    city: str | None
    province: str | None


class LegalOut(Out):
    status: LegalStatus
    status_label: str
    raw: str | None = Field(description="The legal status as the source export wrote it (e.g. 未缴年费专利权终止).")
    needs_review: bool = Field(description="The raw text could not be read with certainty (待核实).")
    right_suspended: bool
    annual_fee_paid_until: dt.date | None
    expires_on: dt.date = Field(description="Last day of the statutory term (Patent Law Art. 42).")


class LedgerOut(Out):
    effective_on: dt.date
    kind: OwnershipEventKind
    holders: list[str]
    evidence: str
    reason: str


class IndicatorOut(Out):
    name: str
    label: str
    dimension: str
    dimension_label: str
    value: float | None = Field(description="In [0, 1]; null: unknown (the record does not hold it).")
    meaning: str = Field(description="What the indicator measures and how it is scored, in Chinese.")
    evidence: str = Field(description="What the record holds, or why the indicator is unknown.")


class ValueOut(Out):
    overall: float | None = Field(description="Weighted mean of the known dimensions; null: nothing known.")
    dimensions: dict[str, float | None]
    indicators: list[IndicatorOut]
    summary_zh: str


class OfferTermsOut(Out):
    offer_id: int = Field(description="POST /offers/{offer_id}/accept takes a licence on these terms.")
    fee_type: str
    fee_type_label: str
    lump_sum: float | None = Field(description="yuan")
    royalty_percent: float | None = Field(description="Share of sales in percent: 1.5 means 1.5%.")
    per_unit_fee: float | None = Field(description="yuan per unit")
    payment_method: str
    term_start: dt.date
    term_end: dt.date
    pay_later_months: int | None = Field(description="先使用后付费: months of use before the fee is due.")
    terms_zh: str


class TagOut(Out):
    dimension: TagDimension
    code: str
    label: str
    confidence: float
    source: TagSource
    evidence: str = Field(description="The phrase or table the tag was read from.")


class SimilarOut(Out):
    application_number: str
    title: str
    holders: list[str]
    similarity: float = Field(description="Cosine similarity of the two patents' text embeddings.")


class PatentDetailOut(Out):
    application_number: str
    publication_number: str | None
    patent_type: PatentType
    title: str
    abstract: str
    first_claim: str
    application_date: dt.date
    grant_date: dt.date | None
    ipcs: list[IpcOut]
    holders: list[HolderOut]
    legal: LegalOut
    ownership: list[LedgerOut] = Field(description="The ownership ledger, oldest first (data/ledger.py).")
    value: ValueOut
    offers: list[OfferTermsOut] = Field(description="Open-licence offers one can accept today.")
    sleeping: bool
    sleeping_reason: str | None
    tags: list[TagOut] = Field(description="Technical field, effect and product tags (加工标引) with evidence.")
    similar: list[SimilarOut] | None = Field(description="Nearest patents in the search index; null: no index yet.")


class OrgOut(Out):
    id: int
    name: str
    kind: OrgKind
    city: str | None
    province: str | None
    industry: str | None


class OrgPageOut(Out):
    total: int
    offset: int
    limit: int
    items: list[OrgOut]

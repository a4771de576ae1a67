"""Request and response bodies of the HTTP API (OpenAPI is generated from these)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from data.enums import (
    ApplicationStatus,
    ChallengeState,
    CooperationMode,
    DealStatus,
    FeeType,
    LicenseType,
    NeedStatus,
    OfferStatus,
    TransactionKind,
)
from matching.explain import Explanation
from matching.profiles import ClusterEvidence

T = TypeVar("T")
Id = Annotated[int, Field(ge=1, le=2_147_483_647)]  # a database id (32-bit on every backend)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _no_control(value: str) -> str:
    # PostgreSQL refuses NUL in text (a DataError, a 500 otherwise); the others are no one's typing either.
    if _CONTROL.search(value):
        raise PydanticCustomError("control_character", "may not contain control characters such as NUL")
    return value


PlainText = Annotated[str, AfterValidator(_no_control)]  # typed text: line breaks and tabs, no control characters


class Error(BaseModel):
    detail: str


class NeedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: PlainText = Field(min_length=1, max_length=300)
    text: PlainText = Field(min_length=1, max_length=20_000, description="The problem, in the enterprise's words.")
    external_id: PlainText | None = Field(None, max_length=64, description="需求编号")
    industry: PlainText | None = Field(None, max_length=100, description="Declared industry (申报行业).")
    city: PlainText | None = Field(None, max_length=50)
    province: PlainText | None = Field(None, max_length=50)
    budget: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2, description="Budget in yuan (元).")
    deadline: dt.date | None = None
    cooperation_modes: list[CooperationMode] = []
    organization_id: Id | None = Field(None, description="Operators and admins only; an SME posts for itself.")


class NeedPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: PlainText | None = Field(None, min_length=1, max_length=300)
    text: PlainText | None = Field(None, min_length=1, max_length=20_000)
    industry: PlainText | None = Field(None, max_length=100)
    city: PlainText | None = Field(None, max_length=50)
    province: PlainText | None = Field(None, max_length=50)
    budget: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    deadline: dt.date | None = None
    cooperation_modes: list[CooperationMode] | None = None
    status: NeedStatus | None = None


class NeedOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    external_id: str | None
    title: str
    text: str
    organization_id: Id
    industry: str | None
    city: str | None
    province: str | None
    budget: Decimal | None
    deadline: dt.date | None
    cooperation_modes: list[CooperationMode]
    status: NeedStatus


class Page(BaseModel, Generic[T]):
    total: int
    offset: int
    limit: int
    items: list[T]


class MatchOut(BaseModel):
    id: str = Field(description="need id and application number, for feedback: 12:201710483362.4")
    rank: int
    application_number: str
    title: str
    holders: list[str]
    legal_status: str
    sleeping: bool
    score: float
    features: dict[str, float]
    explanation: Explanation | None
    explanation_zh: str = Field(description="Why it matches, for the caller's role: in plain words for an SME or "
                                            "a TTO; with the features that ranked it for operators and evaluators.")
    summary_zh: str = Field("", description="Why this patent, in one plain sentence from the shared content.")
    clusters: list[ClusterEvidence]
    value: float | None
    strength: Literal["strong", "medium", "weak"] | None = Field(
        None, description="How sure the match is, calibrated on judged needs (docs/matching.md); null when the "
                          "ranker's weights are not the calibrated ones.")
    strength_zh: str = Field("", description="强匹配, 中匹配 or 弱匹配")


class IndexLagOut(BaseModel):
    """Patents the search index does not hold as they are now; an update is due or running (GET /index/status)."""

    missing: int = Field(description="In the database, not yet in the index: no match can show them yet.")
    changed: int = Field(description="Text changed since indexing: still matched, on the text the index holds.")
    notice_zh: str


class MatchPage(Page[MatchOut]):
    index_lag: IndexLagOut | None = Field(None, description="Set while the index lags behind the database.")
    strengths: dict[str, int] | None = Field(None, description="With min_strength: how many matches of each "
                                                               "strength there are, those hidden included.")


class NeedMatchOut(BaseModel):
    need_id: Id
    external_id: str | None
    title: str
    organization: str
    score: float
    features: dict[str, float]
    shared_clusters: list[str]


class LicenseeOut(BaseModel):
    organization_id: Id
    name: str
    kind: str
    score: float
    evidence: list[str]


class PatentMatchesOut(BaseModel):
    application_number: str
    needs: list[NeedMatchOut]
    licensees: list[LicenseeOut]
    index_lag: IndexLagOut | None = Field(None, description="Set while the index lags behind the database.")


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grade: int = Field(ge=0, le=2, description="0 not relevant, 1 partly relevant, 2 solves the need")
    reason: str = Field("", max_length=2_000)


class FeedbackOut(BaseModel):
    id: int
    need_id: Id
    application_number: str
    grade: int
    reason: str
    given_by: str


class OfferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    application_number: str = Field(description="申请号 of the patent the offer is for")
    fee_type: FeeType
    lump_sum: Decimal | None = Field(None, gt=0, max_digits=16, decimal_places=2, description="yuan, for lump_sum")
    royalty_rate: Decimal | None = Field(None, gt=0, le=1, max_digits=6, decimal_places=4,
                                         description="fraction of sales, for royalty: 0.015 is 1.50% (the web "
                                                     "interface shows and takes percentages)")
    per_unit_fee: Decimal | None = Field(None, gt=0, max_digits=16, decimal_places=2, description="yuan, for per_unit")
    payment_method: str = Field("", max_length=500, description="支付方式")
    term_start: dt.date | None = Field(None, description="default: today")
    term_end: dt.date
    pay_later_months: int | None = Field(None, ge=1, le=120, description="先使用后付费 period")
    pledgee_consent: bool = Field(False, description="for a pledged patent: the pledgee has consented")


class OfferOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    application_number: str
    fee_type: FeeType
    lump_sum: Decimal | None
    royalty_rate: Decimal | None
    per_unit_fee: Decimal | None
    payment_method: str
    term_start: dt.date
    term_end: dt.date
    pay_later_months: int | None
    status: OfferStatus
    declared_on: dt.date
    withdrawn_on: dt.date | None
    exclusive: bool = Field(False, description="always false: an open licence is non-exclusive by law")
    annual_fee_reduction_since: dt.date | None = Field(None, description="since when the patent's annual fees are "
                                                       "reduced: an open licence is in force (Patent Law Art. 51 ¶2)")


class RefusalOut(BaseModel):
    rule: str
    reason: str


class Refused(BaseModel):
    detail: str
    refusals: list[RefusalOut]


class LicenceOut(BaseModel):
    transaction_id: int
    status: DealStatus = Field(description="awaiting_payment until the published fee is paid (Patent Law Art. 51)")
    offer_id: int
    kind: str
    license_type: str
    licensor: str
    licensee: str
    contract_amount: Decimal | None
    signed_on: dt.date
    ends_on: dt.date | None
    filing_status: str | None
    terms: str
    effective_on: dt.date | None = Field(None, description="when the licence took effect (paid, or at once)")
    received_amount: Decimal | None = None
    annual_fee_reduction_since: dt.date | None = Field(None, description="the patent's annual-fee reduction")


class ChallengeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    need_id: Id = Field(description="The need the challenge publishes (an SME's own, or any for operators).")
    reward: Decimal = Field(gt=0, max_digits=16, decimal_places=2, description="榜单金额, yuan")
    deadline: dt.date = Field(description="Last day to apply (揭榜截止日期).")
    conditions: str = Field("", max_length=5_000, description="揭榜条件")


class ApplicationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    proposal: str = Field(min_length=1, max_length=20_000)
    application_numbers: list[str] = Field([], max_length=50, description="申请号 of the team's own patents")


class ApplicationOut(BaseModel):
    id: int
    organization_id: Id
    organization: str
    proposal: str
    application_numbers: list[str]
    status: ApplicationStatus


class ChallengeOut(BaseModel):
    id: int
    need_id: Id
    title: str
    reward: Decimal
    deadline: dt.date
    conditions: str
    state: ChallengeState
    applications: list[ApplicationOut] = Field([], description="All for the publisher and operators; a TTO sees "
                                                                 "its own.")


class ShortlistIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    application_ids: list[Id] = Field(min_length=1, max_length=100)


class AwardIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    application_id: Id


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field("", max_length=2_000)


class EventOut(BaseModel):
    from_state: ChallengeState | None
    to_state: ChallengeState
    actor: str
    note: str
    at: dt.datetime


class SolverOut(BaseModel):
    organization_id: Id
    name: str
    kind: str
    score: float
    patents: list[str]


class DealTermsIn(BaseModel):
    """A deal's own terms: what POST /transactions and a deal recorded from a conversation share."""

    model_config = ConfigDict(extra="forbid")

    kind: TransactionKind
    license_type: LicenseType | None = None
    contract_amount: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2, description="yuan")
    received_amount: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2, description="yuan")
    signed_on: dt.date
    recorded_on: dt.date | None = None
    ends_on: dt.date | None = None
    licensee_is_sme: bool | None = None
    external_id: PlainText | None = Field(None, max_length=64, description="合同编号")
    note: PlainText = Field("", max_length=2_000)
    excess_note: PlainText = Field("", max_length=2_000,
                             description="why more was received than contracted; required when it was")


class TransactionIn(DealTermsIn):
    application_numbers: list[str] = Field(min_length=1, max_length=500)
    from_org_id: Id = Field(description="出让方 / 许可人 / 出质人")
    to_org_id: Id = Field(description="受让方 / 被许可人 / 质权人")
    source_need_id: Id | None = None
    source_challenge_id: Id | None = None


class TransactionPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    received_amount: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2,
                                            description="may only grow: money received so far")
    recorded_on: dt.date | None = None
    filing_status: str | None = Field(None, pattern="^(pending|filed)$")
    note: PlainText | None = Field(None, max_length=2_000)
    excess_note: PlainText | None = Field(None, max_length=2_000)
    status: DealStatus | None = Field(None, description="cancelled: the deal stays on record but no longer counts")
    cancel_reason: PlainText | None = Field(None, max_length=500,
                                      description="required with status cancelled; added to the deal's note")


class TransactionOut(BaseModel):
    id: int
    kind: TransactionKind
    application_numbers: list[str]
    from_org_id: Id
    to_org_id: Id
    license_type: LicenseType | None
    contract_amount: Decimal | None
    received_amount: Decimal | None
    signed_on: dt.date
    recorded_on: dt.date | None
    ends_on: dt.date | None
    licensee_is_sme: bool | None
    source_need_id: int | None
    source_challenge_id: int | None
    external_id: str | None
    filing_status: str | None
    note: str
    status: DealStatus
    effective_on: dt.date | None
    excess_note: str


class TargetReport(BaseModel):
    """The 专利转化专项计划 indicators (docs/targets.md): every figure carries its unit; amounts are in yuan (元)
    as decimal strings, growth figures are fractions (比率: 0.2 is 20%)."""

    targets: str
    region: str | None
    plan_years: list[int]
    base_year: int = Field(description="The year before the plan, the base of 年均增幅")
    annual_growth_target: float = Field(description="The target set's 年均增幅, a fraction")
    subsidy_rate: float
    subsidy_basis: str
    years: list[TargetYear]
    period: dict[str, Figure] = Field(description="Totals over the plan years; SMEs distinct over the period")
    progress: dict[str, TargetProgress]
    annual_growth: dict[str, AnnualGrowthOut]
    sme_growth: SmeGrowthOut
    implementation: ImplementationOut


class Figure(BaseModel):
    value: int | Decimal | None
    unit: str
    label: str


class YearFigure(Figure):
    yoy: float | None = Field(None, description="Year-on-year growth, a fraction; None with `yoy_note`")
    yoy_note: str | None = None


class TargetYear(BaseModel):
    year: int
    in_plan: bool
    figures: dict[str, YearFigure]


class TargetProgress(BaseModel):
    label: str
    unit: str
    achieved: int | Decimal
    target: int | Decimal
    share: float | None


class AnnualGrowthOut(BaseModel):
    label: str
    unit: str = "比率"
    base_year: int
    last_year: int
    base: Figure
    last: Figure
    value: float | None
    reason: str | None
    target: float
    met: bool | None


class SmeGrowthRow(BaseModel):
    organization_id: int
    name: str
    revenue_base: Decimal | None
    revenue_last: Decimal | None
    revenue_growth: float | None
    employees_base: int | None
    employees_last: int | None
    employees_growth: float | None


class SmeGrowthOut(BaseModel):
    """National indicator 3: 营业收入 (元) and 从业人数 (人) of the SMEs that took part, base year vs. last year."""

    base_year: int
    last_year: int
    smes: Figure
    with_revenue: Figure
    revenue_base: Figure
    revenue_last: Figure
    revenue_growth: float | None
    with_employees: Figure
    employees_base: Figure
    employees_last: Figure
    employees_growth: float | None
    rows: list[SmeGrowthRow]


class PatentUseOut(BaseModel):
    application_number: str
    status: str = Field(description="product (专利产品备案), implementation (实施记录) or none")


class FilingOut(BaseModel):
    product: str
    organization: str
    filed_on: dt.date
    output_value: Decimal | None = Field(description="产值, 元")
    patents: list[str]


class ImplementationOut(BaseModel):
    """National indicator 4: patents SMEs received in the plan period and whether they are implemented."""

    patents: Figure
    with_product: Figure
    with_implementation: Figure
    unimplemented: Figure
    filings: Figure
    output_value: Figure
    filings_without_value: Figure
    uses: list[PatentUseOut]
    filing_rows: list[FilingOut]

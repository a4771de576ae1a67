"""The deal indicators of the 专利转化专项计划, per signing year and over a plan period (docs/targets.md).

Pure functions over records (ORM rows or anything with the same attributes). A deal counts when it is in
force (`status` in_force: an open licence awaiting its fee and a cancelled deal do not), an operator has
not confirmed it as anomalous (`excluded`), and one of its parties is in the region asked for. Its year
is its signing year. Conversions (转化) are transfers, licences and equity contributions; pledges are
counted apart, one pledge contract being one project (项目) whatever its patent count.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from data.enums import DealStatus, OrgKind, TransactionKind

CONVERSION = (TransactionKind.TRANSFER, TransactionKind.LICENSE, TransactionKind.EQUITY)
RESEARCH = (OrgKind.UNIVERSITY, OrgKind.INSTITUTE)
CENT = Decimal("0.01")
RATIO = "比率"  # growth figures are fractions: 0.2 is 20%


@dataclass(frozen=True)
class Indicator:
    name: str
    label: str  # Chinese, without the unit
    unit: str  # 件, 项, 家 or 元


INDICATORS = (
    Indicator("university_patents", "高校院所转让、许可、作价入股专利", "件"),
    Indicator("university_contract", "高校院所转化合同金额", "元"),
    Indicator("university_received", "高校院所转化到账金额", "元"),
    Indicator("sme_patents", "中小企业受让、被许可、作价入股专利", "件"),
    Indicator("sme_contract", "中小企业受让合同金额", "元"),
    Indicator("sme_received", "中小企业受让到账金额", "元"),
    Indicator("smes", "受益中小企业（当年去重）", "家"),
    Indicator("pledge_projects", "专利质押项目", "项"),
    Indicator("pledge_amount", "专利质押金额", "元"),
    Indicator("pledge_patents", "质押专利", "件"),
    Indicator("sme_pledge_projects", "中小企业专利质押项目", "项"),
    Indicator("sme_pledge_amount", "中小企业专利质押金额", "元"),
    Indicator("subsidy_estimate", "补助估算", "元"),
)
BY_NAME = {i.name: i for i in INDICATORS}
AMOUNTS = frozenset(i.name for i in INDICATORS if i.unit == "元")
# 年均增幅 is computed for counts, contract and received amounts and pledge projects and amounts; year-on-year
# growth for those and the per-year SME count.
GROWTH = ("university_patents", "university_contract", "university_received", "sme_patents", "sme_contract",
          "sme_received", "pledge_projects", "pledge_amount", "sme_pledge_projects", "sme_pledge_amount")
YEAR_ON_YEAR = (*GROWTH, "smes")


def in_region(deal, region: str | None) -> bool:  # noqa: ANN001
    """Either party's city or province names the region."""
    if not region:
        return True
    return any(region in (org.city or "") or region in (org.province or "") for org in (deal.from_org, deal.to_org))


def counts(deal, excluded: frozenset[int] | set[int], region: str | None = None) -> bool:  # noqa: ANN001
    """Whether a deal counts toward the indicators at all."""
    status = deal.status or DealStatus.IN_FORCE  # the column's default, for a record not yet stored
    return status == DealStatus.IN_FORCE and deal.id not in excluded and in_region(deal, region)


def sme_recipient(deal) -> bool:  # noqa: ANN001
    """A conversion whose receiving side (transferee, licensee, company) is an SME, or a licence filed as one."""
    return deal.kind in CONVERSION and (deal.to_org.kind is OrgKind.SME or bool(deal.licensee_is_sme))


def _zero() -> dict[str, int | Decimal]:
    return {i.name: (Decimal(0) if i.name in AMOUNTS else 0) for i in INDICATORS}


def yearly_values(deals: Iterable, subsidy_rate: float) -> dict[int, dict[str, int | Decimal]]:
    """Every indicator per signing year, over deals that already count (see `counts`)."""
    values: dict[int, dict[str, int | Decimal]] = {}
    smes: dict[int, set[int]] = {}
    for deal in deals:
        row = values.setdefault(deal.signed_on.year, _zero())
        patents = len(deal.patents)
        contract, received = deal.contract_amount or Decimal(0), deal.received_amount or Decimal(0)
        if deal.kind in CONVERSION and deal.from_org.kind in RESEARCH:
            row["university_patents"] += patents
            row["university_contract"] += contract
            row["university_received"] += received
        if sme_recipient(deal):
            row["sme_patents"] += patents
            row["sme_contract"] += contract
            row["sme_received"] += received
            smes.setdefault(deal.signed_on.year, set()).add(deal.to_org_id)
        if deal.kind is TransactionKind.PLEDGE:
            row["pledge_projects"] += 1
            row["pledge_amount"] += contract
            row["pledge_patents"] += patents
            if deal.from_org.kind is OrgKind.SME:  # the pledgor is the side that borrows
                row["sme_pledge_projects"] += 1
                row["sme_pledge_amount"] += contract
    for year, row in values.items():
        row["smes"] = len(smes.get(year, ()))
        row["subsidy_estimate"] = subsidy(row["sme_contract"], subsidy_rate)
    return values


def subsidy(sme_contract: Decimal, rate: float) -> Decimal:
    """The subsidy estimate: the configured share of the contract value SMEs bring in (docs/targets.md)."""
    return (Decimal(sme_contract) * Decimal(str(rate))).quantize(CENT)


@dataclass(frozen=True)
class Growth:
    value: float | None  # a fraction; None with the reason
    reason: str | None = None


@dataclass(frozen=True)
class YearFigures:
    year: int
    in_plan: bool
    values: Mapping[str, int | Decimal]
    yoy: Mapping[str, Growth]  # year on year, for YEAR_ON_YEAR


def year_on_year(current: int | Decimal, previous: int | Decimal, year: int) -> Growth:
    if not previous:
        return Growth(None, f"{year - 1}年为0，无同比")
    return Growth(float(Decimal(current - previous) / Decimal(previous)))


def year_rows(values: dict[int, dict[str, int | Decimal]], plan_years: tuple[int, ...]) -> list[YearFigures]:
    """One row per year with counted deals, per plan year and for the base year before the plan."""
    years = set(values) | set(plan_years) | ({plan_years[0] - 1} if plan_years else set())
    rows = []
    for year in sorted(years):
        current, previous = values.get(year, _zero()), values.get(year - 1, _zero())
        rows.append(YearFigures(year, year in plan_years, current,
                                {n: year_on_year(current[n], previous[n], year) for n in YEAR_ON_YEAR}))
    return rows


@dataclass(frozen=True)
class AnnualGrowth:
    """年均增幅: compound average growth from the base year (before the plan) to the plan's last year."""

    name: str
    base_year: int
    last_year: int
    base: int | Decimal
    last: int | Decimal
    value: float | None
    reason: str | None
    target: float
    met: bool | None


def annual_growth(values: dict[int, dict[str, int | Decimal]], plan_years: tuple[int, ...],
                  target: float) -> dict[str, AnnualGrowth]:
    base_year, last_year = plan_years[0] - 1, plan_years[-1]
    years = last_year - base_year
    found = {}
    for name in GROWTH:
        base = values.get(base_year, _zero())[name]
        last = values.get(last_year, _zero())[name]
        reason = None
        if base_year not in values:
            reason = f"基期（{base_year}年）无计入的交易记录，无法计算年均增幅"
        elif not base:
            reason = f"基期（{base_year}年）为0，无法计算年均增幅"
        value = None if reason else (float(last) / float(base)) ** (1 / years) - 1
        # Met when last ≥ base · (1 + target)ⁿ, in exact decimals: 1,000,000 → 1,728,000 over three years meets
        # 20% although the float root comes out as 0.19999999999999996.
        met = None if reason else Decimal(last) >= Decimal(base) * (1 + Decimal(str(target))) ** years
        found[name] = AnnualGrowth(name, base_year, last_year, base, last, value, reason, target, met)
    return found


def period_values(deals: Iterable, plan_years: tuple[int, ...], subsidy_rate: float) -> dict[str, int | Decimal]:
    """The plan period's totals; SMEs are distinct over the whole period (a repeat SME counts once)."""
    in_period = [d for d in deals if d.signed_on.year in plan_years]
    by_year = yearly_values(in_period, subsidy_rate)
    totals = _zero()
    for row in by_year.values():
        for name, value in row.items():
            totals[name] += value
    totals["smes"] = len({d.to_org_id for d in in_period if sme_recipient(d)})
    totals["subsidy_estimate"] = subsidy(totals["sme_contract"], subsidy_rate)
    return totals


@dataclass(frozen=True)
class Progress:
    name: str
    label: str
    unit: str
    achieved: int | Decimal
    target: int | Decimal
    share: float | None


# Each target of a TargetSet and the period figure it is measured with.
TARGET_MEASURES = {
    "university_patents": ("university_patents", "高校院所专利转让许可", "件"),
    "university_amount": ("university_contract", "高校院所专利转让许可合同金额", "元"),
    "sme_patents": ("sme_patents", "中小企业受让专利", "件"),
    "sme_amount": ("sme_contract", "中小企业受让专利合同金额", "元"),
    "smes": ("smes", "受益中小企业（计划期累计去重）", "家"),
    "pledge_amount": ("sme_pledge_amount", "中小企业专利质押融资金额", "元"),
    "pledge_projects": ("sme_pledge_projects", "中小企业专利质押融资项目", "项"),
}


def progress(period: dict[str, int | Decimal], targets: Mapping[str, int | Decimal]) -> dict[str, Progress]:
    found = {}
    for name, (measure, label, unit) in TARGET_MEASURES.items():
        goal = targets[name]
        found[name] = Progress(name, label, unit, period[measure], goal,
                               float(period[measure]) / float(goal) if goal else None)
    return found

"""What the deals led to: national indicators 3 (growth of the SMEs that took part) and 4 (专利产品备案 and
whether the patents SMEs received are implemented). Pure functions over records; docs/targets.md.

The SMEs that took part are the receiving SMEs of counted conversions signed in the plan years
(data/indicators.py `counts` and `sme_recipient`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from data.indicators import sme_recipient


def participants(deals: Iterable, plan_years: tuple[int, ...]) -> dict[int, str]:  # noqa: ANN001
    """The SMEs that took part: organisation id → name, over counted deals."""
    return {d.to_org_id: d.to_org.name for d in deals if d.signed_on.year in plan_years and sme_recipient(d)}


def _growth(base: int | Decimal | None, last: int | Decimal | None) -> float | None:
    if base is None or last is None or not base:
        return None
    return float(Decimal(last - base) / Decimal(base))


@dataclass(frozen=True)
class SmeGrowth:
    organization_id: int
    name: str
    revenue_base: Decimal | None  # 营业收入, yuan
    revenue_last: Decimal | None
    revenue_growth: float | None  # None unless both years have a figure and the base is not 0
    employees_base: int | None  # 从业人数
    employees_last: int | None
    employees_growth: float | None


@dataclass(frozen=True)
class SmeGrowthSummary:
    base_year: int
    last_year: int
    smes: int  # SMEs that took part
    with_revenue: int  # of them, with 营业收入 for both years
    revenue_base: Decimal  # totals over those
    revenue_last: Decimal
    revenue_growth: float | None
    with_employees: int
    employees_base: int
    employees_last: int
    employees_growth: float | None
    rows: tuple[SmeGrowth, ...]


def sme_growth(deals: Iterable, enterprise_years: Iterable, plan_years: tuple[int, ...]) -> SmeGrowthSummary:
    """Indicator 3: each participating SME's 营业收入 and 从业人数 in the base year (before the plan) and the
    plan's last year, and the aggregate growth over the SMEs that have both years' figures."""
    base_year, last_year = plan_years[0] - 1, plan_years[-1]
    smes = participants(deals, plan_years)
    figures = {(e.organization_id, e.year): e for e in enterprise_years if e.organization_id in smes}
    rows = []
    for org_id, name in sorted(smes.items(), key=lambda item: (item[1], item[0])):
        base, last = figures.get((org_id, base_year)), figures.get((org_id, last_year))
        revenue = (base.revenue if base else None, last.revenue if last else None)
        employees = (base.employees if base else None, last.employees if last else None)
        rows.append(SmeGrowth(org_id, name, *revenue, _growth(*revenue), *employees, _growth(*employees)))
    paired_revenue = [r for r in rows if r.revenue_base is not None and r.revenue_last is not None]
    paired_employees = [r for r in rows if r.employees_base is not None and r.employees_last is not None]
    revenue = (sum((r.revenue_base for r in paired_revenue), Decimal(0)),
               sum((r.revenue_last for r in paired_revenue), Decimal(0)))
    employees = (sum(r.employees_base for r in paired_employees), sum(r.employees_last for r in paired_employees))
    return SmeGrowthSummary(base_year, last_year, len(rows), len(paired_revenue), *revenue, _growth(*revenue),
                            len(paired_employees), *employees, _growth(*employees), tuple(rows))


@dataclass(frozen=True)
class PatentUse:
    patent_id: int
    application_number: str
    status: str  # product (a 专利产品备案 carries it), implementation (an 实施 record), none


@dataclass(frozen=True)
class FilingRow:
    filing_id: int
    product: str
    organization: str
    filed_on: str
    output_value: Decimal | None  # 产值, yuan
    patents: tuple[str, ...]


@dataclass(frozen=True)
class ImplementationSummary:
    patents: int  # distinct patents SMEs received in the plan period
    with_product: int
    with_implementation: int  # an implementation record, no product filing
    unimplemented: int
    filings: int
    output_value: Decimal  # over filings that state one
    filings_without_value: int
    uses: tuple[PatentUse, ...]
    filing_rows: tuple[FilingRow, ...]


def implementation(deals: Iterable, filings: Iterable, implementations: Iterable,
                   plan_years: tuple[int, ...]) -> ImplementationSummary:
    """Indicator 4: each patent an SME received in the plan period is implemented when that SME filed a product
    carrying it (专利产品备案) or has an implementation record for it; the filings are those by a receiving
    SME carrying a patent it received."""
    received: set[tuple[int, int]] = set()
    numbers: dict[int, str] = {}
    for deal in deals:
        if deal.signed_on.year in plan_years and sme_recipient(deal):
            for patent in deal.patents:
                received.add((patent.id, deal.to_org_id))
                numbers[patent.id] = patent.application_number
    counted = [f for f in filings if any((p.id, f.organization_id) in received for p in f.patents)]
    in_product = {p.id for f in counted for p in f.patents if (p.id, f.organization_id) in received}
    implemented = {i.patent_id for i in implementations if (i.patent_id, i.organization_id) in received}
    uses = tuple(PatentUse(pid, numbers[pid], "product" if pid in in_product else
                           "implementation" if pid in implemented else "none")
                 for pid in sorted(numbers, key=lambda pid: numbers[pid]))
    rows = tuple(FilingRow(f.id, f.product, f.organization.name, f.filed_on.isoformat(), f.output_value,
                           tuple(sorted(p.application_number for p in f.patents)))
                 for f in sorted(counted, key=lambda f: (f.filed_on, f.id)))
    status = [u.status for u in uses]
    return ImplementationSummary(len(uses), status.count("product"), status.count("implementation"),
                                 status.count("none"), len(rows),
                                 sum((r.output_value for r in rows if r.output_value is not None), Decimal(0)),
                                 sum(1 for r in rows if r.output_value is None), uses, rows)

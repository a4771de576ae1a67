"""Target reports: the 专利转化专项计划 indicators (data/indicators.py, data/outcomes.py) per signing year and over
a plan period, against a target set; docs/targets.md maps each to the text that defines it.

`load_ledger` reads what the indicators count from the database (deals, the ones an operator confirmed as
anomalous, enterprise yearly figures, product filings, implementation records); `report` computes
everything from those records. The default target set is Jiangsu's 2021–2023 plan.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from data.indicators import (
    CONVERSION,
    RESEARCH,
    AnnualGrowth,
    Progress,
    YearFigures,
    annual_growth,
    counts,
    in_region,
    period_values,
    progress,
    year_rows,
    yearly_values,
)
from data.models import AnomalyFlag, EnterpriseYear, Implementation, ProductFiling, Transaction
from data.outcomes import ImplementationSummary, SmeGrowthSummary, implementation, sme_growth

__all__ = ["in_region"]  # the pages filter breakdowns by region with it
YI = Decimal(100_000_000)  # 亿元


@dataclass(frozen=True)
class TargetSet:
    name: str
    years: tuple[int, ...]
    university_patents: int
    university_amount: Decimal  # yuan
    sme_patents: int
    sme_amount: Decimal
    smes: int
    pledge_amount: Decimal  # SME pledgors' pledge financing
    pledge_projects: int  # SME pledgors' pledge contracts (项目)
    annual_growth: float  # 年均增幅, a fraction

    def goals(self) -> dict[str, int | Decimal]:
        return {name: getattr(self, name) for name in ("university_patents", "university_amount", "sme_patents",
                                                       "sme_amount", "smes", "pledge_amount", "pledge_projects")}


JIANGSU_2021_2023 = TargetSet("江苏省专利转化专项计划 2021–2023", (2021, 2022, 2023), 20_000, 2_000 * YI, 25_000,
                              2_500 * YI, 10_000, 450 * YI, 5_000, 0.20)


@dataclass(frozen=True)
class Ledger:
    """The records the indicators are computed from."""

    deals: Sequence
    excluded: frozenset[int]  # deals an operator confirmed as anomalous
    enterprise_years: Sequence = ()
    filings: Sequence = ()
    implementations: Sequence = ()


def confirmed_deals(session: Session) -> frozenset[int]:
    """Deals with a flag an operator confirmed: they leave every target figure."""
    return frozenset(session.scalars(select(AnomalyFlag.transaction_id).where(AnomalyFlag.status == "confirmed")))


def load_ledger(session: Session) -> Ledger:
    deals = session.scalars(select(Transaction).options(selectinload(Transaction.patents),
                                                        selectinload(Transaction.from_org),
                                                        selectinload(Transaction.to_org))).all()
    filings = session.scalars(select(ProductFiling).options(selectinload(ProductFiling.patents),
                                                            selectinload(ProductFiling.organization))).all()
    return Ledger(deals, confirmed_deals(session), session.scalars(select(EnterpriseYear)).all(), filings,
                  session.scalars(select(Implementation)).all())


@dataclass(frozen=True)
class Report:
    plan: TargetSet
    region: str | None
    subsidy_rate: float
    base_year: int
    years: tuple[YearFigures, ...]
    period: dict[str, int | Decimal]  # totals over the plan years; SMEs distinct over the period
    progress: dict[str, Progress]
    annual_growth: dict[str, AnnualGrowth]
    sme_growth: SmeGrowthSummary
    implementation: ImplementationSummary


def report(ledger: Ledger, plan: TargetSet, subsidy_rate: float, region: str | None = None) -> Report:
    counted = [d for d in ledger.deals if counts(d, ledger.excluded, region)]
    values = yearly_values(counted, subsidy_rate)
    period = period_values(counted, plan.years, subsidy_rate)
    return Report(plan, region, subsidy_rate, plan.years[0] - 1, tuple(year_rows(values, plan.years)), period,
                  progress(period, plan.goals()), annual_growth(values, plan.years, plan.annual_growth),
                  sme_growth(counted, ledger.enterprise_years, plan.years),
                  implementation(counted, ledger.filings, ledger.implementations, plan.years))


def target_report(session: Session, plan: TargetSet, subsidy_rate: float, region: str | None = None) -> Report:
    return report(load_ledger(session), plan, subsidy_rate, region)


def load_targets(path: Path | None) -> TargetSet:
    """The configured target set: a JSON file with TargetSet's fields (amounts in 亿元), or Jiangsu's plan."""
    if path is None:
        return JIANGSU_2021_2023
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        amounts = {k: Decimal(str(data[k])) * YI for k in ("university_amount", "sme_amount", "pledge_amount")}
        if "pledge_items" in data:  # the earlier name of pledge_projects
            data["pledge_projects"] = data.pop("pledge_items")
        return TargetSet(**{**data, **amounts, "years": tuple(data["years"])})
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a target set ({exc}); fields: {', '.join(TargetSet.__dataclass_fields__)}") \
            from None


@dataclass(frozen=True)
class GroupFigures:
    name: str
    deals: int
    patents: int
    contract: Decimal
    received: Decimal


def breakdown(deals: Iterable[Transaction], group: Callable[[Transaction], str | None],
              excluded: set[int] = frozenset()) -> list[GroupFigures]:  # type: ignore[assignment]
    """Deals that count, per group (kind, university, city…), largest contract amount first; a group of None is
    left out."""
    rows: dict[str, list[Transaction]] = {}
    for deal in deals:
        name = group(deal) if counts(deal, excluded) else None
        if name:
            rows.setdefault(name, []).append(deal)
    figures = [GroupFigures(name, len(found), sum(len(d.patents) for d in found),
                            sum((d.contract_amount or Decimal(0) for d in found), Decimal(0)),
                            sum((d.received_amount or Decimal(0) for d in found), Decimal(0)))
               for name, found in rows.items()]
    return sorted(figures, key=lambda f: (-f.contract, f.name))


def by_university(deal: Transaction) -> str | None:
    """Universities and institutes as the side that transfers, licenses or contributes."""
    return deal.from_org.name if deal.kind in CONVERSION and deal.from_org.kind in RESEARCH else None


def by_city(deal: Transaction) -> str | None:
    """Where the technology lands: the receiving side's city, else the giving side's."""
    return deal.to_org.city or deal.from_org.city

"""Target reports: the national notice's indicators per year, year-on-year growth, against a target set.

Indicators (deals by signing year; transfers, licences and equity contributions count as 转化):
- `university_out`: patents transferred, licensed or contributed by universities and institutes —
  patents, contract amount, received amount;
- `sme_in`: the same received by SMEs (the licensee is an SME organisation or flagged as one);
- `smes`: SMEs that benefited (distinct recipients);
- `pledges`: pledge financing — items (patents) and amounts.
Deals an operator confirmed as anomalous are left out (`excluded`). The default target set is
Jiangsu's 2021–2023 plan, over its three years, with at least 20% growth a year; the subsidy estimate
is `subsidy_rate` (Jiangsu: about 5%) of the contract value SMEs bring in.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from data.enums import OrgKind, TransactionKind
from data.models import Transaction

CONVERSION = (TransactionKind.TRANSFER, TransactionKind.LICENSE, TransactionKind.EQUITY)
RESEARCH = (OrgKind.UNIVERSITY, OrgKind.INSTITUTE)
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
    pledge_amount: Decimal
    pledge_items: int
    annual_growth: float


JIANGSU_2021_2023 = TargetSet("江苏省专利转化专项计划 2021–2023", (2021, 2022, 2023), 20_000, 2_000 * YI, 25_000,
                              2_500 * YI, 10_000, 450 * YI, 5_000, 0.20)


@dataclass(frozen=True)
class YearFigures:
    year: int
    university_patents: int = 0
    university_contract: Decimal = Decimal(0)
    university_received: Decimal = Decimal(0)
    sme_patents: int = 0
    sme_contract: Decimal = Decimal(0)
    sme_received: Decimal = Decimal(0)
    smes: int = 0
    pledge_items: int = 0
    pledge_amount: Decimal = Decimal(0)
    subsidy_estimate: Decimal = Decimal(0)
    growth: dict[str, float | None] = field(default_factory=dict)  # year on year, None without a base


def in_region(deal: Transaction, region: str | None) -> bool:
    if not region:
        return True
    return any(region in (org.city or "") or region in (org.province or "") for org in (deal.from_org, deal.to_org))


def _is_sme(deal: Transaction) -> bool:
    return deal.to_org.kind is OrgKind.SME or bool(deal.licensee_is_sme)


def year_figures(deals: Iterable[Transaction], subsidy_rate: float, region: str | None = None,
                 excluded: set[int] = frozenset()) -> list[YearFigures]:  # type: ignore[assignment]
    by_year: dict[int, dict] = {}
    smes: dict[int, set[int]] = {}
    for deal in deals:
        if deal.id in excluded or not in_region(deal, region):
            continue
        row = by_year.setdefault(deal.signed_on.year, {})
        patents, contract, received = len(deal.patents), deal.contract_amount or 0, deal.received_amount or 0
        if deal.kind in CONVERSION and deal.from_org.kind in RESEARCH:
            row["university_patents"] = row.get("university_patents", 0) + patents
            row["university_contract"] = row.get("university_contract", 0) + contract
            row["university_received"] = row.get("university_received", 0) + received
        if deal.kind in CONVERSION and _is_sme(deal):
            row["sme_patents"] = row.get("sme_patents", 0) + patents
            row["sme_contract"] = row.get("sme_contract", 0) + contract
            row["sme_received"] = row.get("sme_received", 0) + received
            smes.setdefault(deal.signed_on.year, set()).add(deal.to_org_id)
        if deal.kind is TransactionKind.PLEDGE:
            row["pledge_items"] = row.get("pledge_items", 0) + patents
            row["pledge_amount"] = row.get("pledge_amount", 0) + contract
    figures, previous = [], None
    for year in sorted(by_year):
        values = {k: (Decimal(v) if "contract" in k or "received" in k or "amount" in k else v)
                  for k, v in by_year[year].items()}
        values["smes"] = len(smes.get(year, ()))
        values["subsidy_estimate"] = (values.get("sme_contract", Decimal(0)) * Decimal(str(subsidy_rate))).quantize(
            Decimal("0.01"))
        current = YearFigures(year, **values)
        growth = {}
        for name in ("university_patents", "university_contract", "sme_patents", "sme_contract", "smes",
                     "pledge_amount"):
            base = getattr(previous, name) if previous and previous.year == year - 1 else None
            growth[name] = None if not base else float((getattr(current, name) - base) / base)
        figures.append(YearFigures(**{**current.__dict__, "growth": growth}))
        previous = figures[-1]
    return figures


def progress(figures: list[YearFigures], targets: TargetSet) -> dict[str, dict[str, float]]:
    """Each target's achieved total over the plan's years and its share of the target."""
    in_plan = [f for f in figures if f.year in targets.years]
    achieved = {
        "university_patents": (sum(f.university_patents for f in in_plan), targets.university_patents),
        "university_amount": (sum(f.university_contract for f in in_plan), targets.university_amount),
        "sme_patents": (sum(f.sme_patents for f in in_plan), targets.sme_patents),
        "sme_amount": (sum(f.sme_contract for f in in_plan), targets.sme_amount),
        "smes": (sum(f.smes for f in in_plan), targets.smes),
        "pledge_amount": (sum(f.pledge_amount for f in in_plan), targets.pledge_amount),
        "pledge_items": (sum(f.pledge_items for f in in_plan), targets.pledge_items),
    }
    return {name: {"achieved": float(value), "target": float(goal), "share": float(value) / float(goal)}
            for name, (value, goal) in achieved.items()}


def load_targets(path: Path | None) -> TargetSet:
    """The configured target set: a JSON file with TargetSet's fields (amounts in 亿元), or Jiangsu's plan."""
    if path is None:
        return JIANGSU_2021_2023
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        amounts = {k: Decimal(str(data[k])) * YI for k in ("university_amount", "sme_amount", "pledge_amount")}
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
    """Deals per group (kind, university, city…), largest contract amount first; a group of None is left out."""
    rows: dict[str, list[Transaction]] = {}
    for deal in deals:
        name = group(deal) if deal.id not in excluded else None
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

"""An organisation's profile for one year: the figures programme criteria read (data/programmes).

Two kinds of figure, each with the record it comes from:

- reported (`EnterpriseYear`): 营业收入, 从业人数, 研发投入, 利税总额, 高新/专精特新/贯标/严重失信, 非正常申请, and
  the R&D ratio derived from them. A field not reported is unknown (value None), never zero or false.
- counted from the patent records: effective invention patents held at the year's end (the ownership ledger
  says who held each patent on 31 December; granted by then; legal status valid), invention applications
  filed and inventions granted in the year, inventions granted up to the year's end, and patents put to use
  (an implementation running in the year, a licence in force in it, or a transfer out signed in it).

The counts above read Chinese patents only (国别 CN). PCT and foreign figures come from the same records:
a row may be a foreign patent (国别 US, EP …, numbered by its office) and a row may carry the PCT application
it belongs to (PCT申请号). PCT applications in a year are the distinct PCT numbers of that year on the
organisation's patents; foreign inventions held, filed and granted are its foreign rows. Both are known only
when every patent record of the organisation came from an export stating its family (a 国别 or PCT申请号
cell, `Patent.family_reported`): a CNIPA-only export says nothing about filings abroad, so an organisation
with any such record, or none at all, has these figures unknown, never 0. `family_size` is no substitute:
a Chinese family can be an invention and a utility model filed the same day, or divisionals.

What the records cannot tell stays unknown, and says why:

- a PCT application with no patent row to carry it (filed first at WIPO, not yet in any national phase);
- a patent's legal status is today's, with no lapse date: one that has lapsed since is counted as not in
  force in earlier years too. The counts are therefore comparable from year to year, which the rolling
  review needs, but can be lower than the year's official figure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from data.enterprise import FIGURE_FIELDS
from data.enums import DealStatus, LegalStatus, PatentType, TransactionKind
from data.imports.values import pct_year
from data.models import (
    EnterpriseYear,
    Implementation,
    Organization,
    OwnershipEvent,
    OwnershipEventHolder,
    Patent,
    Transaction,
)

Value = int | bool | Decimal | None


@dataclass(frozen=True)
class Figure:
    value: Value  # None: unknown
    source: str  # the record it was read from, or why it is unknown


# Every indicator a programme file may name, with its Chinese label (shown in errors and results).
INDICATORS: dict[str, str] = {
    "revenue": "营业收入（元）", "employees": "从业人数", "rd_spending": "研发投入（元）",
    "profit_tax": "利税总额（元）", "rd_ratio": "研发投入占营业收入比例", "high_tech": "高新技术企业",
    "specialized": "专精特新", "ip_certified": "知识产权管理规范贯标", "dishonest": "严重失信",
    "abnormal_applications": "非正常申请（件）",
    "effective_inventions": "有效发明专利（件）", "effective_patents": "有效专利（件）",
    "foreign_inventions": "境外有效发明专利（件）", "foreign_applications": "境外发明专利申请（件）",
    "foreign_grants": "境外发明专利授权（件）", "invention_applications": "发明专利申请（件）",
    "pct_applications": "PCT 国际专利申请（件）", "invention_grants": "发明专利授权（件）",
    "cumulative_invention_grants": "累计授权发明专利（件）", "implemented_patents": "实施运用专利（件）",
    "implementation_rate": "专利实施运用率", "grant_rate": "发明专利授权率",
}
REPORTED = tuple(name for name in FIGURE_FIELDS if name != "source")


def _listed(numbers: list[str]) -> str:
    shown = "、".join(numbers[:5])
    return f"{shown} 等 {len(numbers)} 件" if len(numbers) > 5 else (shown or "无")


def _reported(record: EnterpriseYear | None, year: int) -> dict[str, Figure]:
    if record is None:
        missing = f"无 {year} 年度企业数据（enterprise_years）"
        return {name: Figure(None, missing) for name in (*REPORTED, "rd_ratio")}
    where = f"{year} 年度企业数据 #{record.id}" + (f"（{record.source}）" if record.source else "")
    found = {name: Figure(getattr(record, name), where if getattr(record, name) is not None
                          else f"{where}未填报") for name in REPORTED}
    spent, revenue = record.rd_spending, record.revenue
    if spent is None or not revenue:
        found["rd_ratio"] = Figure(None, f"{where}：研发投入或营业收入未填报（或营业收入为 0）")
    else:
        found["rd_ratio"] = Figure((spent / revenue).quantize(Decimal("0.0001")), where)
    return found


def _candidates(session: Session, org: Organization) -> list[Patent]:
    """Every patent the organisation appears in the ledger of, with its events loaded."""
    ids = select(OwnershipEvent.patent_id).join(OwnershipEventHolder).where(
        OwnershipEventHolder.organization_id == org.id)
    query = (select(Patent).where(Patent.id.in_(ids))
             .options(selectinload(Patent.ownership_events).selectinload(OwnershipEvent.holders)))
    return list(session.scalars(query.order_by(Patent.application_number)))


def _held(patent: Patent, org_id: int, on: dt.date) -> bool:
    found = None
    for event in patent.ownership_events:  # in effect order (relationship order_by)
        if event.effective_on > on:
            break
        found = event
    return found is not None and any(h.organization_id == org_id for h in found.holders)


def _in_force(patent: Patent, end: dt.date) -> bool:
    return patent.legal_status is LegalStatus.VALID and patent.grant_date is not None and patent.grant_date <= end


def _used(session: Session, org: Organization, patents: Iterable[Patent], start: dt.date, end: dt.date) -> set[int]:
    """Patents put to use in the year: an implementation running, a licence by the organisation in force,
    or a transfer out by it signed in the year."""
    ids = [p.id for p in patents]
    used = set(session.scalars(select(Implementation.patent_id).where(
        Implementation.patent_id.in_(ids), Implementation.started_on <= end,
        or_(Implementation.ended_on.is_(None), Implementation.ended_on >= start))))
    deals = session.scalars(select(Transaction).options(selectinload(Transaction.patents)).where(
        Transaction.from_org_id == org.id, Transaction.status == DealStatus.IN_FORCE, Transaction.signed_on <= end))
    for deal in deals:
        licence = deal.kind is TransactionKind.LICENSE and (deal.ends_on is None or deal.ends_on >= start)
        sold = deal.kind in (TransactionKind.TRANSFER, TransactionKind.EQUITY) and deal.signed_on >= start
        if licence or sold:
            used |= {p.id for p in deal.patents if p.id in ids}
    return used


def _family(org: Organization, everything: list[Patent], year: int) -> dict[str, Figure]:
    """PCT and foreign figures; unknown unless every record of the organisation states its family."""
    end = dt.date(year, 12, 31)
    everything = [p for p in everything if p.application_date <= end]  # a later filing cannot change the year
    unreported = sorted(p.application_number for p in everything if not p.family_reported)
    if not everything or unreported:
        why = (f"{_listed(unreported)} 的导入文件无国别/PCT申请号，无从得知其 PCT 及境外申请" if unreported
               else f"截至 {end} 平台没有该单位的专利记录")
        return {name: Figure(None, why) for name in
                ("pct_applications", "foreign_inventions", "foreign_applications", "foreign_grants")}
    abroad = [p for p in everything if p.jurisdiction != "CN" and p.patent_type is PatentType.INVENTION]
    held = [p for p in abroad if _in_force(p, end) and _held(p, org.id, end)]
    filed = [p for p in abroad if p.application_date.year == year and _held(p, org.id, p.application_date)]
    granted = [p for p in abroad if p.grant_date is not None and p.grant_date.year == year
               and _held(p, org.id, p.grant_date)]
    pct: dict[str, list[str]] = {}
    for p in everything:  # one PCT application can carry several rows (an invention and a utility model)
        if p.pct_number and pct_year(p.pct_number) == year and _held(p, org.id, p.application_date):
            pct.setdefault(p.pct_number, []).append(p.application_number)
    records = "平台专利记录（含国别、PCT申请号）"
    shown = [f"{number}（{'、'.join(rows)}）" for number, rows in sorted(pct.items())]
    return {
        "pct_applications": Figure(len(pct), f"{records}：{year} 年 PCT 申请 {_listed(shown)}"),
        "foreign_inventions": Figure(len(held), f"{records}，{end} 有效：{_listed(_numbers(held))}"),
        "foreign_applications": Figure(len(filed), f"{records}，{year} 年申请：{_listed(_numbers(filed))}"),
        "foreign_grants": Figure(len(granted), f"{records}，{year} 年授权：{_listed(_numbers(granted))}"),
    }


def _numbers(rows: Iterable[Patent]) -> list[str]:
    return sorted(p.application_number for p in rows)


def _counted(session: Session, org: Organization, year: int) -> dict[str, Figure]:
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    everything = _candidates(session, org)
    patents = [p for p in everything if p.jurisdiction == "CN"]  # foreign rows count in _family only
    inventions = [p for p in patents if p.patent_type is PatentType.INVENTION]
    effective = [p for p in patents if _in_force(p, end) and _held(p, org.id, end)]
    effective_inv = [p for p in effective if p.patent_type is PatentType.INVENTION]
    filed = [p for p in inventions if p.application_date.year == year and _held(p, org.id, p.application_date)]
    granted_by = [p for p in inventions if p.grant_date is not None and p.grant_date <= end
                  and _held(p, org.id, p.grant_date)]
    granted = [p for p in granted_by if p.grant_date.year == year]
    # Sold in the year: no longer held on 31 December, but put to use by the organisation that year.
    sold = [p for p in patents if _in_force(p, end) and not _held(p, org.id, end) and _held(p, org.id, start)]
    used = _used(session, org, [*effective, *sold], start, end)
    base = len(effective) + len(sold)
    records = f"平台专利记录与权属登记簿（{end}）"

    def numbers(rows: Iterable[Patent]) -> str:
        return _listed(sorted(p.application_number for p in rows))

    found = {
        "effective_inventions": Figure(len(effective_inv), f"{records}：{numbers(effective_inv)}"),
        "effective_patents": Figure(len(effective), f"{records}：{numbers(effective)}"),
        "invention_applications": Figure(len(filed), f"{year} 年申请：{numbers(filed)}"),
        "invention_grants": Figure(len(granted), f"{year} 年授权：{numbers(granted)}"),
        "cumulative_invention_grants": Figure(len(granted_by), f"截至 {end} 授权：{numbers(granted_by)}"),
        "implemented_patents": Figure(len(used), f"{year} 年实施、许可或转让："
                                                 f"{numbers(p for p in patents if p.id in used)}"),
    } | _family(org, everything, year)
    found["implementation_rate"] = (
        Figure((Decimal(len(used)) / base).quantize(Decimal("0.0001")), f"{len(used)} / {base}（实施运用 / 年末有效"
                                                                         "及当年转出的专利）")
        if base else Figure(None, f"{end} 无有效专利，实施运用率无从计算"))
    decided = [p for p in inventions if _held(p, org.id, p.application_date) and p.application_date <= end
               and (p.grant_date is not None and p.grant_date <= end or p.legal_status in (LegalStatus.LAPSED,
                                                                                           LegalStatus.INVALID))]
    won = [p for p in decided if p.grant_date is not None and p.grant_date <= end]
    found["grant_rate"] = (
        Figure((Decimal(len(won)) / len(decided)).quantize(Decimal("0.0001")),
               f"{len(won)} / {len(decided)}（截至 {end} 已授权 / 已结案的发明申请；驳回、撤回按现状计）")
        if decided else Figure(None, f"截至 {end} 无已结案的发明申请"))
    return found


def profile(session: Session, org: Organization, year: int) -> dict[str, Figure]:
    """Every indicator of INDICATORS for the organisation and year, each with its source."""
    record = session.scalar(select(EnterpriseYear).where(EnterpriseYear.organization_id == org.id,
                                                         EnterpriseYear.year == year))
    return _reported(record, year) | _counted(session, org, year)

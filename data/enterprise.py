"""National indicators 3 and 4: enterprises' yearly figures, 专利产品备案 records and patents put to use.

Indicator 3 (the revenue and employment growth of the SMEs that took part) reads `EnterpriseYear`;
indicator 4 (patented products and whether each patent is implemented) reads `ProductFiling` and
`Implementation`. These functions are the only way the API, the web forms and the imports write
them, so a rule here holds on every path:

- a year is not in the future and not before 1985 (the Patent Law took effect on 1985-04-01);
- revenue, employees, R&D spending (研发投入), profit and tax (利税总额), the count of abnormal applications
  (非正常申请) and output value are not negative;
- a product filing names patents that exist, and is filed neither in the future nor before any of
  its patents was applied for;
- a self-implementation (自行实施) is by an organisation that holds the patent on its start date in
  the ownership ledger (data/ledger.py) — a conflict with stored records (409), naming the holder;
- an implementation starts neither in the future nor before the patent's application date, and
  ends after it starts (and not in the future).

Each refusal names the field (as the API calls it) and the rule, in Chinese.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data import ledger
from data.models import EnterpriseYear, Implementation, Organization, Patent, ProductFiling

EARLIEST_YEAR = 1985  # the first year the Patent Law was in force
MAX_AMOUNT = Decimal(10) ** 14  # Money is Numeric(16, 2): anything larger cannot be stored
MAX_EMPLOYEES = 10_000_000  # beyond any enterprise; guards the 32-bit column against typos


@dataclass(frozen=True)
class Refusal:
    field: str  # the API's field name: year, revenue, filed_on, organization_id, …
    message: str  # Chinese, naming the field and the rule
    conflict: bool = False  # True: conflicts with stored records (409); False: bad input (422)


class Refused(ValueError):
    def __init__(self, refusals: Sequence[Refusal]) -> None:
        self.refusals = list(refusals)
        super().__init__("；".join(f"{r.field}：{r.message}" for r in self.refusals))

    @property
    def conflict(self) -> bool:
        return any(r.conflict for r in self.refusals)


def _raise(refusals: list[Refusal]) -> None:
    if refusals:
        raise Refused(refusals)


def year_refusals(field: str, label: str, year: int | None, today: dt.date) -> list[Refusal]:
    if year is None:
        return []
    if year > today.year:
        return [Refusal(field, f"{label} {year} 晚于今年（{today.year}），不得填报未来年度")]
    if year < EARLIEST_YEAR:
        return [Refusal(field, f"{label} {year} 早于 {EARLIEST_YEAR} 年（专利法施行之年），请检查年度")]
    return []


def amount_refusals(field: str, label: str, value: Decimal | None) -> list[Refusal]:
    if value is None:
        return []
    if value < 0:
        return [Refusal(field, f"{label}不得为负数（{value} 元）")]
    if value >= MAX_AMOUNT:
        return [Refusal(field, f"{label} {value} 元超出可登记范围（须小于 10^14 元），请检查单位")]
    return []


def _date_not_future(field: str, label: str, day: dt.date | None, today: dt.date) -> list[Refusal]:
    if day is not None and day > today:
        return [Refusal(field, f"{label} {day} 晚于今天（{today}）")]
    return []


def patents_by_number(session: Session, numbers: Iterable[str]) -> dict[str, Patent]:
    wanted = sorted(set(numbers))
    found: dict[str, Patent] = {}
    for start in range(0, len(wanted), 500):
        query = select(Patent).where(Patent.application_number.in_(wanted[start : start + 500]))
        found.update({p.application_number: p for p in session.scalars(query)})
    return found


# ---- indicator 3: 营业收入 and 从业人数 per enterprise and year ----

# The programme profile (data/programmes): amounts in yuan, status flags and a count; None means not reported.
PROFILE_AMOUNTS = {"rd_spending": "研发投入", "profit_tax": "利税总额"}
PROFILE_FLAGS = {"high_tech": "高新技术企业", "specialized": "专精特新", "ip_certified": "知识产权管理规范贯标",
                 "dishonest": "严重失信"}
FIGURE_FIELDS = ("revenue", "employees", *PROFILE_AMOUNTS, *PROFILE_FLAGS, "abnormal_applications", "source")


def _count_refusals(field: str, label: str, value: int | None, unit: str, most: int) -> list[Refusal]:
    if value is not None and value < 0:
        return [Refusal(field, f"{label}不得为负数（{value}）")]
    if value is not None and value > most:
        return [Refusal(field, f"{label} {value} 超出可登记范围（至多 {most:,} {unit}）")]
    return []


def figures_refusals(year: int, changes: Mapping[str, Any], today: dt.date) -> list[Refusal]:
    found = year_refusals("year", "年度", year, today)
    found += amount_refusals("revenue", "营业收入", changes.get("revenue"))
    found += _count_refusals("employees", "从业人数", changes.get("employees"), "人", MAX_EMPLOYEES)
    for name, label in PROFILE_AMOUNTS.items():
        # 利税总额 is profit plus taxes paid; the programmes read it as a floor, and a loss year is entered as 0.
        found += amount_refusals(name, label, changes.get(name))
    found += _count_refusals("abnormal_applications", "非正常申请件数", changes.get("abnormal_applications"), "件",
                             MAX_EMPLOYEES)
    return found


def save_figures(session: Session, organization: Organization, year: int, changes: Mapping[str, Any],
                 today: dt.date) -> tuple[EnterpriseYear, bool]:
    """Store an organisation's figures for a year, updating the year's record if there is one.

    `changes` holds the fields given (FIGURE_FIELDS: amounts in 元, counts, status flags, source); the others
    keep their value, and an explicit None clears one (not reported).
    Returns the record and whether it was created."""
    _raise(figures_refusals(year, changes, today))
    record = session.scalar(select(EnterpriseYear).where(EnterpriseYear.organization_id == organization.id,
                                                         EnterpriseYear.year == year))
    created = record is None
    if record is None:
        record = EnterpriseYear(organization=organization, year=year, source="")
        session.add(record)
    for name in FIGURE_FIELDS:
        if name in changes:
            setattr(record, name, changes[name] if name != "source" else (changes[name] or ""))
    session.flush()
    return record, created


# ---- indicator 4: 专利产品备案 ----

FILING_FIELDS = ("product", "filed_on", "output_value", "output_year")


def filing_refusals(numbers: Sequence[str], known: Mapping[str, Patent], filed_on: dt.date | None,
                    changes: Mapping[str, Any], today: dt.date) -> list[Refusal]:
    """`numbers`: the filing's 申请号; `known`: the stored patents among them (patents_by_number)."""
    found = []
    if not numbers:
        found.append(Refusal("application_numbers", "专利申请号：至少填写一件专利"))
    missing = [n for n in dict.fromkeys(numbers) if n not in known]
    if missing:
        found.append(Refusal("application_numbers", f"专利申请号：平台上没有专利 {'、'.join(missing)}，请先导入专利"))
    found += _date_not_future("filed_on", "备案日期", filed_on, today)
    if filed_on is not None:
        for number in dict.fromkeys(numbers):
            patent = known.get(number)
            if patent is not None and filed_on < patent.application_date:
                found.append(Refusal("filed_on", f"备案日期 {filed_on} 早于专利 {number} 的申请日 "
                                                 f"{patent.application_date}"))
    found += amount_refusals("output_value", "产值", changes.get("output_value"))
    found += year_refusals("output_year", "产值年度", changes.get("output_year"), today)
    return found


def find_filing(session: Session, external_id: str) -> ProductFiling | None:
    return session.scalar(select(ProductFiling).where(ProductFiling.external_id == external_id))


def save_filing(session: Session, external_id: str, organization: Organization, numbers: Sequence[str],
                changes: Mapping[str, Any], today: dt.date) -> tuple[ProductFiling, bool]:
    """Store a filing under its 备案编号, updating the filing of that number if there is one.

    `changes` holds product and filed_on (required for a new filing), output_value (元) and output_year."""
    filing = find_filing(session, external_id)
    known = patents_by_number(session, numbers)
    filed_on = changes.get("filed_on", filing.filed_on if filing is not None else None)
    refusals = filing_refusals(numbers, known, filed_on, changes, today)
    if filing is None:
        for name, label in (("product", "产品名称"), ("filed_on", "备案日期")):
            if not changes.get(name):
                refusals.append(Refusal(name, f"{label}：新的备案必须填写"))
    _raise(refusals)
    created = filing is None
    if filing is None:
        filing = ProductFiling(external_id=external_id)
        session.add(filing)
    filing.organization = organization
    for name in FILING_FIELDS:
        if name in changes:
            setattr(filing, name, changes[name])
    filing.patents = [known[n] for n in dict.fromkeys(numbers)]
    session.flush()
    return filing, created


# ---- indicator 4: patents put to use (实施), self-implementation (自行实施) by the holder ----

IMPLEMENTATION_FIELDS = ("self_implemented", "ended_on", "evidence")


def implementation_input_refusals(patent: Patent, started_on: dt.date, ended_on: dt.date | None,
                                  today: dt.date) -> list[Refusal]:
    """The rules that read only the record and its patent's dates (422)."""
    found = _date_not_future("started_on", "开始日期", started_on, today)
    if started_on < patent.application_date:
        found.append(Refusal("started_on", f"开始日期 {started_on} 早于专利 {patent.application_number} 的申请日 "
                                           f"{patent.application_date}"))
    if ended_on is not None and ended_on <= started_on:
        found.append(Refusal("ended_on", f"结束日期 {ended_on} 须晚于开始日期 {started_on}"))
    found += _date_not_future("ended_on", "结束日期", ended_on, today)
    return found


def implementation_refusals(session: Session, patent: Patent, organization: Organization, started_on: dt.date,
                            changes: Mapping[str, Any], today: dt.date,
                            existing: Implementation | None = None) -> list[Refusal]:
    """Input rules first (they make the ledger's answer moot), then the ledger: a self-implementation
    is by a holder of the patent on its start date (409, naming the holder the ledger shows)."""
    ended_on = changes.get("ended_on", existing.ended_on if existing is not None else None)
    found = implementation_input_refusals(patent, started_on, ended_on, today)
    if found:
        return found
    self_implemented = changes.get("self_implemented")
    if self_implemented is None:
        self_implemented = existing.self_implemented if existing is not None else True
    if self_implemented:
        try:
            ledger.check_party(session, patent, organization, started_on)
        except ledger.NotHolder as exc:
            found.append(Refusal("organization_id", f"自行实施须由权利人进行：{exc}", conflict=True))
    return found


def find_implementation(session: Session, patent: Patent, organization: Organization,
                        started_on: dt.date) -> Implementation | None:
    return session.scalar(select(Implementation).where(
        Implementation.patent_id == patent.id, Implementation.organization_id == organization.id,
        Implementation.started_on == started_on))


def save_implementation(session: Session, patent: Patent, organization: Organization, started_on: dt.date,
                        changes: Mapping[str, Any], today: dt.date, actor: str = "") -> tuple[Implementation, bool]:
    """Record that `organization` put `patent` to use from `started_on` (self-implementation unless
    changes says self_implemented=False), updating the record of that patent, organisation and start date."""
    existing = find_implementation(session, patent, organization, started_on)
    _raise(implementation_refusals(session, patent, organization, started_on, changes, today, existing))
    record = existing
    if record is None:
        record = Implementation(patent_id=patent.id, organization=organization, started_on=started_on,
                                self_implemented=True, evidence="")
        session.add(record)
    for name in IMPLEMENTATION_FIELDS:
        # An explicit null clears the end date; for the other fields it means "as before".
        if name in changes and (changes[name] is not None or name == "ended_on"):
            setattr(record, name, changes[name])
    record.actor = actor or record.actor or ""
    session.flush()
    return record, existing is None

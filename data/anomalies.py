"""Documented rules that flag deals which may not be real technology use (异常转让/许可), with evidence.

- `repeat_transfer`: the same patent transferred twice within 12 months.
- `round_trip`: a patent transferred A → B and later back B → A.
- `related_parties`: the parties are marked as related (关联方).
- `symbolic_price`: a transfer or licence at zero or a symbolic price (under 1,000 yuan).
- `outlier_price`: a price outside [Q1 / 10, Q3 + 3 · IQR] of at least five peer deals of the same kind
  whose main patent shares the IPC section.
- `deadline_bulk`: five or more deals by one transferor signed in the last 15 days of a year (before
  the annual report).
- `unpaid`: less than 10% of the contract amount received more than 12 months after signing.
- `unrelated_industry`: the licensee's or buyer's declared industry maps to clusters, the patent's
  codes map to clusters, and the two share none.
An operator confirms or dismisses each flag; confirmed deals leave the target figures.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from data.enums import TransactionKind
from data.models import Transaction

SYMBOLIC = Decimal(1000)
CONVERSION = (TransactionKind.TRANSFER, TransactionKind.LICENSE, TransactionKind.EQUITY)


@dataclass(frozen=True)
class Rule:
    """A rule as an operator reads it: its Chinese name and what it checks; the code is what flags store."""

    code: str
    name: str
    explanation: str
    explanation_en: str


RULES: dict[str, Rule] = {rule.code: rule for rule in (
    Rule("repeat_transfer", "短期内重复转让", "同一件专利在12个月内被转让两次，可能是为凑数而来回倒手。",
         "The same patent transferred twice within 12 months."),
    Rule("round_trip", "转回原权利人", "专利由甲方转给乙方后又转回甲方，技术并未真正转移。",
         "A patent transferred A → B and later back B → A."),
    Rule("related_parties", "关联方交易", "交易双方已被运营人员标记为关联方（如母子公司、同一实际控制人）。",
         "The parties are marked as related."),
    Rule("symbolic_price", "象征性价格", "转让、许可或作价入股的合同金额为零或低于1000元。",
         "A transfer, licence or equity deal at zero or under 1,000 yuan."),
    Rule("outlier_price", "价格明显偏离", "合同金额远低于或远高于同类交易（同交易类型、主分类号同一部），"
                                         "超出“下四分位数的十分之一”至“上四分位数加三倍四分位距”的范围，至少比较5笔交易。",
         "A price outside [Q1 / 10, Q3 + 3 · IQR] of at least five peer deals of the same kind whose main patent "
         "shares the IPC section."),
    Rule("deadline_bulk", "年底集中签约", "同一出让方在12月17日之后（年度报送前15天内）签订5笔以上交易。",
         "Five or more deals by one transferor signed in the last 15 days of a year."),
    Rule("unpaid", "长期未到账", "签订超过12个月，实际到账不足合同金额的10%。",
         "Less than 10% of the contract amount received more than 12 months after signing."),
    Rule("unrelated_industry", "行业不相关", "受让方或被许可方申报的行业所属产业集群与专利所属产业集群没有交集。",
         "The recipient's declared industry and the patent belong to no common cluster."),
)}


def rule_name(code: str) -> str:
    """The Chinese name of a rule code; an unknown code (a rule since retired) is shown as stored."""
    found = RULES.get(code)
    return found.name if found else code


@dataclass(frozen=True)
class Finding:
    transaction_id: int
    rule: str
    evidence: str


def _year_before(a: dt.date, b: dt.date) -> bool:
    return 0 <= (b - a).days <= 365


def find_anomalies(deals: Sequence[Transaction], today: dt.date, related: set[frozenset[int]],
                   clusters_of_patent, clusters_of_industry) -> list[Finding]:  # noqa: ANN001
    """All findings over `deals`; the cluster functions map a patent / an industry text to cluster names."""
    found: list[Finding] = []
    transfers = sorted((d for d in deals if d.kind is TransactionKind.TRANSFER), key=lambda d: (d.signed_on, d.id))
    by_patent: dict[int, list[Transaction]] = defaultdict(list)
    for deal in transfers:
        for patent in deal.patents:
            for earlier in by_patent[patent.id]:
                if _year_before(earlier.signed_on, deal.signed_on):
                    found.append(Finding(deal.id, "repeat_transfer", f"{patent.application_number} 已于"
                                         f"{earlier.signed_on}转让（交易{earlier.id}），12个月内再次转让"))
                if earlier.from_org_id == deal.to_org_id and earlier.to_org_id == deal.from_org_id:
                    found.append(Finding(deal.id, "round_trip", f"{patent.application_number} 经交易{earlier.id}由"
                                         f"{earlier.from_org.name}转给{earlier.to_org.name}，本交易又转回"))
            by_patent[patent.id].append(deal)
    peers: dict[tuple, list[tuple[int, Decimal]]] = defaultdict(list)
    for deal in deals:
        if deal.kind in CONVERSION and deal.contract_amount is not None:
            peers[(deal.kind, _section(deal))].append((deal.id, deal.contract_amount))
    ends_of_year: dict[tuple[int, int], list[Transaction]] = defaultdict(list)
    for deal in deals:
        if frozenset((deal.from_org_id, deal.to_org_id)) in related:
            found.append(Finding(deal.id, "related_parties", f"{deal.from_org.name}与{deal.to_org.name}已标记为关联方"))
        if deal.kind in CONVERSION and deal.contract_amount is not None and deal.contract_amount < SYMBOLIC:
            found.append(Finding(deal.id, "symbolic_price", f"合同金额{deal.contract_amount}元，低于{SYMBOLIC}元"))
        elif deal.kind in CONVERSION and deal.contract_amount is not None:
            found += _outlier(deal, peers[(deal.kind, _section(deal))])
        if deal.signed_on >= dt.date(deal.signed_on.year, 12, 17):
            ends_of_year[(deal.from_org_id, deal.signed_on.year)].append(deal)
        if deal.contract_amount and (today - deal.signed_on).days > 365 and \
                (deal.received_amount or 0) < deal.contract_amount / 10:
            found.append(Finding(deal.id, "unpaid", f"签订于{deal.signed_on}，合同{deal.contract_amount}元，"
                                 f"到账仅{deal.received_amount or 0}元"))
        industry = clusters_of_industry(deal.to_org.industry)
        patent_clusters = set().union(*(clusters_of_patent(p) for p in deal.patents)) if deal.patents else set()
        if deal.kind in CONVERSION and industry and patent_clusters and not industry & patent_clusters:
            found.append(Finding(deal.id, "unrelated_industry", f"受让/被许可方行业“{deal.to_org.industry}”属"
                                 f"{'、'.join(sorted(industry))}，专利属{'、'.join(sorted(patent_clusters))}"))
    for (_, year), batch in ends_of_year.items():
        if len(batch) >= 5:
            for deal in batch:
                found.append(Finding(deal.id, "deadline_bulk", f"{deal.from_org.name}在{year}年12月17日后签订"
                                     f"{len(batch)}笔交易"))
    return found


def _section(deal: Transaction) -> str:
    main = deal.patents[0].main_ipc if deal.patents else None
    return (main or "?")[:1]


def _outlier(deal: Transaction, peers: list[tuple[int, Decimal]]) -> list[Finding]:
    prices = [price for deal_id, price in peers if deal_id != deal.id]  # the deal is judged against the others
    if len(prices) < 5:
        return []
    q1, _, q3 = statistics.quantiles([float(p) for p in prices], n=4)
    low, high = q1 / 10, q3 + 3 * (q3 - q1)
    price = float(deal.contract_amount)
    if low <= price <= high:
        return []
    return [Finding(deal.id, "outlier_price", f"合同金额{deal.contract_amount}元，超出同类{len(prices)}笔交易的"
                    f"合理区间[{low:.0f}, {high:.0f}]元")]

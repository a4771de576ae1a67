"""Sleeping patents (沉睡专利): granted, valid patents of universities and institutes nobody uses.

The policy this follows, and the setting each part reads (`PATENT_MATCH_*`, data/settings.py):

* 财办建〔2021〕23号 (the national 专利转化专项计划 notice) sets out to 唤醒未充分实施的"沉睡专利" and to
  盘活高校院所存量专利; 国办发〔2023〕37号《专利转化运用专项行动方案（2023—2025年）》 asks to 梳理盘活高校和科研
  机构存量专利, and the eight-ministry 存量专利盘活工作方案 to take stock of 高校和科研机构未转化的有效专利.
  Hence: a holder is a university or institute (`SLEEPING_HOLDER_KINDS`, default university, institute),
  and the patent is granted and its legal status valid (a patent flagged for review of its legal status,
  data/legal_status.py, is not declared sleeping until an operator has checked it).
* Use (转化) means a deal that puts the technology into someone's hands: transfer, licence and equity
  (转让、许可、作价入股, the Jiangsu plan's reading of 转化) — `SLEEPING_USE_EVENTS`, default
  ["transfer", "license", "equity"]. A pledge (质押) is not use by default: it finances the holder
  against the patent and transfers no technology, and the programme counts 质押融资 as an indicator of
  its own; add "pledge" to the setting to count it. Only deals in force on the as-of date count
  (Transaction.status in_force, signed by then): a cancelled deal or an open licence awaiting its fee is
  not use.
* Self-implementation (自行实施) is use: the 行动方案 measures 专利产业化率和实施率, and a holder that works its
  own patent has not left it asleep. An Implementation row with self_implemented set and in force on the
  as-of date (started by then, not ended before) wakes the patent — `SLEEPING_SELF_IMPLEMENTATION_IS_USE`,
  default true; false ignores implementation records.
* Funding (财政资助): the two-year listing rule is about 财政资助科研项目形成的专利 left unused after a period
  (the 行动方案 lets the state implement such patents unused for five years; Jiangsu lists them for open
  licence or transfer after two). `SLEEPING_PUBLICLY_FUNDED_ONLY`, default false — the national notice
  concerns all 高校院所存量专利 — restricts the rule to patents with Patent.publicly_funded true (import
  column 是否财政资助). When on, an unknown funding source (None) is not sleeping: the listing duty only
  binds publicly funded patents, so none is assumed; fill the column to include them.
* At least `SLEEPING_MIN_YEARS_SINCE_GRANT` (default 2) years have passed since grant.

The verdict and its reason, in Chinese, are stored on the patent each time detection runs.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from data.enums import DealStatus, LegalStatus, OrgKind, TransactionKind, label
from data.models import Implementation, Patent, PatentHolder, Transaction, TransactionPatent
from data.patent_terms import add_years
from data.settings import Settings, get_settings

logger = logging.getLogger(__name__)

USE_BY_DEFAULT = (TransactionKind.TRANSFER, TransactionKind.LICENSE, TransactionKind.EQUITY)


@dataclass(frozen=True)
class SleepingRule:
    holder_kinds: tuple[OrgKind, ...] = (OrgKind.UNIVERSITY, OrgKind.INSTITUTE)
    min_years_since_grant: float = 2.0
    event_kinds: tuple[TransactionKind, ...] = USE_BY_DEFAULT  # the deals that count as use
    publicly_funded_only: bool = False
    self_implementation_is_use: bool = True

    @classmethod
    def from_settings(cls, settings: Settings) -> SleepingRule:
        return cls(tuple(OrgKind(k) for k in settings.sleeping_holder_kinds),
                   settings.sleeping_min_years_since_grant,
                   tuple(TransactionKind(k) for k in settings.sleeping_use_events),
                   settings.sleeping_publicly_funded_only,
                   settings.sleeping_self_implementation_is_use)

    @property
    def uses(self) -> str:
        """The deals that count as use, in Chinese: 转让/许可/作价入股."""
        return "/".join(label(k) for k in TransactionKind if k in self.event_kinds) or "（无）"

    def describe(self) -> str:
        parts = [f"holder is {'/'.join(label(k) for k in self.holder_kinds)}", "valid"]
        if self.publicly_funded_only:
            parts.append("publicly funded (财政资助)")
        parts.append(f"no in-force {'/'.join(k.value for k in TransactionKind if k in self.event_kinds)} deal")
        if self.self_implementation_is_use:
            parts.append("not self-implemented")
        parts.append(f"≥{self.min_years_since_grant:g} years since grant")
        return "; ".join(parts)


@dataclass(frozen=True)
class SleepingVerdict:
    sleeping: bool
    reason: str


def evaluate(patent: Patent, has_events: bool, rule: SleepingRule, as_of: dt.date,
             implemented: bool = False) -> SleepingVerdict:
    """`has_events`: an in-force deal of the rule's kinds; `implemented`: a self-implementation in force."""
    holders = [h.organization for h in patent.holders if h.organization.kind in rule.holder_kinds]
    if not holders:
        kinds = "、".join(label(k) for k in rule.holder_kinds)
        return SleepingVerdict(False, f"不沉睡：权利人不是{kinds}")
    if patent.legal_status is not LegalStatus.VALID or patent.grant_date is None:
        state = label(patent.legal_status) if patent.grant_date else "未授权或授权日未知"
        return SleepingVerdict(False, f"不沉睡：非有效授权专利（{state}）")
    if patent.legal_status_review:
        return SleepingVerdict(False, f"不沉睡：法律状态“{patent.legal_status_raw}”待核实")
    if rule.publicly_funded_only and patent.publicly_funded is not True:
        why = "财政资助情况未知" if patent.publicly_funded is None else "非财政资助专利"
        return SleepingVerdict(False, f"不沉睡：{why}（规则只认定财政资助科研项目形成的专利）")
    if has_events:
        return SleepingVerdict(False, f"不沉睡：已有{rule.uses}记录")
    if implemented and rule.self_implementation_is_use:
        return SleepingVerdict(False, "不沉睡：权利人自行实施中")
    due = add_years(patent.grant_date, rule.min_years_since_grant)
    if as_of < due:
        return SleepingVerdict(False, f"不沉睡：授权未满{rule.min_years_since_grant:g}年（{due}届满）")
    years = (as_of - patent.grant_date).days / 365.25
    return SleepingVerdict(
        True,
        f"沉睡：权利人{holders[0].name}为{label(holders[0].kind)}；有效；"
        + ("财政资助；" if rule.publicly_funded_only else "")
        + f"无{rule.uses}记录；" + ("未自行实施；" if rule.self_implementation_is_use else "")
        + f"授权{years:.1f}年（{patent.grant_date}授权，规则≥{rule.min_years_since_grant:g}年）",
    )


def used_patents(session: Session, rule: SleepingRule, as_of: dt.date) -> set[int]:
    """Patents with an in-force deal of the rule's kinds signed by `as_of`."""
    return set(session.scalars(
        select(TransactionPatent.patent_id).join(Transaction)
        .where(Transaction.kind.in_(rule.event_kinds), Transaction.status == DealStatus.IN_FORCE,
               Transaction.signed_on <= as_of).distinct()
    ))


def implemented_patents(session: Session, as_of: dt.date) -> set[int]:
    """Patents their holder implements itself on `as_of`."""
    return set(session.scalars(
        select(Implementation.patent_id).where(
            Implementation.self_implemented.is_(True), Implementation.started_on <= as_of,
            or_(Implementation.ended_on.is_(None), Implementation.ended_on >= as_of)).distinct()
    ))


def refresh_sleeping(session: Session, as_of: dt.date, rule: SleepingRule | None = None) -> int:
    """Re-evaluate every patent; returns how many are sleeping. Runs inside the caller's transaction."""
    rule = rule or SleepingRule.from_settings(get_settings())
    used = used_patents(session, rule, as_of)
    implemented = implemented_patents(session, as_of) if rule.self_implementation_is_use else set()
    query = select(Patent).options(selectinload(Patent.holders).selectinload(PatentHolder.organization))
    count = 0
    for patent in session.scalars(query):
        verdict = evaluate(patent, patent.id in used, rule, as_of, patent.id in implemented)
        if (patent.is_sleeping, patent.sleeping_reason) != (verdict.sleeping, verdict.reason):
            patent.is_sleeping, patent.sleeping_reason = verdict.sleeping, verdict.reason
        patent.sleeping_checked_on = as_of
        count += verdict.sleeping
    logger.info("sleeping-patent detection as of %s: %d sleeping", as_of, count)
    return count

"""Sleeping patents (沉睡专利): granted, valid patents of universities and institutes never used.

Default rule, after the 2021 专利转化专项计划 and Jiangsu's listing of publicly funded patents
unused for two years — a patent is sleeping when all of these hold:
  1. a holder is a university or institute (configurable: `PATENT_MATCH_SLEEPING_HOLDER_KINDS`);
  2. it is granted and its legal status is valid;
  3. no transfer, licence, pledge or equity event is recorded for it;
  4. at least two years have passed since grant (`PATENT_MATCH_SLEEPING_MIN_YEARS_SINCE_GRANT`).
The verdict and its reason, in Chinese, are stored on the patent each time detection runs.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from data.enums import LegalStatus, OrgKind, TransactionKind, label
from data.models import Patent, PatentHolder, Transaction, TransactionPatent
from data.patent_terms import add_years
from data.settings import Settings, get_settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SleepingRule:
    holder_kinds: tuple[OrgKind, ...] = (OrgKind.UNIVERSITY, OrgKind.INSTITUTE)
    min_years_since_grant: float = 2.0
    event_kinds: tuple[TransactionKind, ...] = tuple(TransactionKind)

    @classmethod
    def from_settings(cls, settings: Settings) -> SleepingRule:
        return cls(tuple(OrgKind(k) for k in settings.sleeping_holder_kinds),
                   settings.sleeping_min_years_since_grant)


@dataclass(frozen=True)
class SleepingVerdict:
    sleeping: bool
    reason: str


def evaluate(patent: Patent, has_events: bool, rule: SleepingRule, as_of: dt.date) -> SleepingVerdict:
    holders = [h.organization for h in patent.holders if h.organization.kind in rule.holder_kinds]
    if not holders:
        kinds = "、".join(label(k) for k in rule.holder_kinds)
        return SleepingVerdict(False, f"不沉睡：权利人不是{kinds}")
    if patent.legal_status is not LegalStatus.VALID or patent.grant_date is None:
        state = label(patent.legal_status) if patent.grant_date else "未授权或授权日未知"
        return SleepingVerdict(False, f"不沉睡：非有效授权专利（{state}）")
    if has_events:
        return SleepingVerdict(False, "不沉睡：已有转让/许可/质押/作价入股记录")
    due = add_years(patent.grant_date, rule.min_years_since_grant)
    if as_of < due:
        return SleepingVerdict(False, f"不沉睡：授权未满{rule.min_years_since_grant:g}年（{due}届满）")
    years = (as_of - patent.grant_date).days / 365.25
    return SleepingVerdict(
        True,
        f"沉睡：权利人{holders[0].name}为{label(holders[0].kind)}；有效；"
        f"无转让/许可/质押/作价入股记录；授权{years:.1f}年（{patent.grant_date}授权，"
        f"规则≥{rule.min_years_since_grant:g}年）",
    )


def refresh_sleeping(session: Session, as_of: dt.date, rule: SleepingRule | None = None) -> int:
    """Re-evaluate every patent; returns how many are sleeping. Runs inside the caller's transaction."""
    rule = rule or SleepingRule.from_settings(get_settings())
    used = set(session.scalars(
        select(TransactionPatent.patent_id).join(Transaction)
        .where(Transaction.kind.in_(rule.event_kinds)).distinct()
    ))
    query = select(Patent).options(selectinload(Patent.holders).selectinload(PatentHolder.organization))
    count = 0
    for patent in session.scalars(query):
        verdict = evaluate(patent, patent.id in used, rule, as_of)
        if (patent.is_sleeping, patent.sleeping_reason) != (verdict.sleeping, verdict.reason):
            patent.is_sleeping, patent.sleeping_reason = verdict.sleeping, verdict.reason
        patent.sleeping_checked_on = as_of
        count += verdict.sleeping
    logger.info("sleeping-patent detection as of %s: %d sleeping", as_of, count)
    return count

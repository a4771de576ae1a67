from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from data.db import transaction
from data.enums import HolderRole, LegalStatus, OrgKind, PatentType, TransactionKind
from data.imports.loader import import_file
from data.models import Organization, Patent, PatentHolder
from data.settings import Settings, get_settings
from data.sleeping import SleepingRule, evaluate, refresh_sleeping
from tests.conftest import TODAY
from tests.test_imports import HEADER, number, row

RULE = SleepingRule()


def patent(kind: OrgKind = OrgKind.UNIVERSITY, status: LegalStatus = LegalStatus.VALID,
           granted: dt.date | None = dt.date(2022, 1, 10)) -> Patent:
    holder = PatentHolder(organization=Organization(name="钟山理工大学", kind=kind), role=HolderRole.PATENTEE)
    return Patent(application_number=number(1), patent_type=PatentType.INVENTION, title="一种方法",
                  application_date=dt.date(2020, 1, 1), grant_date=granted, legal_status=status, holders=[holder])


def test_a_university_patent_unused_for_two_years_is_sleeping_with_its_reason():
    verdict = evaluate(patent(), has_events=False, rule=RULE, as_of=TODAY)
    assert verdict.sleeping
    assert verdict.reason.startswith("沉睡：权利人钟山理工大学为高校；有效；无转让/许可/质押/作价入股记录")
    assert "2022-01-10授权" in verdict.reason


@pytest.mark.parametrize("case, expected_reason", [
    (dict(kind=OrgKind.SME), "权利人不是高校、科研院所"),
    (dict(status=LegalStatus.LAPSED), "非有效授权专利（失效）"),
    (dict(status=LegalStatus.PENDING, granted=None), "未授权"),
    (dict(granted=dt.date(2025, 6, 1)), "授权未满2年（2027-06-01届满）"),
])
def test_each_condition_can_wake_a_patent(case, expected_reason):
    verdict = evaluate(patent(**case), has_events=False, rule=RULE, as_of=TODAY)
    assert not verdict.sleeping
    assert expected_reason in verdict.reason


def test_any_recorded_event_means_not_sleeping():
    verdict = evaluate(patent(), has_events=True, rule=RULE, as_of=TODAY)
    assert (verdict.sleeping, verdict.reason) == (False, "不沉睡：已有转让/许可/质押/作价入股记录")


def test_the_two_year_boundary_is_inclusive():
    granted = dt.date(2024, 11, 21)
    assert evaluate(patent(granted=granted), False, RULE, as_of=dt.date(2026, 11, 21)).sleeping
    assert not evaluate(patent(granted=granted), False, RULE, as_of=dt.date(2026, 11, 20)).sleeping


def test_the_rule_is_configurable_through_settings(monkeypatch):
    monkeypatch.setenv("PATENT_MATCH_SLEEPING_MIN_YEARS_SINCE_GRANT", "0.5")
    monkeypatch.setenv("PATENT_MATCH_SLEEPING_HOLDER_KINDS", '["university", "institute", "sme"]')
    rule = SleepingRule.from_settings(Settings())
    assert rule.min_years_since_grant == 0.5
    assert evaluate(patent(kind=OrgKind.SME, granted=dt.date(2026, 1, 1)), False, rule, TODAY).sleeping


def test_detection_in_the_database_follows_deals_and_time(engine, write):
    get_settings.cache_clear()
    import_file(engine, "patents", write("p.csv", "\n".join([
        HEADER, row(1, granted="2021-01-04"), row(2, granted="2021-01-04"), row(3, granted="2025-09-01"),
        row(4, holder="常州某科技有限公司", granted="2021-01-04")])), today=TODAY)
    with transaction(engine) as session:
        flagged = set(session.scalars(select(Patent.application_number).where(Patent.is_sleeping)))
    assert flagged == {number(1), number(2)}

    import_file(engine, "transactions", write("t.csv", "交易类型,申请号,出让方,受让方,签订日期\n"
                                                       f"质押,{number(2)},钟山理工大学,某银行股份有限公司,2026-01-05\n"),
                today=TODAY)
    with transaction(engine) as session:
        assert refresh_sleeping(session, dt.date(2027, 9, 2), RULE) == 2  # patent 3 reaches two years
        flagged = set(session.scalars(select(Patent.application_number).where(Patent.is_sleeping)))
        checked = set(session.scalars(select(Patent.sleeping_checked_on)))
    assert flagged == {number(1), number(3)}
    assert checked == {dt.date(2027, 9, 2)}
    assert TransactionKind.PLEDGE in RULE.event_kinds

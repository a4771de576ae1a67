from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from data.db import transaction
from data.enums import DealStatus, HolderRole, LegalStatus, OrgKind, PatentType, TransactionKind
from data.imports.loader import import_file
from data.models import Implementation, Organization, Patent, PatentHolder, Transaction
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
    assert verdict.reason.startswith("沉睡：权利人钟山理工大学为高校；有效；无转让/许可/作价入股记录；未自行实施")
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


def test_a_use_event_means_not_sleeping():
    verdict = evaluate(patent(), has_events=True, rule=RULE, as_of=TODAY)
    assert (verdict.sleeping, verdict.reason) == (False, "不沉睡：已有转让/许可/作价入股记录")


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
                                                       f"许可,{number(2)},钟山理工大学,常州某科技有限公司,2026-01-05\n"),
                today=TODAY)
    with transaction(engine) as session:
        assert refresh_sleeping(session, dt.date(2027, 9, 2), RULE) == 2  # patent 3 reaches two years
        flagged = set(session.scalars(select(Patent.application_number).where(Patent.is_sleeping)))
        checked = set(session.scalars(select(Patent.sleeping_checked_on)))
    assert flagged == {number(1), number(3)}
    assert checked == {dt.date(2027, 9, 2)}


# ---- the settings of issue 18 item 7: each one changes the verdict, in the database ----------------------

def _setup(engine, write, funded: str = "") -> None:
    header = HEADER + ",是否财政资助"
    import_file(engine, "patents", write("p.csv", "\n".join([
        header, row(1, granted="2021-01-04") + f",{funded}", row(2, granted="2021-01-04") + ",否"])), today=TODAY)


def _sleeping(engine, as_of: dt.date = TODAY) -> dict[str, str]:
    get_settings.cache_clear()
    with transaction(engine) as session:
        refresh_sleeping(session, as_of)  # the rule from the environment's settings
        return {p.application_number: p.sleeping_reason for p in session.scalars(select(Patent)) if p.is_sleeping}


def _deal(engine, kind: TransactionKind, status: DealStatus = DealStatus.IN_FORCE) -> None:
    with transaction(engine) as session:
        patent = session.scalar(select(Patent).where(Patent.application_number == number(1)))
        seller = patent.holders[0].organization
        buyer = Organization(name="常州某科技有限公司", kind=OrgKind.SME)
        session.add(Transaction(kind=kind, from_org=seller, to_org=buyer, signed_on=dt.date(2025, 1, 5),
                                status=status, patents=[patent]))


def test_a_pledge_is_not_use_unless_the_setting_says_so(engine, write, monkeypatch):
    _setup(engine, write)
    _deal(engine, TransactionKind.PLEDGE)
    assert number(1) in _sleeping(engine)  # default: transfer, licence and equity only
    monkeypatch.setenv("PATENT_MATCH_SLEEPING_USE_EVENTS", '["transfer", "license", "equity", "pledge"]')
    assert number(1) not in _sleeping(engine)
    with transaction(engine) as session:
        reason = session.scalar(select(Patent.sleeping_reason).where(Patent.application_number == number(1)))
    assert reason == "不沉睡：已有转让/许可/作价入股/质押记录"


@pytest.mark.parametrize("status, counts", [
    (DealStatus.IN_FORCE, True), (DealStatus.CANCELLED, False), (DealStatus.AWAITING_PAYMENT, False)])
def test_only_an_in_force_deal_is_use(engine, write, status, counts):
    _setup(engine, write)
    _deal(engine, TransactionKind.LICENSE, status)
    assert (number(1) not in _sleeping(engine)) is counts


def test_the_funding_setting_restricts_the_rule_to_publicly_funded_patents(engine, write, monkeypatch):
    _setup(engine, write, funded="是")  # patent 1 publicly funded, patent 2 not
    assert set(_sleeping(engine)) == {number(1), number(2)}  # default: funding does not matter
    monkeypatch.setenv("PATENT_MATCH_SLEEPING_PUBLICLY_FUNDED_ONLY", "true")
    flagged = _sleeping(engine)
    assert set(flagged) == {number(1)} and "财政资助；" in flagged[number(1)]
    with transaction(engine) as session:
        patent = session.scalar(select(Patent).where(Patent.application_number == number(2)))
        assert patent.publicly_funded is False and "非财政资助专利" in patent.sleeping_reason
        patent.publicly_funded = None  # unknown: the listing duty binds publicly funded patents only
    assert number(2) not in _sleeping(engine)
    with transaction(engine) as session:
        assert "财政资助情况未知" in session.scalar(
            select(Patent.sleeping_reason).where(Patent.application_number == number(2)))


def test_self_implementation_in_force_means_not_sleeping_unless_turned_off(engine, write, monkeypatch):
    _setup(engine, write)
    with transaction(engine) as session:
        first, second = session.scalars(select(Patent).order_by(Patent.application_number))
        for patent, ended in ((first, None), (second, dt.date(2025, 12, 31))):  # the second one stopped
            session.add(Implementation(patent_id=patent.id, organization=patent.holders[0].organization,
                                       self_implemented=True, started_on=dt.date(2024, 1, 1), ended_on=ended))
    flagged = _sleeping(engine)
    assert set(flagged) == {number(2)}
    with transaction(engine) as session:
        assert session.scalar(select(Patent.sleeping_reason).where(
            Patent.application_number == number(1))) == "不沉睡：权利人自行实施中"
    assert number(1) in _sleeping(engine, as_of=dt.date(2023, 12, 31))  # not yet started then
    monkeypatch.setenv("PATENT_MATCH_SLEEPING_SELF_IMPLEMENTATION_IS_USE", "false")
    assert set(_sleeping(engine)) == {number(1), number(2)}

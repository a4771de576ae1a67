"""Programmes as data (data/programmes): criteria at, above and below their thresholds, unknown data, the
rolling review, 境外专利 1:2, funding tranches, the yearly profile import, the CLI and the API per role."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from api.cli import main
from data import programmes
from data.db import transaction
from data.demo import load_demo
from data.enums import LegalStatus, PatentType
from data.imports.errors import ImportRejected
from data.imports.loader import import_file
from data.models import EnterpriseYear, Organization, Patent, PatentHolder
from data.profiles import INDICATORS, Figure, profile
from data.programmes import MET, NOT_MET, UNKNOWN
from tests.api_support import OTHER_SME, OWN_SME, call
from tests.conftest import TODAY

PROGRAMMES = programmes.available()
SUZHOU, ZHEJIANG = PROGRAMMES["suzhou_qiangqi"], PROGRAMMES["zhejiang_gaojiazhi"]


def figures(**given) -> dict[str, Figure]:
    return {name: Figure(given.get(name), "test") for name in INDICATORS}


def criterion(programme: programmes.Programme, code: str) -> programmes.Criterion:
    return next(c for g in (*programme.tiers, *programme.projects) for c in g.criteria if c.code == code)


# ---- each criterion of each file at, just above and just below its threshold ----

def _single_numeric():
    for programme in PROGRAMMES.values():
        for group in (*programme.tiers, *programme.projects):
            for c in group.criteria:
                if len(c.terms) == 1 and not isinstance(c.threshold, bool):
                    yield pytest.param(c, id=f"{programme.code}:{c.code}")


STEP = {True: Decimal("0.0001"), False: Decimal(1)}  # a ratio moves by a basis point, a count or amount by one


@pytest.mark.parametrize("c", list(_single_numeric()))
def test_numeric_criterion_at_above_and_below_its_threshold(c):
    step = STEP[c.threshold < 1 and c.threshold != 0]
    expected = {">=": (MET, MET, NOT_MET), ">": (NOT_MET, MET, NOT_MET), "<=": (MET, NOT_MET, MET),
                "<": (NOT_MET, NOT_MET, MET)}[c.op]
    name = c.terms[0].indicator
    got = tuple(programmes.judge(c, figures(**{name: v})).status for v in (c.threshold, c.threshold + step,
                                                                             c.threshold - step))
    assert got == expected
    assert programmes.judge(c, figures()).status == UNKNOWN  # never met for want of data


@pytest.mark.parametrize("code, indicator, wanted", [("advantage.high_tech", "high_tech", True),
                                                     ("pool.honest", "dishonest", False)])
def test_status_criteria(code, indicator, wanted):
    c = criterion(SUZHOU, code)
    assert programmes.judge(c, figures(**{indicator: wanted})).status == MET
    assert programmes.judge(c, figures(**{indicator: not wanted})).status == NOT_MET
    assert programmes.judge(c, figures()).status == UNKNOWN


@pytest.mark.parametrize("held, expected", [(49, NOT_MET), (50, MET), (51, MET)])
def test_dengfeng_needs_fifty_effective_inventions(held, expected):
    assert programmes.judge(criterion(SUZHOU, "dengfeng.inventions"),
                            figures(effective_inventions=held)).status == expected


@pytest.mark.parametrize("granted, expected", [(99, NOT_MET), (100, MET), (101, MET)])
def test_zhejiang_base_needs_a_hundred_granted_inventions(granted, expected):
    assert programmes.judge(criterion(ZHEJIANG, "base.granted"),
                            figures(cumulative_invention_grants=granted)).status == expected


@pytest.mark.parametrize("domestic, foreign, expected, value", [
    (23, 1, MET, 25), (22, 1, NOT_MET, 24), (21, 2, MET, 25), (25, 0, MET, 25), (24, 0, NOT_MET, 24),
    (25, None, MET, 25),  # the known part already reaches 25: foreign patents can only add
    (24, None, UNKNOWN, None),  # one foreign patent would make it: unknown, not "not met"
])
def test_foreign_patents_count_double(domestic, foreign, expected, value):
    got = programmes.judge(criterion(ZHEJIANG, "project.inventions"),
                           figures(effective_inventions=domestic, foreign_inventions=foreign))
    assert (got.status, got.value) == (expected, value)


# ---- tiers, unknowns and the rolling review ----

POOL = dict(revenue=Decimal(6_000_000), dishonest=False, abnormal_applications=0)
GROWTH = POOL | dict(revenue=Decimal(12_000_000), effective_inventions=3)
ADVANTAGE = GROWTH | dict(effective_inventions=25, high_tech=True, ip_certified=True)


def test_tier_is_the_highest_with_every_criterion_met_and_unknown_never_counts():
    def tier(**given):
        result = programmes.standing(SUZHOU, "甲", 2025, lambda y: figures(**given))
        return result.tier.code if result.tier else None, [t.status for t in result.tiers]

    assert tier(**ADVANTAGE) == ("advantage", [MET, MET, MET, NOT_MET])
    assert tier(**(ADVANTAGE | {"ip_certified": None})) == ("growth", [MET, MET, UNKNOWN, NOT_MET])
    assert tier(**(POOL | {"dishonest": None})) == (None, [UNKNOWN, NOT_MET, UNKNOWN, NOT_MET])
    # a higher tier's own criteria met does not skip a failed lower tier
    assert tier(**(ADVANTAGE | {"revenue": Decimal(9_000_000)}))[0] == "pool"


def _history(inventions: dict[int, int]):
    return lambda year: figures(**(ADVANTAGE | {"effective_inventions": inventions.get(year)}))


def test_three_declining_years_move_the_enterprise_down_one_tier_two_do_not():
    three = programmes.standing(SUZHOU, "甲", 2025, _history({2021: 40, 2022: 35, 2023: 30, 2024: 26, 2025: 25}))
    assert (three.reached.code, three.tier.code, three.declining_years) == ("advantage", "growth",
                                                                            (2023, 2024, 2025))
    two = programmes.standing(SUZHOU, "甲", 2025, _history({2021: 40, 2022: 20, 2023: 30, 2024: 26, 2025: 25}))
    assert (two.tier.code, two.declining_years) == ("advantage", (2024, 2025))
    # a year whose figures are unknown cannot show a decline
    gap = programmes.standing(SUZHOU, "甲", 2025, _history({2022: 35, 2023: 30, 2025: 25}))
    assert gap.tier.code == "advantage"


def test_growth_kpis_compare_with_the_year_before():
    kpi = next(k for k in ZHEJIANG.kpis if k.code == "kpi.invention_growth")
    assert programmes.judge(kpi, figures(invention_applications=25), figures(invention_applications=20)).status == MET
    assert programmes.judge(kpi, figures(invention_applications=24), figures(invention_applications=20)).status \
        == NOT_MET
    assert programmes.judge(kpi, figures(invention_applications=24), figures()).status == UNKNOWN


# ---- funding and acceptance ----

@pytest.mark.parametrize("programme, code, award, expected", [
    (SUZHOU, "dengfeng", Decimal(1_000_000), [Decimal(300_000), Decimal(700_000)]),
    (SUZHOU, "dengfeng", Decimal("333333.33"), [Decimal("100000.00"), Decimal("233333.33")]),
    (ZHEJIANG, "project", Decimal(500_000), [Decimal(200_000), Decimal(300_000)]),
    (ZHEJIANG, "project", Decimal("100000.01"), [Decimal("40000.00"), Decimal("60000.01")]),
])
def test_funding_tranches_sum_to_the_award(programme, code, award, expected):
    group = next(p for p in programme.projects if p.code == code)
    amounts = [a for _, a in programmes.tranche_amounts(group, award)]
    assert amounts == expected and sum(amounts) == award


def test_dengfeng_caps_the_award_and_needs_double_co_investment():
    group = next(p for p in SUZHOU.projects if p.code == "dengfeng")
    with pytest.raises(ValueError, match="超过上限"):
        programmes.tranche_amounts(group, Decimal("1000000.01"))
    assert programmes.co_investment_met(group, Decimal(1_000_000), Decimal(2_000_000))
    assert not programmes.co_investment_met(group, Decimal(1_000_000), Decimal("1999999.99"))


@pytest.mark.parametrize("score, passed", [(Decimal("69.9"), False), (Decimal(70), True), (Decimal(71), True)])
def test_acceptance_needs_seventy_points(score, passed):
    assert programmes.acceptance_passed(ZHEJIANG.projects[0], score) is passed


# ---- the files: a province edits one, and a mistake is named ----

@pytest.mark.parametrize("change, message", [
    (lambda r: r["projects"][0]["criteria"][0].update(indicator="profit"), "project.rd_ratio：未知指标 'profit'"),
    (lambda r: r["projects"][0]["criteria"][1].pop("source"), "project.profit_tax：缺少 source"),
    (lambda r: r["projects"][0]["funding"]["tranches"][1].update(share=0.5), "分期拨付之和须等于资助总额"),
])
def test_a_bad_programme_file_is_refused_naming_file_and_criterion(tmp_path, change, message):
    raw = json.loads((programmes.programmes_dir() / "zhejiang_gaojiazhi.json").read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "zj.json"
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(programmes.ProgrammeError, match="zj.json") as caught:
        programmes.load(path)
    assert message in str(caught.value)


def test_every_criterion_cites_a_source():
    for programme in PROGRAMMES.values():
        for c in [c for g in (*programme.tiers, *programme.projects) for c in g.criteria] + list(programme.kpis):
            assert c.source.strip(), c.code


# ---- the records: import, profile, CLI (SQLite and PostgreSQL) ----

HEADER = "单位名称,年度,营业收入,研发投入,利税总额,高新技术企业,专精特新,知识产权贯标,严重失信,非正常申请\n"


def test_yearly_profile_import_stores_the_new_columns_and_refuses_negatives(engine, tmp_path):
    load_demo(engine, today=TODAY)
    good = tmp_path / "good.csv"
    good.write_text(HEADER + f"{OTHER_SME},2024,5000000,400000,300000,是,否,,否,2\n", encoding="utf-8")
    import_file(engine, "enterprise_years", good, today=TODAY)
    with transaction(engine) as session:
        row = session.scalar(select(EnterpriseYear).join(Organization).where(Organization.name == OTHER_SME,
                                                                             EnterpriseYear.year == 2024))
        assert (row.rd_spending, row.profit_tax, row.high_tech, row.specialized, row.ip_certified, row.dishonest,
                row.abnormal_applications) == (Decimal(400000), Decimal(300000), True, False, None, False, 2)
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + f"{OTHER_SME},2025,5000000,-1,300000,是,否,,否,-3\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as caught:
        import_file(engine, "enterprise_years", bad, today=TODAY)
    text = "\n".join(str(e) for e in caught.value.errors)
    assert "row 2, column '研发投入'" in text and "row 2, column '非正常申请'" in text


def test_profile_counts_come_from_the_records(engine):
    load_demo(engine, today=TODAY)
    with transaction(engine) as session:
        university = session.scalar(select(Organization).where(Organization.name == "钟山理工大学"))
        held = session.scalars(select(Patent).join(PatentHolder).where(
            PatentHolder.organization_id == university.id, Patent.patent_type == PatentType.INVENTION,
            Patent.legal_status == LegalStatus.VALID, Patent.grant_date <= dt.date(2025, 12, 31))).all()
        found = profile(session, university, 2025)
        assert found["effective_inventions"].value == len(held) > 0
        assert held[0].application_number in found["effective_inventions"].source or len(held) > 5
        assert found["foreign_inventions"].value is None and found["revenue"].value is None
        sme = session.scalar(select(Organization).where(Organization.name == OWN_SME))
        mine = profile(session, sme, 2025)
        assert mine["revenue"].value == Decimal(26_900_000) and mine["rd_ratio"].value == Decimal("0.0892")
        assert mine["ip_certified"].value is None and "未填报" in mine["ip_certified"].source


SUZHOU_SME = "昆山精塑科技有限公司"  # a demo enterprise inside 苏州 with 2025 figures


def test_cli_check_prints_tier_criteria_and_unknowns(tmp_path, monkeypatch):
    monkeypatch.setenv("PATENT_MATCH_HOME", str(tmp_path / "home"))
    db = ["--db", f"sqlite:///{tmp_path / 'demo.db'}"]
    runner = CliRunner()
    assert runner.invoke(main, [*db, "demo", "--as-of", "2026-11-21"]).exit_code == 0
    result = runner.invoke(main, [*db, "programmes", "check", SUZHOU_SME, "--year", "2025"])
    assert result.exit_code == 0, result.output
    assert "档次：入库" in result.output and "[未知（缺数据）] PCT 国际专利申请" in result.output
    assert "[不符合] 有效发明专利50件以上：1" in result.output and "[不符合] 营业收入：7,600,000（要求 >= 10,000,000）" \
        in result.output
    # the other programme is another province's: not graded, said so
    assert f"{SUZHOU_SME} 不在本项目地区范围（浙江省）内" in result.output and "高价值专利培育项目 申报条件" not in result.output
    wrong = runner.invoke(main, [*db, "programmes", "check", SUZHOU_SME, "--programme", "nope"])
    assert wrong.exit_code == 2 and "没有项目 nope" in wrong.output


# ---- the API per role ----

@pytest.mark.parametrize("who, whose, status", [("sme", OWN_SME, 409), ("sme", OTHER_SME, 404),
                                                ("tto", SUZHOU_SME, 403), ("operator", SUZHOU_SME, 200),
                                                ("evaluator", SUZHOU_SME, 200), ("admin", SUZHOU_SME, 200),
                                                ("operator", OWN_SME, 409)])
def test_api_check_per_role(api, who, whose, status):
    org_ids = api[3]
    response = call(api, who, "GET", f"/programmes/suzhou_qiangqi/check/{org_ids[whose]}?year=2025")
    assert response.status_code == status, response.text
    if status == 409:  # 南京: another city's enterprise is not graded, whoever asks
        assert "不在本项目地区范围（江苏省苏州市）内" in response.json()["detail"]
    if status == 200:
        body = response.json()
        assert body["tier"] == "pool" and body["tiers"][0]["status"] == "met" and body["area"] == "江苏省苏州市"
        pct = next(c for t in body["tiers"] for c in t["criteria"] if c["code"] == "leading.pct")
        assert pct["status"] == "unknown" and pct["value"] is None and pct["source"]


def test_api_figures_take_the_profile_and_refuse_negatives(api):
    stored = call(api, "sme", "POST", "/enterprise-figures", json={"year": 2019, "rd_spending": "120000",
                                                                     "high_tech": True, "abnormal_applications": 0})
    assert stored.status_code == 201, stored.text
    assert (stored.json()["rd_spending"], stored.json()["high_tech"], stored.json()["dishonest"]) == ("120000.00",
                                                                                                      True, None)
    refused = call(api, "sme", "POST", "/enterprise-figures", json={"year": 2019, "profit_tax": "-1",
                                                                      "abnormal_applications": -2})
    assert refused.status_code == 422
    assert "利税总额不得为负数" in refused.text and "非正常申请件数不得为负数" in refused.text


def test_api_unknown_programme_is_404(api):
    assert call(api, "operator", "GET", f"/programmes/nope/check/{api[3][OWN_SME]}").status_code == 404

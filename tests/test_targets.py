"""Each indicator's definition (docs/targets.md) on a stored ledger, SQLite and PostgreSQL; and the report over
HTTP with its units."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal

import pytest

from data.db import transaction
from data.enums import DealStatus, OrgKind, TransactionKind
from data.targets import JIANGSU_2021_2023, Report, TargetSet, load_targets, target_report
from tests.api_support import call
from tests.targets_support import Books

LICENSE, TRANSFER, PLEDGE = TransactionKind.LICENSE, TransactionKind.TRANSFER, TransactionKind.PLEDGE


def stored(engine, fill: Callable[[Books], None], plan: TargetSet = JIANGSU_2021_2023,  # noqa: ANN001
           region: str | None = None) -> Report:
    with transaction(engine) as session:
        fill(Books(session))
    with transaction(engine) as session:
        return target_report(session, plan, 0.05, region)


def test_an_sme_in_every_plan_year_counts_once_over_the_period(engine):
    def fill(books: Books) -> None:
        uni, sme = books.org("钟山理工大学", OrgKind.UNIVERSITY), books.org("某科技公司", OrgKind.SME)
        for year in (2021, 2022, 2023):
            books.deal(LICENSE, uni, sme, year, 1000)

    found = stored(engine, fill)
    assert [row.values["smes"] for row in found.years if row.in_plan] == [1, 1, 1]  # distinct within each year
    assert found.period["smes"] == 1 and found.progress["smes"].achieved == 1  # 累计: one SME, not three
    assert found.period["sme_patents"] == 3 and found.progress["smes"].unit == "家"


def test_a_pledge_contract_is_one_project_and_only_sme_pledgors_count_toward_the_sme_target(engine):
    def fill(books: Books) -> None:
        uni, sme = books.org("钟山理工大学", OrgKind.UNIVERSITY), books.org("某科技公司", OrgKind.SME)
        bank = books.org("某银行", OrgKind.OTHER)
        books.deal(PLEDGE, sme, bank, 2022, 3_000_000, patents=3)  # one contract, three patents
        books.deal(PLEDGE, uni, bank, 2022, 9_000_000, patents=2)  # a university pledgor: not an SME

    found = stored(engine, fill)
    row = next(r for r in found.years if r.year == 2022).values
    assert (row["pledge_projects"], row["pledge_patents"], row["pledge_amount"]) == (2, 5, Decimal(12_000_000))
    assert (row["sme_pledge_projects"], row["sme_pledge_amount"]) == (1, Decimal(3_000_000))
    assert found.progress["pledge_projects"].achieved == 1 and found.progress["pledge_projects"].unit == "项"
    assert found.progress["pledge_amount"].achieved == Decimal(3_000_000)


def test_average_annual_growth_is_compound_against_the_year_before_the_plan(engine):
    def fill(books: Books) -> None:
        uni, sme = books.org("钟山理工大学", OrgKind.UNIVERSITY), books.org("某科技公司", OrgKind.SME)
        books.deal(LICENSE, uni, sme, 2020, 1_000_000, 500_000, patents=1)
        books.deal(LICENSE, uni, sme, 2023, 1_728_000, 500_000, patents=2)

    found = stored(engine, fill)
    money = found.annual_growth["university_contract"]
    assert (money.base_year, money.last_year, money.base, money.last) == (2020, 2023, 1_000_000, 1_728_000)
    assert money.value == pytest.approx(0.2) and money.met  # 1.2³ = 1.728: exactly the 20% target
    assert found.annual_growth["university_received"].value == pytest.approx(0.0)
    assert found.annual_growth["university_received"].met is False
    patents = found.annual_growth["university_patents"]
    assert patents.value == pytest.approx(2 ** (1 / 3) - 1) and patents.met  # 26% a year
    pledges = found.annual_growth["pledge_projects"]
    assert pledges.value is None and "基期（2020年）为0" in pledges.reason and pledges.met is None
    yoy = next(r for r in found.years if r.year == 2021).yoy
    assert yoy["university_received"].value == -1.0 and yoy["pledge_projects"].value is None


def test_no_base_year_record_is_said_so(engine):
    def fill(books: Books) -> None:
        books.deal(LICENSE, books.org("钟山理工大学", OrgKind.UNIVERSITY), books.org("某公司", OrgKind.SME), 2022, 10)

    growth = stored(engine, fill).annual_growth["sme_contract"]
    assert growth.value is None and "无计入的交易记录" in growth.reason


def test_awaiting_payment_cancelled_and_confirmed_anomalous_deals_do_not_count(engine):
    def fill(books: Books) -> None:
        uni, sme = books.org("钟山理工大学", OrgKind.UNIVERSITY), books.org("某科技公司", OrgKind.SME)
        books.deal(LICENSE, uni, sme, 2022, 60_000, status=DealStatus.AWAITING_PAYMENT)
        books.deal(LICENSE, uni, sme, 2022, 70_000, status=DealStatus.CANCELLED)
        books.confirm(books.deal(TRANSFER, uni, sme, 2022, 1))
        books.deal(TRANSFER, uni, sme, 2022, 500_000)

    row = next(r for r in stored(engine, fill).years if r.year == 2022).values
    assert (row["university_patents"], row["sme_contract"], row["smes"]) == (1, Decimal(500_000), 1)
    assert row["subsidy_estimate"] == Decimal("25000.00")  # 5% of the contract value SMEs brought in


def test_sme_growth_says_who_had_figures_for_both_years(engine):
    def fill(books: Books) -> None:
        uni = books.org("钟山理工大学", OrgKind.UNIVERSITY)
        first, second, third = (books.org(n, OrgKind.SME) for n in ("甲公司", "乙公司", "丙公司"))
        big = books.org("大企业", OrgKind.SOE)
        for sme in (first, second, third, big):
            books.deal(TRANSFER, uni, sme, 2022, 100)
        books.figures(first, 2020, 1_000_000, 10)
        books.figures(first, 2023, 1_500_000, 12)
        books.figures(second, 2020, 2_000_000, None)
        books.figures(second, 2023, 2_000_000, 30)
        books.figures(third, 2023, 900_000, 5)  # no base year
        books.figures(big, 2020, 1, 1)  # not an SME: not a participant

    growth = stored(engine, fill).sme_growth
    assert (growth.smes, growth.with_revenue, growth.with_employees) == (3, 2, 1)
    assert (growth.revenue_base, growth.revenue_last) == (Decimal(3_000_000), Decimal(3_500_000))
    assert growth.revenue_growth == pytest.approx(1 / 6) and growth.employees_growth == pytest.approx(0.2)
    rows = {r.name: r for r in growth.rows}
    assert rows["甲公司"].revenue_growth == pytest.approx(0.5) and rows["乙公司"].employees_growth is None
    assert rows["丙公司"].revenue_base is None and rows["丙公司"].revenue_growth is None


def test_patents_smes_received_are_implemented_by_a_product_filing_or_a_record(engine):
    def fill(books: Books) -> None:
        uni, sme, other = (books.org("钟山理工大学", OrgKind.UNIVERSITY), books.org("甲公司", OrgKind.SME),
                           books.org("乙公司", OrgKind.SME))
        filed, recorded, idle, elsewhere = (books.patent() for _ in range(4))
        books.deal(LICENSE, uni, sme, 2022, 100, patents=[filed, recorded, idle, elsewhere])
        books.filing(sme, [filed], dt.date(2023, 3, 1), 8_000_000)
        books.filing(sme, [filed], dt.date(2023, 9, 1), None)
        books.filing(other, [elsewhere], dt.date(2023, 3, 1), 99)  # not the SME that received it
        books.implemented(recorded, sme)
        books.implemented(idle, other)

    use = stored(engine, fill).implementation
    assert (use.patents, use.with_product, use.with_implementation, use.unimplemented) == (4, 1, 1, 2)
    assert (use.filings, use.output_value, use.filings_without_value) == (2, Decimal(8_000_000), 1)


def test_a_target_file_may_still_say_pledge_items(tmp_path):
    import json

    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"name": "示例", "years": [2024, 2025], "university_patents": 1, "university_amount": 1,
                                "sme_patents": 1, "sme_amount": 1, "smes": 1, "pledge_amount": 1, "pledge_items": 7,
                                "annual_growth": 0.1}), encoding="utf-8")
    assert load_targets(path).pledge_projects == 7


def test_the_report_over_http_carries_units(api):
    found = call(api, "evaluator", "GET", "/stats/targets").json()
    assert found["plan_years"] == [2021, 2022, 2023] and found["base_year"] == 2020
    units = {name: f["unit"] for row in found["years"] for name, f in row["figures"].items()}
    assert units["university_patents"] == "件" and units["sme_contract"] == "元" and units["smes"] == "家"
    assert units["pledge_projects"] == "项" and found["period"]["smes"]["unit"] == "家"
    assert {p["unit"] for p in found["progress"].values()} == {"件", "元", "家", "项"}
    assert found["annual_growth"]["sme_received"]["unit"] == "比率" and "PATENT_MATCH_SUBSIDY_RATE" in \
        found["subsidy_basis"]
    assert found["sme_growth"]["revenue_base"]["unit"] == "元" and found["sme_growth"]["employees_base"]["unit"] == "人"
    assert found["implementation"]["output_value"]["unit"] == "元"
    header = call(api, "operator", "GET", "/stats/targets", params={"format": "csv"}).text.splitlines()[0].split(",")
    assert header[0] == "年度" and all(h.endswith(("（件）", "（元）", "（家）", "（项）", "（比率）")) for h in header[1:])
    assert "2021–2023累计（中小企业为计划期去重）" in call(api, "operator", "GET", "/stats/targets",
                                                   params={"format": "csv"}).text
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(call(api, "operator", "GET", "/stats/targets", params={"format": "xlsx"}).content))
    assert book.sheetnames == ["分年度", "目标完成", "年均增幅", "中小企业成长", "专利实施", "专利产品备案"]
    assert [c.value for c in book["目标完成"][1]] == ["指标", "已完成", "目标", "单位", "完成率（比率）"]
    assert call(api, "sme", "GET", "/stats/targets").status_code == 403

"""Deals over HTTP: idempotent recording, growing received amounts, the audit log, target reports."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from data.enums import OrgKind, TransactionKind
from data.models import Organization, Patent, Transaction
from data.targets import JIANGSU_2021_2023, Ledger, report
from tests.api_support import OWN_SME, OWN_TTO, call


def deal(year: int, kind: TransactionKind, source: OrgKind, target: OrgKind, amount: int, deal_id: int,
         patents: int = 1) -> Transaction:
    record = Transaction(id=deal_id, kind=kind, signed_on=dt.date(year, 6, 1), contract_amount=Decimal(amount),
                         received_amount=Decimal(amount // 2), to_org_id=deal_id)
    record.from_org = Organization(name=f"f{deal_id}", kind=source, province="江苏省")
    record.to_org = Organization(name=f"t{deal_id}", kind=target, city="常州")
    record.patents = [Patent(application_number=f"{deal_id}{i}") for i in range(patents)]
    return record


def test_year_figures_growth_subsidy_and_exclusions():
    deals = [deal(2022, TransactionKind.LICENSE, OrgKind.UNIVERSITY, OrgKind.SME, 100, 1),
             deal(2023, TransactionKind.TRANSFER, OrgKind.UNIVERSITY, OrgKind.SME, 150, 2, patents=2),
             deal(2023, TransactionKind.PLEDGE, OrgKind.SME, OrgKind.OTHER, 80, 3),
             deal(2023, TransactionKind.LICENSE, OrgKind.ENTERPRISE, OrgKind.ENTERPRISE, 999, 4)]

    def years(excluded=frozenset(), region=None) -> dict:  # noqa: ANN001
        found = report(Ledger(deals, frozenset(excluded)), JIANGSU_2021_2023, 0.05, region)
        return {row.year: row for row in found.years}

    rows = years()
    y2022, y2023 = rows[2022], rows[2023]
    assert sorted(rows) == [2020, 2021, 2022, 2023]  # the base year and every plan year, deals or not
    values = y2023.values
    assert (values["university_patents"], values["university_contract"], values["sme_contract"]) == (2, 150, 150)
    assert values["pledge_projects"] == 1 and values["pledge_amount"] == 80 and values["smes"] == 1
    assert values["subsidy_estimate"] == Decimal("7.50") and y2023.yoy["sme_contract"].value == 0.5
    assert y2022.yoy["sme_contract"].value is None  # nothing in 2021: no base
    assert years(excluded={1})[2022].values["university_patents"] == 0
    assert not any(row.values["university_patents"] for row in years(region="南京").values())  # no party in 南京
    share = report(Ledger(deals, frozenset()), JIANGSU_2021_2023, 0.05).progress["university_patents"]
    assert share.achieved == 3 and share.share == 3 / 20_000


def body(api, amount: str = "1000000", **extra) -> dict:
    orgs = api[3]
    return {"kind": "license", "application_numbers": ["201710486004.9"], "from_org_id": orgs[OWN_TTO],
            "to_org_id": orgs[OWN_SME], "license_type": "ordinary", "contract_amount": amount,
            "received_amount": "300000", "signed_on": dt.date.today().isoformat()} | extra


def test_recording_is_idempotent_and_audited(api):
    assert call(api, "sme", "POST", "/transactions", json=body(api)).status_code == 403
    assert call(api, "evaluator", "POST", "/transactions", json=body(api)).status_code == 403
    key = {"Idempotency-Key": "deal-2026-001"}
    first = call(api, "operator", "POST", "/transactions", json=body(api), headers=key)
    assert first.status_code == 201, first.text
    again = call(api, "operator", "POST", "/transactions", json=body(api), headers=key)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert call(api, "operator", "POST", "/transactions", json=body(api, "2000000"), headers=key).status_code == 409
    deal_id = first.json()["id"]
    grown = call(api, "operator", "PATCH", f"/transactions/{deal_id}", json={"received_amount": "500000"})
    assert grown.status_code == 200 and Decimal(grown.json()["received_amount"]) == 500000
    shrunk = call(api, "operator", "PATCH", f"/transactions/{deal_id}", json={"received_amount": "400000"})
    assert shrunk.status_code == 422 and "只能增加" in shrunk.text
    log = call(api, "evaluator", "GET", f"/transactions/{deal_id}/audit").json()
    assert [e["action"] for e in log] == ["create", "update"]
    assert Decimal(log[1]["before"]["received_amount"]) == 300000 and Decimal(log[1]["after"]["received_amount"]) == 500000
    bad = call(api, "operator", "POST", "/transactions", json=body(api, application_numbers=["209999999999.9"]))
    assert bad.status_code == 422 and "application_numbers" in bad.text


def test_the_target_report_changes_by_exactly_the_recorded_deals(api):
    year = dt.date.today().year

    def figures() -> dict:
        found = call(api, "operator", "GET", "/stats/targets", params={"year": year}).json()
        row = next((y for y in found["years"] if y["year"] == year), None)
        if row is None:
            return {"sme_contract": "0", "university_patents": 0, "subsidy_estimate": "0"}
        assert row["figures"]["sme_contract"]["unit"] == "元" and row["figures"]["university_patents"]["unit"] == "件"
        return {name: figure["value"] for name, figure in row["figures"].items()}

    before = figures()
    created = call(api, "operator", "POST", "/transactions", json=body(api, "250000", received_amount="0"))
    assert created.status_code == 201
    after = figures()
    assert Decimal(after["sme_contract"]) - Decimal(before["sme_contract"]) == 250000
    assert after["university_patents"] - before["university_patents"] == 1
    assert Decimal(after["subsidy_estimate"]) - Decimal(before["subsidy_estimate"]) == Decimal("12500.00")
    csv_text = call(api, "evaluator", "GET", "/stats/targets", params={"format": "csv"}).text
    assert csv_text.splitlines()[0].startswith("年度,高校院所转让、许可、作价入股专利（件）,") and str(year) in csv_text
    xlsx = call(api, "evaluator", "GET", "/stats/targets", params={"format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"  # a zip: the XLSX container
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content))["分年度"]
    assert sheet.cell(1, 1).value == "年度" and year in [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert call(api, "sme", "GET", "/stats/targets").status_code == 403


def test_a_configured_target_set(tmp_path):
    import json

    import pytest

    from data.targets import load_targets

    path = tmp_path / "zhejiang.json"
    path.write_text(json.dumps({"name": "示例目标", "years": [2024, 2025], "university_patents": 100,
                                "university_amount": 2, "sme_patents": 120, "sme_amount": 3, "smes": 50,
                                "pledge_amount": 1, "pledge_items": 10, "annual_growth": 0.15}), encoding="utf-8")
    targets = load_targets(path)
    assert targets.university_amount == Decimal(200_000_000) and targets.years == (2024, 2025)
    assert load_targets(None) is JIANGSU_2021_2023
    path.write_text('{"name": "缺字段"}', encoding="utf-8")
    with pytest.raises(ValueError, match="not a target set"):
        load_targets(path)

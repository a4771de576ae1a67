"""One platform story over HTTP, end to end: need → matches → open licence → challenge → deals → targets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tests.api_support import OWN_SME, OWN_TTO, call


def this_year(api) -> dict:
    year = dt.date.today().year
    report = call(api, "operator", "GET", "/stats/targets", params={"year": year}).json()
    row = next((y for y in report["years"] if y["year"] == year), None)
    if row is None:
        return {"sme_contract": "0", "university_patents": 0, "sme_patents": 0, "smes": 0}
    return {name: figure["value"] for name, figure in row["figures"].items()}


def test_the_platform_story(api):
    orgs = api[3]
    before = this_year(api)

    need = call(api, "sme", "POST", "/needs", json={
        "title": "配电线路接地故障定位慢", "text": "农村配网单相接地故障查找耗时长，希望快速准确选线定位。",
        "industry": "输配电", "budget": "800000", "cooperation_modes": ["license", "transfer"]}).json()
    matches = call(api, "sme", "GET", f"/needs/{need['id']}/matches", params={"limit": 5}).json()
    assert matches["total"] > 0 and matches["items"][0]["explanation_zh"]

    offer = call(api, "tto", "POST", "/offers", json={
        "application_number": "201710486004.9", "fee_type": "lump_sum", "lump_sum": "60000",
        "payment_method": "一次付清", "term_end": "2030-06-30"}).json()
    licence = call(api, "sme", "POST", f"/offers/{offer['id']}/accept").json()
    assert licence["license_type"] == "open"
    assert this_year(api) == before  # awaiting the published fee: not counted yet
    paid = call(api, "tto", "POST", f"/offers/licences/{licence['transaction_id']}/payment", json={"amount": "60000"})
    assert paid.status_code == 200 and paid.json()["status"] == "in_force", paid.text

    deadline = (dt.date.today() + dt.timedelta(days=20)).isoformat()
    challenge = call(api, "sme", "POST", "/challenges", json={"need_id": need["id"], "reward": "300000",
                                                              "deadline": deadline}).json()
    first = call(api, "tto", "POST", f"/challenges/{challenge['id']}/applications",
                 json={"proposal": "暂态零序电流选线", "application_numbers": ["201710486004.9"]}).json()
    second = call(api, "other_tto", "POST", f"/challenges/{challenge['id']}/applications",
                  json={"proposal": "行波定位"}).json()
    call(api, "sme", "POST", f"/challenges/{challenge['id']}/shortlist",
         json={"application_ids": [first["id"], second["id"]]})
    awarded = call(api, "sme", "POST", f"/challenges/{challenge['id']}/award", json={"application_id": first["id"]})
    assert awarded.json()["state"] == "awarded"

    transfer = {"kind": "transfer", "application_numbers": ["201610585148.5"], "from_org_id": orgs[OWN_TTO],
                "to_org_id": orgs[OWN_SME], "contract_amount": "400000", "received_amount": "100000",
                "signed_on": dt.date.today().isoformat(), "source_need_id": need["id"],
                "source_challenge_id": challenge["id"]}
    key = {"Idempotency-Key": "story-transfer-1"}
    assert call(api, "operator", "POST", "/transactions", json=transfer, headers=key).status_code == 201
    assert call(api, "operator", "POST", "/transactions", json=transfer, headers=key).status_code == 200  # a retry

    after = this_year(api)
    assert Decimal(after["sme_contract"]) - Decimal(before["sme_contract"]) == Decimal("460000")  # 60,000 + 400,000
    assert after["university_patents"] - before["university_patents"] == 2
    assert after["sme_patents"] - before["sme_patents"] == 2
    assert (before["smes"], after["smes"]) == (0, 1)  # one SME benefited, counted once (demo deals end in 2025)

"""Anomaly rules: each flags its pattern with evidence and leaves ordinary deals alone; review over HTTP."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from data.anomalies import find_anomalies
from data.enums import OrgKind, TransactionKind
from data.models import Organization, Patent, Transaction
from tests.api_support import OWN_SME, OWN_TTO, call

TODAY = dt.date(2026, 11, 21)
UNI = Organization(id=1, name="大学", kind=OrgKind.UNIVERSITY, industry="高等教育")
SME = Organization(id=2, name="企业", kind=OrgKind.SME, industry="储能系统")
OTHER = Organization(id=3, name="另一企业", kind=OrgKind.SME, industry="餐饮")
PATENT = Patent(id=10, application_number="202110000000.1", main_ipc="H02J 7/00")

_ids = iter(range(100, 10_000))


def deal(kind=TransactionKind.TRANSFER, source=UNI, target=SME, signed=dt.date(2025, 3, 1), amount=200_000,
         received=200_000, patents=(PATENT,)) -> Transaction:
    record = Transaction(id=next(_ids), kind=kind, from_org_id=source.id, to_org_id=target.id, signed_on=signed,
                         contract_amount=Decimal(amount), received_amount=Decimal(received))
    record.from_org, record.to_org, record.patents = source, target, list(patents)
    return record


def rules(deals, related=frozenset()) -> dict[int, set[str]]:
    findings = find_anomalies(deals, TODAY, set(related), lambda p: {"新型电力(新能源)装备"},
                              lambda industry: {"新型电力(新能源)装备"} if industry == "储能系统" else
                              ({"餐饮业"} if industry == "餐饮" else set()))
    out: dict[int, set[str]] = {}
    for f in findings:
        assert f.evidence
        out.setdefault(f.transaction_id, set()).add(f.rule)
    return out


def test_an_ordinary_deal_is_not_flagged():
    assert rules([deal()]) == {}


def test_repeat_transfers_and_round_trips():
    first = deal(signed=dt.date(2025, 1, 10))
    back = deal(source=SME, target=UNI, signed=dt.date(2025, 6, 1))
    later = deal(source=UNI, target=SME, signed=dt.date(2026, 9, 1))
    found = rules([first, back, later])
    assert found[back.id] == {"repeat_transfer", "round_trip"}
    assert "repeat_transfer" not in found.get(later.id, set())  # more than 12 months after the last one


def test_related_parties_and_prices():
    related = deal()
    assert rules([related], {frozenset((UNI.id, SME.id))})[related.id] == {"related_parties"}
    assert rules([deal(amount=500, received=500)]) and "symbolic_price" in next(iter(rules([deal(amount=0,
                                                                                                  received=0)]).values()))
    peers = [deal(kind=TransactionKind.LICENSE, amount=a, received=a) for a in (100_000, 120_000, 110_000, 90_000,
                                                                                 105_000)]
    outlier = deal(kind=TransactionKind.LICENSE, amount=50_000_000, received=50_000_000)
    assert rules([*peers, outlier]) == {outlier.id: {"outlier_price"}}


def test_year_end_bulk_unpaid_and_unrelated_industry():
    bulk = [deal(kind=TransactionKind.LICENSE, signed=dt.date(2025, 12, 20 + i)) for i in range(5)]
    assert all(found == {"deadline_bulk"} for found in rules(bulk).values()) and len(rules(bulk)) == 5
    assert rules(bulk[:4]) == {}
    unpaid = deal(signed=dt.date(2024, 6, 1), received=10_000)
    assert rules([unpaid])[unpaid.id] == {"unpaid"}
    assert rules([deal(signed=dt.date(2026, 6, 1), received=0)]) == {}  # not yet a year
    unrelated = deal(target=OTHER)
    assert rules([unrelated])[unrelated.id] == {"unrelated_industry"}


def test_review_over_http_and_confirmed_deals_leave_the_targets(api):
    orgs = api[3]
    year = dt.date.today().year
    body = {"kind": "transfer", "application_numbers": ["201610585148.5"], "from_org_id": orgs[OWN_TTO],
            "to_org_id": orgs[OWN_SME], "contract_amount": "1", "received_amount": "1",
            "signed_on": dt.date.today().isoformat()}
    created = call(api, "operator", "POST", "/transactions", json=body)
    assert created.status_code == 201
    assert call(api, "sme", "POST", "/anomalies/scan").status_code == 403
    scanned = call(api, "operator", "POST", "/anomalies/scan").json()
    assert scanned["new"] >= 1
    assert call(api, "operator", "POST", "/anomalies/scan").json()["new"] == 0  # flags are not duplicated
    flags = call(api, "evaluator", "GET", "/anomalies", params={"status": "open"}).json()
    symbolic = next(f for f in flags if f["transaction_id"] == created.json()["id"] and f["rule"] == "symbolic_price")

    def university_patents() -> int:
        years = call(api, "operator", "GET", "/stats/targets", params={"year": year}).json()["years"]
        return next((y["figures"]["university_patents"]["value"] for y in years if y["year"] == year), 0)  # no row

    before = university_patents()
    assert call(api, "operator", "POST", f"/anomalies/{symbolic['id']}/review",
                json={"decision": "confirm"}).status_code == 422  # a comment is required
    reviewed = call(api, "operator", "POST", f"/anomalies/{symbolic['id']}/review",
                    json={"decision": "confirm", "comment": "1元转让，无实际实施"})
    assert reviewed.status_code == 200 and reviewed.json()["status"] == "confirmed"
    assert university_patents() == before - 1
    assert call(api, "operator", "POST", f"/anomalies/{symbolic['id']}/review",
                json={"decision": "dismiss", "comment": "x"}).status_code == 409
    marked = call(api, "operator", "POST", "/related-parties",
                  json={"first_org_id": orgs[OWN_SME], "second_org_id": orgs[OWN_TTO], "note": "校办企业"})
    assert marked.status_code == 201
    again = call(api, "operator", "POST", "/related-parties",
                 json={"first_org_id": orgs[OWN_TTO], "second_org_id": orgs[OWN_SME]})
    assert again.status_code == 409  # already marked: a conflict, not a server error
    call(api, "operator", "POST", "/anomalies/scan")
    rules_now = {f["rule"] for f in call(api, "operator", "GET", "/anomalies").json()
                 if f["transaction_id"] == created.json()["id"]}
    assert "related_parties" in rules_now

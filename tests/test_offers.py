"""Open licensing: each eligibility rule refuses with its name; declare, accept, withdraw over HTTP."""

from __future__ import annotations

import datetime as dt

import pytest

from data.enums import LegalStatus, LicenseType, PatentType, TransactionKind
from data.licensing import offer_refusals
from data.models import Patent, Transaction
from tests.api_support import call

TODAY = dt.date(2026, 11, 21)
TERM = dt.date(2029, 12, 31)


def patent(**fields) -> Patent:
    base = dict(application_number="202110000000.1", patent_type=PatentType.INVENTION, title="t",
                application_date=dt.date(2021, 1, 1), grant_date=dt.date(2023, 1, 1), legal_status=LegalStatus.VALID,
                right_suspended=False, has_evaluation_report=False, annual_fee_paid_until=dt.date(2027, 1, 1))
    record = Patent(**(base | fields))
    record.transactions = []
    return record


def deal(kind: TransactionKind, license_type: LicenseType | None = None, ends_on: dt.date | None = None) -> Transaction:
    return Transaction(kind=kind, license_type=license_type, signed_on=dt.date(2024, 1, 1), ends_on=ends_on)


def rules(record: Patent, term_end: dt.date = TERM, consent: bool = False) -> list[str]:
    return [r.rule for r in offer_refusals(record, term_end, TODAY, consent)]


def test_an_eligible_patent_has_no_refusal():
    assert rules(patent()) == []


@pytest.mark.parametrize("fields, rule", [
    ({"legal_status": LegalStatus.LAPSED}, "专利法第五十条"),
    ({"legal_status": LegalStatus.PENDING, "grant_date": None}, "专利法第五十条"),
    ({"patent_type": PatentType.UTILITY_MODEL}, "专利法第五十条第一款"),
    ({"right_suspended": True}, "专利法实施细则第八十六条第（二）项"),
    ({"annual_fee_paid_until": dt.date(2026, 1, 1)}, "专利法实施细则第八十六条第（三）项"),
])
def test_each_record_rule_names_itself(fields, rule):
    assert rules(patent(**fields)) == [rule]


def test_a_utility_model_with_an_evaluation_report_is_eligible():
    assert rules(patent(patent_type=PatentType.UTILITY_MODEL, has_evaluation_report=True),
                 term_end=dt.date(2030, 12, 31)) == []


def test_exclusive_and_sole_licences_in_force_block_an_offer():
    for license_type in (LicenseType.EXCLUSIVE, LicenseType.SOLE):
        record = patent()
        record.transactions = [deal(TransactionKind.LICENSE, license_type)]
        assert rules(record) == ["专利法实施细则第八十六条第（一）项"]
    ended, ordinary = patent(), patent()
    ended.transactions = [deal(TransactionKind.LICENSE, LicenseType.EXCLUSIVE, ends_on=dt.date(2025, 12, 31))]
    ordinary.transactions = [deal(TransactionKind.LICENSE, LicenseType.ORDINARY)]
    assert rules(ended) == [] and rules(ordinary) == []


def test_a_pledge_needs_the_pledgees_consent():
    record = patent()
    record.transactions = [deal(TransactionKind.PLEDGE)]
    assert rules(record) == ["专利法实施细则第八十六条第（四）项"]
    assert rules(record, consent=True) == []
    record.transactions = [deal(TransactionKind.PLEDGE, ends_on=dt.date(2025, 6, 30))]  # released
    assert rules(record) == []


def test_the_term_may_not_outlast_the_patent():
    assert rules(patent(), term_end=dt.date(2041, 1, 1)) == ["专利法第四十二条"]  # expires 2040-12-31


OFFER = {"application_number": "201710486004.9", "fee_type": "lump_sum", "lump_sum": "50000",
         "payment_method": "合同签订后30日内一次付清", "term_end": "2029-12-31", "pay_later_months": 6}


def test_declare_accept_and_withdraw_an_open_licence(api):
    assert call(api, "other_tto", "POST", "/offers", json=OFFER).status_code == 403  # not its patent
    assert call(api, "sme", "POST", "/offers", json=OFFER).status_code == 403
    missing = call(api, "tto", "POST", "/offers", json=OFFER | {"lump_sum": None})
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["body", "lump_sum"]
    declared = call(api, "tto", "POST", "/offers", json=OFFER)
    assert declared.status_code == 201, declared.text
    offer = declared.json()
    assert offer["status"] == "active" and offer["exclusive"] is False
    accepted = call(api, "sme", "POST", f"/offers/{offer['id']}/accept")
    assert accepted.status_code == 201, accepted.text
    licence = accepted.json()
    assert licence["license_type"] == "open" and licence["kind"] == "license" and licence["filing_status"] == "pending"
    assert float(licence["contract_amount"]) == 50000 and licence["ends_on"] == "2029-12-31"
    assert "先使用后付费6个月" in licence["terms"] and "合同签订后30日内一次付清" in licence["terms"]
    assert call(api, "tto", "POST", f"/offers/{offer['id']}/accept").status_code == 403  # SMEs accept
    assert call(api, "other_tto", "POST", f"/offers/{offer['id']}/withdraw").status_code == 403
    withdrawn = call(api, "tto", "POST", f"/offers/{offer['id']}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert call(api, "sme", "POST", f"/offers/{offer['id']}/accept").status_code == 409
    assert call(api, "tto", "POST", f"/offers/{offer['id']}/withdraw").status_code == 409
    listed = call(api, "evaluator", "GET", "/offers", params={"application_number": OFFER["application_number"]})
    assert [o["status"] for o in listed.json()] == ["withdrawn"]
    from sqlalchemy import select

    from data.db import transaction

    with transaction(api[4]) as session:  # the licence granted before the withdrawal stands
        granted = session.get(Transaction, licence["transaction_id"])
        assert granted is not None and granted.offer_id == offer["id"]
        assert session.scalar(select(Transaction).where(Transaction.id == licence["transaction_id"])).ends_on == TERM


def test_an_ineligible_patent_is_refused_with_the_rule(api):
    lapsed = call(api, "operator", "POST", "/offers", json=OFFER | {"application_number": "201710488870.1"})
    assert lapsed.status_code == 409
    body = lapsed.json()
    assert body["refusals"][0]["rule"] == "专利法第五十条" and "有效" in body["refusals"][0]["reason"]
    no_report = call(api, "operator", "POST", "/offers", json=OFFER | {"application_number": "201920684448.8",
                                                                         "term_end": "2028-12-31"})
    assert no_report.status_code == 409 and no_report.json()["refusals"][0]["rule"] == "专利法第五十条第一款"
    assert call(api, "tto", "POST", "/offers", json=OFFER | {"application_number": "209999999999.9"}).status_code == 404

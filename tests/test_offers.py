"""Open licensing: each eligibility rule refuses with its name; declare, accept, pay for and withdraw over
HTTP and the web accept page; exclusive licences refused under an offer; the annual-fee reduction."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from data.db import transaction
from data.enums import DealStatus, FeeType, LegalStatus, LicenseType, OfferStatus, PatentType, TransactionKind
from data.licensing import (
    LicenceRefused,
    exclusive_licence_refusal,
    offer_refusals,
    record_payment,
    refresh_fee_reduction,
)
from data.models import LicenseOffer, Patent, Transaction
from tests.api_support import OWN_TTO, call

TODAY = dt.date(2026, 11, 21)
TERM = dt.date(2029, 12, 31)
GRANTED = "专利法第五十条第一款、专利法实施细则第八十五条第一款"  # granted (announced) and valid


def patent(**fields) -> Patent:
    base = dict(application_number="202110000000.1", patent_type=PatentType.INVENTION, title="t",
                application_date=dt.date(2021, 1, 1), grant_date=dt.date(2023, 1, 1), legal_status=LegalStatus.VALID,
                right_suspended=False, has_evaluation_report=False, annual_fee_paid_until=dt.date(2027, 1, 1))
    record = Patent(**(base | fields))
    record.transactions = []
    return record


def deal(kind: TransactionKind, license_type: LicenseType | None = None, ends_on: dt.date | None = None,
         status: DealStatus | None = None) -> Transaction:
    return Transaction(kind=kind, license_type=license_type, signed_on=dt.date(2024, 1, 1), ends_on=ends_on,
                       status=status)


def rules(record: Patent, term_end: dt.date = TERM, consent: bool = False) -> list[str]:
    return [r.rule for r in offer_refusals(record, term_end, TODAY, consent)]


def test_an_eligible_patent_has_no_refusal():
    assert rules(patent()) == []


@pytest.mark.parametrize("fields, rule", [
    ({"legal_status": LegalStatus.LAPSED}, GRANTED),
    ({"legal_status": LegalStatus.PENDING, "grant_date": None}, GRANTED),
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
    for idle in (DealStatus.AWAITING_PAYMENT, DealStatus.CANCELLED):  # not in force: no obstacle
        record = patent()
        record.transactions = [deal(TransactionKind.LICENSE, LicenseType.EXCLUSIVE, status=idle)]
        assert rules(record) == []


def test_a_pledge_needs_the_pledgees_consent():
    record = patent()
    record.transactions = [deal(TransactionKind.PLEDGE)]
    assert rules(record) == ["专利法实施细则第八十六条第（四）项"]
    assert rules(record, consent=True) == []
    record.transactions = [deal(TransactionKind.PLEDGE, ends_on=dt.date(2025, 6, 30))]  # released
    assert rules(record) == []


def test_the_term_may_not_outlast_the_patent():
    assert rules(patent(), term_end=dt.date(2041, 1, 1)) == ["专利法第四十二条第一款"]  # expires 2040-12-31


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
    assert licence["status"] == "in_force" and licence["effective_on"] == dt.date.today().isoformat()  # pay later
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
    with transaction(api[4]) as session:  # the licence granted before the withdrawal stands
        granted = session.get(Transaction, licence["transaction_id"])
        assert granted is not None and granted.offer_id == offer["id"]
        assert session.scalar(select(Transaction).where(Transaction.id == licence["transaction_id"])).ends_on == TERM


def test_an_ineligible_patent_is_refused_with_the_rule(api):
    lapsed = call(api, "operator", "POST", "/offers", json=OFFER | {"application_number": "201710488870.1"})
    assert lapsed.status_code == 409
    body = lapsed.json()
    assert body["refusals"][0]["rule"] == GRANTED and "有效" in body["refusals"][0]["reason"]
    no_report = call(api, "operator", "POST", "/offers", json=OFFER | {"application_number": "201920684448.8",
                                                                         "term_end": "2028-12-31"})
    assert no_report.status_code == 409 and no_report.json()["refusals"][0]["rule"] == "专利法第五十条第一款"
    assert call(api, "tto", "POST", "/offers", json=OFFER | {"application_number": "209999999999.9"}).status_code == 404


# ---- exclusive licences under an open licence (Patent Law Art. 51 ¶3), unit ----

def offered(on: dt.date = dt.date(2026, 1, 1), withdrawn_on: dt.date | None = None) -> Patent:
    record = patent()
    record.offers = [LicenseOffer(id=7, fee_type=FeeType.FREE, declared_on=on, term_start=on, term_end=TERM,
                                  status=OfferStatus.WITHDRAWN if withdrawn_on else OfferStatus.ACTIVE,
                                  withdrawn_on=withdrawn_on)]
    return record


def test_no_exclusive_or_sole_licence_while_an_offer_is_open():
    for kind in (LicenseType.EXCLUSIVE, LicenseType.SOLE):
        message = exclusive_licence_refusal([patent(), offered()], kind, TODAY)
        assert "专利法第五十一条第三款" in message and "202110000000.1" in message and "#7" in message
    for kind in (LicenseType.ORDINARY, LicenseType.OPEN, None):  # ordinary licences stay allowed
        assert exclusive_licence_refusal([offered()], kind, TODAY) is None
    assert exclusive_licence_refusal([patent()], LicenseType.EXCLUSIVE, TODAY) is None  # no offer
    before = dt.date(2025, 12, 31)
    assert exclusive_licence_refusal([offered()], LicenseType.EXCLUSIVE, dt.date(2025, 1, 1), before) is None  # ended
    # signed before the offer but still running during it: the same conflict (Art. 51 ¶3 holds on every day)
    assert exclusive_licence_refusal([offered()], LicenseType.EXCLUSIVE, before) is not None
    assert exclusive_licence_refusal([offered()], LicenseType.EXCLUSIVE, before, dt.date(2027, 1, 1)) is not None
    assert exclusive_licence_refusal([offered()], LicenseType.SOLE, dt.date(2030, 1, 1)) is None  # term over
    withdrawn = offered(withdrawn_on=dt.date(2026, 6, 1))
    assert exclusive_licence_refusal([withdrawn], LicenseType.EXCLUSIVE, TODAY) is None
    assert exclusive_licence_refusal([withdrawn], LicenseType.EXCLUSIVE, dt.date(2026, 5, 31)) is not None


# ---- payment and the annual-fee reduction, unit ----

def open_licence(contract: Decimal | None, status: DealStatus = DealStatus.AWAITING_PAYMENT) -> Transaction:
    record = patent()
    licence = Transaction(kind=TransactionKind.LICENSE, license_type=LicenseType.OPEN, offer_id=7, status=status,
                          contract_amount=contract, signed_on=dt.date(2026, 3, 1), ends_on=TERM)
    licence.patents = [record]
    return licence


def test_a_lump_sum_licence_takes_effect_when_the_whole_sum_is_received():
    licence = open_licence(Decimal("50000"))
    assert record_payment(licence, Decimal("20000"), dt.date(2026, 3, 10)) is False
    assert licence.status is DealStatus.AWAITING_PAYMENT and licence.effective_on is None
    assert licence.patents[0].annual_fee_reduction_since is None
    assert record_payment(licence, Decimal("50000"), dt.date(2026, 4, 2)) is True
    assert (licence.status, licence.effective_on, licence.received_amount) == (
        DealStatus.IN_FORCE, dt.date(2026, 4, 2), Decimal("50000"))
    assert licence.patents[0].annual_fee_reduction_since == dt.date(2026, 4, 2)
    assert record_payment(licence, Decimal("60000"), dt.date(2026, 5, 1)) is False  # already in force
    assert licence.effective_on == dt.date(2026, 4, 2)


def test_a_royalty_licence_takes_effect_on_the_first_confirmed_payment():
    licence = open_licence(None)
    assert record_payment(licence, Decimal("0"), dt.date(2026, 3, 10)) is False
    assert record_payment(licence, Decimal("1200.50"), dt.date(2026, 6, 30)) is True
    assert licence.effective_on == dt.date(2026, 6, 30)


@pytest.mark.parametrize("amount, on, field", [(Decimal("-1"), dt.date(2026, 4, 1), "received_amount"),
                                               (Decimal("1"), dt.date(2026, 2, 1), "paid_on")])
def test_a_payment_is_refused_naming_its_field(amount, on, field):
    with pytest.raises(LicenceRefused, match=f"^{field}："):
        record_payment(open_licence(Decimal("10")), amount, on)
    with pytest.raises(LicenceRefused, match="^status："):
        record_payment(open_licence(Decimal("10"), DealStatus.CANCELLED), Decimal("10"), dt.date(2026, 4, 1))


def test_the_fee_reduction_lasts_while_an_open_licence_is_in_force():
    first, second = open_licence(None, DealStatus.IN_FORCE), open_licence(None, DealStatus.IN_FORCE)
    first.effective_on, second.effective_on = dt.date(2026, 3, 1), dt.date(2026, 5, 1)
    record = first.patents[0]
    assert refresh_fee_reduction(record, TODAY, also=[second, first]) == dt.date(2026, 3, 1)
    ordinary = Transaction(kind=TransactionKind.LICENSE, license_type=LicenseType.ORDINARY, signed_on=TODAY)
    awaiting = open_licence(Decimal("5"))
    assert refresh_fee_reduction(record, TODAY, also=[ordinary, awaiting]) is None  # neither is an open one in force
    first.ends_on = dt.date(2026, 6, 30)
    assert refresh_fee_reduction(record, dt.date(2026, 7, 1), also=[first]) is None  # its term ended


# ---- over HTTP and the web accept page ----

def offer_for(api, number: str, **terms) -> dict:
    body = {"application_number": number, "fee_type": "lump_sum", "lump_sum": "50000", "term_end": "2029-12-31",
            "payment_method": "签约后30日内一次付清"} | terms
    answer = call(api, "tto", "POST", "/offers", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def reduction(api, number: str):
    return next(o for o in call(api, "evaluator", "GET", "/offers", params={"application_number": number}).json()
                )["annual_fee_reduction_since"]


def test_a_lump_sum_licence_awaits_payment_then_takes_effect(api):
    offer = offer_for(api, "201610598205.3")
    licence = call(api, "sme", "POST", f"/offers/{offer['id']}/accept").json()
    assert (licence["status"], licence["effective_on"], licence["annual_fee_reduction_since"]) == (
        "awaiting_payment", None, None)
    assert reduction(api, "201610598205.3") is None
    pay = f"/offers/licences/{licence['transaction_id']}/payment"
    assert call(api, "other_tto", "POST", pay, json={"amount": "50000"}).status_code == 403  # not its licence
    assert call(api, "sme", "POST", pay, json={"amount": "50000"}).status_code == 403  # the licensor confirms
    future = call(api, "tto", "POST", pay, json={"amount": "50000", "paid_on": "2099-01-01"})
    assert future.status_code == 422 and future.json()["detail"][0]["loc"] == ["body", "paid_on"]
    part = call(api, "tto", "POST", pay, json={"amount": "20000"}).json()
    assert part["status"] == "awaiting_payment" and float(part["received_amount"]) == 20000
    less = call(api, "tto", "POST", pay, json={"amount": "10000"})
    assert less.status_code == 422 and "只能增加" in less.json()["detail"][0]["msg"]
    more = call(api, "operator", "POST", pay, json={"amount": "60000"})
    assert more.status_code == 422 and "excess_note" in more.json()["detail"][0]["msg"]
    paid_on = dt.date.today().isoformat()
    paid = call(api, "tto", "POST", pay, json={"amount": "50000", "paid_on": paid_on})
    assert paid.status_code == 200, paid.text
    assert (paid.json()["status"], paid.json()["effective_on"]) == ("in_force", paid_on)
    assert paid.json()["annual_fee_reduction_since"] == paid_on == reduction(api, "201610598205.3")
    with transaction(api[4]) as session:
        stored = session.get(Transaction, licence["transaction_id"])
        assert (stored.status, stored.effective_on.isoformat()) == (DealStatus.IN_FORCE, paid_on)


@pytest.mark.parametrize("number, terms", [("202010420803.8", {"fee_type": "free", "lump_sum": None}),
                                           ("202210826577.2", {"pay_later_months": 12})])
def test_free_and_pay_later_licences_take_effect_at_once(api, number, terms):
    offer = offer_for(api, number, **terms)
    licence = call(api, "sme", "POST", f"/offers/{offer['id']}/accept").json()
    today = dt.date.today().isoformat()
    assert (licence["status"], licence["effective_on"], licence["annual_fee_reduction_since"]) == (
        "in_force", today, today)
    assert reduction(api, number) == today


def test_the_fee_reduction_outlives_the_withdrawal_until_no_licence_is_in_force(api):
    number = "201710483362.4"
    offer = offer_for(api, number, fee_type="free", lump_sum=None)
    licence = call(api, "other_sme", "POST", f"/offers/{offer['id']}/accept").json()
    today = dt.date.today()
    withdrawn = call(api, "tto", "POST", f"/offers/{offer['id']}/withdraw").json()
    assert withdrawn["annual_fee_reduction_since"] == today.isoformat()  # Art. 50 ¶2: the licence stands
    with transaction(api[4]) as session:  # the licence's term ends; the next change finds none in force
        session.get(Transaction, licence["transaction_id"]).ends_on = today - dt.timedelta(days=1)
    again = offer_for(api, number, fee_type="free", lump_sum=None)
    assert call(api, "tto", "POST", f"/offers/{again['id']}/withdraw").json()["annual_fee_reduction_since"] is None
    with transaction(api[4]) as session:
        record = session.scalar(select(Patent).where(Patent.application_number == number))
        assert record.annual_fee_reduction_since is None


def test_a_second_acceptance_answers_409_naming_the_first(api):
    offer = offer_for(api, "201610585148.5", fee_type="free", lump_sum=None)
    first = call(api, "sme", "POST", f"/offers/{offer['id']}/accept").json()
    second = call(api, "sme", "POST", f"/offers/{offer['id']}/accept")
    assert second.status_code == 409 and f"许可 #{first['transaction_id']}" in second.json()["detail"]
    client = _signed_in(api, "sme")  # the web accept page says the same, in place of a second licence
    page = client.post(f"/ui/offers/{offer['id']}/accept", data={"csrf": _csrf(client)})
    assert page.status_code == 409 and f"许可 #{first['transaction_id']}" in page.text
    with transaction(api[4]) as session:
        assert len(session.scalars(select(Transaction).where(Transaction.offer_id == offer["id"])).all()) == 1


def test_a_concurrent_second_acceptance_ends_in_409_not_500(api, monkeypatch):
    offer = offer_for(api, "202010420803.8", fee_type="free", lump_sum=None)  # a second offer of its own
    assert call(api, "other_sme", "POST", f"/offers/{offer['id']}/accept").status_code == 201
    monkeypatch.setattr("data.licensing.earlier_licence", lambda *_: None)  # both requests passed the check
    raced = call(api, "other_sme", "POST", f"/offers/{offer['id']}/accept")
    assert raced.status_code == 409 and "只能取得一项许可" in raced.json()["detail"]


def test_the_web_accept_page_shows_a_licence_awaiting_payment(api):
    offer = offer_for(api, "201710486004.9", lump_sum="30000")  # 201710486004.9's earlier offer was withdrawn
    client = _signed_in(api, "other_sme")
    page = client.post(f"/ui/offers/{offer['id']}/accept", data={"csrf": _csrf(client)})
    assert page.status_code == 201
    assert "已接受，待支付许可使用费" in page.text and "专利法第五十一条第一款" in page.text
    assert "许可已生效" not in page.text


def test_an_exclusive_licence_under_an_open_offer_answers_409_naming_the_article(api):
    orgs = api[3]
    deal_body = {"kind": "license", "license_type": "exclusive", "application_numbers": ["202310468700.2"],
                 "from_org_id": orgs[OWN_TTO], "to_org_id": orgs["南京储能云科技有限公司"], "contract_amount": "100000",
                 "signed_on": dt.date.today().isoformat()}  # 202310468700.2 is under a demo offer since 2024
    refused = call(api, "operator", "POST", "/transactions", json=deal_body)
    assert refused.status_code == 409 and "专利法第五十一条第三款" in refused.json()["detail"]
    assert call(api, "operator", "POST", "/transactions", json=deal_body | {"license_type": "ordinary"}
                ).status_code == 201


def _signed_in(api, role: str) -> TestClient:
    client, keys, *_ = api
    browser = TestClient(client.app, follow_redirects=False)
    token = re.search(r'name="form_token" value="([^"]+)"', browser.get("/ui/signin").text).group(1)
    assert browser.post("/ui/signin", data={"key": keys[role], "form_token": token, "next": "/ui/"}
                        ).status_code in (200, 303)
    return browser


def _csrf(client: TestClient) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get("/ui/").text).group(1)

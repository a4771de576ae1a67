"""The operator's journey (issue 22, item 3): deals searched, paged and edited within the ledger's rules,
a challenge cancelled only with a confirmed reason, and anomaly flags that explain their rule in Chinese.

The page tests run on SQLite and PostgreSQL through signed-in clients (the `api` fixture); the layout
test opens the deals page in Chromium at a laptop's 1280 × 800 (the `site` fixture).
"""

from __future__ import annotations

import datetime as dt
import html
import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from data.db import transaction
from data.enums import DealStatus
from data.models import Patent, Transaction
from tests.api_support import OTHER_SME, OTHER_TTO, OWN_SME, OWN_TTO, call
from tests.web_support import shot, sign_in


def test_the_signing_date_is_in_view_on_a_1280_pixel_screen(site, browser):
    base, keys, _ = site
    page = sign_in(browser, base, keys["operator"], viewport={"width": 1280, "height": 800})
    page.goto("/ui/transactions")
    header = page.locator("main table th", has_text="签订日期")
    assert header.count() == 1
    box = header.bounding_box()
    assert box is not None
    assert 0 <= box["x"] and box["x"] + box["width"] <= 1280 and 0 <= box["y"] and box["y"] + box["height"] <= 800, box
    # … and not cut off by the table's own scroll box: no horizontal scrolling needed to read it
    frame = page.locator("main .table-wrap", has=page.locator("th", has_text="签订日期")).bounding_box()
    assert frame["x"] <= box["x"] and box["x"] + box["width"] <= frame["x"] + frame["width"], (box, frame)
    shot(page, "30-operator-deals-1280", full_page=False)
    page.fill("input[name=q]", "JS-2025")
    page.select_option("select[name=kind]", "license")
    page.click("form[role=search] button")
    assert all("许可" in row for row in page.locator("table.deals tbody td:nth-child(3)").all_inner_texts())
    page.locator("table.deals tbody a").first.click()
    assert page.locator("h1").inner_text().startswith("交易 #")
    page.fill("#f-received_amount", "1")  # less than received already: refused next to the field
    page.click("#edit button[type=submit]")
    assert "只能增加" in page.locator("#e-received_amount").inner_text()
    shot(page, "31-operator-deal-edit-refused")
    page.context.close()


# ---- over HTTP, on SQLite and PostgreSQL, with a signed-in client per role ----

def _signed_in(api, role: str) -> TestClient:
    client, keys, *_ = api
    browser = TestClient(client.app, follow_redirects=False)
    token = re.search(r'name="form_token" value="([^"]+)"', browser.get("/ui/signin").text).group(1)
    assert browser.post("/ui/signin", data={"key": keys[role], "form_token": token, "next": "/ui/"}
                        ).status_code in (200, 303)
    browser.csrf = re.search(r'name="csrf" value="([^"]+)"', browser.get("/ui/").text).group(1)
    return browser


def _ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="deal-(\d+)"', page)]


def _field_error(page: str, name: str) -> str:
    found = re.search(rf'<small class="error" id="e-{name}">([^<]*)</small>', page)
    return html.unescape(found.group(1)) if found else ""


def _deal(api, **terms) -> int:
    orgs = api[3]
    body = {"kind": "transfer", "application_numbers": [], "from_org_id": orgs[OWN_TTO], "to_org_id": orgs[OWN_SME],
            "contract_amount": "1000", "received_amount": "1000", "signed_on": "2025-01-10"} | terms
    answer = call(api, "operator", "POST", "/transactions", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def _stored(api, deal_id: int) -> Transaction:
    with transaction(api[4]) as session:
        deal = session.get(Transaction, deal_id)
        session.expunge(deal)
        return deal


def _holders(api, number: str) -> list[str]:
    with transaction(api[4]) as session:
        patent = session.scalar(select(Patent).where(Patent.application_number == number))
        return sorted(h.organization.name for h in patent.holders)


def test_deals_are_found_by_number_party_contract_kind_status_and_year_and_paged(api):
    operator = _signed_in(api, "operator")
    with transaction(api[4]) as session:  # the reference: every deal, filtered in Python
        deals = [(d.id, d.kind.value, d.status.value, d.signed_on.year, d.external_id or "",
                  {p.application_number for p in d.patents}, {d.from_org.name, d.to_org.name})
                 for d in session.scalars(select(Transaction).order_by(Transaction.id.desc()))]
    number = next(iter(deals[-1][5]))
    party = sorted(deals[0][6])[0]
    contract = next(d[4] for d in deals if d[4])
    cases = [({"q": number}, lambda d: number in d[5]),
             ({"q": "CN" + number.replace(".", "")}, lambda d: number in d[5]),  # as typed off a certificate
             ({"q": party[1:4]}, lambda d: any(party[1:4] in name for name in d[6])),
             ({"q": contract.lower()}, lambda d: contract.lower() in d[4].lower()),
             ({"kind": "license"}, lambda d: d[1] == "license"),
             ({"status": "in_force", "year": "2025"}, lambda d: d[2] == "in_force" and d[3] == 2025),
             ({"q": "100%_"}, lambda d: False)]  # typed wildcards are literal
    for params, keep in cases:
        expected = [d[0] for d in deals if keep(d)]
        page = operator.get("/ui/transactions", params=params | {"limit": 100})
        assert page.status_code == 200, params
        assert _ids(page.text) == expected, params
        assert (f"共 {len(expected)} 笔" if expected else "没有符合条件的交易") in page.text
    second = operator.get("/ui/transactions", params={"limit": 5, "offset": 5})
    everything = [d[0] for d in deals]
    assert _ids(second.text) == everything[5:10]
    assert f"共 {len(everything)} 笔，显示第 6–10 笔" in second.text
    assert 'href="/ui/transactions?limit=5" rel="prev"' in second.text
    assert 'href="/ui/transactions?limit=5&amp;offset=10" rel="next"' in second.text
    assert operator.get("/ui/transactions", params={"kind": "gift"}).status_code == 422
    assert "签订日期" in second.text and "生效日期" in second.text


def test_raising_the_payment_of_an_open_licence_puts_it_in_force(api):
    offer = call(api, "tto", "POST", "/offers", json={
        "application_number": "201610598205.3", "fee_type": "lump_sum", "lump_sum": "50000",
        "term_end": "2029-12-31", "payment_method": "签约后30日内一次付清"}).json()
    deal_id = call(api, "sme", "POST", f"/offers/{offer['id']}/accept").json()["transaction_id"]
    operator = _signed_in(api, "operator")
    page = operator.get(f"/ui/transactions/{deal_id}").text
    assert '<span class="badge warn" id="deal-status">待付费</span>' in page and "尚未生效" in page
    listed = operator.get("/ui/transactions", params={"status": "awaiting_payment"}).text
    assert deal_id in _ids(listed)
    form = {"csrf": operator.csrf, "received_amount": "20000", "recorded_on": "", "filing_status": "",
            "excess_note": "", "note": ""}
    assert operator.post(f"/ui/transactions/{deal_id}", data=form).status_code == 303
    assert _stored(api, deal_id).status is DealStatus.AWAITING_PAYMENT  # part of the fee: not yet
    less = operator.post(f"/ui/transactions/{deal_id}", data=form | {"received_amount": "10000"})
    assert less.status_code == 422 and "只能增加" in _field_error(less.text, "received_amount")
    assert 'value="10000"' in less.text  # what was typed stays in the form
    paid = operator.post(f"/ui/transactions/{deal_id}", data=form | {"received_amount": "50000.00"},
                         follow_redirects=True)
    today = dt.date.today()
    stored = _stored(api, deal_id)
    assert (stored.status, stored.effective_on, stored.received_amount) == (DealStatus.IN_FORCE, today, 50000)
    assert '<dd id="deal-effective">' + today.isoformat() in paid.text and "已保存" in paid.text
    assert "实际到账（元）：20000.00 → 50000.00" in paid.text  # the history says what changed
    assert deal_id not in _ids(operator.get("/ui/transactions", params={"status": "awaiting_payment"}).text)


def test_an_edit_breaking_a_rule_is_refused_next_to_its_field_and_changes_nothing(api):
    deal_id = _deal(api, application_numbers=["201610585148.5"], external_id="OJ-EDIT-1")
    operator = _signed_in(api, "operator")
    form = {"csrf": operator.csrf, "received_amount": "1000.00", "recorded_on": "", "filing_status": "",
            "excess_note": "", "note": ""}
    early = operator.post(f"/ui/transactions/{deal_id}", data=form | {"recorded_on": "2025-01-01"})
    assert early.status_code == 422 and "早于签订日期 2025-01-10" in _field_error(early.text, "recorded_on")
    future = operator.post(f"/ui/transactions/{deal_id}", data=form | {"recorded_on": "2099-01-01"})
    assert future.status_code == 422 and "晚于今天" in _field_error(future.text, "recorded_on")
    excess = operator.post(f"/ui/transactions/{deal_id}", data=form | {"received_amount": "1500"})
    assert excess.status_code == 422 and "超过合同金额" in _field_error(excess.text, "received_amount")
    cleared = operator.post(f"/ui/transactions/{deal_id}", data=form | {"received_amount": ""})
    assert cleared.status_code == 422 and "只能增加" in _field_error(cleared.text, "received_amount")
    bad = operator.post(f"/ui/transactions/{deal_id}", data=form | {"filing_status": "lost"})
    assert bad.status_code == 422 and _field_error(bad.text, "filing_status")
    stored = _stored(api, deal_id)
    assert (stored.recorded_on, stored.received_amount, stored.filing_status) == (None, 1000, None)
    ok = operator.post(f"/ui/transactions/{deal_id}", data=form | {
        "received_amount": "1500", "excess_note": "含技术服务费500元", "recorded_on": "2025-02-01",
        "filing_status": "filed", "note": "已在省局登记"}, follow_redirects=True)
    assert ok.status_code == 200
    stored = _stored(api, deal_id)
    assert (stored.recorded_on, stored.received_amount, stored.filing_status, stored.excess_note, stored.note) == (
        dt.date(2025, 2, 1), 1500, "filed", "含技术服务费500元", "已在省局登记")
    assert "备案状态：— → 已备案" in ok.text
    audit = call(api, "operator", "GET", f"/transactions/{deal_id}/audit").json()
    assert [e["action"] for e in audit] == ["create", "update"]  # refused edits left no trace
    again = operator.post(f"/ui/transactions/{deal_id}", data=form | {
        "received_amount": "1500", "excess_note": "含技术服务费500元", "recorded_on": "2025-02-01",
        "filing_status": "filed", "note": "已在省局登记"})
    assert again.status_code == 303 and again.headers["location"].endswith("saved=false")
    assert len(call(api, "operator", "GET", f"/transactions/{deal_id}/audit").json()) == 2  # nothing changed


def test_cancelling_a_deal_needs_a_reason_and_gives_a_transfer_back(api):
    number = "202010420803.8"
    deal_id = _deal(api, application_numbers=[number])
    assert _holders(api, number) == [OWN_SME]
    operator = _signed_in(api, "operator")
    blank = operator.post(f"/ui/transactions/{deal_id}/cancel", data={"csrf": operator.csrf, "reason": "  "})
    assert blank.status_code == 422 and "取消原因" in _field_error(blank.text, "reason")
    assert _stored(api, deal_id).status is DealStatus.IN_FORCE and _holders(api, number) == [OWN_SME]
    done = operator.post(f"/ui/transactions/{deal_id}/cancel", data={"csrf": operator.csrf, "reason": "合同解除"},
                         follow_redirects=True)
    stored = _stored(api, deal_id)
    assert stored.status is DealStatus.CANCELLED and stored.note.endswith("取消原因：合同解除")
    assert _holders(api, number) == [OWN_TTO]
    assert 'id="deal-status">已取消' in done.text and f'action="/ui/transactions/{deal_id}/cancel"' not in done.text
    twice = operator.post(f"/ui/transactions/{deal_id}/cancel", data={"csrf": operator.csrf, "reason": "再次"})
    assert twice.status_code == 409 and _stored(api, deal_id).note.count("取消原因") == 1
    assert deal_id in _ids(operator.get("/ui/transactions", params={"status": "cancelled"}).text)


def test_a_cancel_the_ledger_forbids_is_refused_with_the_rule(api):
    number = "202120312134.2"
    first = _deal(api, application_numbers=[number], signed_on="2025-03-01")
    _deal(api, application_numbers=[number], signed_on="2025-06-01", from_org_id=api[3][OWN_SME],
          to_org_id=api[3][OTHER_SME])
    operator = _signed_in(api, "operator")
    refused = operator.post(f"/ui/transactions/{first}/cancel", data={"csrf": operator.csrf, "reason": "录错"})
    assert refused.status_code == 409
    # the buyer has sold it on: undoing the first transfer would strand the second
    assert re.search(r"<strong>状态</strong>：受让方 \S+ 已就这些专利另行交易（#\d+）", refused.text)
    assert _stored(api, first).status is DealStatus.IN_FORCE and _holders(api, number) == [OTHER_SME]


def test_evaluators_read_a_deal_and_only_operators_change_it(api):
    deal_id = _deal(api, application_numbers=["201610588472.2"], from_org_id=api[3][OTHER_TTO])
    evaluator = _signed_in(api, "evaluator")
    page = evaluator.get(f"/ui/transactions/{deal_id}")
    assert page.status_code == 200 and "修改记录" in page.text and 'class="form"' not in page.text
    for path, form in [(f"/ui/transactions/{deal_id}", {"note": "x"}), (f"/ui/transactions/{deal_id}/cancel",
                                                                         {"reason": "x"})]:
        assert evaluator.post(path, data=form | {"csrf": evaluator.csrf}).status_code == 403
        assert _signed_in(api, "sme").post(path, data=form).status_code == 403
    assert _signed_in(api, "sme").get(f"/ui/transactions/{deal_id}").status_code == 403
    assert _signed_in(api, "operator").get("/ui/transactions/999999").status_code == 404
    assert _stored(api, deal_id).status is DealStatus.IN_FORCE and _stored(api, deal_id).note == ""


def test_cancelling_a_challenge_asks_for_confirmation_and_a_reason(api):
    need = call(api, "sme", "POST", "/needs", json={"title": "电池包热失控预警", "text": "储能电池包热失控前难以预警。"}).json()
    deadline = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    cid = call(api, "sme", "POST", "/challenges", json={"need_id": need["id"], "reward": "100000",
                                                        "deadline": deadline}).json()["id"]
    sme = _signed_in(api, "sme")
    page = sme.get(f"/ui/challenges/{cid}").text
    assert f'href="/ui/challenges/{cid}/cancel"' in page  # a link to the confirmation step, not a one-click form
    assert f'action="/ui/challenges/{cid}/cancel"' not in page
    confirm = sme.get(f"/ui/challenges/{cid}/cancel")
    assert confirm.status_code == 200 and "确认撤榜" in confirm.text and "不能撤销" in confirm.text
    assert _signed_in(api, "other_sme").get(f"/ui/challenges/{cid}/cancel").status_code == 403
    assert _signed_in(api, "tto").get(f"/ui/challenges/{cid}/cancel").status_code == 403
    blank = sme.post(f"/ui/challenges/{cid}/cancel", data={"csrf": sme.csrf, "note": " "})
    assert blank.status_code == 422 and "撤榜原因" in _field_error(blank.text, "note")
    assert call(api, "sme", "GET", f"/challenges/{cid}").json()["state"] == "published"
    done = sme.post(f"/ui/challenges/{cid}/cancel", data={"csrf": sme.csrf, "note": "需求已由企业自行解决"})
    assert done.status_code == 303 and done.headers["location"] == f"/ui/challenges/{cid}"
    log = call(api, "sme", "GET", f"/challenges/{cid}/events").json()
    assert (log[-1]["to_state"], log[-1]["note"]) == ("cancelled", "需求已由企业自行解决")
    final = sme.get(f"/ui/challenges/{cid}/cancel")
    assert "不能撤榜" in final.text and 'name="note"' not in final.text
    again = sme.post(f"/ui/challenges/{cid}/cancel", data={"csrf": sme.csrf, "note": "再撤一次"})
    assert again.status_code == 409 and len(call(api, "sme", "GET", f"/challenges/{cid}/events").json()) == len(log)

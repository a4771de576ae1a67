"""The web interface in Debian's Chromium (Playwright), against `patent-match serve` started on loopback.

Each test drives what a person does and checks what the database then holds; screenshots of the key
pages go to test-output/screenshots (PATENT_MATCH_SCREENSHOTS) for a human to look at.
"""

from __future__ import annotations

import datetime as dt
import re

import httpx
from sqlalchemy import select

from data.db import transaction
from data.models import MatchFeedback, Need, Patent, Transaction
from tests.web_support import shot, sign_in

NEED_TITLE = "配电线路接地故障定位慢"
NEED_TEXT = "农村配网单相接地故障查找耗时长，巡线人员要逐段排查，希望快速选线定位，缩短停电时间。"
INELIGIBLE = "202410573587.9"  # 钟山理工大学, still pending: not a valid patent
OFFERED = "201710486004.9"  # 钟山理工大学, valid, no offer in the demo


def _post_need(page, title: str = NEED_TITLE) -> int:  # noqa: ANN001
    page.goto("/ui/needs/new")
    page.fill("#f-title", title)
    page.fill("#f-text", NEED_TEXT)
    page.fill("#f-industry", "电力设备")
    page.click("form.form button[type=submit]")
    page.wait_for_url(re.compile(r".*/ui/needs/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def _year_row(page) -> list[str]:  # noqa: ANN001
    """This year's row of the dashboard's per-year table (empty cells when the year has no deals yet)."""
    page.goto("/ui/dashboard")
    row = page.locator("#years tbody tr", has=page.locator("td:first-child", has_text=str(dt.date.today().year)))
    return row.first.locator("td").all_inner_texts() if row.count() else []


def test_an_sme_posts_a_need_sees_explained_matches_and_grades_one(site, browser):
    base, keys, engine = site
    page = sign_in(browser, base, keys["sme"])
    shot(page, "01-sme-home")
    page.goto("/ui/needs/new")
    page.click("form.form button[type=submit]")  # nothing filled in: messages next to the fields
    assert page.locator("#e-title").inner_text() == "必填。"
    assert page.locator("#f-text").get_attribute("aria-invalid") == "true"
    shot(page, "02-sme-need-form-errors")

    need_id = _post_need(page)
    cards = page.locator("li.match")
    assert cards.count() >= 1
    first = cards.first
    assert first.locator("dl.why dt").count() >= 2  # shared terms, IPC, clusters … as labelled evidence
    assert first.locator(".why-summary").inner_text().startswith("为什么推荐这件专利")  # a plain sentence, no raw score
    assert first.locator(".score").count() == 0
    shot(page, "03-sme-matches")

    number = first.get_attribute("id").removeprefix("m-")
    first.locator("input[name=grade][value='2']").check()
    first.locator("input[name=reason]").fill("正是我们要的选线方法")
    first.locator("form.grade button").click()
    page.wait_for_function("document.querySelector('li.match output.status').textContent.length > 0")
    assert first.locator("output.status").inner_text() == "评价已保存。"
    with transaction(engine) as session:
        saved = session.execute(select(Patent.application_number, MatchFeedback.grade, MatchFeedback.reason)
                                .join(Patent, Patent.id == MatchFeedback.patent_id)
                                .where(MatchFeedback.need_id == need_id)).all()
        assert [tuple(row) for row in saved] == [(number, 2, "正是我们要的选线方法")]

    page.goto(f"/ui/needs/{need_id}?holder=不存在的大学")
    assert page.locator("p.empty").inner_text() == "没有符合条件的专利，请放宽筛选条件。"
    page.context.close()


def test_an_offer_is_refused_then_declared_accepted_and_counted(site, browser):
    base, keys, engine = site
    operator = sign_in(browser, base, keys["operator"])
    before = _year_row(operator)

    tto = sign_in(browser, base, keys["tto"])
    tto.goto("/ui/patents?sleeping=true")
    assert tto.locator("td .reason").count() >= 1  # sleeping flags come with their reasons
    shot(tto, "04-tto-patents")
    tto.goto(f"/ui/patents/{INELIGIBLE}")
    tto.select_option("#f-fee_type", "free")
    tto.fill("#f-term_end", "2030-06-30")
    tto.click("form.form button[type=submit]")
    refusal = tto.locator(".problem .refusals")
    assert "专利法第五十条" in refusal.inner_text()
    shot(tto, "05-tto-offer-refused")

    tto.goto(f"/ui/patents/{OFFERED}")
    tto.select_option("#f-fee_type", "lump_sum")
    tto.fill("#f-lump_sum", "60000")
    tto.fill("#f-payment_method", "签约后30日内一次付清")
    tto.fill("#f-term_end", "2030-06-30")
    tto.click("form.form button[type=submit]")
    assert "一次性" in tto.locator("#offers tbody tr").last.inner_text()  # listed, with a withdraw button
    assert tto.locator("#offers tbody tr").last.locator("button", has_text="撤回").count() == 1
    tto.context.close()

    sme = sign_in(browser, base, keys["sme"])
    need_id = _post_need(sme, NEED_TITLE + "（二）")
    sme.goto(f"/ui/needs/{need_id}?licence_available=true&holder=钟山理工大学")
    card = sme.locator(f"[id='m-{OFFERED}']")
    assert "一次性许可费6万元" in card.locator("dd.licence").inner_text()
    card.locator("a.button", has_text="接受开放许可").click()
    terms = sme.locator("dl.terms").inner_text()
    assert "60,000.00" in terms and "2030-06-30" in terms and "签约后30日内一次付清" in terms
    shot(sme, "06-sme-licence-terms")
    sme.click("main form button[type=submit]")
    # Patent Law Art. 51 ¶1: the licence is obtained once the published fee is paid
    assert sme.locator("h1").inner_text() == "已接受，待支付许可使用费"
    shot(sme, "07-sme-licence-awaiting-payment")
    sme.context.close()

    with transaction(engine) as session:
        deal = session.scalars(select(Transaction).order_by(Transaction.id.desc())).first()
        assert [p.application_number for p in deal.patents] == [OFFERED] and deal.contract_amount == 60000
    assert _year_row(operator) == before  # not counted while the fee is unpaid
    paid = httpx.post(f"{base}/offers/licences/{deal.id}/payment", json={"amount": "60000"},
                      headers={"Authorization": f"Bearer {keys['tto']}"})
    assert paid.status_code == 200 and paid.json()["status"] == "in_force", paid.text
    after = _year_row(operator)
    # Columns: year, university patents (with growth), contract, received, SME patents, SME contract, SMEs …
    count = (lambda row, i: int(re.match(r"\d+", row[i]).group()) if row else 0)  # noqa: E731
    # a cell reads "60,000.00" or, with its year-on-year growth, "60,000.00 -99%"
    amount = (lambda row, i: float(row[i].split()[0].replace(",", "")) if row and row[i] != "—" else 0.0)  # noqa: E731
    assert count(after, 1) == count(before, 1) + 1 and count(after, 4) == count(before, 4) + 1
    assert amount(after, 2) == amount(before, 2) + 60000 and amount(after, 5) == amount(before, 5) + 60000
    shot(operator, "08-operator-dashboard")
    operator.context.close()


def test_each_role_reaches_only_its_own_pages(site, browser):
    base, keys, _ = site
    sme = sign_in(browser, base, keys["sme"])
    assert sme.locator("header nav a", has_text="目标看板").count() == 0  # not offered …
    response = sme.goto("/ui/dashboard")  # … and not reachable either
    assert response.status == 403 and "无权" in sme.locator(".error-page").inner_text()
    assert sme.goto("/ui/imports").status == 403
    shot(sme, "09-sme-forbidden")
    sme.context.close()

    tto = sign_in(browser, base, keys["tto"])
    assert tto.goto("/ui/needs/new").status == 403
    assert tto.goto("/ui/anomalies").status == 403
    assert tto.goto("/ui/needs/1").status == 200  # open needs are a TTO's to browse (issue 22) …
    assert tto.locator("main form[action$='/edit'], main a[href$='/edit']").count() == 0  # … not to edit
    tto.context.close()

    evaluator = sign_in(browser, base, keys["evaluator"])
    assert evaluator.goto("/ui/curation").status == 403  # grading is for operators and SMEs
    evaluator.goto("/ui/transactions")
    assert evaluator.locator("form.form").count() == 0  # read-only: no recording form
    evaluator.context.close()

    anonymous = browser.new_context(base_url=base).new_page()
    anonymous.goto("/ui/dashboard")
    assert anonymous.url.startswith(f"{base}/ui/signin") and anonymous.locator("#f-key").count() == 1
    anonymous.context.close()


def test_key_pages_render_for_people_on_laptops_and_phones(site, browser):
    """Screenshots of the remaining key pages, in Chinese and in English, wide and narrow."""
    base, keys, engine = site
    operator = sign_in(browser, base, keys["operator"])
    shot(operator, "10-operator-home")
    operator.goto("/ui/anomalies")
    operator.click("form[action='/ui/anomalies/scan'] button")
    assert operator.locator(".ok").count() == 1
    shot(operator, "11-operator-anomalies")
    operator.goto("/ui/curation")
    shot(operator, "12-operator-curation")
    operator.goto("/ui/challenges")
    operator.locator("table a").first.click()
    shot(operator, "13-operator-challenge")
    operator.goto("/ui/transactions")
    shot(operator, "14-operator-transactions")
    operator.click("a.lang")
    assert operator.locator("h1").inner_text() == "Record a deal"
    operator.goto("/ui/dashboard")
    shot(operator, "15-operator-dashboard-en")
    operator.click("a.lang")  # back to Chinese
    operator.context.close()

    with transaction(engine) as session:
        need_id = session.scalar(select(Need.id).where(Need.external_id == "XQ-2026-01"))
    phone = sign_in(browser, base, keys["sme"], viewport={"width": 390, "height": 844})
    phone.goto(f"/ui/needs/{need_id}")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the match page scrolls sideways on a phone ({width}px)"
    shot(phone, "16-phone-matches")
    phone.context.close()

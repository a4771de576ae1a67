"""Issue 22's "done means", in Debian's Chromium: an SME posts a need → opens a matched patent → expresses interest
(意向洽谈) → the holder's TTO sees it (inbox, unread count) and accepts talks → the operator sees the open
conversation and records the deal from it → the target report moves by exactly that deal; every page on the way is
in Chinese. The screenshots it takes are the user guide's (api/web/guide/img, tests/guide_support.py).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import httpx
from sqlalchemy import select

from data.db import transaction
from data.models import Interest, Organization, Patent, Transaction
from tests.guide_support import VIEWPORT, guide_shot
from tests.test_chinese import _words
from tests.web_support import sign_in

NEED_TITLE = "储能电站电池簇一致性差"
NEED_TEXT = "我公司运营多座工商业储能电站，运行两年后电池簇内单体电压差越来越大，容量衰减快，希望引进电池主动均衡管理技术。"
HOLDER = "钟山理工大学"  # the demo TTO key acts for it
AMOUNT = Decimal("180000")
RECEIVED = Decimal("60000")
MESSAGE = "贵校这项主动均衡专利与我们的储能电站需求很契合，希望洽谈普通许可，能否安排技术人员交流？"


class Visits:
    """Every page a person saw, checked for English words with tests/test_chinese.py's own rule."""

    def __init__(self) -> None:
        self.leaks: dict[str, list[str]] = {}
        self.count = 0

    def check(self, page) -> None:  # noqa: ANN001
        page.wait_for_load_state()
        self.count += 1
        words = _words(page.content())
        if words:
            self.leaks[page.url] = words


def _this_year(base: str, key: str) -> dict[str, Decimal]:
    answer = httpx.get(f"{base}/stats/targets", headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 200, answer.text
    row = next((y for y in answer.json()["years"] if y["year"] == dt.date.today().year), None)
    return {name: Decimal(str(f["value"])) for name, f in (row["figures"] if row else {}).items()}


def _held_by(engine, number: str) -> list[str]:  # noqa: ANN001
    with transaction(engine) as session:
        patent = session.scalar(select(Patent).where(Patent.application_number == number))
        return [holder.organization.name for holder in patent.holders]


def test_from_a_need_to_a_recorded_deal_in_chinese(site, browser):
    base, keys, engine = site
    seen = Visits()
    before = _this_year(base, keys["operator"])

    tto = sign_in(browser, base, keys["tto"], viewport=VIEWPORT)
    unread_before = int(tto.locator("#unread-count").inner_text()) if tto.locator("#unread-count").count() else 0

    # The SME posts a need and reads its matches.
    sme = sign_in(browser, base, keys["sme"], viewport=VIEWPORT)
    seen.check(sme)
    sme.goto("/ui/needs/new")
    sme.fill("#f-title", NEED_TITLE)
    sme.fill("#f-text", NEED_TEXT)
    sme.fill("#f-industry", "储能")
    guide_shot(sme, "sme-need-form")
    sme.click("form.form button[type=submit]")
    sme.wait_for_url(re.compile(r".*/ui/needs/\d+$"))
    need_id = int(sme.url.rsplit("/", 1)[1])
    seen.check(sme)
    guide_shot(sme, "sme-matches")

    # A match still held by the university (the ledger: a patent the demo transferred is a company's now).
    numbers = [card.removeprefix("m-") for card in sme.locator("li.match").evaluate_all("l => l.map(e => e.id)")]
    number = next(n for n in numbers if _held_by(engine, n) == [HOLDER])
    card = sme.locator(f"[id='m-{number}']")
    card.locator("h2 a").click()
    sme.wait_for_url(f"**/ui/patents/{number}")
    seen.check(sme)
    assert HOLDER in sme.locator("#holders").inner_text()
    assert sme.locator("p.abstract").inner_text().strip() not in ("", "—")
    guide_shot(sme, "sme-patent-detail")

    # 意向洽谈: from the match, for this need, with a message.
    sme.go_back()
    sme.locator(f"[id='m-{number}'] a.button", has_text="提出合作意向").click()
    sme.wait_for_url("**/ui/interests/new?**")
    seen.check(sme)
    assert sme.locator("#f-need_id").input_value() == str(need_id)
    assert sme.locator("#f-application_number").input_value() == number
    sme.fill("#f-message", MESSAGE)
    guide_shot(sme, "sme-interest-form")
    sme.click("main form button[type=submit]")
    sme.wait_for_url(re.compile(r".*/ui/interests/\d+$"))
    interest_id = int(sme.url.rsplit("/", 1)[1])
    seen.check(sme)
    assert sme.locator("#interest-status").inner_text() == "待回复"
    assert MESSAGE in sme.locator("#messages").inner_text()
    guide_shot(sme, "sme-interest-sent")

    # The holder's TTO: one more unread notice, the conversation in its inbox; it accepts talks.
    tto.goto("/ui/")
    seen.check(tto)
    assert int(tto.locator("#unread-count").inner_text()) == unread_before + 1
    tto.click("#nav-notices")
    seen.check(tto)
    assert tto.locator("#notices li.unread").count() >= 1
    guide_shot(tto, "tto-notifications")
    tto.goto("/ui/interests")
    seen.check(tto)
    row = tto.locator("#interests tbody tr", has=tto.locator(f"a[href='/ui/interests/{interest_id}']"))
    assert "待回复" in row.inner_text() and NEED_TITLE in row.inner_text()
    guide_shot(tto, "tto-inbox")
    row.locator("a").first.click()
    seen.check(tto)
    assert MESSAGE in tto.locator("#messages").inner_text()
    tto.click("#accept")
    tto.wait_for_url(f"**/ui/interests/{interest_id}")
    seen.check(tto)
    assert tto.locator("#interest-status").inner_text() == "洽谈中"
    guide_shot(tto, "tto-interest-accepted")
    tto.context.close()

    # The operator: every open conversation by age; records the deal from this one.
    operator = sign_in(browser, base, keys["operator"], viewport=VIEWPORT)
    operator.goto("/ui/interests?status=open&status=question&status=talking")
    seen.check(operator)
    row = operator.locator("#interests tbody tr", has=operator.locator(f"a[href='/ui/interests/{interest_id}']"))
    assert "洽谈中" in row.inner_text() and "天" in row.inner_text()
    guide_shot(operator, "operator-interests")
    row.locator("a").first.click()
    seen.check(operator)
    operator.select_option("#f-kind", "license")
    operator.select_option("#f-license_type", "ordinary")
    operator.fill("#f-contract_amount", str(AMOUNT))
    operator.fill("#f-received_amount", str(RECEIVED))
    operator.fill("#f-signed_on", dt.date.today().isoformat())
    operator.fill("#f-note", "经意向洽谈达成")
    guide_shot(operator, "operator-interest-deal", element="form[action$='/deal']")
    operator.click("form[action$='/deal'] button[type=submit]")
    operator.wait_for_url(f"**/ui/interests/{interest_id}")
    seen.check(operator)
    assert operator.locator("#interest-status").inner_text() == "已成交", operator.locator("main").inner_text()

    with transaction(engine) as session:
        interest = session.get(Interest, interest_id)
        deal = session.get(Transaction, interest.transaction_id)
        assert interest.need_id == need_id and [p.application_number for p in deal.patents] == [number]
        assert deal.contract_amount == AMOUNT
        assert session.get(Organization, deal.from_org_id).name == HOLDER

    # The target report moves by exactly this deal: one patent, its amounts, on the university and the SME side.
    after = _this_year(base, keys["operator"])
    moved = {name: after.get(name, Decimal(0)) - before.get(name, Decimal(0)) for name in after}
    assert moved["university_patents"] == 1 and moved["sme_patents"] == 1, moved
    assert moved["university_contract"] == AMOUNT and moved["sme_contract"] == AMOUNT, moved
    assert moved["university_received"] == RECEIVED and moved["sme_received"] == RECEIVED, moved
    operator.goto("/ui/dashboard")
    seen.check(operator)
    year = operator.locator("#years tbody tr", has=operator.locator("td:first-child",
                                                                      has_text=str(dt.date.today().year)))
    assert year.count() == 1
    guide_shot(operator, "operator-dashboard")
    operator.goto(f"/ui/transactions/{deal.id}")
    seen.check(operator)
    operator.context.close()
    sme.context.close()

    assert seen.count >= 15
    assert not seen.leaks, f"English on Chinese pages: {seen.leaks}"


def test_the_other_guide_pages_and_the_help_menu(site, browser):
    """The remaining screenshots of the user guide, and the guide itself inside the interface: every page's header
    has 帮助, which opens the signed-in role's chapter; its screenshots are served as PNGs."""
    base, keys, engine = site
    with transaction(engine) as session:
        offered = session.scalar(select(Patent.application_number).join(Patent.offers).order_by(Patent.id))

    sme = sign_in(browser, base, keys["sme"], viewport=VIEWPORT)
    sme.goto("/ui/offers")
    guide_shot(sme, "sme-offers")

    tto = sign_in(browser, base, keys["tto"], viewport=VIEWPORT)
    tto.goto("/ui/patents?sleeping=true")
    guide_shot(tto, "tto-patents")
    tto.goto(f"/ui/patents/{offered}")
    guide_shot(tto, "tto-offer-form", element="#offers")
    tto.goto("/ui/needs")
    guide_shot(tto, "tto-needs")
    tto.goto("/ui/imports")
    assert tto.locator("#templates a[href$='.xlsx']").count() >= 1
    guide_shot(tto, "tto-imports")

    operator = sign_in(browser, base, keys["operator"], viewport=VIEWPORT)
    operator.goto("/ui/transactions")
    guide_shot(operator, "operator-transactions")
    operator.goto("/ui/anomalies")
    operator.click("form[action='/ui/anomalies/scan'] button")
    guide_shot(operator, "operator-anomalies")

    evaluator = sign_in(browser, base, keys["evaluator"], viewport=VIEWPORT)
    evaluator.goto("/ui/dashboard")
    guide_shot(evaluator, "evaluator-dashboard")
    evaluator.goto("/ui/eval")
    guide_shot(evaluator, "evaluator-eval")

    for role, page in (("sme", sme), ("tto", tto), ("operator", operator), ("evaluator", evaluator)):
        page.goto("/ui/")
        page.click("#nav-help")
        page.wait_for_url(f"**/ui/help/{role}")
        assert page.locator("article.guide h1").count() == 1, role
        assert not _words(page.content()), (role, _words(page.content()))
        source = page.locator("article.guide img").first.get_attribute("src")
        assert source.startswith("/ui/help/img/"), source
        answer = page.request.get(source)
        assert answer.status == 200 and answer.headers["content-type"] == "image/png", (role, source)
        page.goto("/ui/help")
        assert page.locator("article.guide a[href='/ui/help/" + role + "']").count() >= 1, role
        page.context.close()

    anonymous = browser.new_context(base_url=base).new_page()
    anonymous.goto("/ui/signin")
    anonymous.click("#nav-help")
    anonymous.wait_for_url("**/ui/help")
    assert anonymous.request.get("/ui/help/img/none.png").status == 404
    assert anonymous.request.get("/ui/help/nothing").status == 404
    anonymous.context.close()

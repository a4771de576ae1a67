"""What the security review of issue 22 found, each on SQLite and PostgreSQL where a database is involved:
another organisation's implementation record, years and text that made a 500, a mail subject with a line
break, deal counts shown to everyone, LIKE wildcards typed as search text, raw failure text of an index update."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from data.db import transaction
from data.enums import OrgKind
from data.models import Notification, Organization
from tests.api_support import OTHER_SME, call
from tests.mail_support import fake_smtp
from tests.test_web import _sign_in

PLEDGED_ONLY = "201810797367.9"  # its only demo deal is a pledge (JS-2021-0008)
LICENSED = "201710486004.9"  # 钟山理工大学's; licensed once, in force


def test_a_holder_may_not_overwrite_another_organisations_implementation(api):
    licensee = {"application_number": LICENSED, "organization_id": api[3][OTHER_SME], "self_implemented": False,
                "started_on": "2022-03-04", "evidence": "被许可人量产"}
    assert call(api, "tto", "POST", "/implementations", json=licensee).status_code == 201
    again = call(api, "tto", "POST", "/implementations", json=licensee | {"evidence": "改写"})
    assert again.status_code == 403 and "本单位的实施记录" in again.json()["detail"], again.text
    operator = call(api, "operator", "POST", "/implementations", json=licensee | {"evidence": "运营核实"})
    assert operator.status_code == 200 and operator.json()["evidence"] == "运营核实"
    own = {"application_number": LICENSED, "started_on": "2020-02-02"}
    assert call(api, "tto", "POST", "/implementations", json=own).status_code == 201
    assert call(api, "tto", "POST", "/implementations", json=own | {"evidence": "自有产线"}).status_code == 200


@pytest.mark.parametrize("path, body, field", [
    ("/enterprise-figures", {"year": 2**63}, "year"),
    ("/enterprise-figures", {"year": 2020, "employees": 2**63}, "employees"),
    ("/product-filings", {"external_id": "BA-BIG", "product": "储能柜", "application_numbers": [LICENSED],
                          "filed_on": "2024-05-06", "output_year": 2**63}, "output_year"),
    ("/product-filings", {"external_id": "BA-\x00", "product": "储能柜", "application_numbers": [LICENSED],
                          "filed_on": "2024-05-06"}, "external_id"),
])
def test_out_of_range_numbers_and_control_characters_are_422_not_500(api, path, body, field):
    answer = call(api, "sme", "POST", path, json=body)
    assert answer.status_code == 422, answer.text
    assert any(e["loc"] == ["body", field] for e in answer.json()["detail"]), answer.text


def test_the_figures_form_refuses_a_huge_year(api):
    client = _sign_in(api[0].app, api[1]["sme"])
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/ui/").text).group(1)
    answer = client.post("/ui/enterprise/figures", data={"year": str(2**63), "csrf": csrf})
    assert answer.status_code == 422 and "不能大于 2100" in answer.text


def test_a_nan_budget_is_refused_in_chinese(api):
    answer = call(api, "sme", "POST", "/needs", json={"title": "预算", "text": "储能", "budget": "NaN"})
    assert answer.status_code == 422
    assert any("有限的数字" in e["msg"] for e in answer.json()["detail"]), answer.text


def test_market_use_counts_deals_in_force_and_tells_counts_to_operators_only(api):
    def market(who: str, number: str) -> dict:
        found = call(api, who, "GET", f"/patents/{number}").json()["value"]["indicators"]
        return next(i for i in found if i["name"] == "market_use")

    pledged = market("operator", PLEDGED_ONLY)
    assert pledged["value"] is None and "没有" in pledged["evidence"]  # a pledge is security, not use
    assert market("operator", LICENSED)["evidence"] == "1 笔生效的转让、许可或作价入股交易"
    assert market("evaluator", LICENSED)["evidence"].startswith("1 笔")
    for who in ("sme", "tto"):
        shown = market(who, LICENSED)
        assert shown["value"] == 1.0 and not re.search(r"\d", shown["evidence"]), (who, shown)


def test_typed_percent_and_underscore_are_text_not_wildcards(api):
    from data.queries import list_patents

    tto = _sign_in(api[0].app, api[1]["tto"])
    assert 'id="needs"' in tto.get("/ui/needs").text
    assert 'id="needs"' not in tto.get("/ui/needs", params={"q": "%"}).text
    assert 'id="needs"' not in tto.get("/ui/needs", params={"q": "_"}).text
    with transaction(api[-1]) as session:
        assert list_patents(session, holder="钟山") and not list_patents(session, holder="%")


def test_a_failed_index_updates_raw_text_is_for_operators(api):
    from api.freshness import IndexFreshness
    from indexer.freshness import Staleness

    def work(progress):  # noqa: ANN001, ANN202
        raise RuntimeError("/srv/secret/index: 磁盘已满")

    failing = IndexFreshness(work, lambda: Staleness(0, 0, 0, dt.datetime.now(dt.UTC)), start=lambda run: run())
    failing.schedule(missing=1)
    state = api[0].app.state  # swapped by hand: the module's app keeps its own runner afterwards
    saved, state.freshness = state.freshness, failing
    try:
        for who in ("sme", "tto", "evaluator"):
            job = call(api, who, "GET", "/index/status").json()["job"]
            assert job["error"] == "更新失败，请联系运营人员" and "secret" not in job["text_zh"], who
        for who in ("operator", "admin"):
            assert "磁盘已满" in call(api, who, "GET", "/index/status").json()["job"]["error"]
    finally:
        state.freshness = saved


def test_a_subject_with_a_line_break_does_not_stop_the_batch(engine, monkeypatch):

    from data import mail
    from data.settings import get_settings

    sent = fake_smtp(monkeypatch)
    monkeypatch.setenv("PATENT_MATCH_SMTP_HOST", "127.0.0.1")
    get_settings.cache_clear()
    try:
        with transaction(engine) as session:
            org = Organization(name="南京储能云科技有限公司", kind=OrgKind.ENTERPRISE, contact_email="a@example.cn")
            session.add(org)
            session.flush()
            notices = [Notification(organization_id=org.id, role="sme", kind="interest", text=text, link="")
                       for text in ("需求“电池\n均衡\r\nBcc: x@evil.cn”有新意向", "第二条通知")]
            session.add_all(notices)
            session.flush()
            ids = [n.id for n in notices]
        assert mail.deliver(engine, ids, get_settings()) == 2
        assert [m["Subject"] for m in sent] == ["【专利供需对接平台】需求“电池 均衡 Bcc: x@evil.cn”有新意向",
                                                 "【专利供需对接平台】第二条通知"]
        with transaction(engine) as session:
            assert all(n.emailed_at for n in session.scalars(select(Notification)))
    finally:
        get_settings.cache_clear()

"""The web interface over HTTP: sessions, CSRF, role gates, readable errors, imports and evaluations.

The browser tests (test_web_browser.py) drive the flows in Chromium; these check the rules each page
relies on, on SQLite and PostgreSQL, with a client per role signed in through the sign-in form.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from data.db import transaction
from data.enums import Role
from data.models import ApiKey, Need, Patent, WebSession
from tests.api_support import OTHER_TTO, PATENT

ROLES = ("sme", "tto", "operator", "evaluator", "admin")
PAGES = [  # (path, the roles that may open it)
    ("/ui/", ROLES),
    ("/ui/needs", ("sme", "tto", "operator", "evaluator", "admin")),  # a TTO browses the open needs
    ("/ui/needs/new", ("sme", "operator", "admin")),
    ("/ui/patents", ROLES),
    (f"/ui/patents/{PATENT}", ROLES),
    ("/ui/offers", ROLES),
    ("/ui/imports", ("tto", "operator", "admin")),
    ("/ui/challenges", ROLES),
    ("/ui/challenges/new", ("sme", "operator", "admin")),
    ("/ui/dashboard", ("operator", "evaluator", "admin")),
    ("/ui/dashboard/yearly.png", ("operator", "evaluator", "admin")),
    ("/ui/transactions", ("operator", "evaluator", "admin")),
    ("/ui/anomalies", ("operator", "evaluator", "admin")),
    ("/ui/curation", ("operator", "admin")),
    ("/ui/eval", ("operator", "evaluator", "admin")),
]
FORMS = [  # (path, form, the roles that may post it): a forbidden role changes nothing
    ("/ui/needs/new", {"title": "x", "text": "y"}, ("sme", "operator", "admin")),
    ("/ui/transactions", {"kind": "transfer"}, ("operator", "admin")),
    ("/ui/anomalies/scan", {}, ("operator", "admin")),
    ("/ui/curation", {}, ("operator", "admin")),
    (f"/ui/patents/{PATENT}/offers", {"fee_type": "free"}, ("tto", "operator", "admin")),
]


def _sign_in(app, key: str, follow: bool = False) -> TestClient:  # noqa: ANN001
    client = TestClient(app, follow_redirects=follow)
    form = client.get("/ui/signin")
    token = re.search(r'name="form_token" value="([^"]+)"', form.text).group(1)
    answer = client.post("/ui/signin", data={"key": key, "form_token": token, "next": "/ui/"})
    assert answer.status_code in (200, 303), answer.text
    return client


def _csrf(client: TestClient) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get("/ui/").text).group(1)


@pytest.fixture(scope="module")
def browsers(api):
    """A signed-in client per role (cookies of their own)."""
    client, keys, *_ = api
    return {role: _sign_in(client.app, keys[role]) for role in ROLES}


@pytest.mark.parametrize("path, allowed", PAGES, ids=[p for p, _ in PAGES])
def test_each_page_opens_for_its_roles_only(browsers, path, allowed):
    for role, client in browsers.items():
        answer = client.get(path)
        assert answer.status_code == (200 if role in allowed else 403), (role, answer.status_code)
        if role not in allowed:
            assert "无权" in answer.text and "Traceback" not in answer.text


@pytest.mark.parametrize("path, form, allowed", FORMS, ids=[p for p, *_ in FORMS])
def test_forms_refuse_the_wrong_roles_and_forged_posts(api, browsers, path, form, allowed):
    *_, engine = api
    with transaction(engine) as session:
        before = session.scalar(select(func.count()).select_from(Need))
    for role, client in browsers.items():
        if role not in allowed:
            assert client.post(path, data={**form, "csrf": _csrf(client)}).status_code == 403, role
    forger = browsers[allowed[0]]
    answer = forger.post(path, data=form)  # no CSRF token: another site's form
    assert answer.status_code == 403 and "表单已过期" in answer.text
    for forged in ("not-the-token", "伪造的令牌"):
        assert forger.post(path, data={**form, "csrf": forged}).status_code == 403
    with transaction(engine) as session:
        assert session.scalar(select(func.count()).select_from(Need)) == before


def test_sign_in_sets_a_safe_cookie_and_sign_out_ends_the_session(api):
    client, keys, *_, engine = api
    app = client.app
    signed = _sign_in(app, keys["sme"])
    cookie = next(h for h in signed.cookies.jar if h.name == "pm_session")
    form = TestClient(app, follow_redirects=False)
    token = re.search(r'name="form_token" value="([^"]+)"', form.get("/ui/signin").text).group(1)
    answer = form.post("/ui/signin", data={"key": keys["sme"], "form_token": token, "next": "//evil.example/"})
    header = answer.headers["set-cookie"]
    assert "pm_session=" in header and "HttpOnly" in header and "SameSite=lax" in header.replace("Lax", "lax")
    assert answer.headers["location"] == "/ui/"  # never an open redirect
    with transaction(engine) as session:  # only the token's hash is stored
        assert session.scalar(select(WebSession.id).where(WebSession.token_hash == cookie.value)) is None
    assert signed.get("/ui/needs").status_code == 200
    assert signed.post("/ui/signout", data={"csrf": _csrf(signed)}).status_code == 303
    signed.cookies.set("pm_session", cookie.value)  # the old cookie, replayed
    again = signed.get("/ui/needs")
    assert again.status_code == 303 and again.headers["location"].startswith("/ui/signin")


def test_a_bad_key_or_a_forged_sign_in_is_refused(api):
    client, *_ = api
    fresh = TestClient(client.app)
    token = re.search(r'name="form_token" value="([^"]+)"', fresh.get("/ui/signin").text).group(1)
    answer = fresh.post("/ui/signin", data={"key": "pm_nope_nope", "form_token": token})
    assert answer.status_code == 401 and "密钥无效" in answer.text
    assert TestClient(client.app).post("/ui/signin", data={"key": "x", "form_token": token}).status_code == 403


def test_revoking_a_key_ends_its_sessions(api):
    client, *_, engine = api
    from api.auth import create_key, revoke_key

    with transaction(engine) as session:
        key = create_key(session, Role.EVALUATOR, None, "web-test")
    browser = _sign_in(client.app, key)
    assert browser.get("/ui/dashboard").status_code == 200
    with transaction(engine) as session:
        assert revoke_key(session, key.split("_")[1])
    assert browser.get("/ui/dashboard").status_code == 303


def test_errors_are_pages_for_people_and_json_for_programs(api, browsers, monkeypatch):
    client, *_ = api
    missing = browsers["operator"].get("/ui/needs/999999")
    assert missing.status_code == 404 and "text/html" in missing.headers["content-type"] and "没有编号为 999999 的需求" in missing.text
    assert browsers["operator"].get("/ui/needs/abc").status_code == 422
    assert client.get("/needs/abc").headers["content-type"] == "application/json"  # the API keeps JSON errors

    import api.routes_needs

    def broken(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("secret internals")

    monkeypatch.setattr(api.routes_needs, "list_needs", broken)
    quiet = TestClient(client.app, raise_server_exceptions=False)
    quiet.cookies = browsers["operator"].cookies
    answer = quiet.get("/ui/needs")
    assert answer.status_code == 500 and "服务器内部错误" in answer.text
    assert "secret internals" not in answer.text and "Traceback" not in answer.text


def test_a_need_form_keeps_its_input_and_marks_each_bad_field(browsers):
    sme = browsers["sme"]
    answer = sme.post("/ui/needs/new", data={"csrf": _csrf(sme), "title": "", "text": "长" * 30, "budget": "-5",
                                             "deadline": "明天"})
    assert answer.status_code == 422
    fields = dict(re.findall(r'<small class="error" id="e-(\w+)">([^<]+)</small>', answer.text))
    assert fields == {"title": "必填。", "budget": "不能小于 0。", "deadline": "日期格式应为 2026-12-31。"}
    assert "长" * 30 in answer.text  # what the person typed is still there


def test_long_chinese_text_and_empty_results_render(browsers):
    sme = browsers["sme"]
    text = "储能电池簇单体电压一致性差，" * 300
    made = sme.post("/ui/needs/new", data={"csrf": _csrf(sme), "title": "超长需求" * 20, "text": text},
                    follow_redirects=False)
    assert made.status_code == 303
    page = sme.get(made.headers["location"])
    assert page.status_code == 200 and text[:200] in page.text
    empty = sme.get(made.headers["location"] + "?region=火星")
    assert "没有符合条件的专利" in empty.text


def test_a_tto_import_is_all_or_nothing_and_reports_rows(api, browsers, tmp_path: Path):
    *_, engine = api
    header = "申请号,名称,申请日,法律状态,申请(专利权)人,摘要\n"
    rows = ("202410999991.2,一种测试用热泵控制方法,2024-01-02,审中,钟山理工大学,摘要\n"
            f"202410999992.7,另一所大学的专利,2024-01-03,审中,{OTHER_TTO},摘要\n"
            "202410999993.1,日期错误的专利,2024-13-40,审中,钟山理工大学,摘要\n")
    tto = browsers["tto"]
    answer = tto.post("/ui/imports", data={"csrf": _csrf(tto), "kind": "patents"},
                      files={"file": ("我们的专利.csv", (header + rows).encode("utf-8"), "text/csv")})
    assert answer.status_code == 422
    report = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td><td class=\"wrap\">([^<]+)</td></tr>", answer.text)
    assert [(row, column) for row, column, _ in report] == [("3", "申请(专利权)人"), ("4", "申请日")]
    assert "钟山理工大学 is not among the holders" in report[0][2]
    with transaction(engine) as session:  # nothing was written, not even the good row
        assert session.scalar(select(Patent.id).where(Patent.application_number == "202410999991.2")) is None
    answer = tto.post("/ui/imports", data={"csrf": _csrf(tto), "kind": "transactions"},
                      files={"file": ("deals.csv", b"x\n1\n", "text/csv")})
    assert answer.status_code == 422  # a TTO does not import deals
    good = header + rows.splitlines()[0] + "\n"
    answer = tto.post("/ui/imports", data={"csrf": _csrf(tto), "kind": "patents"},
                      files={"file": ("ours.csv", good.encode("utf-8"), "text/csv")})
    assert answer.status_code == 200 and "新增 1" in answer.text


def test_an_evaluator_runs_a_judged_set_and_reads_the_report(api, browsers, tmp_path: Path, monkeypatch):
    import json

    from data.settings import get_settings

    sets = tmp_path / "sets" / "tiny"
    (sets / "qrels").mkdir(parents=True)
    docs = {"d1": "储能电池簇主动均衡管理", "d2": "配电网单相接地故障选线", "d3": "挖掘机铲斗快换装置",
            "d4": "锂电池健康状态估计", "d5": "电力电缆局部放电检测"}
    (sets / "corpus.jsonl").write_text("\n".join(json.dumps({"_id": k, "title": v, "text": v}, ensure_ascii=False)
                                                 for k, v in docs.items()), encoding="utf-8")
    (sets / "queries.jsonl").write_text("\n".join(json.dumps({"_id": q, "text": t}, ensure_ascii=False) for q, t in
                                                  [("q1", "电池一致性差需要均衡"), ("q2", "接地故障难定位")]),
                                        encoding="utf-8")
    (sets / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\td4\t1\nq2\td2\t2\n",
                                             encoding="utf-8")
    monkeypatch.setenv("PATENT_MATCH_EVAL_SETS", str(tmp_path / "sets"))
    get_settings.cache_clear()
    evaluator = browsers["evaluator"]
    assert "tiny" in evaluator.get("/ui/eval").text
    started = evaluator.post("/ui/eval", data={"csrf": _csrf(evaluator), "dataset": "tiny",
                                               "rankers[]": ["char_tfidf", "bm25"]}, follow_redirects=False)
    assert started.status_code == 303
    report = started.headers["location"]
    deadline = time.monotonic() + 120
    while "metrics" not in (page := evaluator.get(report)).text:
        assert "failed" not in page.text, page.text
        assert time.monotonic() < deadline, "the evaluation did not finish"
        time.sleep(0.5)
    rows = dict(re.findall(r'data-ranker="(char_tfidf|bm25)"><td>[^<]*(?:<span[^>]*>[^<]*</span>)?</td>'
                           r'<td class="num">([\d.]+)</td>', page.text))  # rankers are shown by Chinese names
    # char n-grams find both; jieba reads 主动均衡 and 单相接地故障 as single domain words, so BM25 may not
    assert set(rows) == {"char_tfidf", "bm25"} and float(rows["char_tfidf"]) > 0.9, rows
    plot = re.search(r'src="(/ui/eval/reports/[^"]+\.png)"', page.text).group(1)
    assert evaluator.get(plot).headers["content-type"] == "image/png"
    assert evaluator.get(report + "/..%2F..%2Fpatent-match.db").status_code == 404  # no path escapes
    assert evaluator.post("/ui/eval", data={"csrf": _csrf(evaluator), "dataset": "../x"}).status_code == 422


def test_demo_keys_are_one_set_per_demo_run(api):
    *_, engine = api
    with transaction(engine) as session:
        active = session.scalars(select(ApiKey.role).where(ApiKey.label == "demo", ApiKey.revoked_at.is_(None))).all()
    assert sorted(r.value for r in active) == sorted(ROLES)


def test_home_shows_deal_amounts_only_to_roles_that_may_read_deals(browsers):
    amounts = re.compile(r"\d{1,3}(,\d{3})+\.\d\d")  # challenge rewards are public; deal amounts are not
    assert amounts.search(browsers["operator"].get("/ui/").text.split("最近交易")[1])
    for role in ("sme", "tto"):
        page = browsers[role].get("/ui/").text
        assert not amounts.search(page.split("最近交易")[1]), role
        assert "href=\"/ui/dashboard\"" not in page
    assert 'class="tile" href="/ui/needs"' in browsers["tto"].get("/ui/").text  # a TTO browses the open needs


def test_a_challenge_goes_through_its_state_machine_in_the_browser(api, browsers):
    sme, tto = browsers["sme"], browsers["tto"]
    made = sme.post("/ui/needs/new", data={"csrf": _csrf(sme), "title": "揭榜：电池簇均衡", "text": "电池簇一致性差。"},
                    follow_redirects=False)
    need_id = int(made.headers["location"].rsplit("/", 1)[1])
    answer = sme.post("/ui/challenges/new", data={"csrf": _csrf(sme), "need_id": need_id, "reward": "300000",
                                                  "deadline": "2000-01-01"})
    assert answer.status_code == 422 and "不能早于今天" in answer.text  # the API's rule, shown in Chinese
    published = sme.post("/ui/challenges/new", data={"csrf": _csrf(sme), "need_id": need_id, "reward": "300000",
                                                     "deadline": "2099-12-31"}, follow_redirects=False)
    page = published.headers["location"]
    assert "验收完成" not in sme.get(page).text  # completing is not a move a published challenge has
    assert tto.post(page + "/apply", data={"csrf": _csrf(tto), "proposal": "主动均衡方案",
                                           "application_numbers": PATENT}, follow_redirects=False).status_code == 303
    application = re.search(r'name="application_ids" value="(\d+)"', sme.get(page).text).group(1)
    assert tto.post(page + "/shortlist", data={"csrf": _csrf(tto), "application_ids": application}).status_code == 403
    for action, form in (("shortlist", {"application_ids": application}), ("award", {"application_id": application}),
                         ("complete", {"note": "样机验收通过"})):
        assert sme.post(f"{page}/{action}", data={"csrf": _csrf(sme), **form},
                        follow_redirects=False).status_code == 303, action
    final = sme.get(page).text
    assert "已完成" in final or "completed" in final
    assert final.count("→") >= 4  # published, shortlisted, awarded, completed: each change is logged


def test_dashboard_breakdowns_add_up_and_leave_out_confirmed_anomalies():
    """… and deals not in force (the target report's rule: data/indicators.py `counts`)."""
    from decimal import Decimal
    from types import SimpleNamespace as Record

    from data.enums import DealStatus, OrgKind, TransactionKind
    from data.targets import breakdown, by_city, by_university

    uni = Record(name="钟山理工大学", kind=OrgKind.UNIVERSITY, city="南京")
    sme = Record(name="某企业", kind=OrgKind.SME, city=None)
    bank = Record(name="某银行", kind=OrgKind.OTHER, city="苏州")
    live = DealStatus.IN_FORCE
    deals = [Record(id=1, kind=TransactionKind.TRANSFER, from_org=uni, to_org=sme, patents=[1, 2],
                    contract_amount=Decimal(100), received_amount=Decimal(40), status=live),
             Record(id=2, kind=TransactionKind.LICENSE, from_org=uni, to_org=sme, patents=[3],
                    contract_amount=Decimal(50), received_amount=None, status=live),
             Record(id=3, kind=TransactionKind.PLEDGE, from_org=uni, to_org=bank, patents=[4],
                    contract_amount=Decimal(900), received_amount=Decimal(900), status=live),
             Record(id=4, kind=TransactionKind.TRANSFER, from_org=uni, to_org=sme, patents=[5],
                    contract_amount=Decimal(7), received_amount=None, status=live),
             Record(id=5, kind=TransactionKind.LICENSE, from_org=uni, to_org=sme, patents=[6],
                    contract_amount=Decimal(60), received_amount=None, status=DealStatus.AWAITING_PAYMENT)]
    rows = breakdown(deals, by_university, excluded={4})
    assert [(r.name, r.deals, r.patents, r.contract, r.received) for r in rows] == [
        ("钟山理工大学", 2, 3, Decimal(150), Decimal(40))]  # pledges are not conversions; deal 4 is excluded
    cities = breakdown(deals, by_city, excluded={4})
    assert [(r.name, r.deals) for r in cities] == [("苏州", 1), ("南京", 2)]  # where it lands; largest amount first

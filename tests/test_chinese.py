"""Chinese everywhere (issue 22): every page in Chinese for every role, every enum labelled, refusals in the
caller's language (Accept-Language), royalties in percent, and the form that was too large kept.

The page test walks every GET page under /ui from the app's own routes, so a new page is checked the day it
appears; path parameters are filled from the demo (or a missing id, whose 404 page must be Chinese too).
"""

from __future__ import annotations

import enum
import html
import re
from decimal import Decimal

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select

import data.enums
from api.messages import MESSAGES, accepted_language, localize, msg
from data.db import transaction
from data.enums import LABELS, label
from data.models import AnomalyFlag, Challenge, Interest, LicenseOffer, Organization, Patent, PatentHolder, Transaction
from tests.api_support import OTHER_TTO, PATENT, api, call  # noqa: F401  (the module-scoped demo fixture)

ROLES = ("sme", "tto", "operator", "evaluator", "admin")
CJK = re.compile(r"[\u4e00-\u9fff]")
# ASCII words a Chinese page may show: codes, formats, units and names of standards, not English.
ALLOWED = frozenset("""
    IPC CN PCT XLSX CSV JSONL JSON PDF PNG API ID URL HTTP HTTPS SMTP BEIR TREC English nDCG
    kW kWh MW MWh GW mAh Ah km kg mm cm nm Hz kHz MHz GHz dB ppm rpm MPa kPa Pa
""".split())
SKIP = ("/ui/lang/",)  # switches the interface language: not a page


def _words(page: str) -> list[str]:
    """ASCII words (two letters or more) a person reads on the page: tags, scripts, styles, code and URLs out."""
    text = re.sub(r"(?is)<(script|style|code|pre|textarea)\b.*?</\1>", " ", page)
    text = re.sub(r"(?s)<[^>]+>", " ", text)
    text = html.unescape(text)
    # the product's name and commands, addresses, file paths and file names are codes (a ledger entry names its source file)
    text = re.sub(r"patent-match(?: [a-z][\w-]*)*|https?://\S+|[\w.+-]+@[\w.-]+|(?<![\w])/[\w./-]+|[\w-]+\.(?:csv|xlsx|jsonl|json|png|md)\b",
                  " ", text)
    words = re.findall(r"(?<![A-Za-z0-9])[A-Za-z]{2,}(?![A-Za-z0-9])", text)  # snake_case codes are words too
    # acronyms in records (RFID, DC, mRNA, a JS- contract number) are codes; English words are lower-case
    return [w for w in words if w not in ALLOWED and not any(c.isupper() for c in w[1:])]


def _pages(app) -> list[str]:  # noqa: ANN001
    def walk(routes, prefix: str = ""):  # noqa: ANN001, ANN202
        for route in routes:
            if isinstance(route, APIRoute):
                yield prefix + route.path, route.methods
            elif hasattr(route, "original_router"):  # FastAPI's lazily included routers
                yield from walk(route.original_router.routes, prefix + route.include_context.prefix)

    return sorted({path for path, methods in walk(app.routes) if path.startswith("/ui") and "GET" in methods
                   and not path.startswith(SKIP)})


def _sign_in(app, key: str) -> TestClient:  # noqa: ANN001
    client = TestClient(app, follow_redirects=False)
    token = re.search(r'name="form_token" value="([^"]+)"', client.get("/ui/signin").text).group(1)
    answer = client.post("/ui/signin", data={"key": key, "form_token": token, "next": "/ui/"})
    assert answer.status_code in (200, 303), answer.text
    return client


@pytest.fixture(scope="module")
def browsers(api):  # noqa: F811
    client, keys, *_ = api
    return {role: _sign_in(client.app, keys[role]) for role in ROLES}


def _parameters(engine) -> dict[str, str]:  # noqa: ANN001
    """A value for each path parameter: a demo record, else an id that does not exist (its 404 page counts)."""
    with transaction(engine) as session:
        first = {model: session.scalar(select(model.id).order_by(model.id)) for model in
                 (LicenseOffer, Challenge, Transaction, Interest, AnomalyFlag)}
    return {"application_number": PATENT, "offer_id": str(first[LicenseOffer] or 999999),
            "challenge_id": str(first[Challenge] or 999999), "deal_id": str(first[Transaction] or 999999),
            "interest_id": str(first[Interest] or 999999), "flag_id": str(first[AnomalyFlag] or 999999),
            "job_id": "999999", "name": "20261205", "kind": "patents", "fmt": "csv", "chart": "yearly",
            "plot": "none.png", "code": "suzhou_qiangqi"}  # a real programme: its page shows the rule files' text


def test_every_enum_member_has_a_chinese_label():
    enums = [value for value in vars(data.enums).values()
             if isinstance(value, type) and issubclass(value, enum.StrEnum) and value is not enum.StrEnum]
    assert len(enums) >= 20
    missing = [f"{e.__name__}.{m.name}" for e in enums for m in e if not CJK.search(label(m))]
    assert not missing, f"no Chinese label in data/enums.py LABELS: {missing}"
    assert set(enums) <= set(LABELS)


def test_every_catalogue_message_reads_back_in_either_language():
    for key, (zh, en) in MESSAGES.items():
        fields = {name: "7" for name in re.findall(r"\{(\w+)\}", en)}
        assert CJK.search(zh) and set(re.findall(r"\{(\w+)\}", zh)) == set(fields), key
        assert localize(msg(key, "en", **fields), "zh") == msg(key, "zh", **fields), key
        assert localize(msg(key, "zh", **fields), "en") == msg(key, "en", **fields), key
    # an enum value in a message is shown by its label, and read back from it
    chinese = localize("a published challenge cannot become draft; allowed: shortlisted, cancelled", "zh")
    assert chinese == "“已发布”的榜单不能变为“草稿”；可变为：已入围、已取消"
    assert localize(chinese, "en") == "a published challenge cannot become draft; allowed: shortlisted, cancelled"
    assert localize("offer_id：no offer 5；term_end：must be after term_start", "zh") == \
        "offer_id：没有编号为 5 的开放许可声明；term_end：许可期至（term_end）须晚于许可期起（term_start）"
    assert localize("something the catalogue does not know", "zh") == "something the catalogue does not know"


@pytest.mark.parametrize("header, lang", [("", "zh"), ("en", "en"), ("en-GB,en;q=0.9", "en"),
                                          ("zh-CN,zh;q=0.9,en;q=0.8", "zh"), ("fr, en;q=0.5", "en"),
                                          ("en;q=0.2, zh;q=0.8", "zh"), ("de", "zh"), ("en;q=0", "zh")])
def test_accept_language_prefers_chinese_unless_english_is_asked_for(header, lang):
    assert accepted_language(header) == lang


def test_api_refusals_honour_accept_language(api):  # noqa: F811
    english = {"Accept-Language": "en-US,en;q=0.9"}
    missing = call(api, "operator", "GET", "/needs/999999")
    assert missing.status_code == 404 and missing.json()["detail"] == "没有编号为 999999 的需求"
    assert call(api, "operator", "GET", "/needs/999999", headers=english).json()["detail"] == "no need 999999"
    role = call(api, "sme", "GET", "/anomalies")
    assert role.status_code == 403 and "中小企业角色无权执行此操作" in role.json()["detail"], role.text
    assert call(api, "sme", "GET", "/anomalies", headers=english).json()["detail"].startswith("role sme may not")
    nobody = call(api, None, "GET", "/needs")
    assert nobody.status_code == 401 and "需要有效的 API 密钥" in nobody.json()["detail"]
    offer = {"application_number": PATENT, "fee_type": "free", "term_start": "2026-12-10", "term_end": "2026-12-01"}
    early = call(api, "tto", "POST", "/offers", json=offer)
    assert early.status_code == 422 and "须晚于许可期起" in early.json()["detail"][0]["msg"], early.text
    early = call(api, "tto", "POST", "/offers", json=offer, headers=english)
    assert early.json()["detail"][0]["msg"] == "must be after term_start"
    blank = call(api, "sme", "POST", "/needs", json={"title": "x"})
    assert blank.status_code == 422 and blank.json()["detail"][0]["msg"] == "必填。"


def test_every_page_is_chinese_for_every_role(api, browsers):  # noqa: F811
    client, *_, engine = api
    values = _parameters(engine)
    leaks: dict[str, set[str]] = {}
    checked = 0
    for path in _pages(client.app):
        url = re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "1"), path)
        for role, browser in browsers.items():
            answer = browser.get(url)
            assert answer.status_code < 500, (role, url, answer.text[-2000:])
            if "text/html" not in answer.headers.get("content-type", ""):
                continue
            checked += 1
            words = _words(answer.text)
            if words:
                leaks.setdefault(f"{path} ({answer.status_code})", set()).update(words)
    assert checked > 60
    assert not leaks, "English on Chinese pages:\n" + "\n".join(f"  {p}: {sorted(w)}" for p, w in leaks.items())


def test_api_refusals_shown_on_pages_are_chinese(api, browsers):  # noqa: F811
    *_, engine = api
    with transaction(engine) as session:
        other = session.scalar(select(Patent.application_number).join(PatentHolder).join(Organization)
                               .where(Organization.name == OTHER_TTO).order_by(Patent.id))
    refused = browsers["tto"].get(f"/ui/patents/{other}/licensees")
    assert refused.status_code == 403 and "高校技术转移机构只能管理本单位的专利" in refused.text
    assert "manages its own" not in refused.text
    english = browsers["tto"]
    english.cookies.set("pm_lang", "en")
    try:
        assert "a TTO manages its own organisation's patents only" in \
            html.unescape(english.get(f"/ui/patents/{other}/licensees").text)
    finally:
        english.cookies.set("pm_lang", "zh")


def test_a_too_large_need_form_comes_back_with_the_text_and_a_chinese_message(browsers):
    sme = browsers["sme"]
    csrf = re.search(r'name="csrf" value="([^"]+)"', sme.get("/ui/needs/new").text).group(1)
    text = "储能电池簇主动均衡，" * 40_000  # 400,000 characters: over Starlette's 1 MB form field limit
    answer = sme.post("/ui/needs/new", data={"csrf": csrf, "title": "很长的需求", "text": text})
    assert answer.status_code == 422, answer.text[:500]
    assert "太长了：最多 20000 字" in answer.text and "Field exceeded" not in answer.text
    assert "很长的需求" in answer.text and text[:2000] in answer.text  # what was typed is still there


def test_royalties_are_percentages_on_the_web_and_fractions_in_the_api(api, browsers):  # noqa: F811
    *_, engine = api
    tto = browsers["tto"]
    page = tto.get(f"/ui/patents/{PATENT}")
    assert "提成比例（%）" in page.text and "0–1" not in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    form = {"csrf": csrf, "fee_type": "royalty", "royalty_percent": "1.5", "term_end": "2028-12-31"}
    made = tto.post(f"/ui/patents/{PATENT}/offers", data=form)
    assert made.status_code == 303, made.text[-3000:]
    with transaction(engine) as session:
        rate = session.scalar(select(LicenseOffer.royalty_rate).order_by(LicenseOffer.id.desc()))
    assert rate == Decimal("0.015")
    assert "1.50%" in tto.get(f"/ui/patents/{PATENT}").text
    wrong = tto.post(f"/ui/patents/{PATENT}/offers", data=form | {"royalty_percent": "150"})
    assert wrong.status_code == 422 and "0 到 100 之间的百分比" in wrong.text


def test_anomalies_show_rule_names_explanations_and_statuses_in_chinese(browsers):
    operator = browsers["operator"]
    csrf = re.search(r'name="csrf" value="([^"]+)"', operator.get("/ui/anomalies").text).group(1)
    operator.post("/ui/anomalies/scan", data={"csrf": csrf})
    page = operator.get("/ui/anomalies?status=all").text
    from data.anomalies import RULES

    shown = [rule for rule in RULES.values() if rule.name in page]
    assert shown, "the demo's deals raise no flag"
    assert all(rule.explanation in page for rule in shown)
    assert ">待审查<" in page and ">已确认异常<" in page
    assert not re.search(r">\s*(repeat_transfer|symbolic_price|unpaid|open|confirmed)\s*<", page)


def test_an_import_cell_that_looks_like_a_formula_names_the_character_to_remove():
    from data.imports.schemas import PATENTS
    from data.imports.values import parse_cell

    column = next(c for c in PATENTS.columns if c.kind == "text")
    with pytest.raises(ValueError) as refused:
        parse_cell(column, "=SUM(A1:A2)", column.label)
    assert "“=”" in str(refused.value) and "{" not in str(refused.value)


def test_an_evaluation_report_reads_in_chinese(api, browsers):  # noqa: F811
    import json

    from data.settings import get_settings

    folder = get_settings().eval_reports_dir / "20261205-000000-tiny"
    folder.mkdir(parents=True, exist_ok=True)
    row = {"nDCG@10": 0.9, "P@5": 0.4, "R@10": 1.0, "R@20": 1.0, "MRR@10": 1.0, "MAP": 0.9, "unjudged@10": 0.0}
    (folder / "status.json").write_text(json.dumps({"state": "done", "dataset": "tiny", "rankers": ["bm25", "full"],
                                                    "best": "full"}), encoding="utf-8")
    (folder / "summary.json").write_text(json.dumps({
        "dataset": "tiny", "encoder": "keyword", "queries": 3, "rankers": {"bm25": row, "full": row}, "best": "full",
        "comparisons": [{"measure": "nDCG@10", "ranker": "bm25", "baseline": "full", "mean_difference": -0.1,
                         "t_test_p": 0.2, "randomisation_p": 0.2, "wins": 0, "ties": 2, "losses": 1}]}),
        encoding="utf-8")
    for path in ("/ui/eval", f"/ui/eval/reports/{folder.name}"):
        page = browsers["evaluator"].get(path)
        assert page.status_code == 200 and "BM25 关键词检索" in page.text, path
        assert not [w for w in _words(page.text) if w not in ("tiny",)], (path, _words(page.text))

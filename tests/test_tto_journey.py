"""The TTO's journey in the web interface, on SQLite and PostgreSQL: open needs and challenges with the matches
to its own patents, the licensees of its offers, the import template and the import report's links."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from data.imports.schemas import SCHEMAS
from tests.api_support import OWN_SME, OWN_TTO, call

OWN_PATENT_TITLE = "一种储能电池簇的主动均衡管理系"  # 201710483362.4, 钟山理工大学's; XQ-2026-01 asks for it


def _sign_in(app, key: str) -> TestClient:  # noqa: ANN001
    client = TestClient(app, follow_redirects=False)
    token = re.search(r'name="form_token" value="([^"]+)"', client.get("/ui/signin").text).group(1)
    assert client.post("/ui/signin", data={"key": key, "form_token": token, "next": "/ui/"}).status_code == 303
    return client


def _csrf(client: TestClient) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get("/ui/").text).group(1)


@pytest.fixture(scope="module")
def people(api):
    client, keys, *_ = api
    return {role: _sign_in(client.app, keys[role]) for role in ("sme", "tto", "other_tto", "operator")}


def test_a_tto_browses_and_searches_open_needs(api, people):
    tto = people["tto"]
    home = tto.get("/ui/")
    assert 'href="/ui/needs"' in home.text  # the home tile and the navigation lead there
    listing = tto.get("/ui/needs")
    assert listing.status_code == 200 and "储能电站电池一致性差" in listing.text
    found = tto.get("/ui/needs", params={"q": "接地故障"})
    assert "配电线路接地故障" in found.text and "储能电站电池一致性差" not in found.text
    assert tto.get("/ui/needs/new").status_code == 403  # reading, not posting


def test_a_need_shows_the_ttos_own_patents_that_match(api, people):
    need_id = api[2]
    mine = people["tto"].get(f"/ui/needs/{need_id}")
    assert mine.status_code == 200 and "本单位匹配专利" in mine.text
    assert "201710483362.4" in mine.text and OWN_PATENT_TITLE in mine.text
    theirs = people["other_tto"].get(f"/ui/needs/{need_id}")
    assert theirs.status_code == 200 and "201710483362.4" not in theirs.text  # only its own patents
    closed = call(api, "sme", "POST", "/needs", json={"title": "已关闭", "text": "储能电池均衡"}).json()
    call(api, "sme", "PATCH", f"/needs/{closed['id']}", json={"status": "closed"})
    assert people["tto"].get(f"/ui/needs/{closed['id']}").status_code == 404  # open needs only


def test_a_challenge_shows_the_ttos_own_patents_and_can_be_searched(api, people):
    deadline = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    published = call(api, "sme", "POST", "/challenges", json={"need_id": api[2], "reward": "300000",
                                                               "deadline": deadline, "conditions": "储能均衡"})
    assert published.status_code == 201, published.text
    challenge = published.json()
    page = people["tto"].get(f"/ui/challenges/{challenge['id']}")
    assert page.status_code == 200 and 'id="own-matches"' in page.text and "201710483362.4" in page.text
    assert 'id="own-matches"' not in people["sme"].get(f"/ui/challenges/{challenge['id']}").text
    hit = people["tto"].get("/ui/challenges", params={"q": "储能"})
    assert f'/ui/challenges/{challenge["id"]}"' in hit.text
    miss = people["tto"].get("/ui/challenges", params={"q": "没有这样的榜单"})
    assert f'/ui/challenges/{challenge["id"]}"' not in miss.text


def test_the_licensees_of_its_offers_with_status_and_amounts(api, people):
    number = "201710486004.9"
    empty = people["tto"].get(f"/ui/patents/{number}/licensees")
    assert empty.status_code == 200 and "还没有企业接受" in empty.text
    offer = call(api, "tto", "POST", "/offers", json={"application_number": number, "fee_type": "lump_sum",
                                                      "lump_sum": "60000", "payment_method": "一次付清",
                                                      "term_end": "2030-06-30"})
    assert offer.status_code == 201, offer.text
    licence = call(api, "sme", "POST", f"/offers/{offer.json()['id']}/accept").json()
    page = people["tto"].get(f"/ui/patents/{number}/licensees")
    assert OWN_SME in page.text and "待付费" in page.text and "60,000.00" in page.text
    paid = call(api, "tto", "POST", f"/offers/licences/{licence['transaction_id']}/payment", json={"amount": "60000"})
    assert paid.status_code == 200
    page = people["tto"].get(f"/ui/patents/{number}/licensees")
    assert "已生效" in page.text and "待付费" not in page.text
    assert people["other_tto"].get(f"/ui/patents/{number}/licensees").status_code == 403


@pytest.mark.parametrize("kind", ["patents", "offers"])
def test_the_import_template_has_chinese_headers_and_an_example_row(people, kind):
    answer = people["tto"].get(f"/ui/imports/template/{kind}.xlsx")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(answer.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2
    assert [h.rstrip("*") for h in rows[0]] == [c.label for c in SCHEMAS[kind].columns]  # in step with the schema
    required = {c.label for c in SCHEMAS[kind].columns if c.required}
    assert {h.rstrip("*") for h in rows[0] if h.endswith("*")} == required
    assert all(value for header, value in zip(*rows, strict=True) if header.endswith("*"))
    assert f"/ui/imports/template/{kind}.xlsx" in people["tto"].get("/ui/imports").text


def test_templates_are_offered_by_role(people):
    assert people["tto"].get("/ui/imports/template/transactions.xlsx").status_code == 404  # not a TTO's kind
    assert people["operator"].get("/ui/imports/template/transactions.xlsx").status_code == 200
    assert people["sme"].get("/ui/imports/template/patents.xlsx").status_code == 403


def test_the_filled_template_imports_and_the_report_links_the_new_patents(api, people):
    tto = people["tto"]
    book = load_workbook(io.BytesIO(tto.get("/ui/imports/template/patents.xlsx").content))
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert sheet.cell(2, headers.index("申请(专利权)人*") + 1).value == OWN_TTO  # its own name, as rows must be
    sheet.cell(2, headers.index("申请号*") + 1).value = "202410123457.5"  # the example row, filled in
    sheet.cell(2, headers.index("名称*") + 1).value = "一种液冷储能柜的热管理方法"
    out = io.BytesIO()
    book.save(out)
    answer = tto.post("/ui/imports", data={"csrf": _csrf(tto), "kind": "patents"},
                      files={"file": ("专利.xlsx", out.getvalue())})
    assert answer.status_code == 200, answer.text
    assert 'id="new-patents"' in answer.text and 'href="/ui/patents/202410123457.5"' in answer.text
    again = tto.post("/ui/imports", data={"csrf": _csrf(tto), "kind": "patents"},
                     files={"file": ("专利.xlsx", out.getvalue())})
    assert again.status_code == 200 and 'id="new-patents"' not in again.text  # updated, not new
    offers = load_workbook(io.BytesIO(tto.get("/ui/imports/template/offers.xlsx").content))
    offers.worksheets[0].cell(2, 1).value = "202410123457.5"
    out = io.BytesIO()
    offers.save(out)
    answer = tto.post("/ui/imports", data={"csrf": _csrf(tto), "kind": "offers"},
                      files={"file": ("开放许可.xlsx", out.getvalue())})
    assert answer.status_code == 200 and "导入完成" in answer.text, answer.text

"""专利导航 (matching/landscape): every view's counts against plain SQL on the same selection, on SQLite and
PostgreSQL; empty and one-patent reports render; the API and the page per role; the HTML report in Chromium."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from api.navigation_report import CHARTS, write_report
from data.db import transaction
from data.demo import load_demo
from matching.clusters import cluster_map
from matching.landscape import Selection, analyse
from matching.landscape.selection import SelectionError, resolve
from tests.api_support import call
from tests.web_support import shot

TODAY = dt.date(2026, 12, 5)
CLUSTER = "新型电力(新能源)装备"
# The selection's patent ids in plain SQL, one per Selection below (the reference the views are checked against).
CLUSTER_IDS = ("SELECT p.id FROM patents p WHERE EXISTS (SELECT 1 FROM tags t WHERE t.entity = 'patent' AND "
               "t.entity_id = p.id AND t.dimension = 'cluster' AND t.code = :cluster)")
SOUTH_IDS = ("SELECT p.id FROM patents p WHERE p.application_date >= :start AND EXISTS (SELECT 1 FROM patent_holders h "
             "JOIN organizations o ON o.id = h.organization_id WHERE h.patent_id = p.id AND o.city IN "
             "('南京', '无锡', '常州', '苏州', '镇江'))")
SELECTIONS = [(Selection(cluster=CLUSTER), CLUSTER_IDS),
              (Selection(region="苏南", date_from=dt.date(2019, 1, 1)), SOUTH_IDS),
              (Selection(), "SELECT id FROM patents")]
PARAMS = {"cluster": CLUSTER, "start": dt.date(2019, 1, 1)}


@pytest.fixture
def demo(engine):
    """The demo loaded and tagged (as `patent-match demo` leaves it, without the index)."""
    from api.cli_tags import make_tagger
    from matching.tags.store import tag_records

    load_demo(engine, today=dt.date(2026, 11, 21))
    with transaction(engine) as session:
        tag_records(session, make_tagger())
    return engine


def _count(session, sql: str, ids: str, **params) -> int:  # noqa: ANN001, ANN003
    return session.execute(text(sql.replace("{ids}", ids)), {**PARAMS, **params}).scalar_one()


def _like(group: str) -> str:
    return f"{group}/%"


def _year(year: int) -> dict:
    return {"y0": dt.date(year, 1, 1), "y1": dt.date(year, 12, 31)}


@pytest.mark.parametrize("case", range(len(SELECTIONS)))
def test_every_view_counts_what_plain_sql_counts(demo, case):
    selection, ids = SELECTIONS[case]
    with transaction(demo) as s:
        resolved = resolve(s, selection)
        found = analyse(s, resolved, TODAY)
        total = _count(s, "SELECT COUNT(*) FROM patents WHERE id IN ({ids})", ids)
        assert found.patents == total > 0
        for row in found.years.rows:
            if row.year is None:
                continue
            assert row.applications == _count(s, "SELECT COUNT(*) FROM patents WHERE id IN ({ids}) AND "
                                                 "application_date BETWEEN :y0 AND :y1", ids, **_year(row.year))
            assert row.grants == _count(s, "SELECT COUNT(*) FROM patents WHERE id IN ({ids}) AND "
                                           "grant_date BETWEEN :y0 AND :y1", ids, **_year(row.year))
            assert row.lapses == _count(s, "SELECT COUNT(*) FROM patents WHERE id IN ({ids}) AND legal_status = "
                                           "'lapsed' AND annual_fee_paid_until BETWEEN :y0 AND :y1", ids,
                                        **_year(row.year))
        assert sum(r.applications for r in found.years.rows) == total
        assert found.holders.rows
        for row in found.holders.rows:
            kinds = "('university', 'institute')" if row.group == "research" else "('sme', 'soe', 'enterprise')"
            assert row.patents == _count(s, "SELECT COUNT(DISTINCT h.patent_id) FROM patent_holders h JOIN "
                                            f"organizations o ON o.id = h.organization_id WHERE o.kind IN {kinds} "
                                            "AND o.id = :org AND h.patent_id IN ({ids})", ids, org=row.organization_id)
        assert sum(r.patents for r in found.fields.rows) == total
        for row in found.fields.rows:
            condition = "main_ipc IS NULL" if row.group == "未分类" else "main_ipc LIKE :g"
            assert row.patents == _count(s, f"SELECT COUNT(*) FROM patents WHERE id IN ({{ids}}) AND {condition}",
                                         ids, g=_like(row.group))
        assert found.matrix.cells and len(found.matrix.effects) == 28
        for group in found.matrix.groups:
            for code, _ in found.matrix.effects:
                assert found.matrix.count(group, code) == _count(
                    s, "SELECT COUNT(DISTINCT p.id) FROM patents p JOIN tags t ON t.entity_id = p.id AND t.entity = "
                       "'patent' AND t.dimension = 'effect' WHERE p.id IN ({ids}) AND p.main_ipc LIKE :g "
                       "AND t.code = :e", ids, g=_like(group), e=code), (group, code)
        for row in found.shares.rows:
            assert row.sleeping == _count(s, "SELECT COUNT(*) FROM patents WHERE id IN ({ids}) AND main_ipc LIKE :g "
                                             "AND is_sleeping = true", ids, g=_like(row.group))
            assert row.open_licence == _count(
                s, "SELECT COUNT(*) FROM patents p WHERE p.id IN ({ids}) AND p.main_ipc LIKE :g AND EXISTS (SELECT 1 "
                   "FROM license_offers o WHERE o.patent_id = p.id AND o.status = 'active' AND o.term_end >= :today "
                   "AND o.declared_on <= :today)", ids, g=_like(row.group), today=TODAY)
        kinds = ("transfer", "license", "equity", "pledge")
        for row in found.deals.rows:
            for kind, n in zip(kinds, row.counts, strict=True):
                assert n == _count(s, "SELECT COUNT(DISTINCT t.id) FROM transactions t JOIN transaction_patents tp ON "
                                      "tp.transaction_id = t.id JOIN patents p ON p.id = tp.patent_id WHERE "
                                      "t.status = 'in_force' AND t.kind = :k AND t.signed_on BETWEEN :y0 AND :y1 AND "
                                      "p.id IN ({ids}) AND p.main_ipc LIKE :g", ids, k=kind, g=_like(row.group),
                                   **_year(row.year))
        deals = _count(s, "SELECT COUNT(*) FROM transactions t WHERE t.status = 'in_force' AND EXISTS (SELECT 1 FROM "
                          "transaction_patents tp WHERE tp.transaction_id = t.id AND tp.patent_id IN ({ids}))", ids)
        assert sum(r.deals for r in found.flows.rows) == deals > 0
        cluster_need = ("AND EXISTS (SELECT 1 FROM tags c WHERE c.entity = 'need' AND c.entity_id = n.id AND "
                        "c.dimension = 'cluster' AND c.code = :cluster)") if selection.cluster else ""
        assert found.gaps.needs_total == _count(s, f"SELECT COUNT(*) FROM needs n WHERE n.status = 'open' "
                                                   f"{cluster_need}", ids)
        for row in found.gaps.rows:
            assert row.needs == _count(s, "SELECT COUNT(DISTINCT t.entity_id) FROM tags t JOIN needs n ON n.id = "
                                          "t.entity_id WHERE t.entity = 'need' AND t.dimension = 'effect' AND "
                                          f"t.code = :e AND n.status = 'open' {cluster_need}", ids, e=row.code)
            assert row.patents == _count(s, "SELECT COUNT(DISTINCT t.entity_id) FROM tags t WHERE t.entity = "
                                            "'patent' AND t.dimension = 'effect' AND t.code = :e AND "
                                            "t.entity_id IN ({ids})", ids, e=row.code)


def test_the_other_provinces_cluster_and_bad_selections(demo):
    with transaction(demo) as s:
        zhejiang = resolve(s, Selection(cluster="集成电路", scheme="zhejiang"))  # through the IPC codes, not the tags
        table = cluster_map("zhejiang")
        codes: dict[int, list[str]] = {}
        for patent_id, code in s.execute(text("SELECT patent_id, code FROM patent_ipcs")):
            codes.setdefault(patent_id, []).append(code)
        expected = {p for p, cs in codes.items() if any(t.cluster == "集成电路" for t in table.tags_for_patent(cs))}
        assert set(s.scalars(zhejiang.ids)) == expected and zhejiang.count == len(expected) > 0
        for bad, field in ((Selection(cluster="不存在"), "cluster"), (Selection(query="储能"), "query"),
                           (Selection(date_from=dt.date(2024, 1, 1), date_to=dt.date(2023, 1, 1)), "date_from")):
            with pytest.raises(SelectionError) as refused:
                resolve(s, bad)
            assert refused.value.field == field


def test_an_empty_and_a_one_patent_selection_render(demo, tmp_path):
    with transaction(demo) as s:
        empty = analyse(s, resolve(s, Selection(ipc=("Z99Z",))), TODAY)
        one = analyse(s, resolve(s, Selection(ipc=("H02J 7/",), date_from=dt.date(2017, 3, 20),
                                              date_to=dt.date(2017, 3, 20))), TODAY)
    assert (empty.patents, one.patents) == (0, 1)
    for name, found in (("empty", empty), ("one", one)):
        files = write_report(found, tmp_path / name)
        page = (tmp_path / name / "report.html").read_text(encoding="utf-8")
        assert f"<b>专利数：</b>{found.patents} 件" in page
        assert page.count("data:image/png;base64,") == len(CHARTS)
        assert all(f.stat().st_size > 0 for f in files)
        book = load_workbook(tmp_path / name / "report.xlsx")
        assert book.sheetnames == ["分析范围", *(t.name for t in found.tables())]
        assert book["fields"].max_row == 2 + len(found.fields.rows)
    assert "所选范围内无数据" in (tmp_path / "empty" / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("who, status", [("sme", 403), ("tto", 403), ("operator", 200), ("evaluator", 200),
                                         ("admin", 200), (None, 401)])
def test_the_api_returns_the_tables_to_operators_evaluators_and_admins(api, who, status):
    answer = call(api, who, "GET", "/navigation", params={"cluster": CLUSTER})
    assert answer.status_code == status, answer.text
    if status == 200:
        body = answer.json()
        assert [t["name"] for t in body["tables"]] == ["years", "holders", "fields", "matrix", "shares", "deals",
                                                        "flows", "gaps"]
        listed = call(api, "operator", "GET", "/patents", params={"cluster": CLUSTER, "limit": 1}).json()
        assert body["patents"] == listed["total"] > 0
        cell = body["matrix_cells"][0]
        assert cell["link"].startswith("/ui/patents?cluster=") and f"effect={cell['effect']}" in cell["link"]


def test_the_api_refuses_an_unknown_cluster_naming_the_field(api):
    answer = call(api, "operator", "GET", "/navigation", params={"cluster": "不存在的集群"})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["query", "cluster"]
    assert "不是江苏产业集群" in answer.text


def test_the_page_opens_for_operators_and_evaluators_and_links_cells_to_patent_lists(api):
    from tests.test_web import _sign_in

    client, keys, *_ = api
    for role in ("sme", "tto", "operator", "evaluator", "admin"):
        signed = _sign_in(client.app, keys[role], follow=True)
        page = signed.get("/ui/navigation", params={"cluster": CLUSTER})
        assert page.status_code == (200 if role in ("operator", "evaluator", "admin") else 403), role
        if page.status_code == 200:
            assert "技术功效矩阵" in page.text and "专利导航" in page.text
            link = re.search(r'href="(/ui/patents\?[^"]*effect=E\d\d)"', page.text).group(1).replace("&amp;", "&")
            assert "cluster=" in link and "field=" in link
            assert signed.get(link).status_code == 200
            png = signed.get("/ui/navigation/matrix.png", params={"cluster": CLUSTER})
            assert png.headers["content-type"] == "image/png"
    operator = _sign_in(client.app, keys["operator"], follow=True)
    assert "/ui/navigation" in operator.get("/ui/").text  # the navigation link
    refused = operator.get("/ui/navigation", params={"cluster": "不存在的集群"})
    assert refused.status_code == 422 and "不是江苏产业集群" in refused.text


def test_the_report_opens_in_chromium_without_errors(demo, tmp_path, browser):
    with transaction(demo) as s:
        found = analyse(s, resolve(s, Selection(cluster=CLUSTER)), TODAY)
    write_report(found, tmp_path / "report")
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto((tmp_path / "report" / "report.html").as_uri())
    assert page.evaluate("Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)")
    assert page.evaluate("document.images.length") == len(CHARTS)
    assert "新型电力(新能源)装备" in page.inner_text("h1 + .lead")
    bubble = page.locator(".chart a[href*='effect=']").first  # bars and bubbles link to the patent list
    assert "cluster=" in bubble.get_attribute("href") and bubble.bounding_box()["width"] > 0
    shot(page, "navigation-report", full_page=False)  # the top: the selection, the first chart and table
    assert errors == []
    context.close()


def test_chart_links_cover_the_bars_and_bubbles_they_stand_for(demo):
    from api.navigation_report import drawn

    with transaction(demo) as s:
        found = analyse(s, resolve(s, Selection(cluster=CLUSTER)), TODAY)
    fields = drawn(found, "fields")
    shown = [r for r in found.fields.rows[:15] if r.group != "未分类"]
    assert [dict(a.filters)["field"] for a in fields.areas] == [f"{r.group}/" for r in shown][::-1]
    assert all(dict(a.filters)["cluster"] == CLUSTER for a in fields.areas)
    matrix = drawn(found, "matrix")
    assert [a.filters for a in matrix.areas] == [c.filters for c in found.matrix.cells]
    for area in (*fields.areas, *matrix.areas, *drawn(found, "holders").areas, *drawn(found, "gaps").areas):
        left, top, width, height = area.box
        assert 0 <= left and 0 <= top and left + width <= 100.01 and top + height <= 100.01 and width > 0 < height
    bars = sorted(fields.areas, key=lambda a: a.box[1])  # top to bottom: most patents first, longest bar
    assert bars[0].box[2] >= bars[-1].box[2]


def test_a_technology_query_keeps_the_hits_its_retrieval_scores_give(demo_db):
    """`phrase` orders the hits but does not move the relative cut-off: a query that copies a patent's title keeps
    the hits a ranker without `phrase` keeps."""
    import copy
    from dataclasses import replace

    from sqlalchemy import select

    from api.cli_match import load_matcher
    from data.db import make_engine
    from data.models import Patent
    from matching.landscape.selection import query_hits

    engine = make_engine(demo_db)
    matcher = load_matcher(engine)
    plain = copy.copy(matcher)
    plain.ranker = replace(matcher.ranker, weights={**matcher.ranker.weights, "phrase": 0.0})
    with transaction(engine) as session:
        titles = session.scalars(select(Patent.title).order_by(Patent.id)).all()[:8]
        for text in [*titles, "储能电池管理系统", "新能源汽车充电桩"]:
            for relevance in (0.5, 0.8):
                hits = query_hits(session, matcher, text, relevance)
                assert sorted(hits) == sorted(query_hits(session, plain, text, relevance)), (text, relevance)
        assert matcher.rank(session, titles[0]).entries[0].features["phrase"] == 1.0  # the feature was on

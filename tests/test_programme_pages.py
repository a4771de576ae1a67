"""The programme pages (api/web/pages_programmes.py) and their tables (api/programmes_report.py): who is one
criterion short and this year's movements on constructed standings; the page, the chart and the XLSX export per
role on the demo (SQLite and PostgreSQL) — an SME sees its own organisation only, a TTO gets 403."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from api import programmes_export as export
from api import programmes_report as report
from api.auth import Principal
from api.routes_programmes import GroupOut, OutcomeOut, StandingOut
from data import programmes
from data.db import transaction
from data.enums import Role
from data.models import EnterpriseYear, Organization
from data.programmes import MET, NOT_MET, UNKNOWN
from tests.api_support import OTHER_SME, OWN_SME, sign_in

PROGRAMMES = programmes.available()
SUZHOU, ZHEJIANG = PROGRAMMES["suzhou_qiangqi"], PROGRAMMES["zhejiang_gaojiazhi"]
# The demo's other enterprises with yearly data, and figures only they report (2025 revenue, yuan).
OTHERS = ("南京晶测半导体设备有限公司", "南京智冷链物流科技有限公司")
OTHER_FIGURES = ("83,000,000", "9,200,000", "83000000", "9200000")
# Demo enterprises registered in 苏州 (昆山 is a county-level city of 苏州), in the 苏州 programme's pool.
IN_SUZHOU = ("苏州慧眼视觉科技有限公司", "昆山视界光电有限公司", "昆山精塑科技有限公司")
SZ_SME = "昆山精塑科技有限公司"  # 2025 revenue 7,600,000: one criterion (营业收入) short of 成长型


# ---- constructed standings: what the route returns, with chosen results ----

def standing(programme: programmes.Programme, tier: str | None = None, reached: str | None = None,
             declining: tuple[int, ...] = (), **results: tuple[str, object]) -> StandingOut:
    """Every criterion met (value 0) unless `results` gives (status, value) for its code (dots as "__")."""
    given = {code.replace("__", "."): result for code, result in results.items()}

    def group(g: programmes.Group) -> GroupOut:
        outcomes = [OutcomeOut(code=c.code, name=c.name, status=given.get(c.code, (MET, 0))[0],
                               value=given.get(c.code, (MET, 0))[1], requirement="", evidence="测试", source=c.source)
                    for c in g.criteria]
        return GroupOut(code=g.code, name=g.name, status=programmes.overall(
            [programmes.Outcome(c, o.status, None, "") for c, o in zip(g.criteria, outcomes, strict=True)]),
            criteria=outcomes)

    return StandingOut(programme=programme.code, programme_name=programme.name, area=programme.area.label,
                       area_reason="测试", organization_id=1,
                       organization="甲公司", year=2025, tier=tier, reached=reached if reached else tier,
                       declining_years=list(declining), tiers=[group(t) for t in programme.tiers],
                       projects=[group(p) for p in programme.projects], kpis=[])


def _close(programme, found: StandingOut) -> list[tuple[str, str, str, Decimal | None]]:
    return [(s.target, s.criterion.code, s.outcome.status, s.gap) for s in report.shortfalls(programme, found)]


def test_one_criterion_not_met_for_the_next_tier_is_close_with_its_gap():
    found = standing(SUZHOU, "pool", growth__inventions=(NOT_MET, 0), advantage__inventions=(NOT_MET, 0),
                     leading__inventions=(NOT_MET, 0), dengfeng__inventions=(NOT_MET, 48))
    assert _close(SUZHOU, found) == [("档次：成长型", "growth.inventions", NOT_MET, Decimal(1)),
                                     ("项目：登峰计划项目", "dengfeng.inventions", NOT_MET, Decimal(2))]


def test_unknown_is_never_met_so_it_is_the_one_short_or_makes_two():
    one_unknown = standing(SUZHOU, "growth", advantage__certified=(UNKNOWN, None))
    assert _close(SUZHOU, one_unknown)[0] == ("档次：优势型", "advantage.certified", UNKNOWN, None)
    two_short = standing(SUZHOU, "growth", advantage__certified=(UNKNOWN, None), advantage__inventions=(NOT_MET, 19))
    assert [c for c in _close(SUZHOU, two_short) if c[0] == "档次：优势型"] == []
    # not in the pool yet: the pool is the next tier
    outside = standing(SUZHOU, None, pool__honest=(UNKNOWN, None), growth__inventions=(NOT_MET, 0))
    assert _close(SUZHOU, outside)[0] == ("档次：入库", "pool.honest", UNKNOWN, None)


def test_the_gap_of_a_ceiling_and_of_a_yes_no_rule():
    found = standing(ZHEJIANG, project__abnormal=(NOT_MET, 2), base__granted=(NOT_MET, 99), base__honest=(NOT_MET,
                                                                                                            True))
    got = _close(ZHEJIANG, found)
    assert ("项目：高价值专利培育项目", "project.abnormal", NOT_MET, Decimal(2)) in got  # two too many
    assert [c for c in got if c[0] == "项目：高价值专利培育基地"] == []  # two short there
    alone = _close(ZHEJIANG, standing(ZHEJIANG, project__high_tech=(NOT_MET, False)))
    assert alone == [("项目：高价值专利培育项目", "project.high_tech", NOT_MET, None)]
    ratio = _close(ZHEJIANG, standing(ZHEJIANG, project__rd_ratio=(NOT_MET, "0.0250")))
    assert ratio[0][3] == Decimal("0.0050")


def test_a_top_tier_enterprise_has_no_next_tier_and_an_eligible_group_is_not_listed():
    assert _close(SUZHOU, standing(SUZHOU, "leading")) == []


@pytest.mark.parametrize("before, now, reached, change", [
    (None, "pool", None, "new"), ("pool", "growth", None, "up"), ("advantage", "growth", None, "down"),
    ("growth", None, None, "out"), ("growth", "growth", None, "same"), (None, None, None, "none"),
    ("advantage", "growth", "advantage", "down"),
])
def test_tier_movements(before, now, reached, change):
    moved = report.movements(SUZHOU, standing(SUZHOU, now, reached, (2023, 2024, 2025) if reached else ()),
                             standing(SUZHOU, before))
    tier = moved[0]
    assert (tier.subject, tier.change) == ("档次", change)
    if reached:  # the rolling review moved it down: say so, with the declining years
        assert tier.note == "动态管理：指标连续 3 年下降（2023、2024、2025），由优势型下调至成长型"
    else:
        assert tier.note == ""


def test_project_eligibility_movements():
    short = dict(project__inventions=(NOT_MET, 20))
    unknown = dict(project__inventions=(UNKNOWN, None))
    cases = [(short, {}, "eligible"), ({}, short, "lost"), (short, short, "kept"), (unknown, short, "changed")]
    for before, now, change in cases:
        moved = report.movements(ZHEJIANG, standing(ZHEJIANG, **now), standing(ZHEJIANG, **before))
        assert [m.change for m in moved if m.subject == "高价值专利培育项目"] == [change]


# ---- the demo, per role (SQLite and PostgreSQL) ----

@pytest.fixture(scope="module")
def clients(api):
    """A client per role; "sme" and "other_sme" are 南京's and 常州's (outside both programmes' areas), "sz_sme"
    昆山精塑 (inside 苏州's)."""
    from api.auth import create_key

    with transaction(api[4]) as db:
        api[1]["sz_sme"] = create_key(db, Role.SME, db.scalar(select(Organization).where(Organization.name == SZ_SME)))
    return {role: sign_in(api, role) for role in ("sme", "other_sme", "sz_sme", "tto", "operator", "evaluator",
                                                  "admin")}


@pytest.mark.parametrize("path", ["/ui/programmes", "/ui/programmes/suzhou_qiangqi",
                                  "/ui/programmes/suzhou_qiangqi/export.xlsx",
                                  "/ui/programmes/zhejiang_gaojiazhi/progress.png"])
def test_roles_that_may_check_programmes_open_every_page_and_a_tto_gets_403(clients, path):
    for role, client in clients.items():
        answer = client.get(path)
        assert answer.status_code == (403 if role == "tto" else 200), (role, answer.text[:300])
    assert "您的角色无权访问此页面" in clients["tto"].get(path).text


def test_the_operator_sees_the_pool_tiers_criteria_and_who_is_close(clients):
    page = clients["operator"].get("/ui/programmes/suzhou_qiangqi").text
    pool = page.split('id="programme-pool"')[1].split("</section>")[0]
    assert all(name in pool for name in IN_SUZHOU) and not any(name in pool for name in (OWN_SME, *OTHERS))
    left_out = page.split('id="programme-area"')[1].split("</section>")[0]  # listed apart, with the reason
    assert all(name in left_out for name in (OWN_SME, *OTHERS)) and "不在地区范围内" in left_out
    assert 'option value="2025" selected' in page  # the latest year with data by default
    assert "差一项达标" in page and "档次：成长型" in page and "未知（缺数据）" in page
    assert "/ui/programmes/suzhou_qiangqi/progress.png?year=2025" in page
    assert "/ui/programmes/suzhou_qiangqi/export.xlsx?year=2025" in page
    assert "/ui/programmes" in clients["operator"].get("/ui/").text  # the navigation link
    listed = clients["sme"].get("/ui/programmes").text
    unchecked = sum(c.source.startswith(programmes.UNVERIFIED) for g in (*SUZHOU.tiers, *SUZHOU.projects)
                    for c in g.criteria)
    assert f"{unchecked} 条标准尚未与政策原文核对" in listed and 'href="/ui/programmes/zhejiang_gaojiazhi"' in listed


def _with_data(db, year: int) -> set[str]:  # noqa: ANN001
    return set(db.scalars(select(Organization.name).join(EnterpriseYear).where(EnterpriseYear.year == year)))


def test_the_year_filter_changes_the_pool(api, clients):
    with transaction(api[4]) as db:
        then, now = _with_data(db, 2023), _with_data(db, 2025)
    assert OTHERS[1] in now - then and "昆山精塑科技有限公司" in now - then  # they report 2025 only
    page = clients["evaluator"].get("/ui/programmes/suzhou_qiangqi", params={"year": "2023"}).text
    assert all(name in page for name in then) and not any(name in page for name in now - then)
    assert 'option value="2023" selected' in page


@pytest.mark.parametrize("year", ["abc", "1900", "2101"])
def test_a_bad_year_is_refused_in_chinese_naming_the_field(clients, year):
    answer = clients["operator"].get("/ui/programmes/suzhou_qiangqi", params={"year": year})
    assert answer.status_code == 422 and f"年度须为 1985–2100 之间的整数（现为“{year}”）" in answer.text
    export = clients["operator"].get("/ui/programmes/suzhou_qiangqi/export.xlsx", params={"year": year})
    assert export.status_code == 422 and "年度须为" in export.text


def test_an_unknown_programme_is_404_in_chinese(clients):
    answer = clients["operator"].get("/ui/programmes/nope")
    assert answer.status_code == 404 and "没有编号为“nope”的项目，请从培育项目列表中选择" in answer.text


def _cells(content: bytes) -> dict[str, list[list]]:
    book = load_workbook(io.BytesIO(content))
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}


def test_the_export_has_a_sheet_per_table_with_chinese_headers(clients):
    answer = clients["operator"].get("/ui/programmes/suzhou_qiangqi/export.xlsx", params={"year": "2025"})
    assert answer.headers["content-type"] == export.XLSX
    assert "programme-suzhou_qiangqi-2025.xlsx" in answer.headers["content-disposition"]
    sheets = _cells(answer.content)
    assert list(sheets) == ["概况", "档次与申报资格", "逐项标准", "本年变动", "差一项达标", "绩效指标逐年进展",
                            "地区范围外或地区未知"]
    assert sheets["档次与申报资格"][0] == ["单位", "档次（动态管理后）", "按标准可达档次", "指标连续下降年度",
                                        "登峰计划项目申报条件"]
    assert sheets["逐项标准"][0] == ["单位", "档次或项目", "标准编号", "标准", "要求", "结果", "数值", "数据来源", "政策依据"]
    assert sheets["本年变动"][0] == ["单位", "档次或项目", "2024 年度", "2025 年度", "变动", "说明"]
    assert sheets["差一项达标"][0] == ["单位", "目标", "所缺标准", "结果", "现值", "要求", "差距", "数据来源"]
    assert sheets["绩效指标逐年进展"][0] == ["单位", "绩效指标", "年度", "数值", "要求", "结果", "数据来源"]
    assert {row[0] for row in sheets["档次与申报资格"][1:]} >= set(IN_SUZHOU)
    assert not {row[0] for row in sheets["档次与申报资格"][1:]} & {OWN_SME, *OTHERS}  # 南京: outside the area
    left_out = {row[0]: row[1] for row in sheets["地区范围外或地区未知"][1:]}
    assert set(left_out.values()) == {"不在地区范围内"} and set(left_out) >= {OWN_SME, *OTHERS, "杭州云途数据科技有限公司"}
    revenue = next(r for r in sheets["逐项标准"] if r[0] == SZ_SME and r[2] == "pool.revenue")
    assert (revenue[5], revenue[6]) == ("符合", 7_600_000)  # a number, not text
    close = next(r for r in sheets["差一项达标"] if r[0] == SZ_SME and r[1] == "档次：成长型")
    assert (close[2], close[4], close[6]) == ("营业收入", 7_600_000, 2_400_000)
    zhejiang = _cells(clients["operator"].get("/ui/programmes/zhejiang_gaojiazhi/export.xlsx").content)
    kpis = zhejiang["绩效指标逐年进展"]
    assert {row[0] for row in kpis[1:]} == {"杭州云途数据科技有限公司", "宁波海工装备有限公司", "嘉兴锦程纺织有限公司"}
    assert {row[2] for row in kpis[1:] if row[0] == "杭州云途数据科技有限公司"} == {2022, 2023, 2024, 2025}
    for row in kpis[1:]:  # a known figure is a number; an unknown one a dash, never a zero
        assert isinstance(row[3], int | float) if row[5] in ("符合", "不符合") else (row[5], row[3]) == ("未知（缺数据）",
                                                                                                   "—")


@pytest.fixture(scope="module")
def enterprises(api) -> set[str]:
    """Every organisation with yearly profile data in the demo, and the two SMEs with keys."""
    with transaction(api[4]) as db:
        found = set(db.scalars(select(Organization.name).join(EnterpriseYear)))
    return found | {OWN_SME, OTHER_SME}


def _mentions_another(text: str, own: str, enterprises: set[str]) -> list[str]:
    return [n for n in (*sorted(enterprises - {own}), *OTHER_FIGURES) if n in text]


@pytest.mark.parametrize("who, own, inside", [("sme", OWN_SME, ()), ("other_sme", OTHER_SME, ()),
                                              ("sz_sme", SZ_SME, ("suzhou_qiangqi",))])
@pytest.mark.parametrize("code", ["suzhou_qiangqi", "zhejiang_gaojiazhi"])
def test_an_sme_sees_only_its_own_standing_in_page_and_export(clients, enterprises, who, own, inside, code):
    client = clients[who]
    for year in ("", "2023", "2025"):
        page = client.get(f"/ui/programmes/{code}", params={"year": year} if year else {}).text
        assert own in page and _mentions_another(page, own, enterprises) == []
        book = _cells(client.get(f"/ui/programmes/{code}/export.xlsx", params={"year": year} if year else {}).content)
        text = "\n".join(str(v) for rows in book.values() for row in rows for v in row)
        assert own in text and _mentions_another(text, own, enterprises) == []
        standing, left_out = book["档次与申报资格"][1:], book["地区范围外或地区未知"][1:]
        if code in inside:
            assert {row[0] for row in standing} == {own} and left_out == []
        else:  # another area's programme: told so, never given a tier
            assert standing == [] and [row[:2] for row in left_out] == [[own, "不在地区范围内"]]
            assert "不在本项目地区范围" in page and 'id="programme-pool"' not in page
    if who == "sz_sme" and code == "suzhou_qiangqi":  # what it lacks: 营业收入 for 成长型
        assert "档次：成长型" in client.get(f"/ui/programmes/{code}").text


def test_an_sme_report_and_chart_hold_its_organisation_only(api, clients):
    engine = api[4]
    with transaction(engine) as db:
        org = db.scalar(select(Organization).where(Organization.name == SZ_SME))
        own_years = tuple(sorted(db.scalars(select(EnterpriseYear.year).where(EnterpriseYear.organization_id == org.id))))
        for code in PROGRAMMES:
            found = report.build(db, Principal(0, Role.SME, org.id), code, None)
            names = {s.organization for s in found.pool} | {m.organization for m in found.movements} | {
                s.organization for s in found.close} | {k.organization for k in found.kpis} | {
                n for n, _ in found.tier_history} | {e.organization for e in found.excluded}
            assert names == {SZ_SME}
            assert bool(found.pool) is (code == "suzhou_qiangqi") and bool(found.area_note) is (code != "suzhou_qiangqi")
            assert found.choices == own_years  # its own years with data
            assert export.progress_chart(found).startswith(b"\x89PNG")
        operator = report.build(db, Principal(0, Role.OPERATOR, None), "suzhou_qiangqi", 2024)
        assert {s.organization for s in operator.pool} == {"苏州慧眼视觉科技有限公司", "昆山视界光电有限公司",
                                                           "苏州感知物联科技有限公司"}
        assert {e.organization for e in operator.excluded} == _with_data(db, 2024) - {
            s.organization for s in operator.pool} >= {OWN_SME, OTHERS[0]}

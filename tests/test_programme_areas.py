"""A programme's area (data/programme_areas.py): membership from the reference table, the programme file's
area refused when it cannot be resolved, and every path — the report's pool, the check (CLI and API), the web
page and the XLSX export, project applications, the demo summary — grading only organisations inside the area;
an organisation of unknown place is shown as 地区未知 with the reason, never counted as inside."""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import select

from api import programmes_report as report
from api.auth import Principal, create_key
from api.cli import main
from data import programme_areas as areas
from data import programmes
from data.db import transaction
from data.enums import OrgKind, Role
from data.models import EnterpriseYear, Organization
from tests.api_support import OWN_SME, call, sign_in

SUZHOU_AREA, ZHEJIANG_AREA = areas.Area("江苏省", "苏州市"), areas.Area("浙江省")
IN, OUT, UNKNOWN = areas.INSIDE, areas.OUTSIDE, areas.UNKNOWN
INSIDE_SZ = ("苏州慧眼视觉科技有限公司", "昆山视界光电有限公司", "苏州感知物联科技有限公司", "昆山精塑科技有限公司",
             "吴江云锦丝绸有限公司")  # the demo's Suzhou enterprises with 2025 data
INSIDE_ZJ = ("嘉兴锦程纺织有限公司", "宁波海工装备有限公司", "杭州云途数据科技有限公司")
NOWHERE = "无地址测试科技有限公司"  # added by this module: yearly data, no province or city


@pytest.mark.parametrize("area, province, city, expected", [
    (SUZHOU_AREA, "江苏省", "昆山市", IN), (SUZHOU_AREA, None, "昆山", IN), (SUZHOU_AREA, "江苏", "苏州", IN),
    (SUZHOU_AREA, "江苏省", "苏州市吴江区", IN), (SUZHOU_AREA, None, "张家港市", IN), (SUZHOU_AREA, None, "太仓", IN),
    (SUZHOU_AREA, None, "常熟市", IN), (SUZHOU_AREA, None, "苏州工业园区", IN), (SUZHOU_AREA, "江苏省", "相城区", IN),
    (SUZHOU_AREA, None, "杭州", OUT), (SUZHOU_AREA, "浙江省", "杭州市", OUT), (SUZHOU_AREA, "江苏省", "南京", OUT),
    (SUZHOU_AREA, "上海市", "上海", OUT), (SUZHOU_AREA, "江苏省", "鼓楼区", OUT),  # 南京 and 徐州 both: outside
    (ZHEJIANG_AREA, "浙江省", "余杭区", IN), (ZHEJIANG_AREA, "浙江", None, IN), (ZHEJIANG_AREA, None, "义乌", IN),
    (ZHEJIANG_AREA, "浙江省", "景宁畲族自治县", IN), (ZHEJIANG_AREA, None, "苏州", OUT),
    (ZHEJIANG_AREA, "安徽省", "合肥", OUT), (ZHEJIANG_AREA, None, "北京", OUT),  # a municipality places itself
    (SUZHOU_AREA, None, "沛县", OUT),  # a 县 name is unique nationwide: no province needed
    (SUZHOU_AREA, "江苏省", None, UNKNOWN),  # which prefecture?
    (SUZHOU_AREA, None, None, UNKNOWN), (ZHEJIANG_AREA, "", " ", UNKNOWN),
    (SUZHOU_AREA, "浙江省", "苏州", UNKNOWN),  # contradicts itself
    (ZHEJIANG_AREA, None, "南昌", UNKNOWN),  # not in the table, no province
])
def test_membership(area, province, city, expected):
    verdict = areas.membership(area, province, city)
    assert verdict.status == expected, verdict
    assert verdict.reason and verdict.inside is (expected == IN)


JIANGSU_AREA = areas.Area("江苏省")


@pytest.mark.parametrize("area, province, city, expected, reason", [
    # the province written before 市 decides, or the parts must agree (issue 20 review, item 1)
    (ZHEJIANG_AREA, None, "上海市普陀区", OUT, "“上海市普陀区”属于上海市"),
    (ZHEJIANG_AREA, "", "重庆市江北区", OUT, "“重庆市江北区”属于重庆市"),
    (ZHEJIANG_AREA, None, "南昌市西湖区", UNKNOWN, "“南昌市”不在地区对照表（data/reference/admin_areas.tsv）中，请登记省份"),
    (SUZHOU_AREA, "江西省", "南昌市西湖区", OUT, "登记省份为江西省"),  # with a province cell, it decides
    (ZHEJIANG_AREA, "浙江省", "南昌市西湖区", UNKNOWN, "不是浙江省的地级市或县级市"),
    (SUZHOU_AREA, None, "南京市昆山市", UNKNOWN, "自相矛盾：南京市属于江苏省南京市，昆山市属于江苏省苏州市"),
    (SUZHOU_AREA, "江苏省", "南京市吴江区", UNKNOWN, "自相矛盾：南京市属于江苏省南京市，吴江区属于江苏省苏州市"),
    (SUZHOU_AREA, None, "苏州市鼓楼区", UNKNOWN, "自相矛盾：苏州市属于江苏省苏州市，鼓楼区属于江苏省南京市、江苏省徐州市"),
    (SUZHOU_AREA, None, "苏州市吴江区", IN, "属于江苏省苏州市"),
    (SUZHOU_AREA, "安徽省", "苏州", UNKNOWN, "与登记的省份“安徽省”不一致"),  # 苏州 is a name unique nationwide
    # a district alone does not place an organisation (item 2); its prefecture or province does
    (ZHEJIANG_AREA, "", "普陀区", UNKNOWN, "“普陀区”是市辖区，全国多地有同名的区"),
    (ZHEJIANG_AREA, None, "西湖区", UNKNOWN, "请登记省份"), (ZHEJIANG_AREA, None, "江北区", UNKNOWN, "请登记省份"),
    (SUZHOU_AREA, None, "通州区", UNKNOWN, "请登记省份"), (SUZHOU_AREA, None, "鼓楼区", UNKNOWN, "请登记省份"),
    (SUZHOU_AREA, None, "相城区", UNKNOWN, "请登记省份"), (ZHEJIANG_AREA, None, "余杭区", UNKNOWN, "请登记省份"),
    (JIANGSU_AREA, None, "徐州市鼓楼区", IN, "“徐州市鼓楼区”属于江苏省徐州市"),  # item 5: not 南京
    (SUZHOU_AREA, None, "徐州市鼓楼区", OUT, "“徐州市鼓楼区”属于江苏省徐州市"),
    (JIANGSU_AREA, "江苏省", "鼓楼区", IN, "“鼓楼区”属于江苏省南京市、江苏省徐州市"),
    # a combined province cell, a leading province in the city cell, a name that is no province (item 4)
    (SUZHOU_AREA, "江苏省苏州市", None, IN, "属于江苏省苏州市"), (ZHEJIANG_AREA, "浙江省杭州市", "", IN, "浙江省杭州市"),
    (SUZHOU_AREA, "江苏省", "江苏省苏州市", IN, "属于江苏省苏州市"), (SUZHOU_AREA, "江苏", "江苏苏州", IN, "属于江苏省苏州市"),
    (SUZHOU_AREA, "江苏省苏州市", "昆山市", IN, "属于江苏省苏州市"),
    (SUZHOU_AREA, "浙江省", "江苏省苏州市", UNKNOWN, "与登记的省份“浙江省”不一致"),
    (SUZHOU_AREA, "Jiangsu", "苏州", UNKNOWN, "登记的省份“Jiangsu”不是我国 34 个省级行政区的名称"),
    (SUZHOU_AREA, "江蘇", None, UNKNOWN, "登记的省份“江蘇”不是我国 34 个省级行政区的名称"),
    (SUZHOU_AREA, "吉林省", "吉林市", OUT, "登记省份为吉林省"), (SUZHOU_AREA, None, "吉林市", UNKNOWN, "不在地区对照表"),
    (ZHEJIANG_AREA, "广西", None, OUT, "登记省份为广西壮族自治区"), (SUZHOU_AREA, None, "上海浦东新区", OUT, "属于上海市"),
])
def test_membership_reads_every_part_of_the_place(area, province, city, expected, reason):
    verdict = areas.membership(area, province, city)
    assert verdict.status == expected, verdict
    assert reason in verdict.reason, verdict


def test_the_province_list_holds_the_34_provincial_level_units():
    assert len(set(areas.PROVINCIAL)) == 34 and set(areas.provinces()) <= set(areas.PROVINCIAL)
    assert areas.split_province("江苏省苏州市") == ("江苏省", "苏州市") and areas.split_province("黑龙江") == ("黑龙江省", "")
    assert areas.split_province("Jiangsu") == (None, "Jiangsu")


def test_unknown_is_never_inside_and_says_why():
    verdict = areas.membership(ZHEJIANG_AREA, None, None)
    assert verdict.message(ZHEJIANG_AREA, "甲公司") == "甲公司 地区未知，不能确认在本项目地区范围（浙江省）内：未登记省份和城市"
    assert "不在本项目地区范围（浙江省）内" in areas.membership(ZHEJIANG_AREA, "江苏省", "苏州").message(ZHEJIANG_AREA, "乙")


def test_the_table_holds_every_county_level_unit_of_both_provinces():
    units = {p for found in areas.places().values() for p in found if p.level in ("市辖区", "县", "县级市")}
    assert sum(p.province == "江苏省" for p in units) == 95 and sum(p.province == "浙江省" for p in units) == 90
    assert {p.name for p in units if p.prefecture == "苏州市"} == {"姑苏区", "虎丘区", "吴中区", "相城区", "吴江区",
                                                                  "常熟市", "张家港市", "昆山市", "太仓市"}


def test_the_programme_files_declare_their_areas():
    found = programmes.available()
    assert found["suzhou_qiangqi"].area == SUZHOU_AREA and found["zhejiang_gaojiazhi"].area == ZHEJIANG_AREA


@pytest.mark.parametrize("area, message", [
    (None, "zj.json area：须写明适用地区"),
    ({"province": "浙江"}, None),  # without 省 resolves
    ({"province": "江西省"}, "zj.json area.province：地区对照表（data/reference/admin_areas.tsv）中没有省份“江西省”"),
    ({"province": "浙江省", "prefecture": "苏州市"}, "zj.json area.prefecture：地区对照表中浙江省没有地级市“苏州市”"),
])
def test_an_area_the_table_cannot_resolve_is_refused_naming_file_and_field(tmp_path, area, message):
    raw = json.loads((programmes.programmes_dir() / "zhejiang_gaojiazhi.json").read_text(encoding="utf-8"))
    raw.pop("area")
    if area is not None:
        raw["area"] = area
    path = tmp_path / "zj.json"
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    if message is None:
        assert programmes.load(path).area == ZHEJIANG_AREA
        return
    with pytest.raises(programmes.ProgrammeError) as caught:
        programmes.load(path)
    assert message in str(caught.value)


# ---- every path, on the served demo (SQLite and PostgreSQL) ----

@pytest.fixture(scope="module")
def served(api):
    """The demo plus an organisation of unknown place with 2025 data, and SME keys inside each area."""
    with transaction(api[4]) as s:
        org = Organization(name=NOWHERE, kind=OrgKind.SME)
        s.add(org)
        s.flush()
        s.add(EnterpriseYear(organization_id=org.id, year=2025, revenue=8_000_000, source="测试"))
        by_name = {o.name: o for o in s.scalars(select(Organization))}
        api[1]["sz_sme"] = create_key(s, Role.SME, by_name["昆山精塑科技有限公司"])
        api[1]["zj_sme"] = create_key(s, Role.SME, by_name["宁波海工装备有限公司"])
        api[3][NOWHERE] = org.id
    return api


def _pool(db, who: Principal, code: str, year: int = 2025) -> set[str]:  # noqa: ANN001
    return {s.organization for s in report.build(db, who, code, year).pool}


def test_the_report_pool_holds_only_organisations_inside_the_area(served):
    operator = Principal(0, Role.OPERATOR, None)
    with transaction(served[4]) as db:
        assert _pool(db, operator, "suzhou_qiangqi") == set(INSIDE_SZ)
        assert _pool(db, operator, "zhejiang_gaojiazhi") == set(INSIDE_ZJ)
        built = report.build(db, operator, "suzhou_qiangqi", 2025)
        left = {e.organization: e.verdict.status for e in built.excluded}
        assert left[OWN_SME] == OUT and left[NOWHERE] == UNKNOWN and not set(left) & set(INSIDE_SZ)
        assert "登记在江苏省苏州市的 5 家单位" in built.scope and "地区未知 1 家" in built.scope
        rows = {r[0]: r for r in report.area_table(built).rows}
        assert rows[NOWHERE][1:] == ("地区未知", "未登记", "未登记省份和城市")
        assert {m.organization for m in built.movements} <= set(INSIDE_SZ)
        own = Principal(0, Role.SME, served[3][OWN_SME])  # 南京: outside both programmes
        for code, label in (("suzhou_qiangqi", "江苏省苏州市"), ("zhejiang_gaojiazhi", "浙江省")):
            mine = report.build(db, own, code, 2025)
            assert mine.pool == () and mine.kpis == () and mine.tier_history == ()
            assert f"本单位 不在本项目地区范围（{label}）内" in mine.area_note


@pytest.mark.parametrize("code, whose, status, text", [
    ("suzhou_qiangqi", "昆山精塑科技有限公司", 200, None),
    ("zhejiang_gaojiazhi", "宁波海工装备有限公司", 200, None),
    ("suzhou_qiangqi", OWN_SME, 409, "南京储能云科技有限公司 不在本项目地区范围（江苏省苏州市）内：“南京”属于江苏省南京市"),
    ("zhejiang_gaojiazhi", "昆山精塑科技有限公司", 409, "不在本项目地区范围（浙江省）内"),
    ("zhejiang_gaojiazhi", NOWHERE, 409, "地区未知，不能确认在本项目地区范围（浙江省）内：未登记省份和城市"),
])
def test_api_check_refuses_an_organisation_outside_the_area(served, code, whose, status, text):
    answer = call(served, "operator", "GET", f"/programmes/{code}/check/{served[3][whose]}?year=2025")
    assert answer.status_code == status, answer.text
    if status == 200:
        assert answer.json()["area"] in ("江苏省苏州市", "浙江省") and answer.json()["area_reason"]
    else:
        assert answer.json()["detail"] == text if text.startswith(OWN_SME) else text in answer.json()["detail"]
        assert "tiers" not in answer.text
    mine = call(served, "sme", "GET", f"/programmes/{code}/check/{served[3][OWN_SME]}")  # its own: outside too
    assert mine.status_code == 409 and "不在本项目地区范围" in mine.json()["detail"]


def test_the_page_and_export_show_an_outside_sme_that_it_is_outside(served):
    client = sign_in(served, "sme")
    page = client.get("/ui/programmes/zhejiang_gaojiazhi").text
    assert "本单位 不在本项目地区范围（浙江省）内：“南京”属于江苏省南京市" in page
    assert 'id="programme-area-note"' in page and 'id="programme-pool"' not in page  # no empty standing
    assert 'id="programme-area"' in page and 'id="programme-chart"' not in page
    book = load_workbook(io.BytesIO(client.get("/ui/programmes/suzhou_qiangqi/export.xlsx").content))
    assert [list(r) for r in book["档次与申报资格"].iter_rows(values_only=True)][1:] == []
    assert [r[:2] for r in book["地区范围外或地区未知"].iter_rows(values_only=True)][1:] == [(OWN_SME, "不在地区范围内")]
    summary = {r[0]: r[1] for r in book["概况"].iter_rows(values_only=True)}
    assert summary["适用地区"] == "江苏省苏州市" and "不在本项目地区范围" in summary["地区"]


def test_an_sme_inside_sees_its_tier_and_the_operator_page_lists_who_is_left_out(served):
    inside = sign_in(served, "sz_sme").get("/ui/programmes/suzhou_qiangqi").text
    assert "昆山精塑科技有限公司" in inside and "档次：成长型" in inside and "programme-area-note" not in inside
    assert "南京" not in inside.split("</header>")[-1]  # nothing of another organisation
    zj = sign_in(served, "zj_sme").get("/ui/programmes/zhejiang_gaojiazhi").text
    assert "宁波海工装备有限公司" in zj and "不在本项目地区范围" not in zj
    operator = sign_in(served, "operator").get("/ui/programmes/suzhou_qiangqi").text
    assert 'id="programme-area"' in operator and "地区未知" in operator and NOWHERE in operator
    assert "适用地区：</b>江苏省苏州市" in sign_in(served, "operator").get("/ui/programmes").text
    english = sign_in(served, "operator")
    english.cookies.set("pm_lang", "en")  # the label goes through t() like the others
    listed = english.get("/ui/programmes").text
    assert "<b>Area: </b>江苏省苏州市" in listed and "适用地区" not in listed


def test_a_project_application_outside_the_area_is_refused_on_the_api(served):
    body = {"group": "project", "organization_id": served[3][OWN_SME], "number": "AREA-1", "title": "地区测试",
            "applied_on": "2025-03-01"}
    refused = call(served, "operator", "POST", "/programmes/zhejiang_gaojiazhi/projects", json=body)
    assert refused.status_code == 409 and "不在本项目地区范围（浙江省）内" in refused.text  # 409, as at 立项
    unknown = call(served, "operator", "POST", "/programmes/zhejiang_gaojiazhi/projects",
                   json=body | {"organization_id": served[3][NOWHERE]})
    assert unknown.status_code == 409 and "地区未知" in unknown.text
    ok = call(served, "operator", "POST", "/programmes/zhejiang_gaojiazhi/projects",
              json=body | {"organization_id": served[3]["宁波海工装备有限公司"]})
    assert ok.status_code == 201, ok.text


def _move(engine, name: str, province: str | None, city: str | None) -> None:  # noqa: ANN001
    """Change an organisation's registered place, as a later import of the organisations file would."""
    with transaction(engine) as s:
        org = s.scalar(select(Organization).where(Organization.name == name))
        org.province, org.city = province, city


def test_payments_and_later_stages_recheck_the_area_on_the_api(served):
    name = "区域复核测试有限公司"  # added here so that moving it changes no other test's organisation
    with transaction(served[4]) as s:
        org = Organization(name=name, kind=OrgKind.SME, province="浙江省", city="杭州市")
        s.add(org)
        s.flush()
        org_id = org.id
    made = call(served, "operator", "POST", "/programmes/zhejiang_gaojiazhi/projects",
                json={"group": "project", "organization_id": org_id, "number": "AREA-MOVE", "title": "地区复核",
                      "applied_on": "2024-03-01"})
    assert made.status_code == 201, made.text
    pid, reason = made.json()["id"], "申报材料经评审同意立项"
    approved = call(served, "operator", "POST", f"/projects/{pid}/stage",
                    json={"stage": "approved", "on": "2024-06-01", "award": "500000", "override_reason": reason})
    assert approved.status_code == 200, approved.text
    _move(served[4], name, "江苏省", "南京市")
    outside = f"{name} 不在本项目地区范围（浙江省）内：“南京市”属于江苏省南京市"
    paid = call(served, "operator", "POST", f"/projects/{pid}/payments", json={"tranche": 1, "paid_on": "2024-07-01"})
    assert paid.status_code == 409 and outside in paid.json()["detail"], paid.text
    midterm = call(served, "operator", "POST", f"/projects/{pid}/stage", json={"stage": "midterm", "on": "2025-01-10"})
    assert midterm.status_code == 409 and outside in midterm.json()["detail"], midterm.text
    shown = call(served, "operator", "GET", f"/projects/{pid}").json()
    assert shown["stage"] == "approved" and shown["paid"] == "0"
    assert shown["kpis"] and all(k["status"] == "unknown" and outside in k["evidence"] for k in shown["kpis"])


# ---- the CLI: check and the demo summary ----

def test_cli_check_refuses_outside_and_the_demo_summary_counts_by_area(tmp_path, monkeypatch):
    monkeypatch.setenv("PATENT_MATCH_HOME", str(tmp_path / "home"))
    db = ["--db", f"sqlite:///{tmp_path / 'demo.db'}"]
    runner = CliRunner()
    demo = runner.invoke(main, [*db, "demo", "--as-of", "2026-11-21"])
    assert demo.exit_code == 0, demo.output
    assert "适用地区：江苏省苏州市；地区内 5 家，地区外 6 家，地区未知 0 家" in demo.output
    assert "适用地区：浙江省；地区内 3 家，地区外 8 家，地区未知 0 家" in demo.output
    assert "档次：入库 1，成长型 1，优势型 1，引领型 1，未入库 1" in demo.output  # Suzhou's own enterprises only
    assert "高价值专利培育项目申报条件符合：0 家；不符合 1 家，未知（缺数据）2 家" in demo.output
    refused = runner.invoke(main, [*db, "programmes", "check", OWN_SME, "--programme", "suzhou_qiangqi"])
    assert refused.exit_code == 2 and "不在本项目地区范围（江苏省苏州市）内" in refused.output
    assert "档次" not in refused.output
    both = runner.invoke(main, [*db, "programmes", "check", "昆山视界光电有限公司", "--year", "2025"])
    assert both.exit_code == 0 and "档次：优势型" in both.output
    assert "昆山视界光电有限公司 不在本项目地区范围（浙江省）内：“苏州”属于江苏省苏州市" in both.output
    listed = runner.invoke(main, [*db, "programmes", "list"])
    assert "适用地区：江苏省苏州市" in listed.output and "适用地区：浙江省" in listed.output
    project = runner.invoke(main, [*db, "programmes", "projects", "add", "suzhou_qiangqi", "dengfeng", OWN_SME,
                                   "--number", "CLI-AREA", "--title", "地区测试", "--applied-on", "2025-03-01"])
    assert project.exit_code == 2 and "organization-id：南京储能云科技有限公司 不在本项目地区范围（江苏省苏州市）内" in project.output

    # a project approved inside the area, whose organisation then registers elsewhere: no payment, no next stage
    def run(*args: str):  # noqa: ANN202
        return runner.invoke(main, [*db, "programmes", "projects", *args])

    mover = "昆山精塑科技有限公司"
    assert run("add", "suzhou_qiangqi", "dengfeng", mover, "--number", "CLI-MOVE", "--title", "地区复核",
               "--applied-on", "2025-03-01").exit_code == 0
    approved = run("stage", "CLI-MOVE", "approved", "--on", "2025-05-01", "--award", "1000000",
                   "--co-investment", "2000000", "--reason", "经评审同意立项")
    assert approved.exit_code == 0, approved.output
    from data.db import make_engine

    _move(make_engine(db[1]), mover, "上海市", "上海市普陀区")
    outside = f"organization-id：{mover} 不在本项目地区范围（江苏省苏州市）内：登记省份为上海市"
    paid = run("pay", "CLI-MOVE", "1", "--on", "2025-05-02")
    assert paid.exit_code == 2 and outside in paid.output, paid.output
    midterm = run("stage", "CLI-MOVE", "midterm", "--on", "2025-06-01")
    assert midterm.exit_code == 2 and outside in midterm.output, midterm.output
    assert "第 1 期 立项后拨付：应拨 300,000.00 元，未拨付" in run("show", "CLI-MOVE").output


def test_an_orgs_file_with_a_combined_province_column_is_placed_by_it(engine, tmp_path):
    """The importer takes the header 「省市」 for the province column; 江苏省苏州市 there is 苏州, not outside."""
    from data.imports.loader import import_file
    from tests.conftest import TODAY

    path = tmp_path / "orgs.csv"
    path.write_text("单位名称,单位类型,城市,省市\n甲科技有限公司,sme,,江苏省苏州市\n乙科技有限公司,sme,,Jiangsu\n"
                    "丙科技有限公司,sme,普陀区,\n", encoding="utf-8")
    import_file(engine, "orgs", path, today=TODAY)
    found = programmes.available()["suzhou_qiangqi"]
    with transaction(engine) as s:
        verdicts = {o.name: programmes.admitted(found, o) for o in s.scalars(select(Organization))}
    assert verdicts["甲科技有限公司"].status == IN and "属于江苏省苏州市" in verdicts["甲科技有限公司"].reason
    assert verdicts["乙科技有限公司"].status == UNKNOWN and "“Jiangsu”不是我国 34 个省级行政区" in verdicts["乙科技有限公司"].reason
    assert verdicts["丙科技有限公司"].status == UNKNOWN and "请登记省份" in verdicts["丙科技有限公司"].reason

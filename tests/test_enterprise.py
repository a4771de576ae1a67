"""Enterprise figures, 专利产品备案 and implementations (national indicators 3 and 4): each rule of
data/enterprise.py through every path that can break it — import, API and web form — on SQLite and
PostgreSQL (the `engine` and `api` fixtures are parametrised over both)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.cli import main
from data import ledger
from data.db import transaction
from data.enums import OwnershipEventKind
from data.imports.errors import ImportRejected
from data.imports.loader import import_file
from data.models import EnterpriseYear, Implementation, Organization, Patent, PatentHolder, ProductFiling, Transaction
from data.normalize import check_digit
from tests.api_support import OTHER_SME, OTHER_TTO, OWN_SME, OWN_TTO, call
from tests.conftest import TODAY

NEXT_YEAR = dt.date.today().year + 1  # the API and the web forms judge "the future" by the real date
TOMORROW = dt.date.today() + dt.timedelta(days=1)
HELD = "201710486004.9"  # held by 钟山理工大学 (OWN_TTO), applied for 2017-05-18; only ever licensed
NOWHERE = f"202510000001.{check_digit('202510000001')}"  # a well-formed number of no stored patent


def number(serial: int) -> str:
    digits = f"2019{1}{serial:07d}"
    return f"{digits}.{check_digit(digits)}"


P1, P2 = number(1), number(2)  # the import tests' patents: 钟山理工大学 (2019-03-01), 淮海矿业大学 (2020-06-01)


def count(engine, model) -> int:  # noqa: ANN001
    with transaction(engine) as session:
        return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def stocked(engine, write):  # noqa: ANN001, ANN201
    """Organisations and two patents, as the import tests start from them."""
    import_file(engine, "orgs", write("o.csv", "单位名称,单位类型\n南京储能云科技有限公司,中小企业\n钟山理工大学,高校\n"
                                                "淮海矿业大学,高校\n"), today=TODAY)
    import_file(engine, "patents", write("p.csv", "申请号,名称,申请(专利权)人,申请日,法律状态\n"
                                                  f"{P1},一种储能系统,钟山理工大学,2019-03-01,有效\n"
                                                  f"{P2},一种采煤机,淮海矿业大学,2020-06-01,有效\n"), today=TODAY)
    return engine


def rejected(engine, kind: str, path) -> str:  # noqa: ANN001
    with pytest.raises(ImportRejected) as caught:
        import_file(engine, kind, path, today=TODAY)
    return "\n".join(str(e) for e in caught.value.errors)


# ---- imports ----

def test_figures_import_reads_the_unit_from_the_header_and_reimport_updates(stocked, write):
    path = write("f.csv", "单位名称,年度,营业收入(万元),从业人数\n南京储能云科技有限公司,2024,120.5,35\n")
    assert (import_file(stocked, "enterprise_years", path, today=TODAY).created, count(stocked, EnterpriseYear)) == (1, 1)
    path.write_text("企业名称,年份,营业收入,从业人数,数据来源\n南京储能云科技有限公司,2024,1300000,38,统计年报\n", "utf-8")
    report = import_file(stocked, "enterprise_years", path, today=TODAY)
    assert (report.created, report.updated, count(stocked, EnterpriseYear)) == (0, 1, 1)
    with transaction(stocked) as session:
        row = session.scalar(select(EnterpriseYear))
        assert (row.revenue, row.employees, row.source) == (Decimal("1300000.00"), 38, "统计年报")
    path.write_text("单位名称,年度,营业收入(万元)\n南京储能云科技有限公司,2024,125\n", "utf-8")
    import_file(stocked, "enterprise_years", path, today=TODAY)
    with transaction(stocked) as session:  # 万元 → 元; the empty 从业人数 keeps the stored 38
        row = session.scalar(select(EnterpriseYear))
        assert (row.revenue, row.employees) == (Decimal("1250000.00"), 38)


@pytest.mark.parametrize("cells, reason", [
    ("南京储能云科技有限公司,2027,100,3", "年度 2027 晚于今年（2026）"),
    ("南京储能云科技有限公司,1984,100,3", "早于 1985 年"),
    ("南京储能云科技有限公司,2024,-100,3", "不是非负金额"),
    ("南京储能云科技有限公司,2024,100,-3", "不是整数"),
    ("南京储能云科技有限公司,2024,100,99999999", "从业人数 99999999 超出可登记范围"),
    ("不存在的公司,2024,100,3", "平台上没有单位“不存在的公司”"),
])
def test_figures_import_refuses_each_rule_and_writes_nothing(stocked, write, cells, reason):
    good = "南京储能云科技有限公司,2023,100,3"
    errors = rejected(stocked, "enterprise_years", write("f.csv", f"单位名称,年度,营业收入,从业人数\n{good}\n{cells}\n"))
    assert reason in errors and "row 3" in errors
    assert count(stocked, EnterpriseYear) == 0  # all or nothing: the good row is not written either


def test_product_filings_import_and_reimport_by_filing_number(stocked, write):
    header = "备案编号,备案单位,产品名称,专利申请号,备案日期,产值(万元),产值年度\n"
    path = write("pf.csv", f"{header}BA-001,南京储能云科技有限公司,储能柜,{P1}；{P2},2024-05-06,300,2024\n")
    assert import_file(stocked, "product_filings", path, today=TODAY).created == 1
    path.write_text(f"{header}BA-001,南京储能云科技有限公司,储能柜二代,{P1},2024-05-06,,\n", "utf-8")
    report = import_file(stocked, "product_filings", path, today=TODAY)
    assert (report.created, report.updated, count(stocked, ProductFiling)) == (0, 1, 1)
    with transaction(stocked) as session:
        filing = session.scalar(select(ProductFiling))
        assert (filing.product, [p.application_number for p in filing.patents]) == ("储能柜二代", [P1])
        assert (filing.output_value, filing.output_year) == (Decimal("3000000.00"), 2024)  # empty cells keep


@pytest.mark.parametrize("cells, reason", [
    ("BA-9,南京储能云科技有限公司,储能柜,201710483362.4,2024-05-06,1,2024", "平台上没有专利 201710483362.4"),
    (f"BA-9,南京储能云科技有限公司,储能柜,{P1};{P2},2020-01-06,1,2024", f"早于专利 {P2} 的申请日 2020-06-01"),
    (f"BA-9,南京储能云科技有限公司,储能柜,{P1},2026-11-22,1,2024", "备案日期 2026-11-22 晚于今天（2026-11-21）"),
    (f"BA-9,南京储能云科技有限公司,储能柜,{P1},2024-05-06,-1,2024", "不是非负金额"),
    (f"BA-9,南京储能云科技有限公司,储能柜,{P1},2024-05-06,1,2027", "产值年度 2027 晚于今年"),
    (f"BA-9,无名公司,储能柜,{P1},2024-05-06,1,2024", "平台上没有单位“无名公司”"),
])
def test_product_filings_import_refuses_each_rule(stocked, write, cells, reason):
    path = write("pf.csv", f"备案编号,备案单位,产品名称,专利申请号,备案日期,产值,产值年度\n{cells}\n")
    assert reason in rejected(stocked, "product_filings", path)
    assert count(stocked, ProductFiling) == 0


def _move(engine, number_: str, to: str, on: dt.date) -> None:  # noqa: ANN001
    """An operator's correction in the ledger: from `on`, `to` holds the patent."""
    with transaction(engine) as session:
        patent = session.scalar(select(Patent).where(Patent.application_number == number_))
        org = session.scalar(select(Organization).where(Organization.name == to))
        ledger.record(session, patent, OwnershipEventKind.CORRECTION, on, [org], reason="著录项目变更（测试）")


def test_implementations_import_checks_the_holder_on_the_start_date(stocked, write):
    _move(stocked, P1, "南京储能云科技有限公司", dt.date(2022, 1, 1))
    header = "申请号,实施单位,是否自行实施,开始日期,结束日期,证明材料\n"
    before = write("i.csv", f"{header}{P1},南京储能云科技有限公司,是,2021-06-01,,生产记录\n")
    errors = rejected(stocked, "implementations", before)  # the SME did not hold it yet: the ledger says who did
    assert "自行实施须由权利人进行" in errors and "登记簿显示权利人为 钟山理工大学" in errors
    assert "实施单位" in errors  # the column, as the file names it
    after = write("i2.csv", f"{header}{P1},南京储能云科技有限公司,是,2022-03-01,,生产记录\n"
                            f"{P1},钟山理工大学,是,2020-01-01,2021-12-31,中试线\n"  # the holder back then
                            f"{P2},南京储能云科技有限公司,否,2023-01-01,,许可实施\n")  # a licensee's use
    assert import_file(stocked, "implementations", after, today=TODAY).created == 3
    after.write_text(f"{header}{P1},南京储能云科技有限公司,是,2022-03-01,2025-01-01,\n", "utf-8")
    report = import_file(stocked, "implementations", after, today=TODAY)
    assert (report.created, report.updated, count(stocked, Implementation)) == (0, 1, 3)
    with transaction(stocked) as session:
        updated = session.scalar(select(Implementation).where(Implementation.started_on == dt.date(2022, 3, 1)))
        assert (updated.ended_on, updated.evidence, updated.actor) == (dt.date(2025, 1, 1), "生产记录", "import")


@pytest.mark.parametrize("cells, reason", [
    (f"{P1},钟山理工大学,是,2019-02-01,,", f"开始日期 2019-02-01 早于专利 {P1} 的申请日 2019-03-01"),
    (f"{P1},钟山理工大学,是,2026-11-22,,", "开始日期 2026-11-22 晚于今天（2026-11-21）"),
    (f"{P1},钟山理工大学,是,2020-01-01,2020-01-01,", "结束日期 2020-01-01 须晚于开始日期 2020-01-01"),
    (f"{P1},淮海矿业大学,是,2020-01-01,,", "淮海矿业大学 在 2020-01-01 不是专利"),
    ("201710483362.4,钟山理工大学,是,2020-01-01,,", "平台上没有专利 201710483362.4"),
])
def test_implementations_import_refuses_each_rule(stocked, write, cells, reason):
    path = write("i.csv", f"申请号,实施单位,是否自行实施,开始日期,结束日期,证明材料\n{cells}\n")
    assert reason in rejected(stocked, "implementations", path)
    assert count(stocked, Implementation) == 0


def test_formats_prints_the_new_kinds_headers():
    for kind, headers in [("enterprise_years", ("单位名称", "年度", "营业收入", "从业人数")),
                          ("product_filings", ("备案编号", "备案单位", "产品名称", "专利申请号", "备案日期", "产值年度")),
                          ("implementations", ("申请号", "实施单位", "是否自行实施", "开始日期", "结束日期", "证明材料"))]:
        result = CliRunner().invoke(main, ["formats", kind])
        assert result.exit_code == 0 and f"## {kind}" in result.output
        assert all(f"| {h} |" in result.output for h in headers), result.output


# ---- API ----

def _org_id(api, name: str) -> int:  # noqa: ANN001
    return api[3][name]


def test_api_figures_own_organisation_upsert_and_roles(api):
    first = call(api, "sme", "POST", "/enterprise-figures", json={"year": 2021, "revenue": "8000000", "employees": 40})
    assert first.status_code == 201, first.text
    assert (first.json()["organization"], first.json()["revenue"]) == (OWN_SME, "8000000.00")
    again = call(api, "sme", "POST", "/enterprise-figures", json={"year": 2021, "employees": 42})
    assert again.status_code == 200 and again.json()["employees"] == 42
    assert again.json()["revenue"] == "8000000.00" and again.json()["id"] == first.json()["id"]
    other = _org_id(api, OTHER_SME)
    assert call(api, "sme", "POST", "/enterprise-figures", json={"year": 2021, "organization_id": other}
                ).status_code == 403
    assert call(api, "sme", "GET", f"/enterprise-figures?organization_id={other}").status_code == 403
    assert call(api, "operator", "POST", "/enterprise-figures", json={"year": 2021}).status_code == 422
    assert call(api, "operator", "POST", "/enterprise-figures", json={"year": 2021, "organization_id": 2_000_000}
                ).status_code == 404
    made = call(api, "operator", "POST", "/enterprise-figures", json={"year": 2021, "organization_id": other,
                                                                       "revenue": "1"})
    assert made.status_code == 201 and made.json()["organization"] == OTHER_SME
    seen = call(api, "sme", "GET", "/enterprise-figures?year=2021").json()
    assert [i["organization"] for i in seen["items"]] == [OWN_SME]  # an SME sees its own only
    assert call(api, "evaluator", "GET", "/enterprise-figures?year=2021").json()["total"] == 2
    assert call(api, "evaluator", "POST", "/enterprise-figures", json={"year": 2021}).status_code == 403
    assert call(api, "tto", "GET", "/enterprise-figures").status_code == 403


@pytest.mark.parametrize("body, field, message", [
    ({"year": NEXT_YEAR}, "year", f"年度 {NEXT_YEAR} 晚于今年"),
    ({"year": 1984}, "year", "不能小于 1985"),  # the schema's bound (ge=1985): a huge year is no 500
    ({"year": 2020, "revenue": "-1"}, "revenue", "营业收入不得为负数"),
    ({"year": 2020, "employees": -1}, "employees", "从业人数不得为负数"),
])
def test_api_figures_rules(api, body, field, message):
    answer = call(api, "sme", "POST", "/enterprise-figures", json=body)
    assert answer.status_code == 422
    assert any(e["loc"] == ["body", field] and message in e["msg"] for e in answer.json()["detail"]), answer.text


def test_api_product_filings_upsert_and_ownership(api):
    body = {"external_id": "API-BA-1", "product": "储能柜", "application_numbers": [HELD], "filed_on": "2024-05-06",
            "output_value": "2500000", "output_year": 2024}
    made = call(api, "sme", "POST", "/product-filings", json=body)
    assert made.status_code == 201 and made.json()["application_numbers"] == [HELD]
    again = call(api, "sme", "POST", "/product-filings", json={**body, "product": "储能柜二代"})
    assert again.status_code == 200 and again.json()["product"] == "储能柜二代"
    stolen = call(api, "other_sme", "POST", "/product-filings", json=body)  # another SME's 备案编号
    assert stolen.status_code == 409 and "已被其他单位登记" in stolen.json()["detail"]
    assert OWN_SME not in stolen.json()["detail"]  # who filed it is not the other SME's business
    assert call(api, "other_sme", "GET", "/product-filings").json()["total"] == 0
    assert call(api, "tto", "POST", "/product-filings", json=body).status_code == 403


@pytest.mark.parametrize("change, field, message", [
    ({"application_numbers": ["201710483362.4", "202010420226.2", "201810760151.6"]}, "application_numbers",
     "申请号 201810760151.6 格式不正确"),
    ({"application_numbers": [NOWHERE]}, "application_numbers", "平台上没有专利"),
    ({"filed_on": "2017-05-17"}, "filed_on", f"早于专利 {HELD} 的申请日 2017-05-18"),
    ({"filed_on": TOMORROW.isoformat()}, "filed_on", "晚于今天"),
    ({"output_value": "-5"}, "output_value", "产值不得为负数"),
    ({"output_year": NEXT_YEAR}, "output_year", "产值年度"),
])
def test_api_product_filing_rules(api, change, field, message):
    body = {"external_id": "API-BA-X", "product": "储能柜", "application_numbers": [HELD], "filed_on": "2024-05-06"}
    answer = call(api, "sme", "POST", "/product-filings", json=body | change)
    assert answer.status_code == 422, answer.text
    assert any(e["loc"] == ["body", field] and message in e["msg"] for e in answer.json()["detail"]), answer.text


def _unmoved_patent(api, holder: str) -> str:  # noqa: ANN001
    """A patent `holder` holds that no demo deal touches."""
    *_, engine = api
    with transaction(engine) as session:
        dealt = {p.application_number for d in session.scalars(select(Transaction)) for p in d.patents}
        held = session.scalars(select(Patent.application_number).join(PatentHolder).join(Organization)
                               .where(Organization.name == holder).order_by(Patent.application_number))
        return next(n for n in held if n not in dealt)


def test_api_self_implementation_needs_the_holder_on_the_start_date(api):
    made = call(api, "tto", "POST", "/implementations", json={"application_number": HELD, "started_on": "2020-01-01",
                                                               "evidence": "中试生产线"})
    assert made.status_code == 201 and made.json()["organization"] == OWN_TTO and made.json()["self_implemented"]
    assert made.json()["actor"].startswith("tto#")
    again = call(api, "tto", "POST", "/implementations", json={"application_number": HELD, "started_on": "2020-01-01",
                                                                "ended_on": "2022-01-01"})
    assert again.status_code == 200 and again.json()["evidence"] == "中试生产线"
    refused = call(api, "other_tto", "POST", "/implementations", json={"application_number": HELD,
                                                                        "started_on": "2020-01-01"})
    assert refused.status_code == 409 and "登记簿显示权利人为 钟山理工大学" in refused.json()["detail"]
    assert "organization_id" in refused.json()["detail"]
    # The ledger moves a patent of 淮海矿业大学 to 钟山理工大学 on 2023-01-01: each held it for part of the time.
    moved = _unmoved_patent(api, OTHER_TTO)
    _move(api[-1], moved, OWN_TTO, dt.date(2023, 1, 1))
    early = call(api, "tto", "POST", "/implementations", json={"application_number": moved, "started_on": "2022-06-01"})
    assert early.status_code == 409 and f"登记簿显示权利人为 {OTHER_TTO}" in early.json()["detail"]
    assert call(api, "tto", "POST", "/implementations", json={"application_number": moved, "started_on": "2023-06-01"}
                ).status_code == 201
    assert call(api, "other_tto", "POST", "/implementations", json={"application_number": moved,
                                                                     "started_on": "2022-06-01"}).status_code == 201
    # A TTO records a licensee's use of a patent it holds, not of another's; operators name the implementer.
    licensee = {"application_number": HELD, "organization_id": _org_id(api, OTHER_SME), "self_implemented": False,
                "started_on": "2021-10-11"}
    assert call(api, "other_tto", "POST", "/implementations", json=licensee).status_code == 403
    assert call(api, "tto", "POST", "/implementations", json=licensee).status_code == 201
    assert call(api, "evaluator", "POST", "/implementations", json=licensee).status_code == 403
    seen = call(api, "other_sme", "GET", f"/implementations?application_number={HELD}").json()
    assert [i["organization"] for i in seen["items"]] == [OTHER_SME]  # its own use only
    listed = call(api, "tto", "GET", f"/implementations?application_number={HELD}").json()["items"]
    assert {i["organization"] for i in listed} == {OWN_TTO, OTHER_SME}  # its own use and its licensee's


@pytest.mark.parametrize("body, field, message", [
    ({"started_on": "2017-05-17"}, "started_on", f"早于专利 {HELD} 的申请日 2017-05-18"),
    ({"started_on": TOMORROW.isoformat()}, "started_on", "晚于今天"),
    ({"started_on": "2020-03-01", "ended_on": "2020-02-28"}, "ended_on", "须晚于开始日期 2020-03-01"),
    ({"started_on": "2020-03-01", "ended_on": "2020-03-01"}, "ended_on", "须晚于开始日期"),
    ({"started_on": "2020-03-01", "ended_on": TOMORROW.isoformat()}, "ended_on", "晚于今天"),
])
def test_api_implementation_rules(api, body, field, message):
    answer = call(api, "tto", "POST", "/implementations", json={"application_number": HELD} | body)
    assert answer.status_code == 422, answer.text
    assert any(e["loc"] == ["body", field] and message in e["msg"] for e in answer.json()["detail"]), answer.text
    assert call(api, "tto", "POST", "/implementations", json={"application_number": NOWHERE,
                                                              "started_on": "2020-01-01"}).status_code == 404


# ---- web forms ----

def _sign_in(app, key: str) -> TestClient:  # noqa: ANN001
    client = TestClient(app, follow_redirects=False)
    token = re.search(r'name="form_token" value="([^"]+)"', client.get("/ui/signin").text).group(1)
    assert client.post("/ui/signin", data={"key": key, "form_token": token, "next": "/ui/"}).status_code in (200, 303)
    return client


@pytest.fixture(scope="module")
def browsers(api):  # noqa: ANN001, ANN201
    client, keys, *_ = api
    return {role: _sign_in(client.app, keys[role]) for role in keys}


def _post(client: TestClient, path: str, form: dict):  # noqa: ANN202
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/ui/").text).group(1)
    return client.post(path, data={**form, "csrf": csrf})


def _beside(page: str, field: str) -> str:
    found = re.search(rf'<small class="error" id="e-{field}">([^<]*)</small>', page)
    return found.group(1) if found else ""


def test_web_pages_and_forms_open_for_their_roles_only(browsers):
    pages = {"/ui/enterprise/figures": ("sme", "other_sme", "operator", "evaluator", "admin"),
             "/ui/enterprise/filings": ("sme", "other_sme", "operator", "evaluator", "admin"),
             "/ui/enterprise/implementations": ("sme", "other_sme", "tto", "other_tto", "operator", "evaluator",
                                                "admin")}
    for path, allowed in pages.items():
        for role, client in browsers.items():
            assert client.get(path).status_code == (200 if role in allowed else 403), (path, role)
            posted = _post(client, path, {"year": "2020"})
            if role not in allowed or role == "evaluator":
                assert posted.status_code == 403, (path, role)
        assert browsers["sme"].post(path, data={"year": "2020"}).status_code == 403  # no CSRF token: forged
    assert browsers["tto"].get("/ui/enterprise").headers["location"] == "/ui/enterprise/implementations"
    assert 'href="/ui/enterprise"' in browsers["tto"].get("/ui/").text


@pytest.mark.parametrize("form, field, message", [
    ({"year": str(NEXT_YEAR)}, "year", f"年度 {NEXT_YEAR} 晚于今年"),
    ({"year": "1984"}, "year", "不能小于 1985"),
    ({"year": "2020", "revenue": "-3"}, "revenue", "营业收入不得为负数"),
    ({"year": "2020", "employees": "-3"}, "employees", "从业人数不得为负数"),
])
def test_web_figures_form_shows_each_rule_beside_its_field(browsers, form, field, message):
    answer = _post(browsers["other_sme"], "/ui/enterprise/figures", form)
    assert answer.status_code == 422 and message in _beside(answer.text, field), answer.text[-2000:]


def test_web_figures_form_saves_and_lists(browsers, api):
    answer = _post(browsers["other_sme"], "/ui/enterprise/figures", {"year": "2019", "revenue": "123.45",
                                                                     "employees": "7"})
    assert answer.status_code == 303
    assert "123.45" in browsers["other_sme"].get(answer.headers["location"]).text
    unknown = _post(browsers["operator"], "/ui/enterprise/figures", {"organization": "没有的公司", "year": "2019"})
    assert unknown.status_code == 422 and _beside(unknown.text, "organization") == "没有这个单位。"


@pytest.mark.parametrize("form, field, message", [
    ({"application_numbers": NOWHERE}, "application_numbers", "平台上没有专利"),
    ({"filed_on": "2017-05-17"}, "filed_on", "早于专利 201710486004.9 的申请日 2017-05-18"),
    ({"filed_on": TOMORROW.isoformat()}, "filed_on", "晚于今天"),
    ({"output_value": "-1"}, "output_value", "产值不得为负数"),
    ({"output_year": str(NEXT_YEAR)}, "output_year", "产值年度"),
])
def test_web_filing_form_shows_each_rule_beside_its_field(browsers, form, field, message):
    base = {"external_id": "WEB-BA-1", "product": "储能柜", "application_numbers": HELD, "filed_on": "2024-05-06"}
    answer = _post(browsers["sme"], "/ui/enterprise/filings", base | form)
    assert answer.status_code == 422 and message in _beside(answer.text, field), answer.text[-2000:]


@pytest.mark.parametrize("form, field, message, status", [
    ({"started_on": "2017-05-17"}, "started_on", "早于专利 201710486004.9 的申请日", 422),
    ({"started_on": TOMORROW.isoformat()}, "started_on", "晚于今天", 422),
    ({"started_on": "2020-05-01", "ended_on": "2020-04-30"}, "ended_on", "须晚于开始日期 2020-05-01", 422),
    ({"started_on": "2020-05-01", "who": "other_tto"}, "application_number", "登记簿显示权利人为 钟山理工大学", 409),
])
def test_web_implementation_form_shows_each_rule_beside_its_field(browsers, form, field, message, status):
    form = dict(form)  # the parameters are shared by both backends' runs
    who = form.pop("who", "tto")
    answer = _post(browsers[who], "/ui/enterprise/implementations", {"application_number": HELD} | form)
    assert answer.status_code == status and message in _beside(answer.text, field), answer.text[-2000:]


def test_web_tto_records_a_self_implementation(browsers):
    answer = _post(browsers["tto"], "/ui/enterprise/implementations",
                   {"application_number": HELD, "started_on": "2019-09-09", "evidence": "产品检测报告"})
    assert answer.status_code == 303
    page = browsers["tto"].get("/ui/enterprise/implementations").text
    assert "2019-09-09" in page and "产品检测报告" in page

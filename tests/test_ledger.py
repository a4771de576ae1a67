"""The ownership ledger and the deal rules, through every path that can break them: API, web form,
import and CLI, on SQLite and PostgreSQL (issue 18, items 1 and 3)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from api.cli import main
from data import ledger
from data.db import transaction
from data.enums import OwnershipEventKind
from data.imports.errors import ImportRejected
from data.imports.loader import import_file
from data.models import Patent, PatentHolder
from tests.api_support import OTHER_SME, OTHER_TTO, OWN_SME, OWN_TTO, call
from tests.test_web import _csrf, _sign_in

OTHERS_PATENT = "201610588472.2"  # held by 淮海矿业大学
SOLD = "201610585148.5"  # held by 钟山理工大学 until a test transfers it
FILED_2016_12 = "201610598205.3"  # filed 2016-12-17, 钟山理工大学
PATENT_HEADER = "申请号,名称,申请日,法律状态,申请(专利权)人,摘要\n"
DEAL_HEADER = "合同编号,交易类型,申请号,出让方,受让方,合同金额(元),到账金额(元),签订日期,备案日期,超额说明\n"


@pytest.fixture(scope="module")
def browsers(api):  # noqa: ANN001, ANN201
    client, keys, *_ = api
    return {role: _sign_in(client.app, keys[role]) for role in ("tto", "operator")}


def _patent(engine, number: str):  # noqa: ANN001, ANN202
    with transaction(engine) as session:
        patent = session.scalar(select(Patent).where(Patent.application_number == number).options(
            selectinload(Patent.holders).selectinload(PatentHolder.organization)))
        return patent.abstract, [h.organization.name for h in patent.holders]


def _deal(api, **overrides) -> dict:  # noqa: ANN001
    orgs = api[3]
    body = {"kind": "transfer", "application_numbers": [SOLD], "from_org_id": orgs[OWN_TTO],
            "to_org_id": orgs[OWN_SME], "contract_amount": "100000", "received_amount": "50000",
            "signed_on": "2025-01-10"}
    return {**body, **overrides}


def test_a_tto_cannot_take_another_universitys_patent_by_import(api, tmp_path: Path):
    *_, engine = api
    before = _patent(engine, OTHERS_PATENT)
    path = tmp_path / "ours.csv"
    path.write_text(PATENT_HEADER + f"{OTHERS_PATENT},改过的名称,2016-09-20,有效,{OWN_TTO},改过的摘要\n",
                    encoding="utf-8")
    with pytest.raises(ImportRejected) as refused:
        import_file(engine, "patents", path, holder=OWN_TTO)
    assert refused.value.errors[0].column == "申请号"
    assert f"权利人为{OTHER_TTO}" in refused.value.errors[0].reason
    assert _patent(engine, OTHERS_PATENT) == before  # holder and abstract as they were


def test_the_same_refusal_on_the_web_import(api, browsers):
    *_, engine = api
    before = _patent(engine, OTHERS_PATENT)
    tto = browsers["tto"]
    content = PATENT_HEADER + f"{OTHERS_PATENT},改过的名称,2016-09-20,有效,{OWN_TTO},改过的摘要\n"
    answer = tto.post("/ui/imports", data={"csrf": _csrf(tto), "kind": "patents"},
                      files={"file": ("ours.csv", content.encode("utf-8"), "text/csv")})
    assert answer.status_code == 422 and "机构只能导入本机构的专利" in answer.text
    assert _patent(engine, OTHERS_PATENT) == before


def test_an_operator_import_changes_holders_only_with_a_reason(api, tmp_path: Path):
    *_, engine = api
    path = tmp_path / "export.csv"
    path.write_text(PATENT_HEADER + f"{OTHERS_PATENT},名称,2016-09-20,有效,{OWN_TTO}\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as refused:
        import_file(engine, "patents", path)
    assert "与登记簿不符" in refused.value.errors[0].reason
    assert _patent(engine, OTHERS_PATENT)[1] == [OTHER_TTO]
    import_file(engine, "patents", path, correct_holders="著录项目变更通知书 2026-001")
    assert _patent(engine, OTHERS_PATENT)[1] == [OWN_TTO]
    with transaction(engine) as session:
        patent = session.scalar(select(Patent).where(Patent.application_number == OTHERS_PATENT))
        last = ledger.history(session, patent)[-1]
        assert (last.kind, last.reason, last.holders) == (OwnershipEventKind.CORRECTION,
                                                         "著录项目变更通知书 2026-001", (OWN_TTO,))
        assert [o.name for o in ledger.holders_on(session, patent, dt.date(2020, 1, 1))] == [OTHER_TTO]
    with pytest.raises(Exception, match="运营人员"):  # a TTO may not correct holders at all
        import_file(engine, "patents", path, holder=OWN_TTO, correct_holders="因为")
    # an older export (it names the holders of an earlier ledger entry) never undoes what came since …
    back = _write(tmp_path / "back.csv", PATENT_HEADER + f"{OTHERS_PATENT},名称,2016-09-20,有效,{OTHER_TTO}\n")
    import_file(engine, "patents", back, correct_holders="旧导出文件")
    assert _patent(engine, OTHERS_PATENT)[1] == [OWN_TTO]
    with transaction(engine) as session:  # … an operator's correction through the ledger does
        patent = session.scalar(select(Patent).where(Patent.application_number == OTHERS_PATENT))
        ledger.correct(session, patent, [ledger.holders_on(session, patent, dt.date(2020, 1, 1))[0]],
                       dt.date.today(), "撤销错误的更正", dt.date.today())
    assert _patent(engine, OTHERS_PATENT)[1] == [OTHER_TTO]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_transfer_moves_the_patent_on_its_registration_date_and_the_seller_loses_it(api):
    answer = call(api, "operator", "POST", "/transactions", json=_deal(api, recorded_on="2025-02-01"))
    assert answer.status_code == 201, answer.text
    on = {d: call(api, "tto", "GET", f"/patents/{SOLD}/ownership?on={d}").json()["holders"]
          for d in ("2025-01-20", "2025-02-01")}
    assert on == {"2025-01-20": [OWN_TTO], "2025-02-01": [OWN_SME]}
    history = call(api, "evaluator", "GET", f"/patents/{SOLD}/ownership").json()["history"]
    assert [e["kind"] for e in history] == ["record", "transfer"]
    assert history[-1]["transaction_id"] == answer.json()["id"]
    # the seller's TTO no longer manages the patent: no open licence from it
    offer = call(api, "tto", "POST", "/offers", json={"application_number": SOLD, "fee_type": "free",
                                                        "term_end": "2030-01-01"})
    assert offer.status_code == 403
    # … nor a 揭榜挂帅 application with it
    need_id = api[2]
    challenge = call(api, "sme", "POST", "/challenges", json={"need_id": need_id, "reward": "100000",
                                                              "deadline": "2099-12-31"})
    assert challenge.status_code == 201, challenge.text
    applied = call(api, "tto", "POST", f"/challenges/{challenge.json()['id']}/applications",
                   json={"proposal": "方案", "application_numbers": [SOLD]})
    assert applied.status_code == 422 and "当前权利人" in applied.text
    again = call(api, "operator", "POST", "/transactions", json=_deal(api, signed_on="2025-06-01"))
    assert again.status_code == 409
    assert OWN_SME in again.json()["detail"] and "from_org_id" in again.json()["detail"]


@pytest.mark.parametrize("overrides, field, words", [
    ({"signed_on": "2099-01-01"}, "signed_on", "晚于今天"),
    ({"signed_on": "2016-06-01"}, "signed_on", "早于专利"),
    ({"received_amount": "200000"}, "received_amount", "超额说明"),
    ({"signed_on": "2024-01-10", "recorded_on": "2023-12-01"}, "recorded_on", "早于签订日期"),
])
def test_bad_deals_are_refused_naming_the_field_and_rule(api, overrides, field, words):
    body = _deal(api, **{"application_numbers": [FILED_2016_12], **overrides})
    answer = call(api, "operator", "POST", "/transactions", json=body)
    assert answer.status_code == 422, answer.text
    errors = answer.json()["detail"]
    assert errors[0]["loc"] == ["body", field] and words in errors[0]["msg"]


def test_more_received_than_contracted_needs_a_note_also_when_patched(api):
    orgs = api[3]
    body = _deal(api, kind="license", license_type="ordinary", application_numbers=[FILED_2016_12],
                 received_amount="120000", excess_note="含技术服务费 2 万元", signed_on="2024-03-01",
                 to_org_id=orgs[OWN_SME])
    answer = call(api, "operator", "POST", "/transactions", json=body)
    assert answer.status_code == 201, answer.text
    deal = call(api, "operator", "POST", "/transactions", json={**body, "received_amount": "10",
                                                                "excess_note": "", "signed_on": "2024-03-02"})
    assert deal.status_code == 201
    patched = call(api, "operator", "PATCH", f"/transactions/{deal.json()['id']}", json={"received_amount": "100001"})
    assert patched.status_code == 422 and patched.json()["detail"][0]["loc"] == ["body", "received_amount"]
    ok = call(api, "operator", "PATCH", f"/transactions/{deal.json()['id']}",
              json={"received_amount": "100001", "excess_note": "滞纳金"})
    assert ok.status_code == 200


def test_the_web_deal_form_shows_the_ledger_refusal_next_to_the_seller(api, browsers):
    operator = browsers["operator"]
    form = {"csrf": _csrf(operator), "kind": "transfer", "application_numbers": OTHERS_PATENT,
            "from_org": OWN_SME, "to_org": OWN_TTO, "signed_on": "2025-03-01", "contract_amount": "1000"}
    answer = operator.post("/ui/transactions", data=form)
    assert answer.status_code == 409
    assert re.search(r'class="error">[^<]*不是专利 ' + re.escape(OTHERS_PATENT), answer.text)
    future = operator.post("/ui/transactions", data={**form, "from_org": OTHER_TTO, "signed_on": "2099-03-01"})
    assert future.status_code == 422 and "晚于今天" in future.text


def test_a_deals_file_is_checked_against_the_ledger_row_by_row(api, tmp_path: Path):
    *_, engine = api
    chain = (f"LC-1,转让,202010420803.8,{OWN_TTO},{OWN_SME},100,100,2024-02-01,,\n"
             f"LC-2,转让,202010420803.8,{OWN_SME},{OTHER_TTO},100,100,2024-05-01,,\n")
    bad = (f"LC-3,转让,202010420803.8,{OWN_TTO},{OTHER_TTO},100,100,2024-09-01,,\n"
           f"LC-4,转让,202120312134.2,{OWN_TTO},{OWN_SME},100,100,2099-01-01,,\n"
           f"LC-5,许可,202120312134.2,{OWN_TTO},{OWN_SME},100,150,2024-01-01,,\n")
    with pytest.raises(ImportRejected) as refused:
        import_file(engine, "transactions", _write(tmp_path / "d.csv", DEAL_HEADER + chain + bad))
    found = {(e.row, e.column): e.reason for e in refused.value.errors}
    assert set(found) == {(4, "出让方"), (5, "签订日期"), (6, "到账金额(元)")}
    assert f"登记簿显示权利人为 {OTHER_TTO}" in found[(4, "出让方")]  # after the file's own chain
    assert _patent(engine, "202010420803.8")[1] == [OWN_TTO]  # nothing written
    import_file(engine, "transactions", _write(tmp_path / "ok.csv", DEAL_HEADER + chain))
    assert _patent(engine, "202010420803.8")[1] == [OTHER_TTO]


def test_operators_correct_holders_with_a_reason_through_api_and_cli(api):
    client, keys, need_id, orgs, engine = api
    number = "202010423814.1"
    body = {"holder_ids": [orgs[OWN_TTO], orgs[OTHER_TTO]], "effective_on": "2023-05-01", "reason": "共有人漏录"}
    assert call(api, "tto", "POST", f"/patents/{number}/ownership", json=body).status_code == 403
    assert call(api, "operator", "POST", f"/patents/{number}/ownership",
                json={**body, "reason": ""}).status_code == 422
    answer = call(api, "operator", "POST", f"/patents/{number}/ownership", json=body)
    assert answer.status_code == 201 and answer.json()["holders"] == [OWN_TTO, OTHER_TTO]
    url = str(engine.url.render_as_string(hide_password=False))
    shown = CliRunner().invoke(main, ["--db", url, "ledger", "show", number, "--on", "2023-04-30"])
    assert shown.exit_code == 0 and f"2023-04-30 的权利人：{OWN_TTO}\n" in shown.output
    refused = CliRunner().invoke(main, ["--db", url, "ledger", "correct", number, "--holder", OWN_TTO,
                                        "--reason", " ", "--on", "2023-06-01"])
    assert refused.exit_code == 2 and "理由" in refused.output
    fixed = CliRunner().invoke(main, ["--db", url, "ledger", "correct", number, "--holder", OWN_TTO,
                                      "--reason", "共有人放弃", "--on", "2023-06-01"])
    assert fixed.exit_code == 0, fixed.output
    assert _patent(engine, number)[1] == [OWN_TTO]


def test_the_ownership_page_shows_the_history_and_takes_corrections_from_operators(api, browsers):
    *_, engine = api
    number = "202210826577.2"
    operator, tto = browsers["operator"], browsers["tto"]
    page = operator.get(f"/ui/patents/{number}/ownership")
    assert page.status_code == 200 and "著录登记" in page.text and OWN_TTO in page.text
    form = {"csrf": _csrf(operator), "holders": f"{OWN_TTO}，{OTHER_TTO}", "effective_on": "2024-01-02",
            "reason": ""}
    refused = operator.post(f"/ui/patents/{number}/ownership", data=form)
    assert refused.status_code == 422 and 'id="e-reason"' in refused.text
    unknown = operator.post(f"/ui/patents/{number}/ownership", data={**form, "holders": "不存在的单位",
                                                                      "reason": "漏录"})
    assert unknown.status_code == 422 and "不存在的单位" in unknown.text
    assert tto.post(f"/ui/patents/{number}/ownership", data={**form, "csrf": _csrf(tto),
                                                              "reason": "漏录"}).status_code == 403
    assert _patent(engine, number)[1] == [OWN_TTO]
    saved = operator.post(f"/ui/patents/{number}/ownership", data={**form, "reason": "共有人漏录"})
    assert saved.status_code == 303
    assert _patent(engine, number)[1] == [OWN_TTO, OTHER_TTO]
    assert "共有人漏录" in operator.get(f"/ui/patents/{number}/ownership").text


def test_a_moved_registration_date_moves_the_ledger_and_a_cancelled_transfer_gives_the_patent_back(api):
    orgs = api[3]
    number = "202010432062.5"
    deal = call(api, "operator", "POST", "/transactions", json=_deal(api, application_numbers=[number],
                                                                      signed_on="2025-03-01"))
    assert deal.status_code == 201, deal.text
    path = f"/transactions/{deal.json()['id']}"
    assert call(api, "operator", "PATCH", path, json={"recorded_on": "2025-04-01"}).status_code == 200
    mid_march = call(api, "operator", "GET", f"/patents/{number}/ownership?on=2025-03-15").json()
    assert mid_march["holders"] == [OWN_TTO]
    assert call(api, "operator", "PATCH", path, json={"status": "awaiting_payment"}).status_code == 422
    unexplained = call(api, "operator", "PATCH", path, json={"status": "cancelled"})
    assert unexplained.status_code == 422 and unexplained.json()["detail"][0]["loc"] == ["body", "cancel_reason"]
    cancelled = call(api, "operator", "PATCH", path, json={"status": "cancelled", "cancel_reason": "合同解除"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["note"].endswith("取消原因：合同解除")
    owned = call(api, "operator", "GET", f"/patents/{number}/ownership").json()
    assert owned["holders"] == [OWN_TTO] and owned["history"][-1]["kind"] == "correction"
    assert orgs[OWN_TTO]  # the seller can sell it again
    again = call(api, "operator", "POST", "/transactions", json=_deal(api, application_numbers=[number],
                                                                       signed_on="2025-09-01"))
    assert again.status_code == 201, again.text


def test_a_transfer_dated_before_a_later_ledger_event_is_refused_on_every_path(api, tmp_path: Path):
    *_, engine = api
    orgs, number = api[3], "202310468700.2"
    assert call(api, "operator", "POST", "/transactions", json=_deal(
        api, application_numbers=[number], signed_on="2025-06-01")).status_code == 201
    earlier = call(api, "operator", "POST", "/transactions", json=_deal(
        api, application_numbers=[number], signed_on="2025-01-01", to_org_id=orgs[OTHER_TTO]))
    assert earlier.status_code == 409 and "不能登记更早生效" in earlier.json()["detail"]  # no selling it twice
    back = _write(tmp_path / "back.csv", DEAL_HEADER + f"BD-1,转让,{number},{OWN_TTO},{OTHER_TTO},1,1,2025-02-01,,\n")
    with pytest.raises(ImportRejected) as refused:
        import_file(engine, "transactions", back)
    assert "不能登记更早生效" in refused.value.errors[0].reason
    correction = call(api, "operator", "POST", f"/patents/{number}/ownership", json={
        "holder_ids": [orgs[OWN_TTO]], "effective_on": "2025-03-01", "reason": "更正"})
    assert correction.status_code == 422 and "不能登记更早生效" in correction.text  # it would be overridden
    assert _patent(engine, number)[1] == [OWN_SME]


def test_a_registration_date_cannot_jump_over_later_events_nor_change_a_cancelled_deal(api):
    orgs, number = api[3], "202410561206.5"
    first = call(api, "operator", "POST", "/transactions", json=_deal(
        api, application_numbers=[number], signed_on="2025-01-10")).json()["id"]
    assert call(api, "operator", "POST", "/transactions", json=_deal(
        api, application_numbers=[number], signed_on="2025-03-01", from_org_id=orgs[OWN_SME],
        to_org_id=orgs[OTHER_SME])).status_code == 201
    jump = call(api, "operator", "PATCH", f"/transactions/{first}", json={"recorded_on": "2025-05-01"})
    assert jump.status_code == 409 and "不能越过" in jump.text
    assert call(api, "operator", "GET", f"/patents/{number}/ownership").json()["holders"] == [OTHER_SME]
    licence = call(api, "operator", "POST", "/transactions", json=_deal(
        api, kind="license", license_type="ordinary", application_numbers=[FILED_2016_12],
        signed_on="2024-07-01")).json()["id"]
    assert call(api, "operator", "PATCH", f"/transactions/{licence}",
                json={"status": "cancelled", "cancel_reason": "录错"}).status_code == 200
    frozen = call(api, "operator", "PATCH", f"/transactions/{licence}", json={"received_amount": "90000"})
    assert frozen.status_code == 409 and "已取消" in frozen.text


def test_a_transfer_ends_the_sellers_open_licence_offers(api):
    number = "202010420226.2"  # 钟山理工大学 declared an open licence on it in the demo
    offers = call(api, "sme", "GET", f"/offers?application_number={number}&status=active").json()
    assert offers, "the demo should offer this patent"
    assert call(api, "operator", "POST", "/transactions", json=_deal(
        api, application_numbers=[number], signed_on="2025-08-01")).status_code == 201
    after = call(api, "sme", "GET", f"/offers?application_number={number}").json()
    assert {o["status"] for o in after} == {"withdrawn"}
    accepted = call(api, "other_sme", "POST", f"/offers/{offers[0]['id']}/accept")
    assert accepted.status_code == 409  # nobody takes a licence from a patentee who never declared one


def test_re_importing_a_deal_changes_only_what_its_record_allows(api, tmp_path: Path):
    *_, engine = api
    number = "201710504512.5"
    licence = f"RI-1,许可,{number},{OWN_TTO},{OWN_SME},100,50,2024-04-01,,\n"
    import_file(engine, "transactions", _write(tmp_path / "a.csv", DEAL_HEADER + licence))
    rewrite = f"RI-1,转让,201610598205.3,{OTHER_TTO},{OWN_SME},100,50,2024-04-01,,\n"
    with pytest.raises(ImportRejected) as refused:
        import_file(engine, "transactions", _write(tmp_path / "b.csv", DEAL_HEADER + rewrite))
    assert {e.column for e in refused.value.errors} == {"交易类型", "申请号", "出让方"}
    paid = f"RI-1,许可,{number},{OWN_TTO},{OWN_SME},100,80,2024-04-01,2024-05-01,\n"
    assert import_file(engine, "transactions", _write(tmp_path / "c.csv", DEAL_HEADER + paid)).updated == 1
    shrink = f"RI-1,许可,{number},{OWN_TTO},{OWN_SME},100,10,2024-04-01,2024-05-01,\n"
    with pytest.raises(ImportRejected, match="只能增加"):
        import_file(engine, "transactions", _write(tmp_path / "d.csv", DEAL_HEADER + shrink))
    unnumbered = _write(tmp_path / "e.csv", DEAL_HEADER + f",转让,{number},{OWN_TTO},{OTHER_TTO},1,1,2025-09-01,,\n")
    assert import_file(engine, "transactions", unnumbered).created == 1
    assert import_file(engine, "transactions", unnumbered).updated == 1  # the same file twice: no second sale


def test_control_characters_in_a_deal_are_refused_not_a_server_error(api):
    answer = call(api, "operator", "POST", "/transactions", json=_deal(api, application_numbers=[FILED_2016_12],
                                                                         kind="pledge", note="质押\x00"))
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["body", "note"]

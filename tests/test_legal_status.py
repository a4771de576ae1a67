from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from api.cli import main
from data import ledger
from data.db import transaction
from data.enums import LegalStatus, OwnershipEventKind
from data.imports.loader import import_file
from data.legal_status import plan_transfers, read_events, read_status
from data.models import Patent
from tests.conftest import TODAY
from tests.test_imports import HEADER, number, row

P, V, L, INV = LegalStatus.PENDING, LegalStatus.VALID, LegalStatus.LAPSED, LegalStatus.INVALID


@pytest.mark.parametrize("raw, expected", [
    # CNIPA 法律状态公告
    ("未缴年费专利权终止", L), ("专利权有效期届满", L), ("避免重复授权放弃专利权", L), ("发明专利申请公布后的视为撤回", L),
    ("专利申请的驳回", L), ("专利权全部无效", INV), ("宣告专利权部分无效", V), ("权利的恢复", V), ("专利权的转移", V),
    ("专利权质押合同登记的生效", None), ("专利实施许可合同备案的生效", None), ("实质审查的生效", P), ("公开", P), ("授权", V),
    ("专利权人的姓名或者名称、地址的变更", V), ("专利权的终止(未缴年费专利权终止)", L), ("专利权的终止（专利权有效期届满）", L),
    ("其他有关事项避免重复授权放弃专利权", L), ("专利权的无效、部分无效宣告专利权全部无效", INV), ("未缴年费专利权终止，等恢复", L),
    # PatSnap 简单法律状态 / 法律状态 / 法律事件
    ("有效", V), ("失效", L), ("审中", P), ("PCT指定期内", P), ("PCT指定期满", L), ("期限届满", L), ("视为撤回", L),
    ("主动撤回", L), ("驳回", L), ("部分无效", V), ("全部无效", INV), ("全部撤销", INV), ("权利恢复", V), ("权利终止", L),
    ("放弃-主动放弃", L), ("撤回-视为撤回", L), ("申请终止", L), ("权利转移", V), ("质押/担保", None), ("许可备案", None),
    ("无效程序", None),
    # incoPat 当前法律状态 / 法律状态/事件
    ("PCT-有效期内", P), ("PCT-有效期满", L), ("避重放弃", L), ("未缴年费", L),
])
def test_each_export_term_maps_to_the_model(raw, expected):
    reading = read_status(raw)
    assert (reading.status, reading.unknown) == (expected, ())


@pytest.mark.parametrize("raw, expected", [
    ("有效;质押;许可", V),  # events name no state: the one state decides
    ("公开;实质审查;授权;未缴年费专利权终止", L),  # the most final state wins
    ("授权，部分无效", V),
    ("授权；全部无效；权利恢复", INV),  # a restoration does not undo an invalidation
    ("未缴年费专利权终止;权利恢复", V),  # 权利恢复 undoes a missed-deadline loss written before it
    ("权利恢复;未缴年费专利权终止", L),  # … but not one written after it
    ("公开;视为撤回;权利恢复", P),  # a restored application is pending again
    ("有效-质押", V),
])
def test_a_cell_with_several_terms_is_decided_by_the_documented_rule(raw, expected):
    assert read_status(raw).status is expected


def test_unknown_terms_are_kept_and_flagged_not_refused():
    reading = read_status("有效;火星法律状态")
    assert (reading.status, reading.unknown, reading.review) == (V, ("火星法律状态",), True)
    assert read_status("质押").review  # no term decides a state: someone should look


def test_an_unknown_status_is_imported_flagged_and_listed_for_review(engine, write, tmp_path):
    import_file(engine, "patents", write("a.csv", "\n".join([HEADER, row(1), row(2)])), today=TODAY)
    path = write("b.csv", "\n".join([HEADER, row(1, status="某种新状态"), row(3, status="外星状态", granted="")]))
    report = import_file(engine, "patents", path, today=TODAY)
    assert (report.created, report.updated, report.extra["legal_status_review"]) == (1, 1, 2)
    with transaction(engine) as session:
        found = {p.application_number: p for p in session.scalars(select(Patent))}
        kept, new, fine = found[number(1)], found[number(3)], found[number(2)]
        assert (kept.legal_status, kept.legal_status_raw, kept.legal_status_review) == (V, "某种新状态", True)
        assert (new.legal_status, new.legal_status_raw, new.legal_status_review) == (P, "外星状态", True)
        assert not fine.legal_status_review
        assert not kept.is_sleeping and "待核实" in kept.sleeping_reason


def test_the_cli_reports_and_lists_flagged_rows(tmp_path, write):
    db = ["--db", f"sqlite:///{tmp_path / 'cli.db'}"]
    runner = CliRunner()
    assert runner.invoke(main, [*db, "db", "upgrade"]).exit_code == 0
    path = write("p.csv", "\n".join([HEADER, row(1, status="某种新状态"), row(2)]))
    imported = runner.invoke(main, [*db, "import", "patents", str(path), "--as-of", "2026-11-21"])
    assert imported.exit_code == 0, imported.output
    assert "法律状态待核实 1 rows flagged for review" in imported.output
    listed = runner.invoke(main, [*db, "patents", "--status", "review", "--json"])
    assert listed.exit_code == 0, listed.output
    assert number(1) in listed.output and number(2) not in listed.output


EVENTS_HEADER = HEADER + ",法律事件"
TRANSFER = ("2019-06-01 授权\n2021-03-05 专利权的转移 IPC(主分类)：H01M 10/0525 变更事项：专利权人 "
            "变更前权利人：钟山理工大学 变更后权利人：常州某科技有限公司 变更事项：地址 变更前权利人：江苏省南京市 "
            "变更后权利人：江苏省常州市 登记生效日：2021-03-01\n2022-05-06 专利权质押合同登记的生效 登记号：Y2022 "
            "出质人：常州某科技有限公司 质权人：某银行股份有限公司")


def test_legal_event_entries_are_read_defensively():
    reading = read_events(TRANSFER + "；2023-13-01 奇怪的条目；权利转移")
    (transfer,) = reading.transfers
    assert (transfer.effective_on, transfer.before, transfer.after) == (
        dt.date(2021, 3, 1), ("钟山理工大学",), ("常州某科技有限公司",))  # 登记生效日, not the notice date
    assert len(reading.events) == 3 and "日期无法识别" in reading.problems[0]
    plan = plan_transfers(reading.transfers, ("另一所大学",), None)
    assert plan.record == () and "与登记簿（另一所大学）不符" in plan.problems[0]


def _events_row(serial: int, holder: str, events: str) -> str:
    return row(serial, holder=holder) + ',"' + events + '"'


def test_a_transfer_in_a_new_patents_legal_events_makes_a_ledger_event(engine, write):
    # the export shows today's holder; the ledger starts with the applicant and records the 专利权的转移
    path = write("p.csv", "\n".join([EVENTS_HEADER, _events_row(1, "常州某科技有限公司", TRANSFER)]))
    report = import_file(engine, "patents", path, today=TODAY)
    assert (report.created, report.extra["legal_events"], report.warnings) == (1, 1, ())
    with transaction(engine) as session:
        patent = session.scalar(select(Patent))
        entries = ledger.history(session, patent)
        assert [(e.kind, e.effective_on, e.holders) for e in entries] == [
            (OwnershipEventKind.RECORD, dt.date(2019, 3, 1), ("钟山理工大学",)),
            (OwnershipEventKind.LEGAL_EVENT, dt.date(2021, 3, 1), ("常州某科技有限公司",))]
        assert "法律事件 2021-03-05 专利权的转移" in entries[1].evidence
        assert [h.name for h in ledger.holders_on(session, patent, dt.date(2020, 1, 1))] == ["钟山理工大学"]
        assert [h.organization.name for h in patent.holders] == ["常州某科技有限公司"]


@pytest.mark.parametrize("row_holder, events, ledger_holders, warned", [
    ("钟山理工大学", TRANSFER, ["常州某科技有限公司"], False),  # the export names the applicant: the chain moves it
    ("常州某科技有限公司", TRANSFER.replace("变更前权利人：钟山理工大学", "变更前权利人："), ["常州某科技有限公司"], True),
    ("淮海矿业大学", TRANSFER, ["淮海矿业大学"], True),  # the chain does not start from the row's holders
])
def test_a_new_patents_transfer_chain_must_be_consistent(engine, write, row_holder, events, ledger_holders, warned):
    path = write("p.csv", "\n".join([EVENTS_HEADER, _events_row(1, row_holder, events)]))
    report = import_file(engine, "patents", path, today=TODAY)
    assert report.created == 1 and bool(report.warnings) is warned
    with transaction(engine) as session:
        assert [h.organization.name for h in session.scalar(select(Patent)).holders] == ledger_holders


def test_an_operators_reimport_records_a_newer_transfer_and_skips_older_ones(engine, write):
    import_file(engine, "patents", write("a.csv", "\n".join([HEADER, row(1), row(2)])), today=TODAY)
    broken = TRANSFER.replace("变更前权利人：钟山理工大学", "变更前权利人：淮海矿业大学")
    path = write("b.csv", "\n".join([EVENTS_HEADER, _events_row(1, "常州某科技有限公司", TRANSFER),
                                     _events_row(2, "钟山理工大学", broken)]))
    report = import_file(engine, "patents", path, today=TODAY)
    assert report.extra["legal_events"] == 1
    assert [(w.row, w.column) for w in report.warnings] == [(3, "法律事件")]
    assert "与登记簿（钟山理工大学）不符，未登记" in report.warnings[0].reason
    with transaction(engine) as session:
        holders = {p.application_number: [h.organization.name for h in p.holders] for p in session.scalars(select(Patent))}
    assert holders == {number(1): ["常州某科技有限公司"], number(2): ["钟山理工大学"]}

    again = import_file(engine, "patents", path, today=TODAY)  # the same entry is history now: no second event
    assert again.extra.get("legal_events", 0) == 0
    with transaction(engine) as session:
        patent = session.scalar(select(Patent).where(Patent.application_number == number(1)))
        assert [e.kind for e in ledger.history(session, patent)] == [OwnershipEventKind.RECORD,
                                                                     OwnershipEventKind.LEGAL_EVENT]


def test_a_ttos_upload_never_moves_holders_through_legal_events(engine, write):
    import_file(engine, "patents", write("a.csv", "\n".join([HEADER, row(1)])), today=TODAY)
    path = write("b.csv", "\n".join([EVENTS_HEADER, _events_row(1, "钟山理工大学", TRANSFER)]))
    report = import_file(engine, "patents", path, today=TODAY, holder="钟山理工大学")
    assert report.updated == 1 and "机构导入不登记权利转移" in report.warnings[0].reason
    with transaction(engine) as session:
        patent = session.scalar(select(Patent))
        assert [h.organization.name for h in patent.holders] == ["钟山理工大学"]
        assert len(ledger.history(session, patent)) == 1

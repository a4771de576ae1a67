from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from data.db import transaction
from data.enums import LegalStatus, OrgKind, PatentType
from data.imports import loader
from data.imports.errors import ImportFileError, ImportRejected
from data.imports.loader import import_file
from data.models import Organization, Patent, PatentIPC
from data.normalize import check_digit
from tests.conftest import TODAY

HEADER = "申请号,公开（公告）号,名称,摘要,IPC分类号,主分类号,申请(专利权)人,申请日,授权公告日,法律状态"


def number(serial: int, kind: str = "1", year: int = 2019) -> str:
    digits = f"{year}{kind}{serial:07d}"
    return f"{digits}.{check_digit(digits)}"


def row(serial: int, title: str = "一种锂电池负极材料", ipc: str = "H01M 10/0525; H01M4/36",
        holder: str = "钟山理工大学", filed: str = "2019-03-01", granted: str = "2021年5月3日",
        status: str = "有效", abstract: str = "本发明公开了一种负极材料。") -> str:
    return f"{number(serial)},,{title},{abstract},\"{ipc}\",,{holder},{filed},{granted},{status}"


def count(engine, model) -> int:
    with transaction(engine) as session:
        return session.scalar(select(func.count()).select_from(model))


def test_csv_import_then_reimport_updates_instead_of_duplicating(engine, write):
    path = write("p.csv", "\n".join([HEADER, row(1), row(2, title="一种储能变流器")]))
    first = import_file(engine, "patents", path, today=TODAY)
    assert (first.created, first.updated, first.rejected) == (2, 0, 0)

    path.write_text("\n".join([HEADER, row(1, title="一种改进的锂电池负极材料", ipc="H01M 4/36"), row(2)]), "utf-8")
    second = import_file(engine, "patents", path, today=TODAY)
    assert (second.created, second.updated) == (0, 2)
    assert count(engine, Patent) == 2
    assert count(engine, Organization) == 1
    with transaction(engine) as session:
        patent = session.scalar(select(Patent).where(Patent.application_number == number(1)))
        assert patent.title == "一种改进的锂电池负极材料"
        assert [i.code for i in patent.ipcs] == ["H01M 4/36"]
        assert patent.main_ipc == "H01M 4/36"
        assert patent.patent_type is PatentType.INVENTION
        assert patent.legal_status is LegalStatus.VALID
        assert patent.holders[0].organization.kind is OrgKind.UNIVERSITY
    assert count(engine, PatentIPC) == 3  # the replaced code of patent 1 is deleted, not orphaned


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"])
def test_encodings_are_detected(engine, write, encoding):
    path = write("p.csv", "\n".join([HEADER, row(1, holder="淮海矿业大学")]), encoding)
    report = import_file(engine, "patents", path, today=TODAY)
    assert report.created == 1
    with transaction(engine) as session:
        assert session.scalar(select(Organization.name)) == "淮海矿业大学"


def test_a_damaged_utf8_file_is_not_read_as_gbk(engine, tmp_path):
    good = "\n".join([HEADER, row(1), row(2)]).encode("utf-8")
    path = tmp_path / "mixed.csv"
    path.write_bytes(good + b"\n" + row(3, title="一种装置").encode("gbk"))
    with pytest.raises(ImportFileError, match=r"invalid UTF-8 byte .* at line 4"):
        import_file(engine, "patents", path, today=TODAY)
    assert count(engine, Patent) == 0


def test_undecodable_bytes_name_the_encodings_tried(engine, tmp_path):
    path = tmp_path / "binary.csv"
    path.write_bytes(b"\x81\x20\xff\xfe\x00 not text")
    with pytest.raises(ImportFileError, match="cannot detect the encoding"):
        import_file(engine, "patents", path, today=TODAY)


def test_missing_required_column_names_it_and_its_aliases(engine, write):
    path = write("p.csv", "申请号,名称,申请日,法律状态\n" + f"{number(1)},一种方法,2019-01-01,有效")
    with pytest.raises(ImportFileError, match=r"missing required column\(s\): 申请\(专利权\)人 \(or 申请人"):
        import_file(engine, "patents", path, today=TODAY)


def test_bad_rows_are_reported_with_file_row_column_and_reason_and_nothing_is_written(engine, write):
    path = write("bad.csv", "\n".join([
        HEADER,
        row(1),
        row(2, ipc="H01M 10/; G06F"),  # malformed IPC
        row(3, filed="2021-02-30"),  # impossible date
        row(1, title="重复"),  # duplicate application number within the file
        row(5, title="=cmd|' /C calc'!A0"),  # formula-like cell
        row(6, ipc="Z99Z 1/00"),  # not an IPC section
        row(7, ipc="H01Y 1/00"),  # well-formed but no such subclass
    ]))
    with pytest.raises(ImportRejected) as caught:
        import_file(engine, "patents", path, today=TODAY)
    found = {(e.row, e.column): e.reason for e in caught.value.errors}
    assert "不是 IPC 分类号" in found[(3, "IPC分类号")]
    assert "不是真实存在的日期" in found[(4, "申请日")]
    assert found[(5, "申请号")] == "duplicate 申请号 (first on row 2)"
    assert "电子表格公式" in found[(6, "名称")] and "删去开头的“=”" in found[(6, "名称")]
    assert "不是 IPC 分类号" in found[(7, "IPC分类号")]
    assert "没有这个 IPC 小类" in found[(8, "IPC分类号")]
    assert "bad.csv, row 4, column '申请日'" in str(caught.value)
    assert count(engine, Patent) == 0 and count(engine, Organization) == 0


def test_cross_field_checks(engine, write):
    path = write("p.csv", "\n".join([
        HEADER,
        row(1, filed="2021-05-01", granted="2020-01-01"),
        row(2, filed="2030-01-01", granted=""),
        row(3, status="审中"),
    ]))
    with pytest.raises(ImportRejected) as caught:
        import_file(engine, "patents", path, today=TODAY)
    found = {(e.row, e.column): e.reason for e in caught.value.errors}
    assert "before the 申请日" in found[(2, "授权公告日")]
    assert "in the future" in found[(3, "申请日")]
    assert "pending" in found[(4, "法律状态")]


def test_a_real_export_row_with_a_detailed_legal_status_is_imported_with_its_raw_text(engine, write):
    # A CNIPA export row: 未缴年费专利权终止 used to be "not one of" the statuses and refused the whole file.
    path = write("p.csv", "\n".join([
        HEADER, row(1, status="未缴年费专利权终止"), row(2, status="有效;质押;许可"),
        row(3, status="专利权的终止(专利权有效期届满)"), row(4, status="授权;部分无效")]))
    report = import_file(engine, "patents", path, today=TODAY)
    assert (report.created, report.rejected, report.extra["legal_status_review"]) == (4, 0, 0)
    with transaction(engine) as session:
        found = {p.application_number: (p.legal_status, p.legal_status_raw, p.legal_status_review)
                 for p in session.scalars(select(Patent))}
    assert found == {
        number(1): (LegalStatus.LAPSED, "未缴年费专利权终止", False),
        number(2): (LegalStatus.VALID, "有效;质押;许可", False),
        number(3): (LegalStatus.LAPSED, "专利权的终止(专利权有效期届满)", False),
        number(4): (LegalStatus.VALID, "授权;部分无效", False),
    }


def test_skip_invalid_imports_good_rows_and_writes_inert_rejects(engine, write, tmp_path):
    path = write("p.csv", "\n".join([HEADER, row(1), row(2, title="=HYPERLINK(\"x\")"), row(3)]))
    report = import_file(engine, "patents", path, skip_invalid=True, today=TODAY)
    assert (report.created, report.rejected) == (2, 1)
    assert report.rejects_path == tmp_path / "p.rejects.csv"
    with report.rejects_path.open(encoding="utf-8-sig", newline="") as handle:
        rejects = list(csv.reader(handle))
    assert rejects[1][0] == "3" and "电子表格公式" in rejects[1][1]
    assert rejects[1][rejects[0].index("名称")] == "'=HYPERLINK(\"x\")"  # cannot execute when opened
    assert count(engine, Patent) == 2


def test_empty_and_header_only_files(engine, write):
    with pytest.raises(ImportFileError, match="the file is empty"):
        import_file(engine, "patents", write("empty.csv", ""), today=TODAY)
    with pytest.raises(ImportFileError, match="header but no data rows"):
        import_file(engine, "patents", write("header.csv", HEADER + "\n"), today=TODAY)


def test_a_50_mb_field_is_a_row_error_not_a_crash(engine, write):
    path = write("huge.csv", "\n".join([HEADER, row(1), row(2, abstract="长" * (50 * 1024 * 1024 // 3))]))
    with pytest.raises(ImportRejected) as caught:
        import_file(engine, "patents", path, today=TODAY)
    (error,) = caught.value.errors
    assert (error.row, error.column) == (3, "摘要")
    assert "超过摘要的上限 20,000 字" in error.reason
    assert count(engine, Patent) == 0


def test_a_failure_while_writing_leaves_the_database_as_it_was(engine, write, monkeypatch):
    import_file(engine, "patents", write("a.csv", "\n".join([HEADER, row(1)])), today=TODAY)
    handler = loader.HANDLERS["patents"]
    original = handler.write

    def write_then_crash(session, rows, today):
        original(session, rows, today)  # rows are flushed into the open transaction…
        raise KeyboardInterrupt  # …and then the process is interrupted

    monkeypatch.setattr(handler, "write", write_then_crash)
    with pytest.raises(KeyboardInterrupt):
        import_file(engine, "patents", write("b.csv", "\n".join([HEADER, row(1, title="改"), row(2), row(3)])),
                    today=TODAY)
    assert count(engine, Patent) == 1
    with transaction(engine) as session:
        assert session.scalar(select(Patent.title)) == "一种锂电池负极材料"


def test_xlsx_with_english_headers_dates_and_formulas(engine, tmp_path):
    import datetime as dt

    book = Workbook()
    sheet = book.active
    sheet.append(["Application Number", "Title", "Applicants", "Application Date", "Grant Date", "Legal Status",
                  "IPC"])
    sheet.append([number(1), "一种装置", "太湖科技大学; 某某有限公司", dt.datetime(2019, 1, 2), 20210105, "有效",
                  "G06F 16/35"])
    sheet.append([number(2), "=1+1", "太湖科技大学", "2019.01.02", None, "审中", "G06F"])
    path = tmp_path / "export.xlsx"
    book.save(path)
    with pytest.raises(ImportRejected) as caught:
        import_file(engine, "patents", path, today=TODAY)
    assert [(e.row, e.column) for e in caught.value.errors] == [(3, "Title")]
    report = import_file(engine, "patents", path, skip_invalid=True, today=TODAY)
    assert report.created == 1
    with transaction(engine) as session:
        patent = session.scalar(select(Patent))
        assert [h.organization.name for h in patent.holders] == ["太湖科技大学", "某某有限公司"]
        assert patent.grant_date == dt.date(2021, 1, 5)


def test_jsonl_with_lists(engine, write):
    record = {"application_number": number(1), "title": "一种方法", "holders": ["运河大学"],
              "application_date": "2019-01-01", "legal_status": "valid", "ipc": ["B25J 9/16", "G05B 19/401"]}
    report = import_file(engine, "patents", write("p.jsonl", json.dumps(record, ensure_ascii=False)), today=TODAY)
    assert report.created == 1
    bad = write("bad.jsonl", json.dumps(record) + "\n{not json")
    with pytest.raises(ImportFileError, match="line 2 is not valid JSON"):
        import_file(engine, "patents", bad, today=TODAY)


def test_transactions_must_refer_to_known_patents(engine, write):
    import_file(engine, "patents", write("p.csv", "\n".join([HEADER, row(1)])), today=TODAY)
    deals = write("t.csv", "交易类型,申请号,出让方,受让方,合同金额(万元),签订日期\n"
                           f"转让,{number(1)},钟山理工大学,常州某科技有限公司,12.5,2024-01-01\n"
                           f"许可,{number(9)},钟山理工大学,常州某科技有限公司,1,2024-02-01\n")
    with pytest.raises(ImportRejected) as caught:
        import_file(engine, "transactions", deals, today=TODAY)
    assert [(e.row, e.column) for e in caught.value.errors] == [(3, "申请号")]
    report = import_file(engine, "transactions", deals, skip_invalid=True, today=TODAY)
    assert report.created == 1
    with transaction(engine) as session:
        patent = session.scalar(select(Patent))
        (deal,) = patent.transactions
        assert str(deal.contract_amount) == "125000.00"
        # the transfer moved the patent to the company (the ownership ledger), so it is no university's idle patent
        assert [h.organization.name for h in patent.holders] == ["常州某科技有限公司"]
        assert not patent.is_sleeping and "权利人不是" in patent.sleeping_reason


def test_offers_are_refused_for_lapsed_patents_and_terms_past_expiry(engine, write):
    import_file(engine, "patents", write("p.csv", "\n".join([HEADER, row(1), row(2, status="未缴年费")])),
                today=TODAY)
    offers = write("o.csv", "申请号,费用类型,一次性许可费(万元),许可期限起,许可期限止,声明日期\n"
                            f"{number(1)},一次性,5,2024-01-01,2045-01-01,2024-01-01\n"
                            f"{number(2)},一次性,5,2024-01-01,2025-01-01,2024-01-01\n"
                            f"{number(1)},提成,,2025-01-01,2026-01-01,2025-01-01\n")
    with pytest.raises(ImportRejected) as caught:
        import_file(engine, "offers", offers, today=TODAY)
    found = {(e.row, e.column): e.reason for e in caught.value.errors}
    assert "至2039-02-28" in found[(2, "许可期限止")] and "专利法第四十二条" in found[(2, "许可期限止")]
    assert "专利法第五十条" in found[(3, "申请号")]  # the API's and the web's eligibility rules, with their articles
    assert "required when the fee standard is 提成" in found[(4, "royalty_rate")]


def test_needs_with_challenges(engine, write):
    path = write("n.csv", "需求编号,需求名称,需求描述,需求方,预算(万元),合作方式,揭榜挂帅,榜单金额(万元),揭榜截止日期\n"
                          "XQ-1,电池衰减快,储能电站电池容量衰减快。,南京某储能科技有限公司,80,许可;合作开发,否,,\n"
                          "XQ-2,频率稳定,征集并网控制技术。,某电力集团有限公司,,合作开发,是,500,2027-03-31\n"
                          "XQ-3,缺少截止日,征集。,某电力集团有限公司,,合作开发,是,100,\n")
    with pytest.raises(ImportRejected) as caught:
        import_file(engine, "needs", path, today=TODAY)
    assert [(e.row, e.column) for e in caught.value.errors] == [(4, "揭榜截止日期")]
    report = import_file(engine, "needs", path, skip_invalid=True, today=TODAY)
    assert report.created == 2
    report = import_file(engine, "needs", path, skip_invalid=True, today=TODAY)
    assert (report.created, report.updated) == (0, 2)


def test_unknown_kind_and_missing_file(engine, tmp_path: Path):
    with pytest.raises(ValueError, match="unknown import kind"):
        import_file(engine, "widgets", tmp_path / "x.csv")
    with pytest.raises(ImportFileError, match="file not found"):
        import_file(engine, "patents", tmp_path / "nope.csv")


def test_an_organisations_credit_code_cannot_move_to_another_name(engine, write):
    header = "单位名称,单位类型,统一社会信用代码,城市\n"
    import_file(engine, "orgs", write("a.csv", header + "钟山理工大学,高校,12320000466002712B,南京\n"), today=TODAY)
    again = import_file(engine, "orgs", write("b.csv", header + "钟山理工大学,高校,12320000466002712B,南京市\n"),
                        today=TODAY)
    assert (again.created, again.updated) == (0, 1)
    with pytest.raises(ImportRejected) as caught:
        import_file(engine, "orgs", write("c.csv", header + "另一所大学,高校,12320000466002712B,苏州\n"), today=TODAY)
    assert caught.value.errors[0].reason == "12320000466002712B already belongs to 钟山理工大学"

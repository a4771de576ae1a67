"""The patents import's PCT and foreign columns (国别, PCT申请号) and foreign patents as rows of their own: what is
stored, and each rule refused in Chinese naming the file, row and column, with nothing written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from data.db import transaction
from data.imports.errors import ImportRejected
from data.imports.loader import import_file
from data.models import Patent
from data.normalize import check_digit
from tests.conftest import TODAY


def cn(year: int, serial: int) -> str:
    digits = f"{year}1{serial:07d}"
    return f"{digits}.{check_digit(digits)}"


HEADER = "申请号,国别,专利类型,名称,申请(专利权)人,申请日,授权公告日,法律状态,PCT申请号,公开(公告)号\n"
GOOD = (f"{cn(2021, 9001)},CN,,一种视觉检测方法,苏州示例视觉有限公司,2021-05-10,2023-02-01,有效,PCT/CN2022/012345,\n"
        "\"US 17/123,456\",美国,发明,一种视觉检测方法,苏州示例视觉有限公司,2022-03-01,2024-06-04,有效,"
        "PCT/CN2022/012345,US11987654B2\n"
        f"{cn(2022, 9002)},CN,,一种图像标定方法,苏州示例视觉有限公司,2022-07-01,,审中,,\n"
        f"{cn(2022, 9003)},,,一种光源控制方法,苏州示例视觉有限公司,2022-08-01,,审中,,\n")


@pytest.fixture
def imported(engine, write):  # noqa: ANN001, ANN201
    import_file(engine, "orgs", write("o.csv", "单位名称,单位类型\n苏州示例视觉有限公司,中小企业\n"), today=TODAY)
    import_file(engine, "patents", write("p.csv", HEADER + GOOD), today=TODAY)
    return engine


def test_foreign_rows_pct_numbers_and_the_family_flag_are_stored(imported):
    with transaction(imported) as session:
        rows = {p.application_number: p for p in session.scalars(select(Patent))}
    home, abroad, blank, silent = (rows[cn(2021, 9001)], rows["US17123456"], rows[cn(2022, 9002)],
                                   rows[cn(2022, 9003)])
    assert (home.jurisdiction, home.pct_number, home.family_reported) == ("CN", "PCT/CN2022/012345", True)
    assert (abroad.jurisdiction, abroad.publication_number, abroad.patent_type.value) == ("US", "US11987654B2",
                                                                                         "invention")
    assert (blank.jurisdiction, blank.pct_number, blank.family_reported) == ("CN", None, True)  # 国别 given: no PCT
    assert (silent.jurisdiction, silent.family_reported) == ("CN", False)  # both cells blank: the row says nothing


def test_an_export_without_the_columns_says_nothing_about_the_family(imported, write):
    import_file(imported, "patents", write("cnipa.csv", "申请号,名称,申请(专利权)人,申请日,法律状态\n"
                                                        f"{cn(2023, 9003)},一种光源,苏州示例视觉有限公司,2023-01-05,审中\n"
                                                        f"{cn(2021, 9001)},一种视觉检测方法,苏州示例视觉有限公司,"
                                                        "2021-05-10,有效\n"), today=TODAY)
    with transaction(imported) as session:
        rows = {p.application_number: p for p in session.scalars(select(Patent))}
    assert (rows[cn(2023, 9003)].jurisdiction, rows[cn(2023, 9003)].family_reported) == ("CN", False)
    # a later CNIPA-only export of a stored row keeps the family it was imported with
    assert (rows[cn(2021, 9001)].pct_number, rows[cn(2021, 9001)].family_reported) == ("PCT/CN2022/012345", True)


BAD = [
    (f"{cn(2021, 9101)},US,,一种方法,苏州示例视觉有限公司,2021-05-10,,审中,,", "国别", "国别为 US，但申请号"),
    (f"{cn(2021, 9102)},火星,,一种方法,苏州示例视觉有限公司,2021-05-10,,审中,,", "国别", "不是国别"),
    (f"{cn(2021, 9103)},CN,,一种方法,苏州示例视觉有限公司,2021-05-10,,审中,PCT-2021-1,", "PCT申请号",
     "不是 PCT 国际申请号"),
    (f"{cn(2021, 9104)},CN,,一种方法,苏州示例视觉有限公司,2021-05-10,,审中,PCT/CN2020/000001,", "PCT申请号",
     "PCT 申请须在申请日当年或次年提出"),
    (f"{cn(2021, 9105)},CN,,一种方法,苏州示例视觉有限公司,2021-05-10,,审中,PCT/CN2023/000001,", "PCT申请号",
     "PCT 申请须在申请日当年或次年提出"),
    (f"{cn(2025, 9106)},CN,,一种方法,苏州示例视觉有限公司,2025-05-10,,审中,PCT/CN2099/000001,", "PCT申请号",
     "在将来"),
    ("US17123999,US,,一种方法,苏州示例视觉有限公司,2021-05-10,,审中,,", "专利类型", "境外专利的类型不能从申请号看出"),
    ("WO2021123456,US,发明,一种方法,苏州示例视觉有限公司,2021-05-10,,审中,,", "申请号", "是 PCT 国际申请"),
    ("\"17/123,456\",US,发明,一种方法,苏州示例视觉有限公司,2021-05-10,,审中,,", "申请号", "须以国别代码开头"),
    (f"{cn(2021, 9107)},CN,,一种方法,苏州示例视觉有限公司,2021-05-10,2023-01-01,有效,,US11987654B2", "公开(公告)号",
     "不是同一国家或地区"),
]


@pytest.mark.parametrize("line, column, reason", BAD, ids=[b[2] for b in BAD])
def test_each_rule_names_file_row_and_column_in_chinese_and_writes_nothing(imported, write, line, column, reason):
    path = write("bad.csv", HEADER + f"{cn(2020, 9200)},CN,,一种好方法,苏州示例视觉有限公司,2020-01-01,,审中,,\n"
                 + line + "\n")
    with pytest.raises(ImportRejected) as caught:
        import_file(imported, "patents", path, today=TODAY)
    found = [str(e) for e in caught.value.errors]
    assert any(f"bad.csv, row 3, column '{column}'" in e and reason in e for e in found), found
    with transaction(imported) as session:  # all-or-nothing: the good row 2 was not written either
        assert session.scalar(select(func.count()).select_from(Patent)) == 4


def test_a_foreign_patent_cannot_be_openly_licensed(imported, write):
    path = write("offers.csv", "申请号,费用类型,一次性许可费,许可期限起,许可期限止,声明日期\n"
                               "US17123456,一次性,50000,2027-01-01,2029-12-31,2026-11-01\n")
    with pytest.raises(ImportRejected) as caught:
        import_file(imported, "offers", path, today=TODAY)
    assert "开放许可只适用于中国专利" in str(caught.value.errors[0])

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from data.enums import OrgKind, PatentType
from data.normalize import (
    check_digit,
    clean_text,
    infer_org_kind,
    looks_like_formula,
    normalize_application_number,
    normalize_ipc,
    parse_amount,
    parse_date,
    patent_type_from_application_number,
    split_ipc_codes,
    unit_scale,
)


@pytest.mark.parametrize("raw", ["2021-03-19", "2021.03.19", "2021/3/19", "2021年3月19日", "20210319",
                                 "2021-03-19 00:00:00", "２０２１－０３－１９", dt.datetime(2021, 3, 19, 8, 0)])
def test_dates_in_the_usual_chinese_forms(raw):
    assert parse_date(raw) == dt.date(2021, 3, 19)


@pytest.mark.parametrize("raw, reason", [("2021-02-30", "不是真实存在的日期"), ("2021-13-01", "不是真实存在的日期"),
                                         ("19/03/2021", "不是日期"), ("1850-01-01", "年份不合理")])
def test_impossible_dates_are_refused_with_a_reason(raw, reason):
    with pytest.raises(ValueError, match=reason):
        parse_date(raw)


def test_check_digit_matches_a_published_number():
    # 201710601862.3 is the worked example published with the check-digit rule.
    assert check_digit("201710601862") == "3"
    assert check_digit("98123456") == "9"  # 8-digit numbers (before 2003): 196 mod 11
    assert check_digit("201410000004") == "X"  # 2·2+0·3+1·4+4·5+1·6+4·5 = 54, remainder 10, written X


@pytest.mark.parametrize("raw", ["201710601862.3", "CN201710601862.3", "ZL 2017 1060 1862.3", "2017106018623",
                                 "ＣＮ２０１７１０６０１８６２．３"])
def test_application_number_forms_normalise_to_one(raw):
    assert normalize_application_number(raw) == "201710601862.3"


@pytest.mark.parametrize("raw, reason", [("201710601862.4", "校验位是 4"), ("2017106018", "不是中国专利申请号"),
                                         ("CN2017A0601862.3", "不是中国专利申请号")])
def test_bad_application_numbers(raw, reason):
    with pytest.raises(ValueError, match=reason):
        normalize_application_number(raw)


def test_patent_type_is_read_from_the_number():
    assert patent_type_from_application_number("201710601862.3") is PatentType.INVENTION
    assert patent_type_from_application_number("202320648404.6") is PatentType.UTILITY_MODEL
    assert patent_type_from_application_number("98123456.1") is PatentType.INVENTION


@pytest.mark.parametrize("raw", ["H01M 10/0525", "H01M10/0525", "Ｈ０１Ｍ１０／０５２５", "H01M 10/0525 (2010.01)",
                                 "h01m 10 / 0525", "H01M0010052500"])
def test_ipc_forms_normalise_to_one(raw):
    assert normalize_ipc(raw) == "H01M 10/0525"


def test_ipc_lists_keep_order_and_drop_repeats():
    assert split_ipc_codes("H01M10/0525；G06F 16/35,H01M 10/0525 | B82Y、C01B") == [
        "H01M 10/0525", "G06F 16/35", "B82Y", "C01B"]


@pytest.mark.parametrize("raw", ["H01M 10/", "X01M 10/00", "H01M10/0525 and more", "10/0525", ""])
def test_malformed_ipc_is_an_error(raw):
    with pytest.raises(ValueError):
        split_ipc_codes(raw)


def test_amount_units_from_header_and_cell():
    assert parse_amount("12.5", unit_scale("合同金额(万元)")) == Decimal("125000.00")
    assert parse_amount("1,200") == Decimal("1200.00")
    assert parse_amount("３０万元") == Decimal("300000.00")
    assert parse_amount("0.5亿元", unit_scale("合同金额(万元)")) == Decimal("50000000.00")
    for bad in ("-5", "abc", "NaN"):
        with pytest.raises(ValueError):
            parse_amount(bad)


def test_formula_detection_spares_numbers():
    assert looks_like_formula("=cmd|' /C calc'!A0")
    assert looks_like_formula("@SUM(A1:A2)")
    assert looks_like_formula("+1+cmd")
    assert not looks_like_formula("-12.5")
    assert not looks_like_formula("一种方法")


def test_org_kind_inference():
    assert infer_org_kind("中国科学院大学") is OrgKind.UNIVERSITY
    assert infer_org_kind("江苏省产业技术研究院") is OrgKind.INSTITUTE
    assert infer_org_kind("龙城工学院") is OrgKind.UNIVERSITY
    assert infer_org_kind("常州碳烯科技有限公司") is OrgKind.ENTERPRISE
    assert infer_org_kind("张三") is OrgKind.INDIVIDUAL


def test_clean_text_removes_control_and_zero_width_characters():
    assert clean_text("  一种\u200b方法\x07 \r\n\r\n 其特征  在于 ") == "一种方法\n其特征 在于"

"""Turn one raw cell into a typed value for its column, or raise ValueError with the reason."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from data.enums import parse_enum
from data.imports.readers import Cell
from data.imports.schemas import Column
from data.ipc_scheme import is_known_subclass
from data.legal_status import StatusReading, read_status
from data.normalize import (
    clean_text,
    halfwidth,
    looks_like_formula,
    normalize_application_number,
    normalize_publication_number,
    parse_amount,
    parse_bool,
    parse_date,
    split_ipc_codes,
    unit_scale,
)

_KIND_NAMES = {"text": "文字", "int": "整数", "amount": "金额", "ratio": "比例", "bool": "是/否",
               "enum": "选项", "enums": "选项", "ipc": "IPC 分类号", "ipc_list": "IPC 分类号",
               "application_number": "申请号", "application_numbers": "申请号", "names": "名称"}
_LIST_SEPARATORS = re.compile(r"[;；|\n、]+")
_CREDIT_CODE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}")
# A foreign application or publication number carries its office's code: US17123456, EP21812345.6, JP2022123456.
_FOREIGN_NUMBER = re.compile(r"([A-Z]{2})([0-9][0-9A-Z.]{3,17})")
_FOREIGN_PUBLICATION = re.compile(r"([A-Z]{2})\d{4,12}[A-Z]\d?")
_PCT = re.compile(r"PCT/([A-Z]{2})(\d{4}|\d{2})/(\d{5,6})")
_COUNTRY_NAMES = {"中国": "CN", "美国": "US", "欧洲": "EP", "欧洲专利局": "EP", "欧专局": "EP", "日本": "JP",
                  "韩国": "KR", "德国": "DE", "英国": "GB", "法国": "FR", "澳大利亚": "AU", "加拿大": "CA",
                  "俄罗斯": "RU", "印度": "IN", "新加坡": "SG", "中国香港": "HK", "中国澳门": "MO", "中国台湾": "TW"}


def split_list(text: str) -> list[str]:
    return [part.strip() for part in _LIST_SEPARATORS.split(text) if part.strip()]


def parse_cell(column: Column, raw: Cell, header: str) -> Any:
    """Parse a non-empty cell; the caller has already turned empty markers into None."""
    if isinstance(raw, dt.date):
        if column.kind != "date":
            wanted = _KIND_NAMES.get(column.kind, column.kind)
            raise ValueError(f"{column.label}应为{wanted}，却是日期 {raw.isoformat()}")
        return parse_date(raw)
    text = str(raw)
    if len(text) > column.max_chars:
        raise ValueError(f"长 {len(text):,} 字，超过{column.label}的上限 {column.max_chars:,} 字")
    if looks_like_formula(text):
        raise ValueError(f"像是电子表格公式（“{text[:20]}…”），公式不会导入；如果这是文字，请删去开头的"
                         f"“{text.lstrip()[0]}”")
    return _PARSERS[column.kind](column, text, header)


def _text(column: Column, text: str, header: str) -> str:
    return clean_text(text)


def _int(column: Column, text: str, header: str) -> int:
    cleaned = halfwidth(text).strip()
    if not re.fullmatch(r"\d+", cleaned):
        raise ValueError(f"“{text}”不是整数")
    return int(cleaned)


def _ratio(column: Column, text: str, header: str) -> Decimal:
    cleaned = halfwidth(text).strip()
    percent = cleaned.endswith("%")
    try:
        value = Decimal(cleaned.rstrip("%"))
    except InvalidOperation:
        raise ValueError(f"“{text}”不是比例；请写成 5% 或 0.05") from None
    value = value / 100 if percent else value
    if not 0 <= value <= 1:
        raise ValueError(f"“{text}”超出 0–100% 的范围；请写成 5% 或 0.05")
    return value


def _enums(column: Column, text: str, header: str) -> list[str]:
    assert column.enum is not None
    return [parse_enum(column.enum, part).value for part in split_list(text)]


def _legal_status(column: Column, text: str, header: str) -> StatusReading:
    """Never an error: an unknown status is kept raw and flagged for review (data/legal_status.py)."""
    return read_status(clean_text(text))


def _ipc_list(column: Column, text: str, header: str) -> list[str]:
    codes = split_ipc_codes(text)
    unknown = [c for c in codes if not is_known_subclass(c[:4])]
    if unknown:
        raise ValueError(f"没有这个 IPC 小类：{', '.join(unknown)}")
    return codes


def _main_ipc(column: Column, text: str, header: str) -> str:
    codes = _ipc_list(column, text, header)
    if len(codes) != 1:
        raise ValueError(f"“{text}”含 {len(codes)} 个 IPC 分类号，主分类号只能有一个")
    return codes[0]


def _names(column: Column, text: str, header: str) -> list[str]:
    names = [clean_text(n) for n in split_list(text)]
    too_long = [n for n in names if len(n) > 200]
    if too_long:
        raise ValueError(f"名称长 {len(too_long[0])} 字，上限 200 字")
    return names


def _credit_code(column: Column, text: str, header: str) -> str:
    cleaned = halfwidth(text).strip().upper()
    if not _CREDIT_CODE.fullmatch(cleaned):
        raise ValueError(f"“{text}”不是 18 位统一社会信用代码")
    return cleaned


def patent_number(text: str) -> str:
    """A CNIPA application number (normalised, no prefix) or a foreign one with its office's code (US17123456)."""
    try:
        return normalize_application_number(text)
    except ValueError as cn_error:
        packed = re.sub(r"[\s/,\-]+", "", halfwidth(text)).upper()
        match = _FOREIGN_NUMBER.fullmatch(packed)
        if match is None or match.group(1) in ("CN", "ZL"):
            raise ValueError(f"{cn_error}；境外专利的申请号须以国别代码开头，如 US17123456、EP21812345.6") from None
        if match.group(1) == "WO":
            raise ValueError(f"“{text}”是 PCT 国际申请，不是某一国家或地区的专利：请写在其专利的 PCT申请号列") from None
        return packed


def jurisdiction_of(number: str) -> str:
    """The office of a stored application number: a CNIPA number has no prefix."""
    return "CN" if number[:1].isdigit() else number[:2]


def country(text: str) -> str:
    """国别 as a two-letter office code (CN, US, EP …), from the code or a Chinese name."""
    cleaned = halfwidth(text).strip()
    code = _COUNTRY_NAMES.get(cleaned, cleaned.upper())
    if not re.fullmatch(r"[A-Z]{2}", code) or code == "WO":
        raise ValueError(f"“{text}”不是国别；请写两位国别代码（CN、US、EP、JP …）或中文国名（中国、美国 …）")
    return code


def pct_number(text: str) -> str:
    """A PCT application number, normalised (PCT/CN2024/123456)."""
    packed = re.sub(r"\s+", "", halfwidth(text)).upper()
    if not _PCT.fullmatch(packed):
        raise ValueError(f"“{text}”不是 PCT 国际申请号；请写成 PCT/CN2024/123456（受理局、年份、序号）")
    return packed


def pct_year(number: str) -> int:
    """The year a PCT application was filed, from its number (PCT/CN2024/123456; before 2004 PCT/CN03/00123)."""
    match = _PCT.fullmatch(number)
    assert match is not None, number
    year = int(match.group(2))
    return year if year >= 1000 else (2000 + year if year < 78 else 1900 + year)  # the PCT began in 1978


def _publication_number(column: Column, text: str, header: str) -> str:
    try:
        return normalize_publication_number(text)
    except ValueError as cn_error:
        packed = re.sub(r"[\s/,\-]+", "", halfwidth(text)).upper()
        match = _FOREIGN_PUBLICATION.fullmatch(packed)
        if match is None or match.group(1) in ("CN", "WO"):
            raise ValueError(f"{cn_error}；境外专利写其公开号，如 US11234567B2") from None
        return packed


_PARSERS = {
    "text": _text,
    "date": lambda c, t, h: parse_date(t),
    "amount": lambda c, t, h: parse_amount(t, unit_scale(h)),
    "int": _int,
    "bool": lambda c, t, h: parse_bool(t),
    "enum": lambda c, t, h: parse_enum(c.enum, t),  # type: ignore[arg-type]
    "enums": _enums,
    "ipc": _main_ipc,
    "ipc_list": _ipc_list,
    "application_number": lambda c, t, h: patent_number(t),
    "application_numbers": lambda c, t, h: [normalize_application_number(p) for p in split_list(t)],
    "publication_number": _publication_number,

    "names": _names,
    "ratio": _ratio,
    "credit_code": _credit_code,
    "legal_status": _legal_status,
}

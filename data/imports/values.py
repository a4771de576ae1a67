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
    "application_number": lambda c, t, h: normalize_application_number(t),
    "application_numbers": lambda c, t, h: [normalize_application_number(p) for p in split_list(t)],
    "publication_number": lambda c, t, h: normalize_publication_number(t),
    "names": _names,
    "ratio": _ratio,
    "credit_code": _credit_code,
    "legal_status": _legal_status,
}

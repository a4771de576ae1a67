"""Cell-level normalisation of the values Chinese patent exports contain.

Every parser takes the raw cell and returns a clean value or raises ValueError with a reason a
person can act on; the importer adds file, row and column.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from data.enums import OrgKind, PatentType

# Cells that exports use to say "nothing here".
EMPTY_MARKERS = frozenset({"", "-", "--", "—", "/", "无", "暂无", "n/a", "na", "none", "null"})


_HALFWIDTH = {0x3000: " ", **{code: chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)}}


def halfwidth(text: str) -> str:
    """Full-width ASCII (Ａ１／（) and the ideographic space to their half-width forms."""
    return text.translate(_HALFWIDTH)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")


def clean_text(raw: str) -> str:
    """Strip control characters and zero-width marks, fold runs of spaces, trim each line."""
    text = _CONTROL.sub("", raw.replace("\r\n", "\n").replace("\r", "\n"))
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def is_empty(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip().lower() in EMPTY_MARKERS)


_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def looks_like_formula(text: str) -> bool:
    """Spreadsheet formula injection (=cmd|… , @SUM, +…, -…) that is not a plain number."""
    stripped = text.lstrip()
    return bool(stripped) and stripped[0] in "=+-@" and not _NUMBER.match(stripped)


# --- dates ------------------------------------------------------------------------------------

_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-./](\d{1,2})[-./](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_date(raw: object) -> dt.date:
    """2021-03-19, 2021.03.19, 2021/3/19, 2021年3月19日, 20210319, or a spreadsheet date."""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = halfwidth(str(raw)).strip().replace(" 00:00:00", "")
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(g) for g in match.groups())
            try:
                value = dt.date(year, month, day)
            except ValueError:
                raise ValueError(f"“{text}”不是真实存在的日期") from None
            if not 1900 <= value.year <= 2200:
                raise ValueError(f"“{text}”的年份不合理")
            return value
    raise ValueError(f"“{text}”不是日期；请写成 2021-03-19、2021.03.19、2021年3月19日 或 20210319")


# --- CN application numbers -------------------------------------------------------------------

_APPLICATION = re.compile(r"^(?:CN|ZL)?(\d{8}|\d{12})\.?([0-9X])$")
_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
_TYPE_DIGIT = {
    "1": PatentType.INVENTION,
    "8": PatentType.INVENTION,  # PCT application entering the national phase
    "2": PatentType.UTILITY_MODEL,
    "9": PatentType.UTILITY_MODEL,
    "3": PatentType.DESIGN,
}


def check_digit(digits: str) -> str:
    """CNIPA check character: weights 2..9,2..5 over the digits, sum mod 11, 10 written X."""
    remainder = sum(int(d) * w for d, w in zip(digits, _WEIGHTS, strict=False)) % 11
    return "X" if remainder == 10 else str(remainder)


def normalize_application_number(raw: str) -> str:
    """'CN202110123456.7', 'ZL 2021 1012 3456.7', '2021101234567' → '202110123456.7'."""
    text = re.sub(r"\s+", "", halfwidth(raw)).upper()
    match = _APPLICATION.match(text)
    if not match:
        raise ValueError(
            f"“{raw}”不是中国专利申请号（8 或 12 位数字、小数点和一位校验位）"
        )
    digits, check = match.groups()
    expected = check_digit(digits)
    if check != expected:
        raise ValueError(f"“{raw}”的校验位是 {check}，按 {digits} 计算应为 {expected}")
    return f"{digits}.{check}"


def patent_type_from_application_number(number: str) -> PatentType | None:
    digits = number.split(".")[0]
    return _TYPE_DIGIT.get(digits[4] if len(digits) == 12 else digits[2])


def normalize_publication_number(raw: str) -> str:
    text = re.sub(r"\s+", "", halfwidth(raw)).upper()
    if not re.fullmatch(r"CN\d{6,9}[A-Z]\d?", text):
        raise ValueError(f"“{raw}”不是中国公开（公告）号，例如 CN112345678A")
    return text


# --- IPC codes --------------------------------------------------------------------------------

_IPC_FULL = re.compile(r"([A-H])\s*(\d{2})\s*([A-Z])(?:\s*(\d{1,4})\s*/\s*(\d{1,6}))?(?!\d)")
_IPC_PACKED = re.compile(r"([A-H]\d{2}[A-Z])(\d{4})(\d{6})")  # EPO-style H01M0010052500
_IPC_VERSION = re.compile(r"\(\s*\d{4}\s*\.\s*\d{2}\s*\)")  # edition suffix "(2010.01)"
_IPC_SEPARATORS = re.compile(r"^[\s;,|、]*$")


def _format_ipc(subclass: str, group: str | None, subgroup: str | None) -> str:
    if group is None:
        return subclass
    return f"{subclass} {int(group)}/{subgroup}"


def normalize_ipc(raw: str) -> str:
    """One code: 'H01M10/0525', 'H01M 10/0525 (2010.01)', 'Ｈ０１Ｍ１０／０５２５' → 'H01M 10/0525'."""
    codes = split_ipc_codes(raw)
    if len(codes) != 1:
        raise ValueError(f"“{raw}”含 {len(codes)} 个 IPC 分类号，此处只能填一个")
    return codes[0]


def split_ipc_codes(raw: str) -> list[str]:
    """All codes in a cell, in order and without duplicates; anything unparsable is an error."""
    text = _IPC_VERSION.sub(" ", halfwidth(raw).upper())
    text = _IPC_PACKED.sub(lambda m: f"{m[1]} {int(m[2])}/{m[3].rstrip('0').ljust(2, '0')}", text)
    codes: list[str] = []
    position = 0
    for match in _IPC_FULL.finditer(text):
        gap = text[position : match.start()]
        if not _IPC_SEPARATORS.match(gap):
            raise ValueError(f"“{raw}”中的“{gap.strip()}”不是 IPC 分类号")
        code = _format_ipc(match[1] + match[2] + match[3], match[4], match[5])
        if code not in codes:
            codes.append(code)
        position = match.end()
    tail = text[position:]
    if not _IPC_SEPARATORS.match(tail):
        raise ValueError(f"“{raw}”中的“{tail.strip()}”不是 IPC 分类号（应如 H01M 10/0525）")
    if not codes:
        raise ValueError(f"“{raw}”中没有 IPC 分类号")
    return codes


def ipc_subclass(code: str) -> str:
    return code[:4]


# --- amounts and organisation kinds ------------------------------------------------------------

_UNIT_SCALE = {"亿元": Decimal(100_000_000), "万元": Decimal(10_000), "元": Decimal(1)}


def unit_scale(header: str) -> Decimal:
    """The unit a column header declares, e.g. '合同金额(万元)' → 10000; default yuan."""
    for unit, scale in _UNIT_SCALE.items():
        if unit in header:
            return scale
    return Decimal(1)


def parse_amount(raw: object, scale: Decimal = Decimal(1)) -> Decimal:
    """'12.5', '1,200', '１２．５', '30万元' → yuan. A unit in the cell overrides the header's."""
    text = halfwidth(str(raw)).strip().replace(",", "").replace("，", "")
    for unit, unit_value in _UNIT_SCALE.items():
        if text.endswith(unit):
            text, scale = text[: -len(unit)].strip(), unit_value
            break
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"“{raw}”不是金额") from None
    if not value.is_finite() or value < 0:
        raise ValueError(f"“{raw}”不是非负金额")
    return (value * scale).quantize(Decimal("0.01"))


def parse_bool(raw: object) -> bool:
    text = halfwidth(str(raw)).strip().lower()
    if text in {"1", "true", "yes", "y", "是", "有", "√"}:
        return True
    if text in {"0", "false", "no", "n", "否", "无", "×"}:
        return False
    raise ValueError(f"“{raw}”不是 是/否")


def infer_org_kind(name: str) -> OrgKind:
    """A first guess from the name; records imported with a declared kind keep theirs."""
    if "大学" in name:
        return OrgKind.UNIVERSITY
    if any(k in name for k in ("科学院", "研究院", "研究所", "研究中心", "实验室", "设计院")):
        return OrgKind.INSTITUTE
    if any(k in name for k in ("学院", "学校")):
        return OrgKind.UNIVERSITY
    if any(k in name for k in ("公司", "企业", "集团", "厂", "合作社", "事务所")):
        return OrgKind.ENTERPRISE
    if re.fullmatch(r"[\u4e00-\u9fff·]{2,4}", name):
        return OrgKind.INDIVIDUAL
    return OrgKind.OTHER

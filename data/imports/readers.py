"""Files → header + numbered rows of raw cells, with the encoding detected."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from data.imports.errors import ImportFileError

SUPPORTED_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".jsonl", ".json")

Cell = str | dt.date | None


@dataclass(frozen=True)
class RawRow:
    number: int  # as a person sees it: spreadsheet row (header = 1) or JSONL line
    cells: dict[str, Cell]


@dataclass(frozen=True)
class RawTable:
    path: Path
    headers: list[str]
    rows: list[RawRow]
    encoding: str | None


def read_table(path: Path) -> RawTable:
    if not path.exists():
        raise ImportFileError(path, "file not found")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ImportFileError(path, f"unsupported file type '{suffix}'; use {', '.join(SUPPORTED_SUFFIXES)}")
    raw = path.read_bytes()
    if not raw.removeprefix(codecs.BOM_UTF8).strip():
        raise ImportFileError(path, "the file is empty")
    if suffix == ".xlsx":
        return _read_xlsx(path, raw)
    text, encoding = decode(path, raw)
    if suffix in (".jsonl", ".json"):
        return _read_jsonl(path, text, encoding)
    return _read_delimited(path, text, encoding, "\t" if suffix in (".tsv", ".txt") else None)


def decode(path: Path, raw: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030/GBK, in that order."""
    if raw.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "gb18030"]
    for encoding in candidates:
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            # Valid multi-byte UTF-8 before the bad byte means a damaged UTF-8 file, not GBK:
            # decoding it as GB18030 would silently turn every Chinese character into mojibake.
            if encoding == "utf-8" and _has_utf8_multibyte(raw[: exc.start]):
                raise ImportFileError(
                    path, f"invalid UTF-8 byte 0x{raw[exc.start]:02x} at line {line} "
                    f"(byte {exc.start}); the file mixes encodings"
                ) from None
            last_error = f"not valid {encoding.upper()} (byte 0x{raw[exc.start]:02x} at line {line})"
    raise ImportFileError(path, f"cannot detect the encoding: {last_error}; save it as UTF-8")


def _has_utf8_multibyte(prefix: bytes) -> bool:
    """The bytes before the first invalid one decoded fine, so any non-ASCII byte among them
    belongs to a valid multi-byte UTF-8 character."""
    return any(byte >= 0x80 for byte in prefix)


def _read_delimited(path: Path, text: str, encoding: str, delimiter: str | None) -> RawTable:
    first_line = text.split("\n", 1)[0]
    if delimiter is None:
        delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    # Real abstracts and claims can exceed csv's 128 KiB default; length limits are enforced
    # per field by the schema, with a row-level error instead of a crash.
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = list(reader)
    except csv.Error as exc:
        raise ImportFileError(path, f"malformed CSV near line {reader.line_num}: {exc}") from None
    headers = [h.strip() for h in records[0]]
    _check_headers(path, headers)
    rows = []
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) > len(headers):
            extra = [c for c in record[len(headers):] if c.strip()]
            if extra:
                raise ImportFileError(path, f"row {number} has {len(record)} cells but the header has "
                                      f"{len(headers)}; check the delimiter and quoting")
        cells = {h: (record[i] if i < len(record) else None) for i, h in enumerate(headers) if h}
        rows.append(RawRow(number, cells))
    return RawTable(path, headers, rows, encoding)


def _read_xlsx(path: Path, raw: bytes) -> RawTable:
    from openpyxl import load_workbook

    try:
        # data_only=False keeps formulas as their text ("=…") so they can be refused.
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise ImportFileError(path, f"not a readable .xlsx workbook ({type(exc).__name__}: {exc})") from None
    sheet = workbook.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    header_row = next(values, None)
    if header_row is None:
        raise ImportFileError(path, "the first worksheet is empty")
    headers = ["" if h is None else str(h).strip() for h in header_row]
    _check_headers(path, headers)
    rows = []
    for number, record in enumerate(values, start=2):
        cells = {h: _xlsx_cell(record[i] if i < len(record) else None) for i, h in enumerate(headers) if h}
        if any(v not in (None, "") for v in cells.values()):
            rows.append(RawRow(number, cells))
    workbook.close()
    return RawTable(path, headers, rows, None)


def _xlsx_cell(value: object) -> Cell:
    if value is None or isinstance(value, dt.date):
        return value  # type: ignore[return-value]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_jsonl(path: Path, text: str, encoding: str) -> RawTable:
    rows: list[RawRow] = []
    headers: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ImportFileError(path, f"line {number} is not valid JSON: {exc.msg}") from None
        if not isinstance(record, dict):
            raise ImportFileError(path, f"line {number} is not a JSON object")
        cells: dict[str, Cell] = {}
        for key, value in record.items():
            if key not in headers:
                headers.append(key)
            if isinstance(value, list):
                value = ";".join(str(v) for v in value)
            cells[key] = None if value is None else str(value)
        rows.append(RawRow(number, cells))
    return RawTable(path, headers, rows, encoding)


def _check_headers(path: Path, headers: list[str]) -> None:
    named = [h for h in headers if h]
    if not named:
        raise ImportFileError(path, "the header row is empty")
    duplicates = sorted({h for h in named if named.count(h) > 1})
    if duplicates:
        raise ImportFileError(path, f"duplicate column headers: {', '.join(duplicates)}")

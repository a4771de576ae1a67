"""The import pipeline: read → map headers → parse cells → validate → write in one transaction.

All-or-nothing by default: any invalid row means nothing is written. With `skip_invalid` the valid
rows are written and the rejects go to a CSV beside the input. Re-importing a file updates the
records it names (matched on their natural keys) instead of duplicating them.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from data.db import transaction
from data.imports.common import ImportContext, ParsedRow
from data.imports.errors import ImportFileError, ImportRejected, RowError
from data.imports.readers import RawTable, read_table
from data.imports.registry import HANDLERS
from data.imports.schemas import SCHEMAS, ImportSchema
from data.imports.values import parse_cell
from data.models import Organization, Patent, PatentHolder
from data.normalize import is_empty


@dataclass(frozen=True)
class ImportReport:
    kind: str
    path: Path
    rows: int
    created: int
    updated: int
    rejected: int = 0
    rejects_path: Path | None = None
    ignored_columns: tuple[str, ...] = ()
    encoding: str | None = None
    extra: dict[str, int] = field(default_factory=dict)  # e.g. legal_status_review: rows flagged for review
    warnings: tuple[RowError, ...] = ()
    created_keys: tuple[str, ...] = ()  # e.g. the application numbers of new patents, for the report's links


def import_file(
    engine: Engine,
    kind: str,
    path: Path,
    *,
    skip_invalid: bool = False,
    rejects_path: Path | None = None,
    today: dt.date | None = None,
    holder: str | None = None,
    correct_holders: str | None = None,
    actor: str = "import",
) -> ImportReport:
    """Import a file; with `holder`, every row must be about that organisation's own patents (a TTO's upload).

    `correct_holders` (an operator's reason) lets a patents file change the holders of stored patents;
    each change is a correction event in the ownership ledger. Without it, a row whose holders differ
    from the ledger's is an error."""
    if kind not in SCHEMAS:
        raise ValueError(f"unknown import kind '{kind}'; choose from {', '.join(SCHEMAS)}")
    if holder is not None and kind not in ("patents", "offers"):
        raise ImportFileError(path, f"{holder} may import its own patents and offers, not {kind}")
    if correct_holders is not None and (holder is not None or kind != "patents" or not correct_holders.strip()):
        raise ImportFileError(path, "更正权利人（著录项目变更）只能由运营人员在导入专利时进行，并须写明理由")
    schema = SCHEMAS[kind]
    table = read_table(path)
    matched, ignored = _check_columns(schema, table)
    parsed, errors = parse_rows(schema, matched, table)
    handler = HANDLERS[kind]
    ctx = ImportContext(path, today or dt.date.today(), holder, correct_holders, actor)
    with transaction(engine) as session:
        errors += handler.validate(session, parsed, ctx)
        if holder is not None:
            errors += ownership_errors(session, kind, parsed, path, holder)
        bad_rows = {e.row for e in errors}
        if errors and not skip_invalid:
            raise ImportRejected(path, sorted(errors, key=lambda e: e.row), len(table.rows))
        counts = handler.write(session, [p for p in parsed if p.number not in bad_rows], ctx)
    written_rejects = None
    if errors:
        written_rejects = rejects_path or path.with_name(f"{path.stem}.rejects.csv")
        write_rejects(written_rejects, table, errors)
    return ImportReport(
        kind, path, len(table.rows), counts.created, counts.updated, len(bad_rows),
        written_rejects, tuple(ignored), table.encoding, dict(counts.extra), tuple(counts.warnings),
        tuple(counts.created_keys),
    )


def ownership_errors(session: Session, kind: str, rows: list[ParsedRow], path: Path, holder: str) -> list[RowError]:
    """Rows about patents the organisation does not hold: it imports and offers its own patents only."""
    if kind == "patents":
        return [row.error(path, "holders", f"{holder} is not among the holders; an organisation imports its own "
                                           "patents only")
                for row in rows if "holders" in row.values and holder not in row.values["holders"]]
    numbers = {row.values["application_number"] for row in rows if "application_number" in row.values}
    owned = set(session.scalars(select(Patent.application_number).join(PatentHolder).join(Organization).where(
        Patent.application_number.in_(numbers), Organization.name == holder)))
    return [row.error(path, "application_number", f"not a patent of {holder}; an organisation offers its own "
                                                  "patents only")
            for row in rows if row.values.get("application_number") not in owned | {None}]


def _check_columns(schema: ImportSchema, table: RawTable) -> tuple[dict, list[str]]:
    matched, ignored = schema.match_headers(table.headers)
    present = {column.field for column in matched.values()}
    missing = [c for c in schema.required if c.field not in present]
    if missing:
        names = "; ".join(f"{c.label} (or {', '.join(c.aliases[:4])})" for c in missing)
        hint = ""
        if table.encoding == "gb18030":
            hint = " — the file was read as GB18030; if the headers look garbled, save it as UTF-8"
        raise ImportFileError(
            table.path,
            f"missing required column(s): {names}. Found headers: {', '.join(table.headers)}{hint}",
        )
    if not table.rows:
        raise ImportFileError(table.path, "the file has a header but no data rows")
    return matched, ignored


def parse_rows(
    schema: ImportSchema, matched: dict, table: RawTable
) -> tuple[list[ParsedRow], list[RowError]]:
    parsed: list[ParsedRow] = []
    errors: list[RowError] = []
    for raw in table.rows:
        row = ParsedRow(raw.number, {}, {})
        for header, column in matched.items():
            row.headers[column.field] = header
            cell = raw.cells.get(header)
            if is_empty(cell):
                if column.required:
                    errors.append(RowError(table.path, raw.number, header, f"{column.label} is required"))
                continue
            try:
                row.values[column.field] = parse_cell(column, cell, header)  # type: ignore[arg-type]
            except ValueError as exc:
                errors.append(RowError(table.path, raw.number, header, str(exc)))
        parsed.append(row)
    return parsed, errors


def write_rejects(path: Path, table: RawTable, errors: list[RowError]) -> None:
    """CSV (UTF-8 with BOM, so Excel opens it) of each rejected row, its reasons, and its cells."""
    reasons: dict[int, list[str]] = {}
    for error in sorted(errors, key=lambda e: e.row):
        reasons.setdefault(error.row, []).append(
            f"{error.column}: {error.reason}" if error.column else error.reason
        )
    rows = {r.number: r for r in table.rows}
    headers = [h for h in table.headers if h]
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["行号(row)", "原因(reason)", *headers])
            for number, why in reasons.items():
                cells = rows[number].cells
                # A leading apostrophe keeps a rejected formula inert when the file is opened.
                values = [_inert(cells.get(h)) for h in headers]
                writer.writerow([number, "; ".join(why), *values])
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _inert(cell: object) -> str:
    text = "" if cell is None else str(cell)
    if len(text) > 32_000:  # Excel's cell limit; the reason column says the field was too long
        text = text[:1000] + "…"
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text

"""Import errors that name the file, row, column and reason."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class ImportFileError(Exception):
    """The file as a whole cannot be read (encoding, format, missing columns, empty)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class RowError:
    path: Path
    row: int
    column: str  # the header as written in the file ("" for a whole-row problem)
    reason: str

    def __str__(self) -> str:
        where = f"{self.path.name}, row {self.row}"
        if self.column:
            where += f", column '{self.column}'"
        return f"{where}: {self.reason}"


class ImportRejected(Exception):
    """Validation failed and nothing was written (all-or-nothing import)."""

    def __init__(self, path: Path, errors: list[RowError], total_rows: int) -> None:
        self.path = path
        self.errors = errors
        self.total_rows = total_rows
        shown = "\n".join(f"  {e}" for e in errors[:50])
        more = f"\n  … and {len(errors) - 50} more" if len(errors) > 50 else ""
        bad_rows = len({e.row for e in errors})
        super().__init__(
            f"{path}: {bad_rows} of {total_rows} rows are invalid; nothing was imported "
            f"(use --skip-invalid to import the valid rows):\n{shown}{more}"
        )

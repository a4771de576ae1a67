"""Pieces every import handler shares: parsed rows, counts, the handler protocol, org lookup."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.enums import OrgKind
from data.imports.errors import RowError
from data.models import Organization
from data.normalize import infer_org_kind


@dataclass
class ParsedRow:
    """One row's typed values; `headers` maps each field back to the header it came from."""

    number: int
    values: dict[str, Any]
    headers: dict[str, str]

    def error(self, path: Path, field_name: str, reason: str) -> RowError:
        return RowError(path, self.number, self.headers.get(field_name, field_name), reason)


@dataclass
class WriteCounts:
    created: int = 0
    updated: int = 0
    extra: dict[str, int] = field(default_factory=dict)
    warnings: list[RowError] = field(default_factory=list)  # reported, never a reason to refuse the file
    created_keys: list[str] = field(default_factory=list)  # natural keys of new records, for links in a report


@dataclass(frozen=True)
class ImportContext:
    """What an import is about beyond its rows: the file, the day, and who uploads it.

    `holder` is the uploading organisation's name (a TTO): every row must be about its own patents.
    `correct_holders` is an operator's reason for letting the file change the holders of existing
    patents (著录项目变更); without it an import never changes who holds a patent."""

    path: Path
    today: dt.date
    holder: str | None = None
    correct_holders: str | None = None
    actor: str = "import"

    def evidence(self, row: ParsedRow) -> str:
        return f"{self.path.name} 第{row.number}行"


class Handler(Protocol):
    def validate(self, session: Session, rows: list[ParsedRow], ctx: ImportContext) -> list[RowError]: ...

    def write(self, session: Session, rows: list[ParsedRow], ctx: ImportContext) -> WriteCounts: ...


def duplicate_errors(
    rows: list[ParsedRow], path: Path, key_field: str, key: Callable[[ParsedRow], object], label: str
) -> list[RowError]:
    """The second and later rows that share a natural key with an earlier row of the file."""
    first_seen: dict[object, int] = {}
    errors = []
    for row in rows:
        value = key(row)
        if value is None:
            continue
        if value in first_seen:
            errors.append(row.error(path, key_field, f"duplicate {label} (first on row {first_seen[value]})"))
        else:
            first_seen[value] = row.number
    return errors


class OrgResolver:
    """Finds organisations by name, creating them (kind declared or inferred) when missing."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.by_name = {o.name: o for o in session.scalars(select(Organization))}

    def get(self, name: str, kind: OrgKind | None = None, **details: str | None) -> Organization:
        org = self.by_name.get(name)
        if org is None:
            org = Organization(name=name, kind=kind or infer_org_kind(name), kind_inferred=kind is None)
            self.session.add(org)
            self.by_name[name] = org
        elif kind is not None and org.kind_inferred:
            org.kind, org.kind_inferred = kind, False
        for key, value in details.items():
            if value is not None and getattr(org, key) is None:
                setattr(org, key, value)
        return org


def assign(record: object, values: dict, fields: tuple[str, ...]) -> None:
    """Non-empty cells overwrite; empty cells leave what the record already holds."""
    for name in fields:
        if name in values:
            setattr(record, name, values[name])




def sync_children(
    current: list, wanted: list, key: Callable[[Any], object], update: Callable[[Any, Any], None]
) -> list:
    """Reconcile a child collection in place: keep rows whose key survives (updated from the wanted
    object), add new ones, drop the rest. Replacing the list outright would insert the new rows
    before deleting the old ones and trip the unique constraints on (parent, key)."""
    kept = {key(child): child for child in current}
    result = []
    for new in wanted:
        old = kept.get(key(new))
        if old is None:
            result.append(new)
        else:
            update(old, new)
            result.append(old)
    return result

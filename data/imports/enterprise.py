"""Enterprises' yearly figures, 专利产品备案 records and implementations (national indicators 3 and 4).

Every row goes through the rules of data/enterprise.py, the ones the API and the web forms call, so an
import cannot store what they would refuse. The organisations named must exist (import orgs first): a
typo would otherwise create an enterprise that then counts as one that took part.
Natural keys: organisation + year; 备案编号; patent + organisation + start date.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from data import enterprise
from data.imports.common import ImportContext, ParsedRow, WriteCounts, duplicate_errors
from data.imports.errors import RowError
from data.models import Organization

# The API names a refusal's field organization_id; a file has the organisation's name.
_COLUMN = {"organization_id": "organization"}


def _orgs(session: Session, rows: list[ParsedRow]) -> dict[str, Organization]:
    names = sorted({r.values["organization"] for r in rows if "organization" in r.values})
    return {o.name: o for o in session.scalars(select(Organization).where(Organization.name.in_(names)))}


def _org_error(row: ParsedRow, path: Path) -> RowError:
    return row.error(path, "organization", f"平台上没有单位“{row.values['organization']}”；请先导入单位（orgs）"
                                           "或检查名称")


def _errors(row: ParsedRow, path: Path, refusals: Iterable[enterprise.Refusal]) -> list[RowError]:
    return [row.error(path, _COLUMN.get(r.field, r.field), r.message) for r in refusals]


def _given(values: dict, fields: tuple[str, ...]) -> dict:
    return {name: values[name] for name in fields if name in values}


class EnterpriseYearsHandler:
    def validate(self, session: Session, rows: list[ParsedRow], ctx: ImportContext) -> list[RowError]:
        errors = duplicate_errors(rows, ctx.path, "year",
                                  lambda r: (r.values.get("organization"), r.values.get("year"))
                                  if "year" in r.values else None, "单位和年度")
        orgs = _orgs(session, rows)
        for row in rows:
            v = row.values
            if "organization" in v and v["organization"] not in orgs:
                errors.append(_org_error(row, ctx.path))
            if "year" in v:
                errors += _errors(row, ctx.path, enterprise.figures_refusals(v["year"], v, ctx.today))
        return errors

    def write(self, session: Session, rows: list[ParsedRow], ctx: ImportContext) -> WriteCounts:
        counts = WriteCounts()
        orgs = _orgs(session, rows)
        for row in rows:
            v = row.values
            changes = _given(v, enterprise.FIGURE_FIELDS) | {"source": v.get("source") or ctx.evidence(row)}
            _, created = enterprise.save_figures(session, orgs[v["organization"]], v["year"], changes, ctx.today)
            counts.created += created
            counts.updated += not created
        return counts


class ProductFilingsHandler:
    def validate(self, session: Session, rows: list[ParsedRow], ctx: ImportContext) -> list[RowError]:
        errors = duplicate_errors(rows, ctx.path, "external_id", lambda r: r.values.get("external_id"), "备案编号")
        orgs = _orgs(session, rows)
        known = enterprise.patents_by_number(session, [n for r in rows for n in r.values.get("application_numbers",
                                                                                              [])])
        for row in rows:
            v = row.values
            if "organization" in v and v["organization"] not in orgs:
                errors.append(_org_error(row, ctx.path))
            if "application_numbers" in v:
                errors += _errors(row, ctx.path, enterprise.filing_refusals(
                    v["application_numbers"], known, v.get("filed_on"), v, ctx.today))
        return errors

    def write(self, session: Session, rows: list[ParsedRow], ctx: ImportContext) -> WriteCounts:
        counts = WriteCounts()
        orgs = _orgs(session, rows)
        for row in rows:
            v = row.values
            _, created = enterprise.save_filing(session, v["external_id"], orgs[v["organization"]],
                                                v["application_numbers"], _given(v, enterprise.FILING_FIELDS),
                                                ctx.today)
            counts.created += created
            counts.updated += not created
        return counts


class ImplementationsHandler:
    def validate(self, session: Session, rows: list[ParsedRow], ctx: ImportContext) -> list[RowError]:
        errors = duplicate_errors(rows, ctx.path, "started_on",
                                  lambda r: (r.values.get("application_number"), r.values.get("organization"),
                                             r.values.get("started_on")) if "started_on" in r.values else None,
                                  "专利、实施单位和开始日期")
        orgs = _orgs(session, rows)
        patents = enterprise.patents_by_number(session, [r.values["application_number"] for r in rows
                                                         if "application_number" in r.values])
        for row in rows:
            v = row.values
            org, patent = orgs.get(v.get("organization", "")), patents.get(v.get("application_number", ""))
            if "organization" in v and org is None:
                errors.append(_org_error(row, ctx.path))
            if "application_number" in v and patent is None:
                errors.append(row.error(ctx.path, "application_number",
                                        f"平台上没有专利 {v['application_number']}，请先导入专利"))
            if org is None or patent is None or "started_on" not in v:
                continue
            existing = enterprise.find_implementation(session, patent, org, v["started_on"])
            errors += _errors(row, ctx.path, enterprise.implementation_refusals(
                session, patent, org, v["started_on"], v, ctx.today, existing))
        return errors

    def write(self, session: Session, rows: list[ParsedRow], ctx: ImportContext) -> WriteCounts:
        counts = WriteCounts()
        orgs = _orgs(session, rows)
        patents = enterprise.patents_by_number(session, [r.values["application_number"] for r in rows])
        for row in rows:
            v = row.values
            _, created = enterprise.save_implementation(
                session, patents[v["application_number"]], orgs[v["organization"]], v["started_on"],
                _given(v, enterprise.IMPLEMENTATION_FIELDS), ctx.today, ctx.actor)
            counts.created += created
            counts.updated += not created
        return counts

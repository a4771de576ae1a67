"""Target reports: the national notice's and the provincial plan's indicators (data/targets.py), as JSON,
CSV or XLSX."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict
from decimal import Decimal

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from api.auth import Principal
from api.deps import require, session
from api.schemas import TargetReport
from data.enums import Role
from data.models import Transaction
from data.settings import get_settings
from data.targets import load_targets, progress, year_figures

router = APIRouter(tags=["transactions and targets"])
readers = require(Role.OPERATOR, Role.EVALUATOR)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _export(figures: list, kind: str) -> Response:
    """One row per year: every figure, then its year-on-year growth."""
    names = [n for n in asdict(figures[0]) if n != "growth"] if figures else ["year"]
    growth = list(figures[0].growth) if figures else []
    header = names + [f"growth_{g}" for g in growth]
    rows = [[asdict(f)[n] for n in names] + [f.growth[g] for g in growth] for f in figures]
    if kind == "csv":
        out = io.StringIO()
        csv.writer(out).writerows([header, *rows])
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": "attachment; filename=targets.csv"})
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "targets"
    for row in [header, *rows]:
        sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return Response(buffer.getvalue(), media_type=XLSX,
                    headers={"Content-Disposition": "attachment; filename=targets.xlsx"})


@router.get("/stats/targets", response_model=TargetReport,
            responses={200: {"content": {"text/csv": {}, XLSX: {}}, "description": "JSON, CSV or XLSX (format=)"}})
def targets(who: Principal = Depends(readers), db: Session = Depends(session),
            year: int | None = Query(None, ge=1985, le=2100), region: str | None = Query(None, max_length=50),
            format: str = Query("json", pattern="^(json|csv|xlsx)$")):  # noqa: A002 (the query parameter's name)
    settings = get_settings()
    rate, plan = settings.subsidy_rate, load_targets(settings.targets_file)
    deals = db.scalars(select(Transaction).options(selectinload(Transaction.patents),
                                                   selectinload(Transaction.from_org),
                                                   selectinload(Transaction.to_org))).all()
    from api.routes_anomalies import confirmed_deals

    figures = year_figures(deals, rate, region, excluded=confirmed_deals(db))  # confirmed anomalies do not count
    shown = [f for f in figures if year is None or f.year in (year, year - 1)]
    if format in ("csv", "xlsx"):
        return _export(shown, format)
    return TargetReport(targets=plan.name, region=region, subsidy_rate=rate,
                        years=[json.loads(json.dumps(asdict(f), default=str)) for f in shown],
                        progress=progress(figures, plan))

"""Programme pages (issue 20, item 5): the list of programme files, and per programme and year the pool with
tiers or eligibility and every criterion, this year's movements, who is one criterion short, KPI progress
with a chart, and the same tables as XLSX.

Who may open them is the permission table's "programmes.check" (SMEs, operators, evaluators, admins; TTOs
get 403); what they see comes from api/programmes_report.py over the API's own route, so an SME's page and
export hold its own organisation only.
"""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.orm import Session

from api import programmes_export, programmes_report
from api.deps import session
from api.web.core import Problem, WebError, WebUser, pages_for, render
from api.web.i18n import translator
from data import programmes
from data.enterprise import EARLIEST_YEAR

router = APIRouter()
programme_pages = pages_for("programmes.check")
LATEST_YEAR = 2100  # the API route's bound (api/routes_programmes.py)
BADGES = {programmes.STATUS_LABELS[programmes.MET]: "badge", programmes.STATUS_LABELS[programmes.NOT_MET]: "badge warn",
          programmes.STATUS_LABELS[programmes.UNKNOWN]: "badge off"}


def cell_text(value: object) -> str:
    """A table cell as shown on the page: unknown as a dash, yes/no in Chinese, figures with separators."""
    if isinstance(value, Decimal | bool) or value is None:
        return programmes_report.shown(value)
    return str(value)


def unverified(programme: programmes.Programme) -> int:
    """How many of the programme's criteria say their source sentence is not yet checked against the text."""
    criteria = [c for g in (*programme.tiers, *programme.projects) for c in g.criteria] + list(programme.kpis)
    return sum(c.source.startswith(programmes.UNVERIFIED) for c in criteria)


def _available(user: WebUser) -> dict[str, programmes.Programme]:
    try:
        return programmes.available()
    except programmes.ProgrammeError as exc:  # a province's edit gone wrong: say which file and criterion
        raise WebError(500, translator(user.lang)("programmes.bad_file", error=str(exc))) from None


def _year(text: str, user: WebUser) -> int:
    """The year filter; blank is 0 (the latest year with data)."""
    text = text.strip()
    if not text:
        return 0
    if not text.isdigit() or not EARLIEST_YEAR <= int(text) <= LATEST_YEAR:
        raise WebError(422, translator(user.lang)("programmes.bad_year", value=text, first=EARLIEST_YEAR,
                                                  last=LATEST_YEAR))
    return int(text)


def _report(user: WebUser, db: Session, code: str, year: str) -> programmes_report.ProgrammeReport:
    _available(user)
    try:
        return programmes_report.build(db, user.principal, code, _year(year, user) or None)
    except programmes_report.UnknownProgramme:
        raise WebError(404, translator(user.lang)("programmes.missing", code=code)) from None


@router.get("/programmes")
def programme_list(request: Request, user: WebUser = Depends(programme_pages)) -> Response:
    return render(request, user, "programmes.html", found=list(_available(user).values()), unverified=unverified)


@router.get("/programmes/{code}")
def programme_page(request: Request, code: str, user: WebUser = Depends(programme_pages),
                   db: Session = Depends(session), year: str = Query("", max_length=10)) -> Response:
    try:
        report, problem = _report(user, db, code, year), None
    except WebError as exc:
        if exc.status != 422:
            raise
        report, problem = _report(user, db, code, ""), Problem(422, exc.message, {"year": exc.message})
    return render(request, user, "programme.html", status=problem.status if problem else 200, report=report,
                  problem=problem, cell=cell_text, badges=BADGES, note=programmes_report.RULES_NOTE)


@router.get("/programmes/{code}/export.xlsx")
def programme_export(code: str, user: WebUser = Depends(programme_pages), db: Session = Depends(session),
                     year: str = Query("", max_length=10)) -> Response:
    report = _report(user, db, code, year)
    name = programmes_export.export_name(report)
    return Response(programmes_export.workbook(report), media_type=programmes_export.XLSX,
                    headers={"Content-Disposition": f"attachment; filename={name}"})


@router.get("/programmes/{code}/progress.png")
def programme_chart(code: str, user: WebUser = Depends(programme_pages), db: Session = Depends(session),
                    year: str = Query("", max_length=10)) -> Response:
    report = _report(user, db, code, year)
    return Response(programmes_export.progress_chart(report), media_type="image/png",
                    headers={"Cache-Control": "no-cache"})

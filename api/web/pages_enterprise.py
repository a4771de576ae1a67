"""Enterprise pages (national indicators 3 and 4): yearly figures and 专利产品备案 entered by an SME or an
operator, and implementations (自行实施) recorded by a TTO, an SME or an operator.

The forms post to the API's own route functions, so the rules (data/enterprise.py) and permissions are
the API's; refusals are shown in Chinese next to the field they name.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from api import routes_enterprise as routes
from api.deps import session
from api.web.core import Problem, WebUser, attempt, pages_for, parse, posted, render
from api.web.i18n import translator
from data.enums import Role
from data.models import Organization, Patent, PatentHolder

router = APIRouter()
record_pages = pages_for("enterprise.read")  # figures and filings
record_writers = pages_for("enterprise.write")
implementation_pages = pages_for("implementations.read")
implementation_writers = pages_for("implementations.write")
any_page = pages_for("web.enterprise")
WRITERS = {"figures": ("sme", "operator", "admin"), "filings": ("sme", "operator", "admin"),
           "implementations": ("tto", "sme", "operator", "admin")}


def _attempt(db: Session, lang: str, action):  # noqa: ANN001, ANN202
    """`attempt`, keeping the fields a 409 names (api.errors.FieldConflict) so they show beside the inputs."""
    named: dict[str, str] = {}

    def run():  # noqa: ANN202
        try:
            return action()
        except HTTPException as exc:
            named.update(getattr(exc, "fields", None) or {})
            raise

    result, problem = attempt(db, lang, run)
    if problem is not None:
        problem.fields = {**named, **problem.fields}
    return result, problem


def _page(request: Request, user: WebUser, db: Session, section: str, values: dict | None = None,
          problem: Problem | None = None, saved: bool = False, status: int = 200) -> Response:
    who = user.principal
    if section == "figures":
        rows = routes.list_figures(who, db, None, None, 200, 0).items
    elif section == "filings":
        rows = routes.list_filings(who, db, None, 200, 0).items
    else:
        rows = routes.list_implementations(who, db, None, 200, 0).items
    if problem is not None and "organization_id" in problem.fields:
        # An operator's form names the organisation; a TTO or SME acts for its own, so the patent is the field.
        shown = "application_number" if user.role in routes.OWN_ONLY else "organization"
        problem.fields.setdefault(shown, problem.fields["organization_id"])
    own_patents: list[str] = []
    if section == "implementations" and who.organization_id is not None:
        own_patents = list(db.scalars(select(Patent.application_number).join(PatentHolder)
                                      .where(PatentHolder.organization_id == who.organization_id)
                                      .order_by(Patent.application_number)))
    orgs = [] if user.role in routes.OWN_ONLY else list(db.scalars(select(Organization.name)
                                                                   .order_by(Organization.name)))
    tabs = ["implementations"] if user.role is Role.TTO else list(WRITERS)
    return render(request, user, "enterprise.html", status=status, section=section, rows=rows,
                  values=values or {"self_implemented": "yes"}, problem=problem, saved=saved, orgs=orgs,
                  own_patents=own_patents, tabs=tabs, may_write=user.role.value in WRITERS[section])


def _with_org(db: Session, user: WebUser, form: dict[str, Any]) -> tuple[dict[str, Any], Problem | None]:
    """An operator types the organisation's name; the API wants its id."""
    values = dict(form)
    if user.role in routes.OWN_ONLY:
        values.pop("organization_id", None)
        return values, None
    name = str(form.get("organization", "")).strip()
    found = db.scalar(select(Organization.id).where(Organization.name == name)) if name else None
    if found is None:
        t = translator(user.lang)
        return values, Problem(422, t("error.fields"), {"organization": t("deal.unknown_org")})
    values["organization_id"] = found
    return values, None


def _save(request: Request, user: WebUser, db: Session, section: str, form: dict, model, action) -> Response:  # noqa: ANN001
    values, problem = _with_org(db, user, form)
    body, parse_problem = parse(model, values, user.lang)
    if parse_problem is not None:
        problem = parse_problem if problem is None else Problem(422, problem.message,
                                                                 {**parse_problem.fields, **problem.fields})
    if problem is None:
        _, problem = _attempt(db, user.lang, lambda: action(body))
    if problem is not None:
        return _page(request, user, db, section, form, problem, status=problem.status)
    return RedirectResponse(f"/ui/enterprise/{section}?saved=1", status_code=303)


@router.get("/enterprise")
def start(user: WebUser = Depends(any_page)) -> Response:
    first = "implementations" if user.role is Role.TTO else "figures"
    return RedirectResponse(f"/ui/enterprise/{first}", status_code=303)


@router.get("/enterprise/figures")
def figures(request: Request, user: WebUser = Depends(record_pages), db: Session = Depends(session),
            saved: bool = Query(False)) -> Response:
    return _page(request, user, db, "figures", saved=saved)


@router.post("/enterprise/figures")
def save_figures(request: Request, user: WebUser = Depends(record_writers), form: dict = Depends(posted),
                 db: Session = Depends(session)) -> Response:
    return _save(request, user, db, "figures", form, routes.FiguresIn,
                 lambda body: routes.save_figures(body, Response(), user.principal, db))


@router.get("/enterprise/filings")
def filings(request: Request, user: WebUser = Depends(record_pages), db: Session = Depends(session),
            saved: bool = Query(False)) -> Response:
    return _page(request, user, db, "filings", saved=saved)


@router.post("/enterprise/filings")
def save_filing(request: Request, user: WebUser = Depends(record_writers), form: dict = Depends(posted),
                db: Session = Depends(session)) -> Response:
    raw = str(form.get("application_numbers", "")).replace("，", ",").replace("；", ",").replace(";", ",")
    form = {**form, "application_numbers": [n.strip() for n in raw.replace("\n", ",").split(",") if n.strip()]}
    return _save(request, user, db, "filings", form, routes.FilingIn,
                 lambda body: routes.save_filing(body, Response(), user.principal, db))


@router.get("/enterprise/implementations")
def implementations(request: Request, user: WebUser = Depends(implementation_pages), db: Session = Depends(session),
                    saved: bool = Query(False)) -> Response:
    return _page(request, user, db, "implementations", saved=saved)


@router.post("/enterprise/implementations")
def save_implementation(request: Request, user: WebUser = Depends(implementation_writers),
                        form: dict = Depends(posted), db: Session = Depends(session)) -> Response:
    form = {**form, "self_implemented": str(form.get("self_implemented", "yes")) != "no"}
    return _save(request, user, db, "implementations", form, routes.ImplementationIn,
                 lambda body: routes.save_implementation(body, Response(), user.principal, db))

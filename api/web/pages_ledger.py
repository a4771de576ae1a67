"""The ownership ledger as a page: a patent's holders over time, and operators' corrections (著录项目变更)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api import routes_ledger
from api.deps import session
from api.web.core import Problem, WebUser, attempt, current_user, pages_for, parse, posted, render
from api.web.i18n import translator
from data.enums import Role
from data.models import Organization

router = APIRouter()
correctors = pages_for("ledger.correct")


def _page(request: Request, user: WebUser, db: Session, number: str, values: dict | None = None,
          problem: Problem | None = None, status: int = 200) -> Response:
    patent = routes_ledger._patent(db, number)
    owned = routes_ledger.ownership(db, patent, dt.date.today())
    orgs = db.scalars(select(Organization).order_by(Organization.name)).all()
    return render(request, user, "ownership.html", status=status, patent=patent, owned=owned, orgs=orgs,
                  values=values or {}, problem=problem, may_correct=user.role in (Role.OPERATOR, Role.ADMIN))


@router.get("/patents/{application_number}/ownership")
def ownership(request: Request, application_number: str, user: WebUser = Depends(current_user),
              db: Session = Depends(session)) -> Response:
    return _page(request, user, db, application_number)


@router.post("/patents/{application_number}/ownership")
def correct(request: Request, application_number: str, user: WebUser = Depends(correctors),
            form: dict = Depends(posted), db: Session = Depends(session)) -> Response:
    names = form.get("holders", [])
    names = [n.strip() for n in (names if isinstance(names, list) else str(names).replace("，", ",").split(","))
             if n.strip()]
    ids = [db.scalar(select(Organization.id).where(Organization.name == n)) for n in names]
    unknown = [n for n, i in zip(names, ids, strict=True) if i is None]
    body, problem = parse(routes_ledger.CorrectionIn, {**form, "holder_ids": [i for i in ids if i is not None]},
                          user.lang)
    if unknown or not names:
        problem = problem or Problem(422, translator(user.lang)("error.fields"))
        problem.fields["holders"] = (translator(user.lang)("deal.unknown_org") + " " + "、".join(unknown)) \
            if unknown else translator(user.lang)("ledger.holders_required")
    if problem is None:
        _, problem = attempt(db, user.lang, lambda: routes_ledger.correct(application_number, body, user.principal,
                                                                          db))
    if problem is not None:
        if "holder_ids" in problem.fields:
            problem.fields["holders"] = problem.fields.pop("holder_ids")
        return _page(request, user, db, application_number, form, problem, problem.status)
    return RedirectResponse(f"/ui/patents/{application_number}/ownership", status_code=303)

"""TTO pages: the organisation's patents with sleeping flags, open-licence offers, licensees and imports."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from api import routes_matches, routes_offers
from api.deps import PAGE_MATCHER, PathId, session
from api.freshness import index_changed
from api.schemas import OfferIn
from api.web.core import WebUser, attempt, pages_for, parse, posted, render
from data.enums import FeeType, LegalStatus, OfferStatus, Role
from data.imports.errors import ImportFileError, ImportRejected
from data.imports.loader import import_file
from data.imports.schemas import SCHEMAS
from data.models import LicenseOffer, Patent, PatentHolder

router = APIRouter()
patent_pages = pages_for(Role.TTO, Role.OPERATOR, Role.EVALUATOR)
offer_managers = pages_for(Role.TTO, Role.OPERATOR)
PAGE = 50
TTO_KINDS = ("patents", "offers")
MAX_UPLOAD = 50 * 2**20  # an export of tens of thousands of rows; bigger files go through the CLI


def _patents_query(user: WebUser, q: str, sleeping: bool, status: LegalStatus | None, offered: bool):  # noqa: ANN202
    query = select(Patent)
    if user.role is Role.TTO:  # a TTO works on its own organisation's patents
        query = query.where(Patent.holders.any(PatentHolder.organization_id == user.principal.organization_id))
    if q:
        query = query.where(or_(Patent.title.contains(q), Patent.application_number.contains(q),
                                Patent.abstract.contains(q)))
    if sleeping:
        query = query.where(Patent.is_sleeping)
    if status is not None:
        query = query.where(Patent.legal_status == status)
    if offered:
        query = query.where(Patent.offers.any(LicenseOffer.status == OfferStatus.ACTIVE))
    return query


@router.get("/patents")
def patents(request: Request, user: WebUser = Depends(patent_pages), db: Session = Depends(session),
            q: str = Query("", max_length=100), sleeping: bool = False, status: LegalStatus | None = None,
            offered: bool = False, offset: int = Query(0, ge=0, le=10_000_000)) -> Response:
    query = _patents_query(user, q.strip(), sleeping, status, offered)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.scalars(query.options(selectinload(Patent.holders).selectinload(PatentHolder.organization),
                                    selectinload(Patent.offers))
                      .order_by(Patent.is_sleeping.desc(), Patent.application_number).offset(offset).limit(PAGE)).all()
    filters = {"q": q, "sleeping": sleeping, "status": status.value if status else "", "offered": offered}
    return render(request, user, "patents.html", rows=rows, total=total, offset=offset, page_size=PAGE,
                  filters=filters, statuses=list(LegalStatus))


def _own_patent(db: Session, user: WebUser, number: str) -> Patent:
    patent = routes_offers.patent_for_offer(db, number)
    if user.role is Role.TTO and user.principal.organization_id not in {h.organization_id for h in patent.holders}:
        raise HTTPException(403, "a TTO manages its own organisation's patents only")
    return patent


def _detail(request: Request, user: WebUser, patent: Patent, values: dict | None = None, problem=None,  # noqa: ANN001
            status: int = 200) -> Response:
    return render(request, user, "patent.html", status=status, patent=patent, values=values or {},
                  problem=problem, fee_types=list(FeeType),
                  may_manage=user.role in (Role.TTO, Role.OPERATOR, Role.ADMIN))


@router.get("/patents/{application_number}")
def patent(request: Request, application_number: str, user: WebUser = Depends(patent_pages),
           db: Session = Depends(session)) -> Response:
    return _detail(request, user, _own_patent(db, user, application_number))


@router.post("/patents/{application_number}/offers")
def declare(request: Request, application_number: str, user: WebUser = Depends(offer_managers),
            form: dict = Depends(posted), db: Session = Depends(session)) -> Response:
    patent = _own_patent(db, user, application_number)
    values = {**form, "application_number": application_number, "pledgee_consent": form.get("pledgee_consent") == "on"}
    body, problem = parse(OfferIn, values, user.lang)
    if body is not None:
        _, problem = attempt(db, user.lang, lambda: routes_offers.declare_offer(body, user.principal, db))
    if problem is not None:
        return _detail(request, user, _own_patent(db, user, application_number), values=form, problem=problem,
                       status=problem.status)
    return RedirectResponse(f"/ui/patents/{patent.application_number}#offers", status_code=303)


@router.post("/offers/{offer_id}/withdraw")
def withdraw(request: Request, offer_id: PathId, user: WebUser = Depends(offer_managers),
             form: dict = Depends(posted), db: Session = Depends(session)) -> Response:
    offer = routes_offers.get_offer(db, offer_id)
    number = offer.patent.application_number
    _, problem = attempt(db, user.lang, lambda: routes_offers.withdraw_offer(offer_id, user.principal, db))
    if problem is not None:
        return _detail(request, user, _own_patent(db, user, number), problem=problem, status=problem.status)
    return RedirectResponse(f"/ui/patents/{number}#offers", status_code=303)


@router.get("/patents/{application_number}/licensees")
def licensees(request: Request, application_number: str, user: WebUser = Depends(patent_pages),
              db: Session = Depends(session), page_matcher=PAGE_MATCHER) -> Response:  # noqa: ANN001
    patent = _own_patent(db, user, application_number)
    found = routes_matches.patent_matches(application_number, db, page_matcher(), user.principal, 10)
    return render(request, user, "licensees.html", patent=patent, found=found)


def _kinds(user: WebUser) -> tuple[str, ...]:
    return TTO_KINDS if user.role is Role.TTO else tuple(SCHEMAS)


def _form_context(user: WebUser, **values) -> dict:  # noqa: ANN003
    return {"kinds": _kinds(user), "report": None, "rejected": None, "problem": None, "index_job": None,
            "may_correct": user.role is not Role.TTO, "correct_reason": "", **values}


@router.get("/imports")
def import_form(request: Request, user: WebUser = Depends(offer_managers)) -> Response:
    return render(request, user, "imports.html", **_form_context(user))


@router.post("/imports")
def upload(request: Request, user: WebUser = Depends(offer_managers), form: dict = Depends(posted)) -> Response:
    kind, upload_file = str(form.get("kind", "")), form.get("file")
    correcting, reason = form.get("correct_holders") == "on", str(form.get("correct_reason", "")).strip()
    context = _form_context(user, kind=kind, correct_reason=reason)
    if correcting and user.role is Role.TTO:  # the form never offers it to a TTO: a forged post
        raise HTTPException(403, "correct_holders：只有运营人员可以更正权利人（著录项目变更）")
    if kind not in _kinds(user) or not getattr(upload_file, "filename", ""):
        context["problem"] = "imports.choose"
        return render(request, user, "imports.html", status=422, **context)
    if correcting and not reason:
        context["problem"] = "imports.reason_required"
        return render(request, user, "imports.html", status=422, **context)
    name = Path(upload_file.filename).name  # the suffix tells the reader the format; no directories from the client
    content = upload_file.file.read(MAX_UPLOAD + 1)
    if len(content) > MAX_UPLOAD:
        context["problem_text"] = f"{name}: larger than {MAX_UPLOAD // 2**20} MB; import it with `patent-match import`"
        return render(request, user, "imports.html", status=413, file_name=name, **context)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        holder = user.organization if user.role is Role.TTO else None
        try:
            report = context["report"] = import_file(request.app.state.engine, kind, path, holder=holder,
                                                     correct_holders=reason if correcting else None,
                                                     actor=f"web:{user.role.value}")
        except ImportRejected as exc:
            context["rejected"] = exc
        except ImportFileError as exc:
            context["problem_text"] = f"{name}: {exc.reason}"
    report = context["report"]
    if report is not None and kind == "patents" and (report.created or report.updated):
        # Only a patents file changes indexed text (title, abstract, first claim); the update runs after
        # this answer, and the report shows its state and links to its progress.
        job_id = index_changed(request.app, missing=report.created, changed=report.updated)
        context["index_job"] = request.app.state.freshness.job(job_id) if job_id else None
    status = 200 if report else 422
    return render(request, user, "imports.html", status=status, file_name=name, **context)


@router.get("/imports/index/{job_id}")
def index_progress(request: Request, job_id: PathId, user: WebUser = Depends(offer_managers)) -> Response:
    """One index update's state; the page reloads itself while the update is queued or running."""
    runner = getattr(request.app.state, "freshness", None)
    return render(request, user, "index_status.html", job=runner.job(job_id) if runner else None, job_id=job_id)

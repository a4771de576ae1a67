"""TTO pages: the organisation's patents with sleeping flags, open-licence offers, licensees and imports."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from api import routes_matches, routes_offers, routes_patents
from api.deps import PAGE_MATCHER, PathId, session
from api.freshness import index_changed, shown_to
from api.schemas import OfferIn
from api.web.core import WebUser, attempt, pages_for, parse, posted, render
from api.web.i18n import royalty_fraction, translator
from data.enums import FeeType, LegalStatus, Role
from data.imports.errors import ImportFileError, ImportRejected
from data.imports.loader import import_file
from data.imports.schemas import SCHEMAS
from data.models import Patent
from matching.browse import PatentFilters, facet_choices
from matching.patent_detail import offer_terms_by_id

router = APIRouter()
patent_pages = pages_for("patents.matches")
browse_pages = pages_for("patents.read")
offer_managers = pages_for("offers.declare")
PAGE = 50
TTO_KINDS = ("patents", "offers")
MAX_UPLOAD = 50 * 2**20  # an export of tens of thousands of rows; bigger files go through the CLI


def _filter_values(filters: PatentFilters, scope: str) -> dict[str, str]:
    """The facets as the form shows them again (blank: not set)."""
    values = {name: getattr(filters, name) or "" for name in ("cluster", "effect", "product", "field", "holder",
                                                              "topic")}
    return {**values, "q": filters.text, "status": filters.status.value if filters.status else "",
            "sleeping": "true" if filters.sleeping else "", "licence": "true" if filters.licence else "",
            "scope": scope}


def _browse(request: Request, user: WebUser, db: Session, template: str, filters: PatentFilters, offset: int,
            scope: str = "", **context) -> Response:  # noqa: ANN003
    """One page of GET /patents (the same function) with the facets as links and selects."""
    page = routes_patents.list_patents(filters, user.principal, db, offset, PAGE)
    values = _filter_values(filters, scope)
    path = request.url.path
    base = f"{path}?{urlencode({k: v for k, v in values.items() if v})}&"
    return render(request, user, template, page=page, filters=values, choices=facet_choices(db), path=path,
                  base=base, statuses=list(LegalStatus), **context)


@router.get("/patents")
def patents(request: Request, user: WebUser = Depends(browse_pages), db: Session = Depends(session),
            filters: PatentFilters = Depends(routes_patents.patent_filters),
            scope: str = Query("", pattern="^(own|all)?$"), offset: int = Query(0, ge=0, le=10_000_000)) -> Response:
    """Every role searches all patents; a TTO starts on its own organisation's (scope=own) and may switch."""
    scopes: tuple[str, ...] = ()
    if user.role is Role.TTO:
        scopes, scope = ("own", "all"), scope or "own"
        if scope == "own":
            filters = dataclasses.replace(filters, holder_id=user.principal.organization_id)
    return _browse(request, user, db, "patents.html", filters, offset, scope, scopes=scopes, licence_fixed=False)


@router.get("/offers")
def offers(request: Request, user: WebUser = Depends(browse_pages), db: Session = Depends(session),
           filters: PatentFilters = Depends(routes_patents.patent_filters),
           offset: int = Query(0, ge=0, le=10_000_000)) -> Response:
    """Patents with an open licence one can accept today, with the terms and (for an SME) a link to accept."""
    filters = dataclasses.replace(filters, licence=True)
    page_ids = routes_patents.list_patents(filters, user.principal, db, offset, PAGE).items
    terms = offer_terms_by_id(db, [i for p in page_ids for i in p.open_offer_ids])
    return _browse(request, user, db, "offers.html", filters, offset, scopes=(), licence_fixed=True, terms=terms,
                   may_accept=user.role is Role.SME)


def _own_patent(db: Session, user: WebUser, number: str) -> Patent:
    patent = routes_offers.patent_for_offer(db, number)
    if user.role is Role.TTO and user.principal.organization_id not in {h.organization_id for h in patent.holders}:
        raise HTTPException(403, "a TTO manages its own organisation's patents only")
    return patent


def _manages(user: WebUser, patent: Patent) -> bool:
    if user.role is Role.TTO:
        return user.principal.organization_id in {h.organization_id for h in patent.holders}
    return user.role in (Role.OPERATOR, Role.ADMIN)


def _detail(request: Request, user: WebUser, patent: Patent, values: dict | None = None, problem=None,  # noqa: ANN001
            status: int = 200, detail=None) -> Response:  # noqa: ANN001
    """The patent as GET /patents/{申请号} gives it; its managers also get the offers and the forms (patent.html).
    Shown again after a refused declaration, it is described without similar patents (the index is not asked)."""
    if detail is None:
        detail = routes_patents.describe(Session.object_session(patent), patent, (), user.principal)
    manages = _manages(user, patent)
    return render(request, user, "patent_detail.html", status=status, patent=patent, detail=detail,
                  values=values or {}, problem=problem, fee_types=list(FeeType), may_manage=manages,
                  may_accept=user.role is Role.SME,
                  may_see_licensees=manages or user.role in (Role.EVALUATOR, Role.OPERATOR, Role.ADMIN))


@router.get("/patents/{application_number}")
def patent(request: Request, application_number: str, user: WebUser = Depends(browse_pages),
           db: Session = Depends(session), page_matcher=PAGE_MATCHER) -> Response:  # noqa: ANN001
    """Readable by every role; only the patent's managers see the offer forms."""
    detail = routes_patents.get_patent(application_number, user.principal, db, page_matcher)
    return _detail(request, user, routes_offers.patent_for_offer(db, application_number), detail=detail)


@router.post("/patents/{application_number}/offers")
def declare(request: Request, application_number: str, user: WebUser = Depends(offer_managers),
            form: dict = Depends(posted), db: Session = Depends(session)) -> Response:
    patent = _own_patent(db, user, application_number)
    values = {**form, "application_number": application_number, "pledgee_consent": form.get("pledgee_consent") == "on",
              "royalty_rate": royalty_fraction(form.get("royalty_percent"))}  # the form takes percent, the API 0–1
    body, problem = parse(OfferIn, values, user.lang)
    if problem is not None and "royalty_rate" in problem.fields:  # not a number, or outside 0–100
        problem.fields["royalty_rate"] = translator(user.lang)("offer.royalty_range")
    if body is not None:
        _, problem = attempt(db, user.lang, lambda: routes_offers.declare_offer(body, user.principal, db))
    if problem is not None:
        if "royalty_rate" in problem.fields:  # shown beside the percentage field
            problem.fields["royalty_percent"] = problem.fields.pop("royalty_rate")
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
    # Who took a licence under its offers comes from the records; the matches need the index (503 in place).
    accepted = sorted((d for d in patent.transactions if d.offer_id is not None), key=lambda d: (d.signed_on, d.id))
    found, problem = attempt(db, user.lang, lambda: routes_matches.patent_matches(
        application_number, db, page_matcher(), user.principal, 10))
    return render(request, user, "licensees.html", patent=patent, found=found, problem=problem, accepted=accepted)


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
        context["index_job"] = shown_to(request.app.state.freshness.job(job_id), user.role) if job_id else None
    status = 200 if report else 422
    return render(request, user, "imports.html", status=status, file_name=name, **context)


@router.get("/imports/template/{kind}.xlsx")
def import_template(kind: str, user: WebUser = Depends(offer_managers)) -> Response:
    """An XLSX with the kind's Chinese headers and one example row (data/imports/template.py)."""
    from data.imports.template import workbook

    if kind not in _kinds(user):
        raise HTTPException(404, f"没有“{kind}”导入模板；可选：{'、'.join(_kinds(user))}")
    body = workbook(kind, holder=user.organization if user.role is Role.TTO else None)
    # The file name in Chinese for the person, ASCII for old clients (RFC 6266 filename*).
    name = quote(f"{kind}-导入模板.xlsx")
    return Response(body, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename={kind}-template.xlsx; "
                                                    f"filename*=UTF-8''{name}"})


@router.get("/imports/index/{job_id}")
def index_progress(request: Request, job_id: PathId, user: WebUser = Depends(offer_managers)) -> Response:
    """One index update's state; the page reloads itself while the update is queued or running."""
    runner = getattr(request.app.state, "freshness", None)
    return render(request, user, "index_status.html", job=shown_to(runner.job(job_id), user.role) if runner else None,
                  job_id=job_id)

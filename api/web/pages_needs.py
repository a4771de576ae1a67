"""SME pages: post and edit needs, read explained matches with filters, grade them, accept open licences."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from api import routes_matches, routes_needs, routes_offers
from api.deps import PAGE_MATCHER, PathId, session
from api.schemas import FeedbackIn, MatchPage, NeedIn, NeedPatch
from api.web.core import WebUser, attempt, pages_for, parse, posted, render
from api.web.i18n import translator
from data.enums import CooperationMode, NeedStatus, Role
from data.settings import get_settings

router = APIRouter()
need_pages = pages_for("needs.read")  # a TTO reads open needs only
need_writers = pages_for("needs.write")
licensee_pages = pages_for("offers.accept")
PAGE = 10


def _form(request: Request, user: WebUser, need=None, values: dict | None = None, problem=None,  # noqa: ANN001
          status: int = 200) -> Response:
    values = values if values is not None else ({} if need is None else {
        "title": need.title, "text": need.text, "industry": need.industry or "", "city": need.city or "",
        "province": need.province or "", "budget": need.budget or "", "deadline": need.deadline or "",
        "cooperation_modes": list(need.cooperation_modes), "status": need.status.value, "external_id": ""})
    return render(request, user, "need_form.html", status=status, need=need, values=values, problem=problem,
                  modes=list(CooperationMode), statuses=list(NeedStatus))


@router.get("/needs")
def needs(request: Request, user: WebUser = Depends(need_pages), db: Session = Depends(session),
          offset: int = Query(0, ge=0, le=1_000_000), q: str = Query("", max_length=100)) -> Response:
    if user.role is Role.TTO:  # browsing and searching the open needs (routes_needs.visible keeps it to those)
        return _tto_needs(request, user, db, q.strip(), offset)
    page = routes_needs.list_needs(user.principal, db, None, 50, offset)
    return render(request, user, "needs.html", page=page)


def _tto_needs(request: Request, user: WebUser, db: Session, q: str, offset: int) -> Response:
    from sqlalchemy import func, or_, select

    from api.schemas import NeedOut, Page
    from data.models import Need

    query = routes_needs.visible(select(Need), user.principal)
    if q:
        query = query.where(or_(*(column.contains(q, autoescape=True)  # % and _ are what was typed
                                  for column in (Need.title, Need.text, Need.industry))))
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = db.scalars(query.order_by(Need.id.desc()).offset(offset).limit(50)).all()
    page = Page[NeedOut](total=total, offset=offset, limit=50, items=[NeedOut.model_validate(n) for n in items])
    return render(request, user, "needs_tto.html", page=page, q=q)


@router.get("/needs/new")
def new_need(request: Request, user: WebUser = Depends(need_writers)) -> Response:
    return _form(request, user)


@router.post("/needs/new")
def create_need(request: Request, user: WebUser = Depends(need_writers), form: dict = Depends(posted),
                db: Session = Depends(session)) -> Response:
    form["cooperation_modes"] = _as_list(form.get("cooperation_modes"))
    body, problem = parse(NeedIn, form, user.lang)
    need = None
    if body is not None:
        need, problem = attempt(db, user.lang, lambda: routes_needs.create_need(body, user.principal, db))
    if need is None:
        return _form(request, user, values=form, problem=problem, status=problem.status)
    return RedirectResponse(f"/ui/needs/{need.id}", status_code=303)


def _as_list(value: object) -> list:
    return value if isinstance(value, list) else ([value] if value else [])


@router.get("/needs/{need_id}/edit")
def edit_need(request: Request, need_id: PathId, user: WebUser = Depends(need_writers),
              db: Session = Depends(session)) -> Response:
    return _form(request, user, need=routes_needs.writable_need(db, need_id, user.principal))


@router.post("/needs/{need_id}/edit")
def update_need(request: Request, need_id: PathId, user: WebUser = Depends(need_writers),
                form: dict = Depends(posted), db: Session = Depends(session)) -> Response:
    need = routes_needs.writable_need(db, need_id, user.principal)
    form["cooperation_modes"] = _as_list(form.get("cooperation_modes"))
    # A cleared optional field means "no value": send it as null, not as 'leave unchanged'.
    cleared = {k: None for k in ("industry", "city", "province", "budget", "deadline") if form.get(k, "") == ""}
    body, problem = parse(NeedPatch, form, user.lang)
    if body is not None:
        body = body.model_copy(update=cleared)  # copied-in fields count as set: null clears the value
        _, problem = attempt(db, user.lang, lambda: routes_needs.update_need(need_id, body, user.principal, db))
    if problem is not None:
        return _form(request, user, need=need, values=form, problem=problem, status=problem.status)
    return RedirectResponse(f"/ui/needs/{need_id}", status_code=303)


@router.get("/needs/{need_id}")
def need_matches(request: Request, need_id: PathId, user: WebUser = Depends(need_pages),
                 db: Session = Depends(session), offset: int = Query(0, ge=0, le=1_000_000),
                 cluster: str = Query("", max_length=50), region: str = Query("", max_length=50),
                 holder: str = Query("", max_length=100), sleeping_only: bool = False,
                 licence_available: bool = False, show_all: bool = Query(False, alias="all"),
                 page_matcher=PAGE_MATCHER) -> Response:  # noqa: ANN001
    need = routes_needs.get_need(db, need_id, user.principal)
    if user.role is Role.TTO:  # the need, with the TTO's own patents that match it
        from api.web.tto import own_matches

        own, problem = attempt(db, user.lang, lambda: own_matches(db, page_matcher(), need,
                                                                    user.principal.organization_id))
        return render(request, user, "need_tto.html", need=need, own=own or [], own_problem=problem)
    def matches() -> MatchPage:
        matcher = page_matcher()  # raises 503 without an index: the page shows it in place
        # Strong and medium matches only; weak ones are counted and one click away (matching/confidence.py)
        min_strength = None if show_all or matcher.calibration is None else "medium"
        return routes_matches.need_matches(need_id, user.principal, db, matcher, PAGE, offset, cluster or None,
                                           region or None, sleeping_only, licence_available, holder or None, False,
                                           min_strength)

    page, problem = attempt(db, user.lang, matches)
    filters = {"cluster": cluster, "region": region, "holder": holder, "sleeping_only": sleeping_only,
               "licence_available": licence_available, "all": show_all}
    may_edit = user.role in (Role.SME, Role.OPERATOR, Role.ADMIN)
    from matching.clusters import cluster_map

    clusters = cluster_map(get_settings().cluster_scheme).clusters
    return render(request, user, "matches.html", need=need, page=page, problem=problem, filters=filters,
                  clusters=clusters,
                  may_grade=may_edit, may_edit=may_edit, may_accept=user.role is Role.SME, page_size=PAGE)


@router.post("/needs/{need_id}/grade")
def grade(request: Request, need_id: PathId, user: WebUser = Depends(need_writers), form: dict = Depends(posted),
          db: Session = Depends(session)) -> Response:
    number = str(form.get("application_number", ""))
    body, problem = parse(FeedbackIn, form, user.lang)
    if body is not None:
        _, problem = attempt(db, user.lang, lambda: routes_matches.match_feedback(
            f"{need_id}:{number}", body, user.principal, db))
    t = translator(user.lang)
    message = problem.message if problem else t("grade.saved")
    if request.headers.get("x-requested-with") == "fetch":  # the page's script grades without reloading
        return JSONResponse({"ok": problem is None, "message": message}, status_code=problem.status if problem else 200)
    if problem is not None:
        return render(request, user, "error.html", status=problem.status, status_code=problem.status,
                      message=message)
    back = str(form.get("back", ""))
    return RedirectResponse(back if back.startswith("/ui/") else f"/ui/needs/{need_id}", status_code=303)


@router.get("/offers/{offer_id}/accept")
def confirm_licence(request: Request, offer_id: PathId, user: WebUser = Depends(licensee_pages),
                    db: Session = Depends(session)) -> Response:
    offer = routes_offers.get_offer(db, offer_id)  # the API's own lookup and 404
    return render(request, user, "accept.html", offer=offer, patent=offer.patent, licence=None, problem=None)


@router.post("/offers/{offer_id}/accept")
def accept_licence(request: Request, offer_id: PathId, user: WebUser = Depends(licensee_pages),
                   form: dict = Depends(posted), db: Session = Depends(session)) -> Response:
    licence, problem = attempt(db, user.lang, lambda: routes_offers.accept(offer_id, user.principal, db))
    offer = routes_offers.get_offer(db, offer_id)
    return render(request, user, "accept.html", status=problem.status if problem else 201, offer=offer,
                  patent=offer.patent, licence=licence, problem=problem)

"""Operator pages: target dashboard with charts, anomaly review, deal recording, challenge and match curation."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from api import routes_anomalies, routes_matches, routes_targets, routes_transactions
from api.deps import PAGE_MATCHER, PathId, allowed_roles, session
from api.routes_anomalies import ReviewIn
from api.schemas import FeedbackIn, TransactionIn, TransactionPatch
from api.web.charts import amounts_chart, groups_chart, yearly_chart
from api.web.core import Problem, WebError, WebUser, attempt, pages_for, parse, posted, render
from api.web.deal_forms import (
    EDITABLE,
    FIELD_KEYS,
    PAGE_SIZES,
    DealFilters,
    audit_rows,
    changes,
    deal_filters,
    stored,
)
from api.web.i18n import enum_text, translator
from data.deal_search import effective_date
from data.deal_search import search as search_deals
from data.enums import DealStatus, LicenseType, NeedStatus, TransactionKind
from data.models import Need, Organization, Transaction
from data.settings import get_settings
from data.targets import breakdown, by_city, by_university, confirmed_deals, in_region, load_targets

router = APIRouter()
report_pages = pages_for("web.reports")
operator_pages = pages_for("web.operations")
CURATION_PAGE = 3  # needs per page: each is a full match; three keep the page under 300 ms


def _report(user: WebUser, db: Session, region: str | None):  # noqa: ANN202
    return routes_targets.targets(user.principal, db, None, region, "json")


def _groups(db: Session, region: str | None, lang: str) -> dict[str, list]:
    deals = db.scalars(select(Transaction).options(selectinload(Transaction.patents),
                                                   selectinload(Transaction.from_org),
                                                   selectinload(Transaction.to_org))).all()
    deals = [d for d in deals if in_region(d, region)]
    excluded = confirmed_deals(db)  # the same exclusions as the target report's
    return {"kind": breakdown(deals, lambda d: enum_text(d.kind, lang), excluded),
            "university": breakdown(deals, by_university, excluded),
            "city": breakdown(deals, by_city, excluded)}


@router.get("/dashboard")
def dashboard(request: Request, user: WebUser = Depends(report_pages), db: Session = Depends(session),
              region: str = Query("", max_length=50)) -> Response:
    report = _report(user, db, region or None)
    return render(request, user, "dashboard.html", report=report, groups=_groups(db, region or None, user.lang),
                  region=region, plan=load_targets(get_settings().targets_file))


@router.get("/dashboard/targets.{fmt}")
def export(fmt: str, user: WebUser = Depends(report_pages), db: Session = Depends(session),
           region: str = Query("", max_length=50)) -> Response:
    if fmt not in ("csv", "xlsx"):
        return Response(status_code=404)
    return routes_targets.targets(user.principal, db, None, region or None, fmt)


@router.get("/dashboard/{chart}.png")
def chart(chart: str, user: WebUser = Depends(report_pages), db: Session = Depends(session),
          region: str = Query("", max_length=50)) -> Response:
    t = translator(user.lang)
    if chart == "yearly":
        png = yearly_chart(_report(user, db, region or None).years, load_targets(get_settings().targets_file),
                           user.lang)
    elif chart == "amounts":
        png = amounts_chart(_report(user, db, region or None).years, user.lang)
    elif chart in ("kind", "university", "city"):
        png = groups_chart(_groups(db, region or None, user.lang)[chart], t(f"dashboard.by_{chart}"), user.lang)
    else:
        return Response(status_code=404)
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-cache"})  # a new deal shows at once


@router.get("/anomalies")
def anomalies(request: Request, user: WebUser = Depends(report_pages), db: Session = Depends(session),
              status: str = Query("open", pattern="^(open|confirmed|dismissed|all)$"),
              scanned: int | None = Query(None, ge=0)) -> Response:
    return _anomaly_page(request, user, db, status, None, scanned)


def _anomaly_page(request: Request, user: WebUser, db: Session, status: str, problem: Problem | None,
                  scanned: int | None) -> Response:
    flags = routes_anomalies.flags(user.principal, db, None if status == "all" else status)
    flagged = select(Transaction).where(Transaction.id.in_({f.transaction_id for f in flags}))
    deals = {d.id: d for d in db.scalars(flagged.options(selectinload(Transaction.patents),
                                                         selectinload(Transaction.from_org),
                                                         selectinload(Transaction.to_org)))}
    return render(request, user, "anomalies.html", status=problem.status if problem else 200, flags=flags,
                  deals=deals, shown=status, problem=problem, scanned=scanned)


@router.post("/anomalies/scan")
def scan(user: WebUser = Depends(operator_pages), form: dict = Depends(posted), db: Session = Depends(session)):  # noqa: ANN201
    found = routes_anomalies.scan(user.principal, db)
    return RedirectResponse(f"/ui/anomalies?scanned={found.new}", status_code=303)


@router.post("/anomalies/{flag_id}/review")
def review(request: Request, flag_id: PathId, user: WebUser = Depends(operator_pages), form: dict = Depends(posted),
           db: Session = Depends(session)) -> Response:
    body, problem = parse(ReviewIn, form, user.lang)
    if body is not None:
        _, problem = attempt(db, user.lang, lambda: routes_anomalies.review(flag_id, body, user.principal, db))
    if problem is not None:
        problem.message = f"#{flag_id}: {problem.message}"
        return _anomaly_page(request, user, db, "open", problem, None)
    return RedirectResponse("/ui/anomalies", status_code=303)


def _deal_page(request: Request, user: WebUser, db: Session, values: dict, problem: Problem | None = None,
               recorded: Transaction | None = None, status: int = 200, filters: DealFilters | None = None) -> Response:
    filters = filters or DealFilters()
    found = search_deals(db, filters.query(), filters.offset, filters.limit)
    orgs = db.scalars(select(Organization).order_by(Organization.name)).all()
    values = {"idempotency": secrets.token_urlsafe(12), **values}  # a resubmitted form records the deal once
    return render(request, user, "transactions.html", status=status, found=found, filters=filters, orgs=orgs,
                  values=values, problem=problem, recorded=recorded, kinds=list(TransactionKind),
                  licence_types=list(LicenseType), statuses=list(DealStatus), sizes=PAGE_SIZES,
                  may_edit=user.role in allowed_roles("transactions.record"), effective=effective_date)


@router.get("/transactions")
def transactions(request: Request, user: WebUser = Depends(report_pages), db: Session = Depends(session),
                 filters: DealFilters = Depends(deal_filters)) -> Response:
    return _deal_page(request, user, db, {}, filters=filters)


def _org_id(db: Session, name: str) -> int | None:
    return db.scalar(select(Organization.id).where(Organization.name == name.strip()))


@router.post("/transactions")
def record(request: Request, user: WebUser = Depends(operator_pages), form: dict = Depends(posted),
           db: Session = Depends(session)) -> Response:
    t = translator(user.lang)
    values = dict(form)
    numbers = [n for n in str(form.get("application_numbers", "")).replace("，", ",").replace("\n", ",").split(",")
               if n.strip()]
    values["application_numbers"] = [n.strip() for n in numbers]
    missing = {}
    for field in ("from_org", "to_org"):
        found = _org_id(db, str(form.get(field, "")))
        if found is None:
            missing[field + "_id"] = t("deal.unknown_org")
        values[field + "_id"] = found
    values["licensee_is_sme"] = {"yes": True, "no": False}.get(str(form.get("licensee_is_sme", "")))
    body, problem = parse(TransactionIn, {k: v for k, v in values.items() if v is not None}, user.lang)
    if missing:
        problem = problem or Problem(422, t("error.fields"))
        problem.fields.update(missing)
    deal = None
    if problem is None:
        deal, problem = attempt(db, user.lang, lambda: routes_transactions.record(
            body, Response(), user.principal, db, str(form.get("idempotency", "")) or None))
    if problem is not None:
        return _deal_page(request, user, db, form, problem, status=problem.status)
    return _deal_page(request, user, db, {}, recorded=db.get(Transaction, deal.id), status=201)


def _deal(db: Session, deal_id: int, lang: str) -> Transaction:
    deal = db.scalar(select(Transaction).where(Transaction.id == deal_id).options(
        selectinload(Transaction.patents), selectinload(Transaction.from_org), selectinload(Transaction.to_org)))
    if deal is None:
        raise WebError(404, translator(lang)("deal.missing", id=deal_id))
    return deal


def _edit_page(request: Request, user: WebUser, db: Session, deal_id: int, values: dict | None = None,
               problem: Problem | None = None, form: str = "", saved: bool = False) -> Response:
    """One deal: its terms, status and effective date, the edit and cancel forms, and its audit log."""
    deal = _deal(db, deal_id, user.lang)
    shown = {name: stored(deal, name) for name in EDITABLE} | (values or {})
    entries = routes_transactions.audit(deal_id, user.principal, db)
    return render(request, user, "deal.html", status=problem.status if problem else 200, deal=deal,
                  values=shown, problem=problem, form=form, saved=saved,
                  history=audit_rows(entries, translator(user.lang), user.lang), field_keys=FIELD_KEYS,
                  effective=effective_date, may_edit=user.role in allowed_roles("transactions.record")
                  and deal.status is not DealStatus.CANCELLED)


@router.get("/transactions/{deal_id}")
def deal_page(request: Request, deal_id: PathId, user: WebUser = Depends(report_pages),
              db: Session = Depends(session), saved: bool = False) -> Response:
    return _edit_page(request, user, db, deal_id, saved=saved)


def _patch(db: Session, user: WebUser, deal_id: int, changed: dict) -> Problem | None:
    """The same route function as PATCH /transactions/{id}: the ledger's rules, the audit log, one commit."""
    _, problem = attempt(db, user.lang, lambda: routes_transactions.update(
        deal_id, TransactionPatch.model_validate(changed), user.principal, db))
    return problem


@router.post("/transactions/{deal_id}")
def edit(request: Request, deal_id: PathId, user: WebUser = Depends(operator_pages), form: dict = Depends(posted),
         db: Session = Depends(session)) -> Response:
    changed = changes(form, _deal(db, deal_id, user.lang))
    problem = _patch(db, user, deal_id, changed) if changed else None
    if problem is not None:
        return _edit_page(request, user, db, deal_id, {k: form.get(k, "") for k in EDITABLE}, problem, "edit")
    return RedirectResponse(f"/ui/transactions/{deal_id}?saved={'true' if changed else 'false'}", status_code=303)


@router.post("/transactions/{deal_id}/cancel")
def cancel(request: Request, deal_id: PathId, user: WebUser = Depends(operator_pages), form: dict = Depends(posted),
           db: Session = Depends(session)) -> Response:
    """Cancelling needs a reason; it joins the deal's note, so the record says why it no longer counts."""
    t = translator(user.lang)
    reason = str(form.get("reason", "")).strip()
    deal = _deal(db, deal_id, user.lang)
    if deal.status is DealStatus.CANCELLED:
        problem = Problem(409, t("deal.already_cancelled", id=deal_id))
    else:  # the reason is required by the rule itself (data/deals.update), as for the API
        problem = _patch(db, user, deal_id, {"status": DealStatus.CANCELLED.value, "cancel_reason": reason})
    if problem is not None:
        for name in ("cancel_reason", "note"):  # say it where the reason was typed
            if name in problem.fields:
                problem.fields.setdefault("reason", problem.fields.pop(name))
        return _edit_page(request, user, db, deal_id, {"reason": reason}, problem, "cancel")
    return RedirectResponse(f"/ui/transactions/{deal_id}?saved=true", status_code=303)


@router.get("/curation")
def curation(request: Request, user: WebUser = Depends(operator_pages), db: Session = Depends(session),
             offset: int = Query(0, ge=0, le=1_000_000), saved: int = Query(0, ge=0),
             page_matcher=PAGE_MATCHER) -> Response:  # noqa: ANN001
    needs = db.scalars(select(Need).where(Need.status == NeedStatus.OPEN).order_by(Need.id)
                       .offset(offset).limit(CURATION_PAGE)).all()
    pages, problem = [], None
    for need in needs:
        page, problem = attempt(db, user.lang, lambda need=need: routes_matches.need_matches(
            need.id, user.principal, db, page_matcher(), 5, 0, None, None, False, False, None, False))
        if problem is not None:
            break
        pages.append((need, page.items))
    return render(request, user, "curation.html", pages=pages, problem=problem, offset=offset,
                  page_size=CURATION_PAGE, saved=saved)


@router.post("/curation")
def grade_many(request: Request, user: WebUser = Depends(operator_pages), form: dict = Depends(posted),
               db: Session = Depends(session)) -> Response:
    """Grades for many matches at once: fields grade:<need id>:<申请号> with 0, 1 or 2; blanks are skipped."""
    grades = []
    for name, value in form.items():  # every grade is checked before any is stored
        if name.startswith("grade:") and value not in ("", None):
            match_id = name.removeprefix("grade:")
            body, problem = parse(FeedbackIn, {"grade": value, "reason": form.get(f"reason:{match_id}", "")},
                                  user.lang)
            if problem is not None:
                return render(request, user, "error.html", status=problem.status, status_code=problem.status,
                              message=f"{match_id}: {problem.message} {problem.fields}")
            grades.append((match_id, body))
    saved = 0
    for match_id, body in grades:
        _, problem = attempt(db, user.lang, lambda match_id=match_id, body=body: routes_matches.match_feedback(
            match_id, body, user.principal, db))
        if problem is not None:
            return render(request, user, "error.html", status=problem.status, status_code=problem.status,
                          message=f"{match_id}: {problem.message} ({saved} saved before it)")
        saved += 1
    offset = str(form.get("offset", "0"))
    return RedirectResponse(f"/ui/curation?offset={int(offset) if offset.isdigit() else 0}&saved={saved}",
                            status_code=303)

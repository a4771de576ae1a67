"""意向洽谈 and notification pages: an SME's interest form, each side's inbox, a conversation with the steps
its reader may take, the operators' view of every conversation by age, and the notices list.

Every step calls the API route (api/routes_interests.py), so a page refuses exactly what the API refuses.
"""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api import routes_interests as api
from api import routes_notifications
from api.deps import PathId, session
from api.web.core import Problem, WebUser, attempt, current_user, pages_for, parse, posted, render
from data import notifications
from data.db import session_factory
from data.enums import InterestStatus, LicenseType, NeedStatus, Role, TransactionKind
from data.models import Need, Patent

router = APIRouter()
party_pages = pages_for("interests.take_part")
sme_pages = pages_for("web.interests.new")
operator_pages = pages_for("interests.record_deal")
PAGE = 50
STEPS = {  # form action → (body, route)
    "accept": (api.TextIn, api.accept),
    "decline": (api.DeclineIn, api.decline),
    "question": (api.TextIn, api.question),
    "message": (api.TextIn, api.message),
    "withdraw": (api.TextIn, api.withdraw),
}


def unread_notices(request: Request, user: WebUser | None) -> int:
    """The navigation's unread count (a template global): one count query in a session of its own."""
    if user is None:
        return 0
    with session_factory(request.app.state.engine)() as db:
        return notifications.count(db, routes_notifications.recipient(user.principal), unread_only=True)


@router.get("/interests")
def inbox(request: Request, user: WebUser = Depends(party_pages), db: Session = Depends(session),
          status: list[InterestStatus] = Query([]), offset: int = Query(0, ge=0, le=1_000_000)) -> Response:
    # Operators watch for conversations left waiting: the oldest first.
    oldest_first = user.role in (Role.OPERATOR, Role.ADMIN)
    page = api.inbox(user.principal, db, status, oldest_first, PAGE, offset)
    query = "".join(f"status={s.value}&" for s in status)
    return render(request, user, "interests.html", page=page, chosen={s.value for s in status},
                  statuses=list(InterestStatus), oldest_first=oldest_first, base=f"/ui/interests?{query}")


def _new_form(request: Request, user: WebUser, db: Session, values: dict, problem: Problem | None = None,
              status: int = 200) -> Response:
    needs = db.scalars(select(Need).where(Need.organization_id == user.principal.organization_id,
                                          Need.status == NeedStatus.OPEN).order_by(Need.id)).all()
    number = str(values.get("application_number", ""))
    patent = db.scalar(select(Patent).where(Patent.application_number == number)) if number else None
    return render(request, user, "interest_form.html", status=status, needs=needs, patent=patent, values=values,
                  problem=problem)


@router.get("/interests/new")
def new_interest(request: Request, user: WebUser = Depends(sme_pages), db: Session = Depends(session),
                 need_id: int | None = Query(None, ge=1, le=2_147_483_647),
                 application_number: str = Query("", max_length=20)) -> Response:
    return _new_form(request, user, db, {"need_id": need_id or "", "application_number": application_number})


@router.post("/interests/new")
def express(request: Request, tasks: BackgroundTasks, user: WebUser = Depends(sme_pages),
            form: dict = Depends(posted), db: Session = Depends(session)) -> Response:
    body, problem = parse(api.InterestIn, form, user.lang)
    created = None
    if body is not None:
        created, problem = attempt(db, user.lang, lambda: api.express(body, request, tasks, user.principal, db))
    if created is None:
        return _new_form(request, user, db, form, problem, status=problem.status)
    return RedirectResponse(f"/ui/interests/{created.id}", status_code=303)


def _conversation(request: Request, user: WebUser, db: Session, interest_id: int, problem: Problem | None = None,
                  values: dict | None = None, status: int = 200) -> Response:
    found = api.read(interest_id, user.principal, db)  # the API's 404 for another organisation's
    closed = found.status in (InterestStatus.DECLINED, InterestStatus.WITHDRAWN, InterestStatus.DEAL)
    org = user.principal.organization_id
    holder = user.role is Role.ADMIN or (user.role is Role.TTO and org == found.holder_org_id)
    sme = user.role is Role.ADMIN or (user.role is Role.SME and org == found.sme_org_id)
    may = {
        "accept": holder and not closed and found.status is not InterestStatus.TALKING,
        "decline": holder and not closed, "question": holder and not closed,
        "message": sme and not closed, "withdraw": sme and not closed,
        "deal": user.role in (Role.OPERATOR, Role.ADMIN) and found.status is InterestStatus.TALKING,
    }
    deal_kinds = [k for k in TransactionKind if k in api.DEAL_KINDS]
    return render(request, user, "interest.html", status=status, interest=found, may=may, problem=problem,
                  values=values or {}, deal_kinds=deal_kinds, licence_types=list(LicenseType))


@router.get("/interests/{interest_id}")
def conversation(request: Request, interest_id: PathId, user: WebUser = Depends(party_pages),
                 db: Session = Depends(session)) -> Response:
    return _conversation(request, user, db, interest_id)


@router.post("/interests/{interest_id}/deal")
def deal(request: Request, interest_id: PathId, tasks: BackgroundTasks, user: WebUser = Depends(operator_pages),
         form: dict = Depends(posted), db: Session = Depends(session)) -> Response:
    body, problem = parse(api.InterestDealIn, form, user.lang)
    if body is not None:
        _, problem = attempt(db, user.lang, lambda: api.deal(interest_id, body, request, tasks, user.principal, db))
    if problem is not None:
        return _conversation(request, user, db, interest_id, problem, form, status=problem.status)
    return RedirectResponse(f"/ui/interests/{interest_id}", status_code=303)


@router.post("/interests/{interest_id}/{action}")
def step(request: Request, interest_id: PathId, action: str, tasks: BackgroundTasks,
         user: WebUser = Depends(party_pages), form: dict = Depends(posted),
         db: Session = Depends(session)) -> Response:
    if action not in STEPS:
        return _conversation(request, user, db, interest_id, Problem(404, action), status=404)
    model, call = STEPS[action]
    body, problem = parse(model, form, user.lang)
    if body is not None:
        _, problem = attempt(db, user.lang, lambda: call(interest_id=interest_id, body=body, request=request,
                                                         tasks=tasks, who=user.principal, db=db))
    if problem is not None:
        return _conversation(request, user, db, interest_id, problem, form, status=problem.status)
    return RedirectResponse(f"/ui/interests/{interest_id}", status_code=303)


@router.get("/notifications")
def notices(request: Request, user: WebUser = Depends(current_user), db: Session = Depends(session),
            offset: int = Query(0, ge=0, le=1_000_000)) -> Response:
    page = routes_notifications.listing(user.principal, db, PAGE, offset)
    return render(request, user, "notifications.html", page=page)


@router.post("/notifications/read-all")
def read_all(user: WebUser = Depends(current_user), form: dict = Depends(posted),
             db: Session = Depends(session)) -> Response:
    routes_notifications.read_all(user.principal, db)
    return RedirectResponse("/ui/notifications", status_code=303)


@router.post("/notifications/{notice_id}/read")
def read(notice_id: PathId, user: WebUser = Depends(current_user), form: dict = Depends(posted),
         db: Session = Depends(session)) -> Response:
    notice = routes_notifications.read(notice_id, user.principal, db)  # another's notice: the API's 404 page
    target = notice.link if notice.link.startswith("/ui/") and form.get("open") else "/ui/notifications"
    return RedirectResponse(target, status_code=303)

"""揭榜挂帅 pages: publish, browse, apply (TTOs), and move a challenge through its state machine."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api import routes_challenges as api
from api.deps import PAGE_MATCHER, PathId, session
from api.routes_needs import visible
from api.schemas import ApplicationIn, AwardIn, ChallengeIn, NoteIn, ShortlistIn
from api.web.core import Problem, WebError, WebUser, attempt, current_user, pages_for, parse, posted, render
from api.web.i18n import translator
from data.enums import ChallengeState, NeedStatus, Role
from data.models import Need, Patent, PatentHolder

router = APIRouter()
publisher_pages = pages_for("challenges.publish")
team_pages = pages_for("challenges.apply")
ACTIONS = {  # form action → (body, API call)
    "shortlist": (ShortlistIn, api.shortlist_applications),
    "award": (AwardIn, api.award_application),
    "complete": (NoteIn, api.complete),
}  # cancelling has its own confirmation step below


@router.get("/challenges")
def challenges(request: Request, user: WebUser = Depends(current_user), db: Session = Depends(session),
               state: ChallengeState | None = None, q: str = Query("", max_length=100)) -> Response:
    rows = api.list_challenges(user.principal, db, state)
    if q.strip():  # search the title and the conditions (a TTO looking for challenges it can take on)
        rows = [c for c in rows if q.strip() in c.title or q.strip() in c.conditions]
    return render(request, user, "challenges.html", rows=rows, state=state.value if state else "", q=q,
                  states=list(ChallengeState), may_publish=user.role in (Role.SME, Role.OPERATOR, Role.ADMIN))


def _publish_form(request: Request, user: WebUser, db: Session, values: dict, problem: Problem | None,
                  status: int = 200) -> Response:
    needs = db.scalars(visible(select(Need), user.principal).where(Need.status == NeedStatus.OPEN,
                                                                   ~Need.challenge.has()).order_by(Need.id)).all()
    return render(request, user, "challenge_form.html", status=status, needs=needs, values=values, problem=problem)


@router.get("/challenges/new")
def new_challenge(request: Request, user: WebUser = Depends(publisher_pages), db: Session = Depends(session),
                  need_id: int | None = None) -> Response:
    return _publish_form(request, user, db, {"need_id": need_id or ""}, None)


@router.post("/challenges/new")
def publish(request: Request, user: WebUser = Depends(publisher_pages), form: dict = Depends(posted),
            db: Session = Depends(session)) -> Response:
    body, problem = parse(ChallengeIn, form, user.lang)
    created = None
    if body is not None:
        created, problem = attempt(db, user.lang, lambda: api.publish(body, user.principal, db))
    if created is None:
        return _publish_form(request, user, db, form, problem, status=problem.status)
    return RedirectResponse(f"/ui/challenges/{created.id}", status_code=303)


def _page(request: Request, user: WebUser, db: Session, challenge_id: int, problem: Problem | None = None,
          values: dict | None = None, solvers: list | None = None, status: int = 200,
          page_matcher=None) -> Response:  # noqa: ANN001
    challenge = api.read_challenge(challenge_id, user.principal, db)
    managed = api.load_challenge(db, challenge_id)
    is_publisher = user.role in (Role.OPERATOR, Role.ADMIN) or (
        user.role is Role.SME and managed.need.organization_id == user.principal.organization_id)
    events, _ = attempt(db, user.lang, lambda: api.events(challenge_id, user.principal, db))
    own_patents, own, own_problem = [], None, None
    if user.role is Role.TTO:
        own_patents = db.scalars(select(Patent).join(PatentHolder).where(
            PatentHolder.organization_id == user.principal.organization_id).order_by(Patent.application_number)).all()
        if page_matcher is not None:  # the TTO's own patents that match the challenge's need
            from api.web.tto import own_matches

            own, own_problem = attempt(db, user.lang, lambda: own_matches(db, page_matcher(), managed.need,
                                                                          user.principal.organization_id))
    from data.challenges import TRANSITIONS

    return render(request, user, "challenge.html", status=status, challenge=challenge, events=events or [],
                  next_states={s.value for s in TRANSITIONS[challenge.state]},
                  is_publisher=is_publisher, own_patents=own_patents, problem=problem, values=values or {},
                  solvers=solvers, own=own, own_problem=own_problem)


@router.get("/challenges/{challenge_id}")
def challenge(request: Request, challenge_id: PathId, user: WebUser = Depends(current_user),
              db: Session = Depends(session), solvers: bool = False,
              page_matcher=PAGE_MATCHER) -> Response:  # noqa: ANN001
    teams = api.solvers(challenge_id, user.principal, db, page_matcher(), 10) if solvers else None
    return _page(request, user, db, challenge_id, solvers=teams, page_matcher=page_matcher)


@router.post("/challenges/{challenge_id}/apply")
def apply(request: Request, challenge_id: PathId, user: WebUser = Depends(team_pages), form: dict = Depends(posted),
          db: Session = Depends(session)) -> Response:
    numbers = form.get("application_numbers", [])
    form["application_numbers"] = numbers if isinstance(numbers, list) else [numbers]
    body, problem = parse(ApplicationIn, form, user.lang)
    if body is not None:
        _, problem = attempt(db, user.lang, lambda: api.submit(challenge_id, body, user.principal, db))
    if problem is not None:
        return _page(request, user, db, challenge_id, problem, form, status=problem.status)
    return RedirectResponse(f"/ui/challenges/{challenge_id}", status_code=303)


def _cancel_page(request: Request, user: WebUser, db: Session, challenge_id: int, reason: str = "",
                 problem: Problem | None = None) -> Response:
    from data.challenges import TRANSITIONS

    managed = api.load_challenge(db, challenge_id)
    if user.role is Role.SME and managed.need.organization_id != user.principal.organization_id:
        raise WebError(403, translator(user.lang)("error.role"))  # only its publisher or an operator cancels
    return render(request, user, "challenge_cancel.html", status=problem.status if problem else 200,
                  challenge=api.read_challenge(challenge_id, user.principal, db), values={"note": reason},
                  problem=problem, may_cancel=ChallengeState.CANCELLED in TRANSITIONS[managed.state])


@router.get("/challenges/{challenge_id}/cancel")
def confirm_cancel(request: Request, challenge_id: PathId, user: WebUser = Depends(publisher_pages),
                   db: Session = Depends(session)) -> Response:
    """撤榜 asks first: what it means, and why (the reason goes into the challenge's state log)."""
    return _cancel_page(request, user, db, challenge_id)


@router.post("/challenges/{challenge_id}/cancel")
def cancel(request: Request, challenge_id: PathId, user: WebUser = Depends(publisher_pages),
           form: dict = Depends(posted), db: Session = Depends(session)) -> Response:
    reason = str(form.get("note", "")).strip()
    if not reason:
        t = translator(user.lang)
        return _cancel_page(request, user, db, challenge_id, "",
                            Problem(422, t("error.fields"), {"note": t("challenge.reason_required")}))
    body, problem = parse(NoteIn, {"note": reason}, user.lang)
    if body is not None:
        _, problem = attempt(db, user.lang, lambda: api.cancel(challenge_id, body, user.principal, db))
    if problem is not None:
        return _cancel_page(request, user, db, challenge_id, reason, problem)
    return RedirectResponse(f"/ui/challenges/{challenge_id}", status_code=303)


@router.post("/challenges/{challenge_id}/{action}")
def change(request: Request, challenge_id: PathId, action: str, user: WebUser = Depends(publisher_pages),
           form: dict = Depends(posted), db: Session = Depends(session)) -> Response:
    if action not in ACTIONS:
        return _page(request, user, db, challenge_id, Problem(404, action), status=404)
    model, call = ACTIONS[action]
    ids = form.get("application_ids", [])
    form["application_ids"] = ids if isinstance(ids, list) else [ids]
    body, problem = parse(model, form, user.lang)
    if body is not None:
        _, problem = attempt(db, user.lang, lambda: call(challenge_id, body, user.principal, db))
    if problem is not None:
        return _page(request, user, db, challenge_id, problem, form, status=problem.status)
    return RedirectResponse(f"/ui/challenges/{challenge_id}", status_code=303)

"""Sign-in, sign-out, the language toggle and the home page (what the platform holds)."""

from __future__ import annotations

import hmac
import secrets

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from api.deps import session
from api.web.core import WebUser, current_user, language, posted, render
from api.web.i18n import LANG_COOKIE, translator
from api.web.sessions import COOKIE, LIFETIME, close_session, open_session
from data.enums import ChallengeState, LegalStatus, NeedStatus, OfferStatus
from data.models import Challenge, LicenseOffer, Need, Patent, Transaction

router = APIRouter()
PRE_COOKIE = "pm_signin"  # double-submit token for the sign-in form itself (login CSRF)


def _safe_next(target: str | None) -> str:
    # Only our own pages: an open redirect would let a link send someone elsewhere after signing in.
    return target if target and target.startswith("/ui/") and not target.startswith("//") else "/ui/"


def _cookie_flags(request: Request) -> dict:
    return {"httponly": True, "samesite": "lax", "secure": request.url.scheme == "https", "path": "/"}


@router.get("/signin")
def signin_form(request: Request, next: str | None = None) -> Response:  # noqa: A002 (the query parameter)
    token = secrets.token_urlsafe(16)
    response = render(request, None, "signin.html", next=_safe_next(next), form_token=token, error=None)
    response.set_cookie(PRE_COOKIE, token, max_age=1800, **_cookie_flags(request))
    return response


@router.post("/signin")
async def signin(request: Request, db: Session = Depends(session)) -> Response:
    form = await request.form()
    t = translator(language(request))
    target = _safe_next(str(form.get("next", "")))
    expected = request.cookies.get(PRE_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(), str(form.get("form_token", "")).encode()):
        return render(request, None, "signin.html", status=403, next=target, form_token=expected,
                      error=t("error.csrf"))
    token = open_session(db, str(form.get("key", "")))
    if token is None:
        return render(request, None, "signin.html", status=401, next=target, form_token=expected,
                      error=t("signin.invalid"))
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(COOKIE, token, max_age=int(LIFETIME.total_seconds()), **_cookie_flags(request))
    response.delete_cookie(PRE_COOKIE, path="/")
    return response


@router.post("/signout")
def signout(request: Request, form: dict = Depends(posted), db: Session = Depends(session)) -> Response:
    close_session(db, request.cookies.get(COOKIE, ""))
    response = RedirectResponse("/ui/signin", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/lang/{lang}")
def switch_language(lang: str, next: str | None = None) -> Response:  # noqa: A002
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(LANG_COOKIE, "en" if lang == "en" else "zh", max_age=365 * 86400, samesite="lax", path="/")
    return response


@router.get("/")
def home(request: Request, user: WebUser = Depends(current_user), db: Session = Depends(session)) -> Response:
    def count(query) -> int:  # noqa: ANN001
        return db.scalar(select(func.count()).select_from(query.subquery())) or 0

    figures = {
        "sleeping": count(select(Patent.id).where(Patent.is_sleeping)),
        "valid": count(select(Patent.id).where(Patent.legal_status == LegalStatus.VALID)),
        "offers": count(select(LicenseOffer.id).where(LicenseOffer.status == OfferStatus.ACTIVE)),
        "needs": count(select(Need.id).where(Need.status == NeedStatus.OPEN)),
        "challenges": count(select(Challenge.id).where(Challenge.state.in_(
            (ChallengeState.PUBLISHED, ChallengeState.SHORTLISTED)))),
    }
    challenges = db.scalars(select(Challenge).where(Challenge.state.in_(
        (ChallengeState.PUBLISHED, ChallengeState.SHORTLISTED))).options(selectinload(Challenge.need))
        .order_by(Challenge.deadline).limit(5)).all()
    deals = db.scalars(select(Transaction).options(
        selectinload(Transaction.patents), selectinload(Transaction.from_org), selectinload(Transaction.to_org))
        .order_by(Transaction.signed_on.desc(), Transaction.id.desc()).limit(8)).all()
    return render(request, user, "home.html", figures=figures, challenges=challenges, deals=deals)

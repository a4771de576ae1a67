"""What every page needs: templates, the signed-in user, role gates, CSRF, and service errors as messages.

Pages call the API's own route functions, so a page can do exactly what the same key could do over
HTTP and nothing more: the permission checks are the API's, not a second copy that could drift.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from api.auth import Principal
from api.deps import session
from api.web.i18n import LANG_COOKIE, enum_text, field_message, translator
from api.web.sessions import COOKIE, find_session
from data.enums import Role
from data.models import Organization

HERE = Path(__file__).parent
T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


@lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    # Starlette turns autoescaping on for every template; user text is never trusted as markup.
    found = Jinja2Templates(directory=HERE / "templates")
    found.env.globals["enum_text"] = enum_text
    found.env.filters["money"] = money
    return found


def money(value: object) -> str:
    """Yuan with thousands separators and two decimals; a dash for no amount."""
    if value in (None, ""):
        return "—"
    return f"{float(value):,.2f}"


class SignInRequired(Exception):
    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


class WebError(Exception):
    """A page-level refusal shown to the person as a readable message with its status code."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class WebUser:
    principal: Principal
    organization: str | None
    csrf: str
    lang: str

    @property
    def role(self) -> Role:
        return self.principal.role


def language(request: Request) -> str:
    return "en" if request.cookies.get(LANG_COOKIE) == "en" else "zh"


def current_user(request: Request, db: Session = Depends(session)) -> WebUser:
    token = request.cookies.get(COOKIE)
    found = find_session(db, token) if token else None
    if found is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target if request.method == "GET" else "/ui/")
    web_session, who = found
    org = db.get(Organization, who.organization_id) if who.organization_id else None
    return WebUser(who, org.name if org else None, web_session.csrf_token, language(request))


def pages_for(*roles: Role) -> Callable[..., WebUser]:
    """A dependency that lets only these roles reach a page (admin always); others get a 403 page."""
    allowed = {*roles, Role.ADMIN}

    def check(user: WebUser = Depends(current_user)) -> WebUser:
        if user.role not in allowed:
            raise WebError(403, translator(user.lang)("error.role"))
        return user

    return check


async def posted(request: Request, user: WebUser = Depends(current_user)) -> dict[str, Any]:
    """The submitted form, once its CSRF token matches the session's (a forged form gets 403)."""
    form = await request.form()
    if not hmac.compare_digest(str(form.get("csrf", "")).encode(), user.csrf.encode()):  # bytes: any input
        raise WebError(403, translator(user.lang)("error.csrf"))
    values: dict[str, Any] = {}
    for name in form:
        items = form.getlist(name)
        values[name] = items if len(items) > 1 or name.endswith("[]") else items[0]
    return {name.removesuffix("[]"): value for name, value in values.items()}


@dataclass
class Problem:
    """Why an action did not happen: a message, per-field messages, and for refusals the legal rules."""

    status: int
    message: str
    fields: dict[str, str] = field(default_factory=dict)
    refusals: list[dict[str, str]] = field(default_factory=list)


def _field_errors(errors: list[dict], lang: str) -> Problem:
    fields: dict[str, str] = {}
    for error in errors:
        path = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path")]
        fields.setdefault(path[0] if path else "", field_message(error, lang))
    return Problem(422, translator(lang)("error.fields"), fields)


def attempt(db: Session, lang: str, action: Callable[[], T]) -> tuple[T | None, Problem | None]:
    """Run a service call; its refusal becomes a Problem and whatever it left uncommitted is rolled back."""
    try:
        result = action()
    except HTTPException as exc:
        db.rollback()
        return None, Problem(exc.status_code, str(exc.detail), dict(getattr(exc, "fields", {})))
    except (RequestValidationError, ValidationError) as exc:
        db.rollback()
        return None, _field_errors(list(exc.errors()), lang)
    if isinstance(result, JSONResponse) and result.status_code >= 400:  # refusals with their rules
        body = json.loads(bytes(result.body))
        return None, Problem(result.status_code, body.get("detail", ""), refusals=body.get("refusals", []))
    return result, None


def parse(model: type[M], values: dict[str, Any], lang: str) -> tuple[M | None, Problem | None]:
    """A request body from form fields: blank fields are left out, so defaults and 'required' apply."""
    cleaned = {k: v for k, v in values.items() if k in model.model_fields and v not in ("", None, [])}
    try:
        return model.model_validate(cleaned), None
    except ValidationError as exc:
        return None, _field_errors(list(exc.errors()), lang)


def render(request: Request, user: WebUser | None, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    lang = user.lang if user else language(request)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return templates().TemplateResponse(request, template, {"user": user, "lang": lang, "t": translator(lang),
                                                        "here": quote(here, safe="/?=&"), **context},
                                        status_code=status)

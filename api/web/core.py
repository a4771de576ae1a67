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
from urllib.parse import parse_qsl, quote

from fastapi import Depends, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from api.auth import Principal
from api.deps import allowed_roles, session
from api.messages import localize
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


def pages_for(*gates: str | Role) -> Callable[..., WebUser]:
    """A dependency that lets only the roles of an action reach a page (admin always), e.g. pages_for("needs.write"):
    the permission table of api/permissions.py, which the API's `require` reads too. Others get a 403 page."""
    allowed = allowed_roles(*gates)

    def check(user: WebUser = Depends(current_user)) -> WebUser:
        if user.role not in allowed:
            raise WebError(403, translator(user.lang)("error.role"))
        return user

    return check


async def posted(request: Request, user: WebUser = Depends(current_user)) -> dict[str, Any]:
    """The submitted form, once its CSRF token matches the session's (a forged form gets 403).

    A plain form is read here without Starlette's 1 MB part limit (a long document pasted into a need), so the
    page re-renders it with what was typed and the schema's length rule in Chinese instead of a bare English
    400; only a body over WEB_FORM_LIMIT is refused outright, with a Chinese page."""
    t = translator(user.lang)
    too_large = WebError(413, t("error.too_large", limit=f"{WEB_FORM_LIMIT // 2**20} MB"))
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        body = await _bounded_body(request)
        if body is None:
            raise too_large
        pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    else:  # multipart (file uploads): Starlette's parser and its limits
        try:
            form = await request.form()
        except HTTPException:
            raise too_large from None
        pairs = [(name, item) for name in form for item in form.getlist(name)]
    if not hmac.compare_digest(str(dict(pairs).get("csrf", "")).encode(), user.csrf.encode()):  # bytes: any input
        raise WebError(403, t("error.csrf"))
    values: dict[str, Any] = {}
    for name, item in pairs:
        values.setdefault(name, []).append(item)
    return {name.removesuffix("[]"): items if len(items) > 1 or name.endswith("[]") else items[0]
            for name, items in values.items()}


WEB_FORM_LIMIT = 16 * 2**20  # bytes of a urlencoded form; Starlette's 1 MB part limit is not applied to it


async def _bounded_body(request: Request) -> bytes | None:
    """The request body, or None once it passes WEB_FORM_LIMIT (read no further)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > WEB_FORM_LIMIT:
            return None
        chunks.append(chunk)
    request._body = b"".join(chunks)  # noqa: SLF001 (so a later request.form() or body() still works)
    return request._body  # noqa: SLF001


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
        fields = {name: localize(str(text), lang) for name, text in getattr(exc, "fields", {}).items()}
        return None, Problem(exc.status_code, localize(str(exc.detail), lang), fields)  # api/messages.py
    except (RequestValidationError, ValidationError) as exc:
        db.rollback()
        return None, _field_errors(list(exc.errors()), lang)
    if isinstance(result, JSONResponse) and result.status_code >= 400:  # refusals with their rules
        body = json.loads(bytes(result.body))
        return None, Problem(result.status_code, localize(body.get("detail", ""), lang),
                             refusals=body.get("refusals", []))
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

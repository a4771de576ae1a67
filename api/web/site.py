"""Mounting the web interface on the API app: static files, page routers and person-readable errors."""

from __future__ import annotations

import logging

from fastapi import FastAPI, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.web.core import HERE, SignInRequired, WebError, language, render
from api.web.i18n import translator

logger = logging.getLogger(__name__)
PREFIX = "/ui"


def _is_page(request: Request) -> bool:
    return request.url.path == PREFIX or request.url.path.startswith(PREFIX + "/")


def _error_page(request: Request, status: int, message: str) -> Response:
    return render(request, None, "error.html", status=status, status_code=status, message=message)


def mount(app: FastAPI) -> None:
    from api.web import pages_challenges, pages_eval, pages_home, pages_needs, pages_operator, pages_patents

    app.mount(f"{PREFIX}/static", StaticFiles(directory=HERE / "static"), name="web-static")
    for module in (pages_home, pages_needs, pages_patents, pages_challenges, pages_operator, pages_eval):
        app.include_router(module.router, prefix=PREFIX, include_in_schema=False)
    from api.web import pages_enterprise, pages_ledger

    for module in (pages_enterprise, pages_ledger):
        app.include_router(module.router, prefix=PREFIX, include_in_schema=False)
    from api.web import pages_help, pages_interests, pages_navigation
    from api.web.core import templates

    app.include_router(pages_interests.router, prefix=PREFIX, include_in_schema=False)
    app.include_router(pages_help.router, prefix=PREFIX, include_in_schema=False)  # 帮助: the user guide
    app.include_router(pages_navigation.router, prefix=PREFIX, include_in_schema=False)  # 专利导航
    from api.web import pages_programmes

    app.include_router(pages_programmes.router, prefix=PREFIX, include_in_schema=False)  # 培育项目
    templates().env.globals["unread_notices"] = pages_interests.unread_notices  # the navigation's count

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse(f"{PREFIX}/", status_code=307)

    @app.exception_handler(SignInRequired)
    def sign_in(request: Request, exc: SignInRequired) -> Response:
        return RedirectResponse(f"{PREFIX}/signin?next={exc.next_url}", status_code=303)

    @app.exception_handler(WebError)
    def web_error(request: Request, exc: WebError) -> Response:
        return _error_page(request, exc.status, exc.message)

    # The API keeps FastAPI's JSON errors; pages get the same errors as readable pages.
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if _is_page(request):
            return _error_page(request, exc.status_code, str(exc.detail))
        return await http_exception_handler(request, exc)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        if _is_page(request):
            where = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            return _error_page(request, 422, where)
        return await request_validation_exception_handler(request, exc)

    @app.exception_handler(Exception)
    def server_error(request: Request, exc: Exception) -> Response:
        # Never a stack trace for the person; the log keeps it for the operator.
        logger.exception("unhandled error on %s", request.url.path)
        if _is_page(request):
            return _error_page(request, 500, translator(language(request))("error.server"))
        from fastapi.responses import JSONResponse

        return JSONResponse(status_code=500, content={"detail": "internal error; see the server log"})

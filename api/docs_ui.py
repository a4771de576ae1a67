"""The API's documentation pages, /docs (Swagger UI) and /redoc (ReDoc), with every asset served by this
process: FastAPI's defaults load them from a CDN, so on the offline machines the platform is meant for
both pages stayed blank (issue 22).

The assets come from the `fastapi-standalone-docs` package (MIT), a dependency installed from PyPI, so
this repository redistributes none of them. It ships Swagger UI 5's bundle (Apache-2.0, its LICENSE
beside it), ReDoc 2's standalone bundle (MIT; the notices of the libraries it bundles beside it) and
FastAPI's favicon (MIT) as plain files. Only those files are used: its `StandaloneDocs` helper patches
FastAPI module-wide, whereas these routes say what they serve. swagger-ui-bundle on PyPI was not taken:
it carries Swagger UI 4, which cannot read the OpenAPI 3.1 schema FastAPI writes.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(str(files("fastapi_standalone_docs") / "static"))  # swagger/, redoc/, fastapi/ (the favicon)
PREFIX = "/docs-assets"


def attach(app: FastAPI) -> None:
    """/docs, /redoc and their assets under /docs-assets; create the app with docs_url=redoc_url=None."""
    app.mount(PREFIX, StaticFiles(directory=ASSETS), name="docs-assets")

    def base(request: Request) -> str:
        return request.scope.get("root_path", "").rstrip("/")  # behind a proxy that serves us under a path

    @app.get("/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        root = base(request)
        return get_swagger_ui_html(
            openapi_url=root + app.openapi_url, title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{PREFIX}/swagger/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{PREFIX}/swagger/swagger-ui.css",
            swagger_favicon_url=f"{root}{PREFIX}/fastapi/favicon.png",
            # Swagger UI would otherwise send the schema's address to validator.swagger.io for a badge.
            swagger_ui_parameters={"validatorUrl": None})

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        root = base(request)
        return get_redoc_html(openapi_url=root + app.openapi_url, title=f"{app.title} - ReDoc",
                              redoc_js_url=f"{root}{PREFIX}/redoc/redoc.standalone.js",
                              redoc_favicon_url=f"{root}{PREFIX}/fastapi/favicon.png", with_google_fonts=False)

    @app.get("/redoc/logo-mini.svg", include_in_schema=False)
    def redoc_logo() -> FileResponse:
        # The packaged bundle asks for its "powered by" logo beside the page instead of on redoc.ly.
        return FileResponse(ASSETS / "redoc" / "logo-mini.svg", media_type="image/svg+xml")

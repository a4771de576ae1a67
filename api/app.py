"""The HTTP API (`patent-match serve`): FastAPI over the same storage, index and matcher as the CLI."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from api.schemas import Error


class Health(BaseModel):
    status: str


def create_app(engine: Engine | None = None) -> FastAPI:
    """An app bound to `engine` (default: the configured database, migrated on first use)."""
    from api import (
        routes_anomalies,
        routes_challenges,
        routes_matches,
        routes_needs,
        routes_offers,
        routes_targets,
        routes_transactions,
    )
    from data.db import make_engine, upgrade
    from data.settings import get_settings

    if engine is None:
        engine = make_engine(get_settings().resolved_database_url)
    upgrade(engine)
    app = FastAPI(title="patent-match · 专利供需对接平台", version="0.1.0",
                  description="Needs, matches and feedback for 供需对接; keys from `patent-match keys create`.",
                  responses={401: {"model": Error, "description": "Missing or invalid API key."},
                             409: {"model": Error, "description": "Conflicts with stored data."}})
    app.state.engine, app.state.matcher = engine, None
    app.include_router(routes_needs.router)
    app.include_router(routes_matches.router)
    app.include_router(routes_offers.router)
    app.include_router(routes_challenges.router)
    app.include_router(routes_transactions.router)
    app.include_router(routes_targets.router)
    app.include_router(routes_anomalies.router)

    from api.web.site import mount

    mount(app)  # the web interface (/ui) over the same routes; registered after them so API errors stay JSON

    @app.exception_handler(IntegrityError)
    def conflict(request: Request, exc: IntegrityError) -> JSONResponse:
        # A uniqueness or reference rule of the database, e.g. a pair already marked related: the
        # request conflicts with stored data; it is not a server error.
        rule = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)  # PostgreSQL names it
        detail = "conflicts with stored data (a record like this exists, or a reference is missing)"
        return JSONResponse(status_code=409, content={"detail": f"{detail}: {rule}" if rule else detail})

    @app.get("/health", tags=["service"], response_model=Health)
    def health() -> Health:
        return Health(status="ok")

    return app

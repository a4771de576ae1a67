"""The HTTP API (`patent-match serve`): FastAPI over the same storage, index and matcher as the CLI."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from api.schemas import Error


class Health(BaseModel):
    status: str
    index_built_at: str | None = Field(None, description="When the search index was built; None: no index.")
    index_updated_at: str | None = Field(None, description="Its last incremental update.")
    index_missing: int | None = Field(None, description="Patents in the database not in the index yet.")
    index_changed: int | None = Field(None, description="Indexed patents whose text changed since.")
    index_stale: bool | None = Field(None, description="Either is non-zero; None: not measured yet (started now).")
    index_update: str = Field("idle", description="The latest background update: idle, queued, running, done, "
                                                  "failed (GET /index/status has its progress).")
    index_serving: str | None = Field(None, description="The index this process matches against (its updated_at, "
                                      "else built_at); it follows index_updated_at within `index_watch_seconds` "
                                      "and a load. None: none loaded yet.")
    index_reload: str = Field("ok", description="ok, or failed: a newer index on disk did not load and the "
                                                "previous one is still served (the server's log says why).")


def create_app(engine: Engine | None = None) -> FastAPI:
    """An app bound to `engine` (default: the configured database, migrated on first use)."""
    from api import (
        routes_anomalies,
        routes_challenges,
        routes_enterprise,
        routes_ledger,
        routes_matches,
        routes_needs,
        routes_offers,
        routes_orgs,
        routes_patents,
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
                             409: {"model": Error, "description": "Conflicts with stored data."}},
                  docs_url=None, redoc_url=None)  # served by api/docs_ui.py, with no CDN
    app.state.engine, app.state.matcher = engine, None
    from api import docs_ui

    docs_ui.attach(app)
    from api import freshness, index_watch, messages

    freshness.attach(app)  # imports schedule index updates in the background (api/freshness.py)
    app.include_router(freshness.router)
    app.include_router(routes_needs.router)
    app.include_router(routes_matches.router)
    app.include_router(routes_offers.router)
    app.include_router(routes_challenges.router)
    app.include_router(routes_transactions.router)
    app.include_router(routes_targets.router)
    app.include_router(routes_anomalies.router)
    app.include_router(routes_enterprise.router)
    app.include_router(routes_ledger.router)
    app.include_router(routes_patents.router)
    app.include_router(routes_orgs.router)
    from api import routes_programmes

    app.include_router(routes_programmes.router)
    from api import routes_interests, routes_navigation, routes_notifications

    app.include_router(routes_interests.router)
    app.include_router(routes_notifications.router)
    app.include_router(routes_navigation.router)  # 专利导航

    from api.web.site import mount

    mount(app)  # the web interface (/ui) over the same routes; registered after them so API errors stay JSON

    @app.exception_handler(IntegrityError)
    def conflict(request: Request, exc: IntegrityError) -> JSONResponse:
        # A uniqueness or reference rule of the database, e.g. a pair already marked related: the
        # request conflicts with stored data; it is not a server error.
        rule = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)  # PostgreSQL names it
        lang = messages.request_language(request)
        detail = messages.msg("db.conflict_rule", lang, rule=rule) if rule else messages.msg("db.conflict", lang)
        return JSONResponse(status_code=409, content={"detail": detail})

    messages.install(app)  # every refusal in the request's language (Accept-Language; zh by default)

    @app.get("/health", tags=["service"], response_model=Health, summary="Service health")
    def health() -> Health:
        """Liveness and the search index's freshness: when it was built and updated, and how many patents it lags."""
        found, served = freshness.index_status(app), index_watch.served(app)
        lag = found.staleness
        return Health(status="ok", index_built_at=found.built_at, index_updated_at=found.updated_at,
                      index_missing=lag.missing if lag else None, index_changed=lag.changed if lag else None,
                      index_stale=bool(lag.pending) if lag else None, index_update=found.state,
                      index_serving=served.serving, index_reload=served.reload)

    return app

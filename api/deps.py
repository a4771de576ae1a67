"""Request dependencies: a database session per request, the caller's key, role checks, the matcher."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api.auth import Principal, authenticate
from data.db import session_factory
from data.enums import Role

bearer = HTTPBearer(auto_error=False, description="An API key from `patent-match keys create`.")


def session(request: Request) -> Iterator[Session]:
    """A session per request. Routes that write commit before they return, so a 2xx answer means the
    change is stored; whatever a failing route left uncommitted is rolled back when the session closes."""
    db = session_factory(request.app.state.engine)()
    try:
        yield db
    finally:
        db.close()


def principal(credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
              db: Session = Depends(session)) -> Principal:
    found = authenticate(db, credentials.credentials) if credentials else None
    if found is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a valid API key is required (Authorization: Bearer …)",
                            headers={"WWW-Authenticate": "Bearer"})
    return found


def require(*roles: Role):  # noqa: ANN201
    """A dependency that lets only these roles through (admin always)."""
    allowed = {*roles, Role.ADMIN}

    def check(who: Principal = Depends(principal)) -> Principal:
        if who.role not in allowed:
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                f"role {who.role.value} may not do this; allowed: {', '.join(sorted(allowed))}")
        return who

    return check


def matcher(request: Request):  # noqa: ANN201
    """The need → patent matcher, loaded once per process on first use."""
    from api.cli_match import load_matcher
    from indexer.manifest import IndexMismatch

    if getattr(request.app.state, "matcher", None) is None:
        try:
            request.app.state.matcher = load_matcher(request.app.state.engine)
        except IndexMismatch as exc:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"the search index is not ready: {exc}") from None
    return request.app.state.matcher

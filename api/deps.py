"""Request dependencies: a database session per request, the caller's key, role checks, the matcher."""

from __future__ import annotations

import dataclasses
import functools
import gc
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, HTTPException, Path, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api.auth import Principal, authenticate
from data.db import session_factory
from data.enums import Role

if TYPE_CHECKING:
    from matching.matcher import NeedMatcher

MAX_ID = 2_147_483_647  # database ids are 32-bit on every backend; larger ids cannot exist
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]

WARM_UP = "一种锂电池储能系统的均衡控制方法"
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


def invalid(path: str, message: str) -> RequestValidationError:
    """A 422 in FastAPI's own validation-error shape, e.g. invalid("body.term_end", "must be after term_start"):
    rules the schema cannot express are reported exactly like the ones it can."""
    return RequestValidationError([{"loc": tuple(path.split(".")), "msg": message, "type": "value_error"}])


def allowed_roles(*gates: str | Role) -> set[Role]:
    """The roles an action of api/permissions.py lets through (e.g. "needs.write"), plus any roles named
    directly, plus admin always."""
    from api.permissions import roles_for

    found = {Role.ADMIN}
    for gate in gates:
        found.update((gate,) if isinstance(gate, Role) else roles_for(gate))
    return found


def require(*gates: str | Role):  # noqa: ANN201
    """A dependency that lets only the roles of an action through (admin always): require("needs.write")
    reads the one permission table (api/permissions.py) that the web pages read too."""
    allowed = allowed_roles(*gates)

    def check(who: Principal = Depends(principal)) -> Principal:
        if who.role not in allowed:
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                f"role {who.role.value} may not do this; allowed: {', '.join(sorted(allowed))}")
        return who

    return check


def load_matcher_into(app) -> None:  # noqa: ANN001
    """Load the need → patent matcher once per process (`patent-match serve` does it before listening)."""
    from data.settings import get_settings
    from indexer.freshness import generation
    from matching.loading import load_matcher

    before = generation(get_settings().index_dir)  # read first: an index swapped in during the load is newer
    loaded = load_matcher(app.state.engine)
    now = generation(loaded.index.directory)
    app.state.index_generation = now if now == before else before  # not the one loaded: the watch loads it
    make_ready(loaded, app.state.engine)
    app.state.matcher = loaded


def refresh_matcher(app, changed_only: bool = True, wait: bool = True) -> bool:  # noqa: ANN001
    """The loaded matcher over the index now on disk, after an update swapped a new one in (this process's
    background update, another worker's or replica's, or `patent-match index update`). The encoder, models and
    ranker are kept; a match already running finishes on the matcher it started with. True: a new one is served.
    Nothing loaded yet, no newer index, or (wait=False) an update writing it now: False. A failed load raises and
    leaves the old matcher in place."""
    from indexer.directory_swap import locked
    from indexer.freshness import generation
    from indexer.store import IndexConfig, load_index

    with _RELOAD:  # the background update, the index watch and a request may all notice the new index
        old = app.state.matcher
        if old is None:
            return False
        directory = old.index.directory
        # Shared: no update swaps the directory while its files are read
        with locked(directory, shared=True, wait=wait) as free:
            now = generation(directory)
            if not free or now is None or (changed_only and now == getattr(app.state, "index_generation", None)):
                return False
            config = getattr(app.state, "index_config", None) or IndexConfig()
            fresh = old.with_index(load_index(directory, old.encoder, config))
            frozen = gc.get_freeze_count() > 0  # make_ready froze the old one: let its cycles go, freeze the new
            make_ready(fresh, app.state.engine, freeze=False)
        app.state.matcher, app.state.index_generation = fresh, now  # one assignment each: requests see old or new
        del old
        if frozen:
            gc.unfreeze()
            gc.collect()
            gc.freeze()
    return True


def make_ready(need_matcher, engine, freeze: bool = True) -> None:  # noqa: ANN001
    """Index files on their way into the page cache, one warm-up match, then the loaded objects out of
    the cyclic collector's way."""
    need_matcher.index.prefetch()
    with session_factory(engine)() as db:  # the first match loads models and pages in the index:
        need_matcher.match_text(db, WARM_UP, k=1)  # here, not in a user's request (~0.5 s at 100k)
    # The index and models are millions of long-lived objects; without this the cyclic collector walks
    # them all now and then, which put 200 ms spikes into the slowest 5% of match requests.
    if freeze:
        gc.freeze()


def matcher(request: Request):  # noqa: ANN201
    """The matcher; loaded on first use when the server started before the index existed."""
    from indexer.freshness import generation
    from indexer.manifest import IndexMismatch

    state = request.app.state
    if getattr(state, "matcher", None) is None:
        try:
            load_matcher_into(request.app)
        except IndexMismatch as exc:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"the search index is not ready: {exc}") from None
    elif getattr(state, "index_generation", None) is None:  # set from outside (tests): this is its generation
        state.index_generation = generation(state.matcher.index.directory)
    elif getattr(state, "index_watch", None) is None and \
            generation(state.matcher.index.directory) not in (None, state.index_generation):  # one stat call
        # another process swapped a new index in (served apps leave this to their watch); not while an update
        # holds the index: this request goes on with the matcher it has, a later one loads the new index
        refresh_matcher(request.app, wait=False)
    found = state.matcher
    freshness = getattr(state, "freshness", None)
    if freshness is not None:
        found.index_lag = freshness.staleness  # so each ranking says how many patents it could not see
    return found


def _matcher_for_the_route(request: Request):  # noqa: ANN202
    yield matcher(request)  # held until the route returns, so the limit below spans the match


# One match at a time in each process; the others wait in line without holding a thread. Ranking is
# mostly Python holding the GIL, so matches running side by side in one process only interleave: each
# takes as long as all of them, and every return from numpy, FAISS or SQLite may wait a GIL switch
# interval. At 1M patents (2 workers, 8 clients, 60 s, runs alternated): p99 556 and 366 ms side by
# side, 320 and 327 ms in line. One limit object, so every API route and web page that matches shares it
# (the pages through PAGE_MATCHER below). The warm-up match after a background index update runs outside
# the line: once per update, on a worker thread.
MATCHER = Depends(_matcher_for_the_route, scope="function", max_concurrency=1)
_RELOAD = threading.Lock()


def in_the_matcher_line(dependency) -> Depends:  # noqa: ANN001
    """Another dependency in MATCHER's line (e.g. one yielding a way to get the matcher): the copy keeps its limit
    object, so it shares the one slot instead of getting a second one (FastAPI: one limit per Depends object)."""
    return dataclasses.replace(MATCHER, dependency=dependency)


def _matcher_for_a_page(request: Request):  # noqa: ANN202
    yield functools.partial(matcher, request)  # held until the page returns, like the route's


# For the web pages: `page_matcher()` loads and returns the matcher inside the same one-at-a-time slot as
# the API's matches, and raises (503 without an index) where the page can show the problem in place. A page
# that matches only when asked (a challenge's solvers) still waits for the slot: it is held for the whole page.
PAGE_MATCHER = in_the_matcher_line(_matcher_for_a_page)

# The same as typed aliases (route parameters `need_matcher: MatcherDep`). Routes keep their parameter order,
# the matcher after the role check, so a refused key never waits in the matcher's line; a parameter there
# needs a default, `= None`, which FastAPI never uses: it always fills the dependency.
MatcherDep = Annotated["NeedMatcher", MATCHER]
MatcherLaterDep = Annotated[Callable[[], "NeedMatcher"], PAGE_MATCHER]  # loads when called; 503 without an index


def own_organization(db: Session, who: Principal):  # noqa: ANN201
    """The organisation a key acts for; actions taken for an organisation need a key created with --org."""
    from data.models import Organization

    found = db.get(Organization, who.organization_id) if who.organization_id else None
    if found is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this action is taken for an organisation; use a key created "
                                                       "with --org")
    return found

"""The app one `patent-match serve` worker runs: built from the settings, index loaded before it listens.

With `--workers N` uvicorn starts N processes that each import this module and call `served_app`, so
each holds its own read-only index and matches run on every core (one process answers one match at
a time: ranking is Python holding the GIL). Each also watches the index directory, shared by every worker and
replica, and swaps in a newer index without a restart (api/index_watch.py)."""

from __future__ import annotations

import sys

from fastapi import FastAPI
from sqlalchemy import Engine


def served_app(engine: Engine | None = None) -> FastAPI:
    """Over `engine`, or (in a worker process) the configured database."""
    from api import index_watch
    from api.app import create_app
    from api.balance import ShareConnections, WorkerLoads
    from api.deps import load_matcher_into
    from data.settings import get_settings
    from indexer.manifest import IndexMismatch

    app = create_app(engine)
    if engine is None:  # one of several workers (`serve --workers N` imports this factory in each)
        shared = get_settings().worker_loads
        app.add_middleware(ShareConnections, loads=WorkerLoads(shared) if shared and shared.exists() else None)
    try:  # before listening, so the first person to ask for matches does not wait for the index to load
        load_matcher_into(app)
    except IndexMismatch as exc:
        print(f"note: no usable search index yet ({exc}); matches answer 503 until `patent-match index build`",
              file=sys.stderr)
    index_watch.attach(app, get_settings().index_watch_seconds)
    return app

"""Each serving process follows the index on disk: replicas and workers share one index directory, and any of
them, or `patent-match index update`/`build`, may swap a new one in (indexer/store.py writes it beside the old
and renames). A watch thread reads the manifest's generation every `index_watch_seconds`; when it changed, it
loads the new index in the background and swaps the matcher reference (api/deps.py `refresh_matcher`), so no
request waits for a load and a match already running finishes on the index it started with. A failed load
keeps the old index, is logged, and shows on /health until a later index loads.

`IndexWatch.poll` is one step, so tests drive it without a thread or a clock.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from fastapi import FastAPI

logger = logging.getLogger(__name__)
RETRY_FAILED = dt.timedelta(minutes=5)  # a generation that failed to load is tried again after this (the cause,
# e.g. the database during the warm-up match, may have passed); a newer generation is tried at once


class Poll(StrEnum):
    NOT_LOADED = "not_loaded"  # no matcher yet: the first match loads it (api/deps.py `matcher`)
    ABSENT = "absent"  # no manifest on disk (mid-swap, or removed): the loaded index stays
    UNCHANGED = "unchanged"
    BUSY = "busy"  # an update holds the index: next poll
    SWAPPED = "swapped"
    FAILED = "failed"  # this generation does not load: the old index stays


@dataclass(frozen=True)
class LoadFailure:
    generation: tuple[int, int]  # indexer/freshness.py `generation` of the index that did not load
    error: str
    at: dt.datetime


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class IndexWatch:
    """Follows `app`'s index: `poll()` once, or `start()` a daemon thread polling every `interval` seconds."""

    def __init__(self, app: FastAPI, interval: float, retry_failed: dt.timedelta = RETRY_FAILED,
                 clock: Callable[[], dt.datetime] = _now) -> None:
        self._app, self.interval, self._retry, self._clock = app, interval, retry_failed, clock
        self.failure: LoadFailure | None = None  # the latest failed load, until an index loads
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def poll(self) -> Poll:
        from api.deps import refresh_matcher
        from indexer.freshness import generation

        state = self._app.state
        if getattr(state, "matcher", None) is None:
            return Poll.NOT_LOADED
        now = generation(state.matcher.index.directory)
        if now is None:
            return Poll.ABSENT
        if now == getattr(state, "index_generation", None):
            return Poll.UNCHANGED
        failed = self.failure
        if failed is not None and failed.generation == now and self._clock() - failed.at < self._retry:
            return Poll.FAILED  # logged once; not loaded again on every poll
        try:
            swapped = refresh_matcher(self._app, wait=False)
        except Exception as exc:  # noqa: BLE001 — any failure keeps the index being served; the log has the trace
            logger.exception("the index swapped in at %s did not load; still serving the previous one", now)
            self.failure = LoadFailure(now, str(exc) or type(exc).__name__, self._clock())
            return Poll.FAILED
        if not swapped:
            return Poll.BUSY if generation(state.matcher.index.directory) != state.index_generation else Poll.UNCHANGED
        self.failure = None
        manifest = state.matcher.index.manifest
        logger.info("now serving the index updated at %s", manifest.updated_at or manifest.built_at)
        return Poll.SWAPPED

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="index-watch", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.poll()
            except Exception:  # noqa: BLE001 — a poll that could not even read the directory: try the next one
                logger.exception("index watch poll failed")


def attach(app: FastAPI, interval: float) -> IndexWatch | None:
    """Start following the index (serving processes do, api/served.py); interval 0: never (a match then reloads
    a newer index itself, api/deps.py `matcher`)."""
    if interval <= 0:
        return None
    watch = IndexWatch(app, interval)
    app.state.index_watch = watch
    app.router.on_shutdown.append(watch.stop)
    watch.start()
    return watch


@dataclass(frozen=True)
class Served:
    """What /health says about the index this process serves."""

    serving: str | None  # the served index's manifest time (updated_at, else built_at); None: none loaded yet
    reload: str  # "ok", or "failed": a newer index on disk did not load and the previous one is still served


def served(app: FastAPI) -> Served:
    loaded = getattr(app.state, "matcher", None)
    manifest = loaded.index.manifest if loaded is not None else None
    watch: IndexWatch | None = getattr(app.state, "index_watch", None)
    return Served(manifest.updated_at or manifest.built_at if manifest else None,
                  "failed" if watch is not None and watch.failure is not None else "ok")

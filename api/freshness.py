"""The serving process keeps its index in step with the database: changes schedule an incremental
update in the background, one at a time; a change during a run schedules one more run after it.

`IndexFreshness` is the runner (its thread exists only while there is work, so none outlives it);
`attach` binds one to an app with the settings of the moment; GET /index/status reports it.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, status
from pydantic import BaseModel

from api.auth import Principal
from api.deps import principal
from api.schemas import Error
from data.enums import Role
from indexer.freshness import Progress, Staleness, UpdateOutcome, index_times

logger = logging.getLogger(__name__)
# Other processes' changes are looked for this often at most. Cheap (indexer/freshness.py StalenessCheck reads
# the database's revision and re-reads the patents only when it moved), so a minute, not more.
STALENESS_TTL = dt.timedelta(minutes=1)
HISTORY = 100  # finished jobs kept for their status pages


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class IndexJob:
    id: int
    state: JobState
    queued_at: dt.datetime
    done: int = 0  # patents embedded so far
    total: int = 0  # patents to embed (new and changed); known once the run has compared texts
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    error: str | None = None
    added: int = 0
    changed: int = 0
    removed: int = 0

    def zh(self) -> str:
        """索引更新：排队中 / 进行中 x/y / 已完成 / 失败（原因）"""
        if self.state is JobState.QUEUED:
            return "索引更新：排队中"
        if self.state is JobState.RUNNING:
            return f"索引更新：进行中 {self.done}/{self.total}"
        if self.state is JobState.DONE:
            return f"索引更新：已完成（新增 {self.added}，更新 {self.changed}，删除 {self.removed}）"
        return f"索引更新：失败（{self.error}）"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _thread(run: Callable[[], None]) -> threading.Thread:
    worker = threading.Thread(target=run, name="index-update", daemon=True)
    worker.start()
    return worker


class IndexFreshness:
    """`work(progress)` runs one incremental update; `check()` measures staleness without changing anything.
    `start(run)` runs the worker loop (default: a new thread; tests pass one that runs it inline or later)."""

    def __init__(self, work: Callable[[Progress], UpdateOutcome], check: Callable[[], Staleness],
                 on_updated: Callable[[UpdateOutcome], None] | None = None,
                 start: Callable[[Callable[[], None]], object] = _thread,
                 ttl: dt.timedelta = STALENESS_TTL) -> None:
        self._work, self._check, self._on_updated, self._start, self._ttl = work, check, on_updated, start, ttl
        self._lock = threading.Condition()
        self._last_id = 0
        self._queued: IndexJob | None = None
        self._running: IndexJob | None = None
        self._finished: OrderedDict[int, IndexJob] = OrderedDict()
        self._check_wanted = False
        self._active = False  # a worker loop has been started and has not returned
        self._worker: object = None
        self._known: Staleness | None = None  # the last exact measurement
        self._unapplied = (0, 0)  # (new, changed) patents reported by schedule() since then
        self._check_failed_at: dt.datetime | None = None

    # -- scheduling --------------------------------------------------------------------------------
    def schedule(self, missing: int = 0, changed: int = 0) -> int:
        """A change to patents' text; returns the id of the run that will include it. Never blocks on the work."""
        with self._lock:
            if self._queued is None:
                self._last_id += 1
                self._queued = IndexJob(self._last_id, JobState.QUEUED, _now())
            self._unapplied = (self._unapplied[0] + missing, self._unapplied[1] + changed)
            job_id = self._queued.id
            start = self._claim_worker()
        if start:
            self._launch()
        return job_id

    def _claim_worker(self) -> bool:
        if self._active:
            return False
        self._active = True
        return True

    def _launch(self) -> None:
        try:
            self._worker = self._start(self._loop)
        except BaseException:
            with self._lock:
                self._active = False
                self._lock.notify_all()
            raise

    def _loop(self) -> None:
        while True:
            with self._lock:
                job, self._queued = self._queued, None
                check = job is None and self._check_wanted
                self._check_wanted = False
                if job is None and not check:
                    self._active = False
                    self._lock.notify_all()
                    return
                seen = self._unapplied  # what this run's reading of the database will include
                if job is not None:
                    job = self._running = replace(job, state=JobState.RUNNING, started_at=_now())
            if job is None:
                self._run_check(seen)
            else:
                self._run_update(job, seen)

    def _run_check(self, seen: tuple[int, int]) -> None:
        try:
            found = self._check()
        except Exception:  # noqa: BLE001 — no index yet, or the database is away: staleness stays unknown
            logger.info("index staleness check failed", exc_info=True)
            with self._lock:
                self._check_failed_at = _now()  # not again before the TTL: the next one may read every patent
            return
        with self._lock:
            self._known = found
            self._unapplied = (self._unapplied[0] - seen[0], self._unapplied[1] - seen[1])

    def _progress(self, done: int, total: int) -> None:
        with self._lock:
            if self._running is not None:
                self._running = replace(self._running, done=done, total=total)

    def _run_update(self, job: IndexJob, seen: tuple[int, int]) -> None:
        started = job.started_at
        try:
            outcome = self._work(self._progress)
            if self._on_updated is not None and (outcome.built or outcome.report.added or outcome.report.changed
                                                 or outcome.report.removed):
                self._on_updated(outcome)  # before "done": done means matches see the change
        except Exception as exc:  # noqa: BLE001 — reported on the job; the next change tries again
            logger.exception("index update %d failed", job.id)
            self._finish(replace(self._running or job, state=JobState.FAILED, error=str(exc) or type(exc).__name__))
            return
        r = outcome.report
        with self._lock:
            self._known = Staleness(0, 0, 0, started or _now())
            self._unapplied = (self._unapplied[0] - seen[0], self._unapplied[1] - seen[1])
        self._finish(replace(self._running or job, state=JobState.DONE, added=r.added, changed=r.changed,
                             removed=r.removed))

    def _finish(self, job: IndexJob) -> None:
        with self._lock:
            self._running = None
            self._finished[job.id] = replace(job, finished_at=_now())
            while len(self._finished) > HISTORY:
                self._finished.popitem(last=False)
            self._lock.notify_all()

    # -- reading -----------------------------------------------------------------------------------
    def job(self, job_id: int) -> IndexJob | None:
        with self._lock:
            for candidate in (self._queued, self._running):
                if candidate is not None and candidate.id == job_id:
                    return candidate
            return self._finished.get(job_id)

    def latest(self) -> IndexJob | None:
        with self._lock:
            return self._queued or self._running or next(reversed(self._finished.values()), None)

    def measure(self) -> None:
        """Measure staleness again now, in the background (after changes this process was not told of)."""
        with self._lock:
            self._check_wanted = True
            start = self._claim_worker()
        if start:
            self._launch()

    def staleness(self) -> Staleness | None:
        """The last measurement plus changes reported since; None while never measured. An old or missing
        measurement is refreshed in the background when no run is due to refresh it anyway."""
        with self._lock:
            known, (missing, changed) = self._known, self._unapplied
            last = known.checked_at if known else self._check_failed_at
            due = last is None or _now() - last > self._ttl
            start = False
            if due and self._queued is None and self._running is None and not self._check_wanted:
                self._check_wanted = True
                start = self._claim_worker()
        if start:
            self._launch()
        if known is None:
            return Staleness(missing, changed, 0, _now()) if missing or changed else None
        return replace(known, missing=known.missing + max(missing, 0), changed=known.changed + max(changed, 0))

    def wait(self, timeout: float = 30.0) -> bool:
        """Until no work is queued or running (for tests and shutdown); False on timeout."""
        deadline = _now() + dt.timedelta(seconds=timeout)
        with self._lock:
            while self._active:
                left = (deadline - _now()).total_seconds()
                if left <= 0:
                    return False
                self._lock.wait(left)
        if isinstance(self._worker, threading.Thread):
            self._worker.join(max((deadline - _now()).total_seconds(), 0))
        return True


def attach(app: FastAPI, start: Callable[[Callable[[], None]], object] = _thread) -> IndexFreshness:
    """A runner for `app`'s database and the index the settings name now (later settings changes, as in
    tests, do not move it). The work opens its own sessions; the app's requests never wait for it."""
    from api.deps import refresh_matcher
    from data.settings import get_settings
    from indexer.cache import EmbeddingCache
    from indexer.encoders import load_encoder
    from indexer.freshness import StalenessCheck, incremental_update
    from indexer.sources import DatabaseSource
    from indexer.store import IndexConfig

    settings, source = get_settings(), DatabaseSource(app.state.engine)
    directory, encoder_name, cache_path = settings.index_dir, settings.encoder, settings.cache_path
    config = IndexConfig(factory=settings.ann_factory, nprobe=settings.ann_nprobe, user_dicts=settings.user_dicts,
                         vector_uri=settings.vector_uri)
    app.state.index_dir = directory
    app.state.index_config = IndexConfig(nprobe=settings.ann_nprobe, user_dicts=settings.user_dicts)

    def work(progress: Progress) -> UpdateOutcome:
        cache = EmbeddingCache(cache_path)
        try:
            outcome = incremental_update(directory, source, load_encoder(encoder_name), cache, config, progress)
        finally:
            cache.close()
        source.compact_or_log()  # the index is updated whether or not the fold succeeds
        return outcome

    runner = IndexFreshness(work, StalenessCheck(directory, source),
                            lambda _: refresh_matcher(app, changed_only=False), start)
    app.state.freshness = runner
    return runner


def index_changed(app: FastAPI, missing: int = 0, changed: int = 0) -> int | None:
    """Call after any change to patents' title, abstract or first claim (imports do); the update's job id."""
    runner: IndexFreshness | None = getattr(app.state, "freshness", None)
    return runner.schedule(missing, changed) if runner is not None else None


# -- GET /index/status -----------------------------------------------------------------------------
class IndexJobOut(BaseModel):
    id: int
    state: JobState
    done: int
    total: int
    queued_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    error: str | None
    added: int
    changed: int
    removed: int
    text_zh: str


class StalenessOut(BaseModel):
    missing: int  # in the database, not yet in the index: no match finds them until the update
    changed: int  # indexed, text changed since: still matched, on the indexed text
    removed: int
    pending: int
    checked_at: dt.datetime
    notice_zh: str


class IndexStatusOut(BaseModel):
    state: str  # idle (no update since start), queued, running, done or failed: the latest job's
    job: IndexJobOut | None
    staleness: StalenessOut | None  # None: not measured yet (a measurement has been started)
    built_at: str | None
    updated_at: str | None


FAILED_FOR_OTHERS = "更新失败，请联系运营人员"


def shown_to(job: IndexJob | None, role: Role) -> IndexJob | None:
    """The job as a role may read it: the failure's raw text (paths, settings) is for operators and admins."""
    if job is None or job.error is None or role in (Role.OPERATOR, Role.ADMIN):
        return job
    return replace(job, error=FAILED_FOR_OTHERS)


def job_out(job: IndexJob | None) -> IndexJobOut | None:
    return None if job is None else IndexJobOut(**vars(job), text_zh=job.zh())


def staleness_out(found: Staleness | None) -> StalenessOut | None:
    return None if found is None else StalenessOut(missing=found.missing, changed=found.changed,
                                                   removed=found.removed, pending=found.pending,
                                                   checked_at=found.checked_at, notice_zh=found.notice_zh())


def index_status(app: FastAPI, job_id: int | None = None) -> IndexStatusOut:
    runner: IndexFreshness | None = getattr(app.state, "freshness", None)
    job = None if runner is None else (runner.job(job_id) if job_id is not None else runner.latest())
    built, updated = index_times(app.state.index_dir) if hasattr(app.state, "index_dir") else (None, None)
    return IndexStatusOut(state=job.state.value if job else "idle", job=job_out(job),
                          staleness=staleness_out(runner.staleness() if runner else None),
                          built_at=built, updated_at=updated)


router = APIRouter(tags=["service"])


@router.get("/index/status", response_model=IndexStatusOut, summary="Index update status",
            responses={404: {"model": Error, "description": "No job with this id in this process."}})
def get_index_status(request: Request, who: Principal = Depends(principal),
                     job: int | None = Query(None, ge=1, le=2_147_483_647,
                                             description="A job id an import reported; default the latest.")
                     ) -> IndexStatusOut:
    """The background index update and how far the index lags behind the database (any signed-in role)."""
    found = index_status(request.app, job)
    if job is not None and found.job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no index update job {job} in this process")
    if found.job is not None and found.job.error is not None and who.role not in (Role.OPERATOR, Role.ADMIN):
        found.job = found.job.model_copy(update={"error": FAILED_FOR_OTHERS,
                                                 "text_zh": f"索引更新：失败（{FAILED_FOR_OTHERS}）"})
    return found

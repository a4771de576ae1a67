"""The index watch of a serving process (api/index_watch.py), driven one poll at a time: a newer index on disk is
loaded and swapped in, an unchanged one is left alone, a failed load keeps the index being served, and an update
holding the index makes the poll wait for the next turn. Replicas under load: tests/test_replicas.py."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.deps import load_matcher_into, matcher
from api.index_watch import IndexWatch, Poll, attach, served
from data.db import session_factory
from data.settings import get_settings
from indexer.directory_swap import locked
from indexer.encoders import load_encoder
from indexer.manifest import Manifest
from indexer.store import build_index


def _build(documents) -> None:  # noqa: ANN001
    build_index(get_settings().index_dir, list(documents), load_encoder("keyword"), None)


class _Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 12, 5, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def app(sqlite_engine, corpus) -> FastAPI:  # noqa: ANN001
    _build(corpus[:30])
    served_app = FastAPI()
    served_app.state.engine, served_app.state.matcher = sqlite_engine, None
    load_matcher_into(served_app)
    return served_app


def _watch(app: FastAPI, clock: _Clock | None = None) -> IndexWatch:
    watch = IndexWatch(app, interval=3600, retry_failed=dt.timedelta(minutes=5), clock=clock or _Clock())
    app.state.index_watch = watch  # as attach() does, without the thread: the test polls
    return watch


def _rows(app: FastAPI) -> int:
    return len(app.state.matcher.index.ids.doc_ids)


def test_an_unchanged_index_is_left_alone(app):
    watch, before = _watch(app), app.state.matcher
    assert watch.poll() is Poll.UNCHANGED and watch.poll() is Poll.UNCHANGED
    assert app.state.matcher is before and served(app).reload == "ok"


def test_a_newer_index_is_swapped_in_and_a_running_match_finishes_on_the_old(app, corpus):
    watch, old = _watch(app), app.state.matcher
    _build(corpus[:40])  # as `patent-match index build` in another process
    assert _rows(app) == 30  # nothing happens until the watch looks
    assert watch.poll() is Poll.SWAPPED
    assert _rows(app) == 40 and app.state.matcher is not old
    assert served(app).serving == app.state.matcher.index.manifest.built_at
    assert len(old.index.ids.doc_ids) == 30  # a request holding the old matcher goes on with it
    with session_factory(app.state.engine)() as db:
        old.match_text(db, corpus[35].text[:40], k=3)  # its files were replaced on disk; its mapped pages remain
    assert watch.poll() is Poll.UNCHANGED


def test_a_failed_load_keeps_the_old_index_until_a_good_one_arrives(app, corpus, caplog):
    clock = _Clock()
    watch, old = _watch(app, clock), app.state.matcher
    directory = get_settings().index_dir
    broken = Manifest.load(directory)
    broken.rows += 1  # the parts disagree: load_index refuses it
    broken.save(directory)
    assert watch.poll() is Poll.FAILED
    assert app.state.matcher is old and watch.failure is not None and "inconsistent" in watch.failure.error
    assert served(app).reload == "failed" and "did not load" in caplog.text
    caplog.clear()
    assert watch.poll() is Poll.FAILED and caplog.text == ""  # not loaded again on every poll
    clock.now += dt.timedelta(minutes=6)
    assert watch.poll() is Poll.FAILED and "did not load" in caplog.text  # tried again after a while
    assert app.state.matcher is old
    _build(corpus[:35])
    assert watch.poll() is Poll.SWAPPED
    assert _rows(app) == 35 and watch.failure is None and served(app).reload == "ok"


def test_an_update_holding_the_index_or_a_missing_manifest_keeps_the_loaded_one(app, corpus):
    watch, old = _watch(app), app.state.matcher
    directory = get_settings().index_dir
    _build(corpus[:40])
    with locked(directory):  # another process is writing: its swap may not be finished
        assert watch.poll() is Poll.BUSY and app.state.matcher is old
    (directory / "manifest.json").rename(directory.parent / "manifest.aside")  # mid-swap: no manifest for a moment
    assert watch.poll() is Poll.ABSENT and app.state.matcher is old
    (directory.parent / "manifest.aside").rename(directory / "manifest.json")
    assert watch.poll() is Poll.SWAPPED and _rows(app) == 40


def test_requests_leave_the_reload_to_the_watch_and_reload_themselves_without_one(app, corpus):
    class Request:
        pass

    Request.app = app
    old = app.state.matcher
    _build(corpus[:40])
    watch = _watch(app)
    assert matcher(Request()) is old  # no request waits for a load while a watch runs
    app.state.index_watch = None
    assert matcher(Request()) is not old and _rows(app) == 40  # with the watch off (interval 0), a match reloads
    app.state.index_watch = watch
    assert watch.poll() is Poll.UNCHANGED


def test_attach_starts_a_thread_that_stops_with_the_app_and_zero_turns_it_off(app):
    assert attach(app, 0) is None and getattr(app.state, "index_watch", None) is None
    with TestClient(app):  # the server's lifespan: started with it, stopped at shutdown
        watch = attach(app, 3600)
        assert app.state.index_watch is watch and watch._thread.is_alive()
    assert not watch._thread.is_alive()

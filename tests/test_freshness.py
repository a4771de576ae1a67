"""Index freshness (api/freshness.py, indexer/freshness.py) and the one match limit shared by the web pages.

The runner is tested on its own with controlled work; the served app (demo data, SQLite and PostgreSQL)
is tested end to end: a web import schedules an update, the matcher sees it, /health and /index/status
report it, and a match answer says what the index lacks instead of silently showing fewer patents.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import threading
import time

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from api.freshness import IndexFreshness, JobState
from data.db import transaction
from data.models import OwnershipEvent, Patent
from indexer.embed import EmbedStats
from indexer.freshness import Staleness, UpdateOutcome
from indexer.store import BuildReport
from tests.api_support import OWN_TTO, PATENT, call
from tests.test_imports import HEADER, number, row
from tests.test_web import _csrf, _sign_in

NEW_TITLE = "一种钠离子电池极片的干法涂布装置"


def outcome(added: int = 1) -> UpdateOutcome:
    report = BuildReport(10, added, 0, 0, EmbedStats(added, 0, added, 0), 0.1)
    return UpdateOutcome(Staleness(added, 0, 0, dt.datetime.now(dt.UTC)), report, built=False)


def index_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "index-update"]


# -- the runner ---------------------------------------------------------------------------------------

def test_changes_during_a_run_coalesce_into_one_more_run():
    release, started, runs, reloads = threading.Event(), threading.Event(), [], []

    def work(progress):  # noqa: ANN001, ANN202
        runs.append(time.monotonic())
        progress(1, 3)
        started.set()
        release.wait(10)
        return outcome()

    runner = IndexFreshness(work, lambda: Staleness(0, 0, 0, dt.datetime.now(dt.UTC)), reloads.append)
    first = runner.schedule(missing=1)
    assert started.wait(10)
    assert runner.job(first).state is JobState.RUNNING and (runner.job(first).done, runner.job(first).total) == (1, 3)
    second = runner.schedule(missing=1)
    assert runner.schedule(changed=1) == second != first  # one more run, not one per change
    assert runner.job(second).state is JobState.QUEUED
    release.set()
    assert runner.wait(10)
    assert len(runs) == 2 and len(reloads) == 2  # the matcher is reloaded after each run that changed the index
    assert [runner.job(i).state for i in (first, second)] == [JobState.DONE, JobState.DONE]
    assert runner.staleness().pending == 0
    assert not index_threads()  # no worker outlives its work


def test_a_failed_run_says_why_and_the_next_change_tries_again():
    attempts = []

    def work(progress):  # noqa: ANN001, ANN202
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("磁盘已满")
        return outcome()

    inline = IndexFreshness(work, lambda: Staleness(0, 0, 0, dt.datetime.now(dt.UTC)), start=lambda run: run())
    failed = inline.schedule(missing=2)  # runs inline: deterministic, no thread
    assert inline.job(failed).state is JobState.FAILED and inline.job(failed).zh() == "索引更新：失败（磁盘已满）"
    assert inline.staleness().missing == 2  # still pending: the failed run did not index them
    done = inline.schedule(missing=1)
    assert inline.job(done).state is JobState.DONE and inline.staleness().pending == 0


def test_a_queued_job_reads_as_queued_until_its_worker_runs():
    later: list = []
    runner = IndexFreshness(lambda progress: outcome(), lambda: Staleness(0, 0, 0, dt.datetime.now(dt.UTC)),
                            start=later.append)
    job = runner.schedule(missing=3, changed=1)
    assert runner.job(job).zh() == "索引更新：排队中"
    assert (runner.staleness().missing, runner.staleness().changed) == (3, 1)
    later.pop()()  # the worker loop, run now
    assert runner.job(job).state is JobState.DONE and runner.wait(1)


# -- the served app -----------------------------------------------------------------------------------

def _upload(client, title: str, serial: int):  # noqa: ANN001, ANN202
    content = "\n".join([HEADER, row(serial, title=title, holder=OWN_TTO, abstract=f"{title}，提高极片一致性。")])
    return client.post("/ui/imports", data={"csrf": _csrf(client), "kind": "patents"},
                       files={"file": ("ours.csv", content.encode("utf-8"), "text/csv")})


def _need(api, title: str, text: str) -> int:
    answer = call(api, "sme", "POST", "/needs", json={"title": title, "text": text})
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def test_a_web_import_updates_the_index_in_the_background_and_matches_see_it(api):
    client, *_ = api
    runner = client.app.state.freshness
    tto = _sign_in(client.app, api[1]["tto"])
    answer = _upload(tto, NEW_TITLE, 8801)
    assert answer.status_code == 200, answer.text
    assert re.search(r'id="index-job">索引更新：(排队中|进行中 \d+/\d+|已完成)', answer.text)
    job_id = int(re.search(r'/ui/imports/index/(\d+)', answer.text).group(1))
    assert runner.wait(60)
    assert "索引更新：已完成" in tto.get(f"/ui/imports/index/{job_id}").text
    status = call(api, "tto", "GET", "/index/status", params={"job": job_id}).json()
    assert status["state"] == "done" and status["job"]["added"] == 1 and status["job"]["total"] == 1
    assert status["staleness"]["pending"] == 0 and status["updated_at"]
    need_id = _need(api, "干法涂布", f"{NEW_TITLE}，需要提高极片一致性")
    page = call(api, "sme", "GET", f"/needs/{need_id}/matches", params={"limit": 5}).json()
    assert number(8801) in [m["application_number"] for m in page["items"]]  # the reloaded matcher holds it
    assert page["index_lag"] is None
    health = client.get("/health").json()
    assert health["status"] == "ok" and health["index_stale"] is False and health["index_update"] == "done"


def test_matches_say_what_the_index_lacks_and_keep_stale_patents(api):
    from data.imports.loader import import_file

    client, *_, engine = api
    runner = client.app.state.freshness
    assert runner.wait(60)
    with transaction(engine) as session:  # changed as another process would, unannounced
        stale = session.scalar(select(Patent).where(Patent.application_number == PATENT))
        old_title, stale.abstract = stale.title, "本摘要已修改，索引仍是原文本。"
    extra = client.app.state.index_dir.parent / "unannounced.csv"
    extra.write_text("\n".join([HEADER, row(8802, title="一种尚未索引的压缩空气储能换热器", holder=OWN_TTO)]),
                     encoding="utf-8")
    import_file(engine, "patents", extra)
    runner.measure()
    assert runner.wait(60)
    health = client.get("/health").json()
    assert (health["index_missing"], health["index_changed"], health["index_stale"]) == (1, 1, True)
    need_id = _need(api, old_title, old_title)
    page = call(api, "sme", "GET", f"/needs/{need_id}/matches", params={"limit": 10}).json()
    assert page["index_lag"]["missing"] == 1 and page["index_lag"]["changed"] == 1
    assert "1 件专利尚未进入索引" in page["index_lag"]["notice_zh"]
    assert PATENT in [m["application_number"] for m in page["items"]]  # stale, still matched on its indexed text
    operator = _sign_in(client.app, api[1]["operator"])
    assert "1 件专利尚未进入索引，1 件专利索引待更新" in operator.get(f"/ui/needs/{need_id}").text
    lag = call(api, "tto", "GET", f"/patents/{PATENT}/matches", params={"top": 3}).json()["index_lag"]
    assert (lag["missing"], lag["changed"]) == (1, 1)
    runner.schedule()  # and once updated, nothing is lacking
    assert runner.wait(60)
    page = call(api, "sme", "GET", f"/needs/{need_id}/matches", params={"limit": 10}).json()
    assert page["index_lag"] is None and client.get("/health").json()["index_stale"] is False


def test_web_pages_that_match_share_the_apis_one_match_at_a_time(api, monkeypatch):
    client, keys, need_id, *_ = api
    from api.deps import matcher as loaded

    class Request:  # the matcher as the pages get it (loaded now, so no request loads it)
        app = client.app

    need_matcher = loaded(Request())
    lock, running, most = threading.Lock(), [0], [0]
    rank_need = need_matcher.rank_need

    def tracked(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)  # lets other threads run: without one limit, the pages overlap here
        try:
            return rank_need(*args, **kwargs)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(need_matcher, "rank_need", tracked)
    deadline = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    challenge = call(api, "sme", "POST", "/challenges", json={
        "need_id": _need(api, "储能变流器效率提升", "储能变流器损耗高，希望降低功率器件损耗。"), "reward": "500000",
        "deadline": deadline, "conditions": "高校或科研院所"})
    assert challenge.status_code == 201, challenge.text
    cookies = dict(_sign_in(client.app, keys["operator"]).cookies)

    async def at_once() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=client.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver", cookies=cookies) as web, \
                httpx.AsyncClient(transport=transport, base_url="http://testserver",
                                  headers={"Authorization": f"Bearer {keys['operator']}"}) as http:
            return await asyncio.gather(*(web.get(f"/ui/needs/{need_id}") for _ in range(3)), web.get("/ui/curation"),
                                        web.get(f"/ui/challenges/{challenge.json()['id']}", params={"solvers": "true"}),
                                        http.get(f"/needs/{need_id}/matches", params={"limit": 3}))

    answers = asyncio.run(at_once())
    assert [a.status_code for a in answers] == [200] * 6, [a.text[:200] for a in answers]
    assert most[0] == 1


def test_an_operator_corrects_holders_with_a_reason_and_a_tto_never_can(api):
    client, keys, *_, engine = api
    serial, others = 8803, "淮海矿业大学"
    tto = _sign_in(client.app, keys["tto"])
    operator = _sign_in(client.app, keys["operator"])
    assert _upload(tto, "一种矿用皮带机托辊", serial).status_code == 200
    moved = "\n".join([HEADER, row(serial, title="一种矿用皮带机托辊", holder=others)]).encode("utf-8")

    def post(client, **form):  # noqa: ANN001, ANN003, ANN202
        return client.post("/ui/imports", data={"csrf": _csrf(client), "kind": "patents", **form},
                           files={"file": ("moved.csv", moved, "text/csv")})

    refused = post(tto, correct_holders="on", correct_reason="我们想改")
    assert refused.status_code == 403 and "只有运营人员可以更正权利人" in refused.text
    assert "更正权利人（著录项目变更）" not in tto.get("/ui/imports").text  # not offered to a TTO
    assert "更正权利人（著录项目变更）" in operator.get("/ui/imports").text
    assert post(operator).status_code == 422  # without the flag an import never moves holders
    no_reason = post(operator, correct_holders="on", correct_reason=" ")
    assert no_reason.status_code == 422 and "必须填写更正理由" in no_reason.text
    done = post(operator, correct_holders="on", correct_reason="国知局著录项目变更通知书 2026-11-30")
    assert done.status_code == 200, done.text
    with transaction(engine) as session:
        patent = session.scalar(select(Patent).where(Patent.application_number == number(serial)))
        assert [h.organization.name for h in patent.holders] == [others]
        reasons = session.scalars(select(OwnershipEvent.reason).where(OwnershipEvent.patent_id == patent.id)).all()
    assert "国知局著录项目变更通知书 2026-11-30" in reasons
    assert client.app.state.freshness.wait(60)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_the_cli_import_updates_an_existing_index_in_the_foreground(backend, tmp_path):
    from api.cli import main
    from tests.api_support import _database

    url, drop = _database(backend, tmp_path)
    try:
        runner = CliRunner()
        assert runner.invoke(main, ["--db", url, "demo", "--as-of", "2026-11-21"]).exit_code == 0
        extra = tmp_path / "extra.csv"
        extra.write_text("\n".join([HEADER, row(424243, title="一种新的光伏支架")]), encoding="utf-8")
        imported = runner.invoke(main, ["--db", url, "import", "patents", str(extra)])
        assert imported.exit_code == 0, imported.output
        assert "240 patents (1 added, 0 changed, 0 removed)" in imported.output
        assert "up to date" in runner.invoke(main, ["--db", url, "index", "status"]).output
    finally:
        drop()

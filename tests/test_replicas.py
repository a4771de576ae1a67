"""Serving replicas: separate `patent-match serve` processes over one database and one index directory.

A deal retried through another replica while the first request is still running is recorded once and both
answers name it; under load through two replicas every acknowledged write is stored once and reads after a
write on the other replica find it; after `patent-match index update` both replicas serve the new patents
without a restart (api/index_watch.py). The longer run with figures is `python -m bench.replicas`."""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
import sys
import time
from contextlib import ExitStack

import httpx
import pytest
from sqlalchemy import func, select

import api.routes_transactions as routes
from bench.load import exactly_once, fixture_for, target_figures
from bench.replicas import demo, milvus_server, replicas, run_replicas
from data.db import make_engine, transaction
from data.models import Transaction
from data.settings import get_settings
from tests.api_support import OWN_SME, OWN_TTO, _database, call
from tests.test_imports import HEADER, number, row

NEW_TITLE = "一种用于海上风电单桩基础的防冲刷仿生护底结构"


def _licence(orgs: dict, amount: str = "200000") -> dict:
    return {"kind": "license", "application_numbers": ["201710486004.9"], "from_org_id": orgs[OWN_TTO],
            "to_org_id": orgs[OWN_SME], "license_type": "ordinary", "contract_amount": amount,
            "signed_on": dt.date.today().isoformat()}


def _stored(engine, key: str) -> int:  # noqa: ANN001
    with transaction(engine) as session:
        return session.scalar(select(func.count()).select_from(Transaction).where(Transaction.idempotency_key == key))


def test_a_retry_racing_the_first_request_gets_its_deal_not_a_conflict(api, monkeypatch):
    """The retry looked for its key before the first request committed (on another replica), then the unique
    key stopped its insert: it answers 200 with the first request's deal, and a different body still gets 409."""
    *_, orgs, engine = api
    key = {"Idempotency-Key": "race-2026-001"}
    first = call(api, "operator", "POST", "/transactions", json=_licence(orgs), headers=key)
    assert first.status_code == 201, first.text
    real, misses = routes._recorded, []

    def looked_too_early(db, idempotency_key):  # noqa: ANN001, ANN202
        return None if misses and misses.pop() else real(db, idempotency_key)

    monkeypatch.setattr(routes, "_recorded", looked_too_early)
    misses.append(True)
    again = call(api, "operator", "POST", "/transactions", json=_licence(orgs), headers=key)
    assert again.status_code == 200, again.text
    assert again.json()["id"] == first.json()["id"] and not misses
    misses.append(True)
    other = call(api, "operator", "POST", "/transactions", json=_licence(orgs, "999000"), headers=key)
    assert other.status_code == 409 and not misses
    assert _stored(engine, key["Idempotency-Key"]) == 1


def _matches(base: str, key: str, need_id: int) -> list[str]:
    answer = httpx.get(f"{base}/needs/{need_id}/matches", params={"limit": 5},
                       headers={"Authorization": f"Bearer {key}"}, timeout=60)
    assert answer.status_code == 200, answer.text
    return [m["application_number"] for m in answer.json()["items"]]


def _cli(url: str, *args: str) -> str:
    done = subprocess.run([sys.executable, "-c", "from api.cli import main; main()", "--db", url, *args],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


async def _same_deal_through_both(bases: list[str], operator: str, orgs: dict, count: int) -> list[list]:
    """`count` deals, each sent through both replicas at the same moment with one Idempotency-Key."""
    async with httpx.AsyncClient(timeout=60) as client:
        async def both(n: int) -> list:
            headers = {"Authorization": f"Bearer {operator}", "Idempotency-Key": f"together-{n}"}
            return list(await asyncio.gather(*(client.post(f"{b}/transactions", json=_licence(orgs), headers=headers)
                                               for b in bases)))

        return [await both(n) for n in range(count)]


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.parametrize("vectors", ["faiss", "milvus"])
def test_two_replicas_share_writes_exactly_once_and_follow_an_index_update(vectors, monkeypatch):
    """FAISS files in the shared index directory, or a Milvus Lite server both replicas query."""
    home = get_settings().home
    home.mkdir(parents=True, exist_ok=True)
    url, drop = _database("postgresql", home)
    monkeypatch.setenv("PATENT_MATCH_INDEX_WATCH_SECONDS", "0.5")  # the replicas read it at start
    engine, stack = None, ExitStack()
    try:
        if vectors == "milvus":
            monkeypatch.setenv("PATENT_MATCH_VECTOR_URI", stack.enter_context(milvus_server(home / "milvus")))
        keys = demo(home, url)
        assert ((get_settings().index_dir / "vectors.milvus.json").exists()) == (vectors == "milvus")
        engine = make_engine(url)
        with replicas(url, 2) as bases:
            fixture = fixture_for(engine, keys)
            orgs = {"钟山理工大学": fixture.university_id, "南京储能云科技有限公司": fixture.sme_id}
            before = target_figures(bases[0], keys["operator"])
            result = asyncio.run(run_replicas(bases, fixture, seconds=6, clients=4, seed=2))
            problems = result.problems() + exactly_once(engine, result, before,
                                                        target_figures(bases[1], keys["operator"]))
            raced = asyncio.run(_same_deal_through_both(bases, keys["operator"], orgs, 5))
            assert problems == []
            assert result.needs and result.deals and result.feedback and set(result.per_replica) == {0, 1}
            for n, answers in enumerate(raced):  # one 201, one 200, one deal
                assert sorted(a.status_code for a in answers) == [200, 201], [a.text for a in answers]
                assert len({a.json()["id"] for a in answers}) == 1 and _stored(engine, f"together-{n}") == 1

            new = home / "new-patents.csv"
            new.write_text("\n".join([HEADER, row(9901, title=NEW_TITLE, holder=OWN_TTO,
                                                  abstract=f"{NEW_TITLE}，减少桩周冲刷。")]), encoding="utf-8")
            _cli(url, "import", "patents", str(new), "--no-index-update")
            sme = {"Authorization": f"Bearer {keys['sme']}"}
            need = httpx.post(f"{bases[0]}/needs", json={"title": "海上风电防冲刷", "text": NEW_TITLE}, headers=sme)
            assert need.status_code == 201, need.text
            need_id = need.json()["id"]
            assert all(number(9901) not in _matches(b, keys["sme"], need_id) for b in bases)  # not indexed yet

            assert "1 added" in _cli(url, "index", "update")
            deadline = time.monotonic() + 120  # a bound for a loaded machine, not a speed target
            health = {}
            while time.monotonic() < deadline:
                health = {b: httpx.get(f"{b}/health", timeout=10).json() for b in bases}
                if all(h["index_serving"] == h["index_updated_at"] for h in health.values()):
                    break
                time.sleep(0.5)
            assert all(h["index_serving"] == h["index_updated_at"] and h["index_reload"] == "ok"
                       for h in health.values()), health
            assert all(number(9901) in _matches(b, keys["sme"], need_id) for b in bases)  # no restart
    finally:
        if engine is not None:
            engine.dispose()
        stack.close()
        drop()

"""A short, bounded load on loopback against a real `patent-match serve` process: concurrent match lists,
need creation, feedback and deal recording (some deals retried with the same Idempotency-Key). Every
write answered 2xx must be stored exactly once, and the target report must move by exactly the deals
recorded. The full-length run with latency figures is `python -m bench.load` (docs/deployment.md)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from bench.load import exactly_once, fixture_for, run_load, target_figures
from bench.serve import served_demo
from tests.api_support import _database


@pytest.mark.parametrize(("backend", "workers"), [("sqlite", 1), ("sqlite", 2),
                                                  pytest.param("postgresql", 2, marks=pytest.mark.postgres)])
def test_concurrent_writes_land_exactly_once_and_the_report_adds_up(backend, workers):
    """Two workers are two processes writing to one database, as replicas do in production."""
    home = Path(os.environ["PATENT_MATCH_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    url, drop = _database(backend, home)
    try:
        with served_demo(home, url, workers) as (base, keys, engine):
            fixture = fixture_for(engine, keys)
            before = target_figures(base, keys["operator"])
            result = asyncio.run(run_load(base, fixture, seconds=6, clients=4, seed=1))
            problems = exactly_once(engine, result, before, target_figures(base, keys["operator"]))
    finally:
        drop()
    assert result.errors == []
    assert result.needs and result.feedback and result.deals  # every kind of write happened
    assert problems == []

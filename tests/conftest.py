"""Shared fixtures: migrated databases (SQLite file and, when configured, PostgreSQL) per test.

PostgreSQL tests run against PATENT_MATCH_TEST_POSTGRES_URL, each in a schema of its own that is
dropped afterwards. Without that variable they are skipped, unless PATENT_MATCH_REQUIRE_POSTGRES=1
(set by .ci/run), in which case a missing or unreachable server is an error, never a skip.

The shared evaluation corpus is treated the same way: tests that read it take the `shared_data`
fixture, which skips them when the corpus is absent (a fresh clone has none: it may not be
redistributed), unless PATENT_MATCH_REQUIRE_SHARED_DATA=1 (set by .ci/run) makes that a failure.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from data.db import make_engine, upgrade
from data.demo import demo_dir
from data.settings import get_settings
from indexer.text import Document, join_fields
from tests.eval_support import small_graded_set, small_set  # noqa: F401  (the evaluation tests' judged sets)

TODAY = dt.date(2026, 11, 21)
# The shared public data (never copied into the repository): beside the checkout, or where
# PATENT_MATCH_SHARED_DATA says (.ci/run sets it for a clone whose origin has the data beside it).
# Read it through the `shared_data` fixture, never directly, so that its absence is a skip.
SHARED = Path(os.environ.get("PATENT_MATCH_SHARED_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data")
# What the tests read from it; a corpus missing one of these is damaged, not absent.
SHARED_FILES = ("eval/needs-dev/qrels/test.tsv", "eval/problem2patent/qrels/test.tsv",
                "eval/title2abstract/qrels/test.tsv", "ipc/cn_titles_ipc.csv", "patents/cn_patents.jsonl")
pytest_plugins = ["tests.api_support", "tests.web_support"]  # `api`: the demo over HTTP; `site`: over a browser


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # no test may reach a model hub


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files with slow tests run first. In two processes (`--dist loadfile`) the quality test, which on a machine
    whose embedding cache is cold spends 16–19 minutes embedding the corpus, then runs beside the rest instead
    of after most of it. The sort is stable: each file's tests keep their order."""
    slow = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow)


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test gets its own data directory and the fast keyword encoder unless it asks otherwise."""
    monkeypatch.setenv("PATENT_MATCH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PATENT_MATCH_ENCODER", "keyword")
    monkeypatch.delenv("PATENT_MATCH_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _postgres_url() -> str | None:
    url = os.environ.get("PATENT_MATCH_TEST_POSTGRES_URL")
    if not url and os.environ.get("PATENT_MATCH_REQUIRE_POSTGRES") == "1":
        pytest.fail("PATENT_MATCH_REQUIRE_POSTGRES=1 but PATENT_MATCH_TEST_POSTGRES_URL is not set")
    return url


def shared_corpus(path: Path, required: bool) -> Path:
    """`path` when it holds the shared corpus; a skip when it is absent, a failure when `required`."""
    if not path.is_dir():
        reason = (f"the shared evaluation corpus is not here ({path}): set PATENT_MATCH_SHARED_DATA or put "
                  "../shared/data beside the checkout; see README, Evaluation data")
        if required:
            pytest.fail(f"PATENT_MATCH_REQUIRE_SHARED_DATA=1 but {reason}")
        pytest.skip(reason)
    # Present but incomplete is never a skip: someone pointed the tests at it and got it wrong.
    missing = [name for name in SHARED_FILES if not (path / name).is_file()]
    if missing:
        pytest.fail(f"the shared evaluation corpus at {path} lacks {', '.join(missing)}")
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared evaluation corpus (README: "Evaluation data"); skips the test when it is not here."""
    return shared_corpus(SHARED, os.environ.get("PATENT_MATCH_REQUIRE_SHARED_DATA") == "1")


@pytest.fixture
def postgresql_engine() -> Iterator[Engine]:
    url = _postgres_url()
    if not url:
        pytest.skip("PATENT_MATCH_TEST_POSTGRES_URL not set")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # unreachable server: an error, never a silent skip, when configured
        pytest.fail(f"PostgreSQL at {url} is not usable: {exc}")
    engine = create_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> Engine:
    """A freshly migrated, empty database of each backend."""
    return request.getfixturevalue(f"{request.param}_engine")


@pytest.fixture
def write(tmp_path: Path):
    """Write a text file in a given encoding and return its path."""

    def _write(name: str, content: str, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(content.encode(encoding))
        return path

    return _write


@pytest.fixture(scope="session")
def corpus() -> tuple[Document, ...]:
    """Forty team-written demo patents (title + abstract + first claim), read once per session."""
    with (demo_dir() / "patents.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))[:40]
    return tuple(Document(r["申请号"], join_fields(r["名称"], r["摘要"], r["主权项"])) for r in rows)


@pytest.fixture
def demo_db(tmp_path: Path) -> str:
    """A SQLite database holding the demo, as `patent-match demo` leaves it (keyword encoder, index built)."""
    from click.testing import CliRunner

    from api.cli import main

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    result = CliRunner().invoke(main, ["--db", url, "demo", "--as-of", "2026-11-21"])
    assert result.exit_code == 0, result.output
    return url


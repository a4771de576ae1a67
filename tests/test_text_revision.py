"""The database's count of changes to patents' indexed text (migration 0016, indexer/sources.py) and the staleness
check built on it (indexer/freshness.py StalenessCheck): every writer is counted, on SQLite and PostgreSQL, and
the check reads every patent only when the database or the index changed since it last did."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text, update

from data.db import make_engine, transaction, upgrade
from data.enums import LegalStatus, PatentType
from data.models import Patent
from indexer.cache import EmbeddingCache
from indexer.encoders import load_encoder
from indexer.freshness import StalenessCheck, incremental_update
from indexer.sources import DatabaseSource, database_revision
from indexer.store import build_index


def _patent(number: str, title: str) -> Patent:
    return Patent(application_number=number, title=title, abstract=f"{title}的摘要。", first_claim="",
                  patent_type=PatentType.INVENTION, application_date=dt.date(2024, 1, 1),
                  legal_status=LegalStatus.VALID)


def _revision(engine: Engine) -> str:
    with transaction(engine) as session:
        return database_revision(session)


def test_every_writer_of_indexed_text_moves_the_revision_and_nothing_else_does(engine):
    start = _revision(engine)
    with transaction(engine) as session:
        session.add(_patent("CN202410000001.0", "一种电池极片涂布装置"))
    added = _revision(engine)
    assert added != start
    with transaction(engine) as session:  # not part of the indexed text
        session.execute(update(Patent).values(legal_status=LegalStatus.LAPSED, is_sleeping=True))
    assert _revision(engine) == added
    with transaction(engine) as session:  # the ORM, Core and raw SQL, each a writer of its own
        session.scalar(select(Patent)).title = "一种改进的电池极片涂布装置"
    orm = _revision(engine)
    assert orm != added
    with transaction(engine) as session:
        session.execute(update(Patent).values(abstract="改写后的摘要。"))
    core = _revision(engine)
    assert core != orm
    with engine.begin() as conn:
        conn.execute(text("UPDATE patents SET first_claim = '1. 一种装置。'"))
    raw = _revision(engine)
    assert raw != core
    with pytest.raises(RuntimeError), transaction(engine) as session:  # rolled back: nothing happened
        session.execute(update(Patent).values(title="不会保存的标题"))
        raise RuntimeError("abort")
    assert _revision(engine) == raw
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM patents"))
    assert _revision(engine) not in (start, added, orm, core, raw)
    assert _revision(engine).split(":")[0] == start.split(":")[0]  # one database, one token


def test_compacting_keeps_the_revision_and_folds_the_rows(engine):
    for serial in range(3):  # three writing statements: three rows on PostgreSQL, one row on SQLite
        with transaction(engine) as session:
            session.add(_patent(f"CN20241000010{serial}.0", "一种光伏支架"))
    before = _revision(engine)
    DatabaseSource(engine).compact()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM patent_text_changes")).scalar_one() == 1
    assert _revision(engine) == before
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM patents"))
    assert _revision(engine) != before


def test_reading_the_revision_folds_the_rows_once_there_are_many(engine):
    def rows() -> int:
        with engine.connect() as conn:
            return conn.execute(text("SELECT COUNT(*) FROM patent_text_changes")).scalar_one()

    for serial in range(3):
        with transaction(engine) as session:
            session.add(_patent(f"CN20241000020{serial}.0", "一种储能柜"))
    before, many = _revision(engine), rows()
    assert DatabaseSource(engine, fold_at=many + 1).revision() == before and rows() == many  # too few to fold
    assert DatabaseSource(engine, fold_at=min(many, 2)).revision() == before
    assert rows() == 1 and _revision(engine) == before


def test_each_database_has_its_own_token(sqlite_engine, tmp_path):
    other = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    upgrade(other)
    try:
        assert _revision(other).split(":")[0] != _revision(sqlite_engine).split(":")[0]
    finally:
        other.dispose()


class _CountingSource(DatabaseSource):
    """The database, counting how often all its documents were read."""

    def __init__(self, engine: Engine, has_revision: bool = True) -> None:
        super().__init__(engine)
        self.reads, self._has_revision = 0, has_revision

    def revision(self) -> str | None:
        return super().revision() if self._has_revision else None

    def documents(self):  # noqa: ANN201
        self.reads += 1
        return super().documents()


@pytest.fixture
def indexed(engine, tmp_path) -> tuple[Engine, Path, _CountingSource]:  # noqa: ANN001
    with transaction(engine) as session:
        session.add_all([_patent(f"CN20241000000{i}.0", title) for i, title in
                         enumerate(["一种电池极片涂布装置", "一种光伏支架", "一种压缩空气储能换热器"], start=1)])
    source, directory = _CountingSource(engine), tmp_path / "index"
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    try:
        assert incremental_update(directory, source, load_encoder("keyword"), cache).built
    finally:
        cache.close()
    source.reads = 0
    return engine, directory, source


def test_an_index_built_from_the_database_as_it_is_needs_no_reading(indexed):
    _, directory, source = indexed
    check = StalenessCheck(directory, source)
    assert check().pending == 0 and check().removed == 0
    assert source.reads == 0 and check.exact_checks == 0


def test_another_writers_change_is_found_once_and_then_remembered(indexed, tmp_path):
    engine, directory, source = indexed
    check = StalenessCheck(directory, source)
    with engine.begin() as conn:  # as another process would, telling nobody
        conn.execute(text("UPDATE patents SET abstract = '新摘要。' WHERE application_number = 'CN202410000001.0'"))
    assert (check().changed, source.reads) == (1, 1)
    again = check()
    assert (again.changed, source.reads) == (1, 1)  # nothing moved since: the measurement holds
    with engine.begin() as conn:
        conn.execute(text("UPDATE patents SET legal_status = 'lapsed'"))  # not indexed text
    assert (check().changed, source.reads) == (1, 1)
    # Another process swaps in an index of the changed text, without recording a revision (as an eval build):
    build_index(directory, DatabaseSource(engine).documents(), load_encoder("keyword"), None)
    assert (check().pending, source.reads) == (0, 2)  # a new index is measured again
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    try:
        incremental_update(directory, source, load_encoder("keyword"), cache)
    finally:
        cache.close()
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM patents WHERE application_number = 'CN202410000002.0'"))
    assert (check().removed, source.reads) == (1, 4)  # the update read once, the check once


def test_a_source_without_a_revision_is_read_every_time(indexed):
    engine, directory, _ = indexed
    blind = _CountingSource(engine, has_revision=False)
    check = StalenessCheck(directory, blind)
    assert [check().pending for _ in range(2)] == [0, 0] and blind.reads == 2


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_a_served_app_reads_every_patent_only_after_a_change(backend, tmp_path, monkeypatch):
    """The demo as `patent-match demo` builds it, served: /health measures staleness from the database's count
    alone until another writer changes a patent's text; then once, and not again while nothing moves."""
    from click.testing import CliRunner
    from fastapi.testclient import TestClient

    import indexer.sources
    from api.app import create_app
    from api.cli import main
    from data.settings import get_settings
    from tests.api_support import _database

    url, drop = _database(backend, tmp_path)
    monkeypatch.setenv("PATENT_MATCH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PATENT_MATCH_ENCODER", "keyword")
    get_settings.cache_clear()
    reads, read_all = [], indexer.sources.documents_from_db

    def counted(session):  # noqa: ANN001, ANN202
        reads.append(1)
        return read_all(session)

    engine = None
    try:
        assert CliRunner().invoke(main, ["--db", url, "demo", "--as-of", "2026-11-21"]).exit_code == 0
        monkeypatch.setattr(indexer.sources, "documents_from_db", counted)
        engine = make_engine(url)
        client = TestClient(create_app(engine))
        runner = client.app.state.freshness

        def health() -> dict:
            runner.measure()
            assert runner.wait(60)
            return client.get("/health").json()

        assert health()["index_stale"] is False and reads == []
        with engine.begin() as conn:  # another process edits a patent, telling nobody
            number = conn.execute(text("SELECT application_number FROM patents ORDER BY id LIMIT 1")).scalar_one()
            conn.execute(text("UPDATE patents SET abstract = '改写的摘要。' WHERE application_number = :n"),
                         {"n": number})
        assert health()["index_changed"] == 1 and len(reads) == 1
        assert health()["index_changed"] == 1 and len(reads) == 1
    finally:
        get_settings.cache_clear()
        if engine is not None:
            engine.dispose()
        drop()

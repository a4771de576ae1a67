"""How far an index lags behind its source, and the incremental update with progress, one at a time.

The serving process schedules these updates in the background (api/freshness.py); `patent-match
index update` and `patent-match import` run the same update in the foreground.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from indexer.cache import EmbeddingCache
from indexer.directory_swap import locked, recover
from indexer.embed import embed_documents
from indexer.encoders import Encoder
from indexer.manifest import MANIFEST, Manifest
from indexer.sources import DocumentSource
from indexer.store import BuildReport, IdMap, IndexConfig, build_index, update_index
from indexer.text import Document

EMBED_STEP = 64  # documents embedded between two progress reports; each step is committed to the cache

Progress = Callable[[int, int], None]  # (documents embedded so far, documents to embed)


@dataclass(frozen=True)
class Staleness:
    """The database against the index, as of `checked_at`."""

    missing: int  # patents in the database that are not in the index: no match can find them yet
    changed: int  # indexed patents whose text changed since: still matched, on the text the index holds
    removed: int  # indexed patents no longer in the database: never shown (their records are gone)
    checked_at: dt.datetime

    @property
    def pending(self) -> int:
        """Patents whose current text the index does not hold: what a match answer warns about."""
        return self.missing + self.changed

    def notice_zh(self) -> str:
        parts = []
        if self.missing:
            parts.append(f"{self.missing} 件专利尚未进入索引，暂不会出现在匹配结果中")
        if self.changed:
            parts.append(f"{self.changed} 件专利索引待更新，仍按索引中的原文本参与匹配")
        return "；".join(parts) + ("。索引正在后台更新。" if parts else "")


def staleness(directory: Path, documents: list[Document], now: dt.datetime | None = None) -> Staleness:
    """Exact: every document's text digest against the one the index stored (reads ids.json)."""
    recover(directory)
    Manifest.load(directory)  # IndexMismatch when there is no index
    return _diff(IdMap.load(directory), documents, now)[0]


class StalenessCheck:
    """`staleness` that reads every document only when it must. A source revision equal to the one the index
    was built from means nothing is stale; equal to the last exact measurement's, with the same index, means
    that measurement still holds. At 1M patents the exact check reads and normalises every patent (42.6 s of a
    core, bench/scale.py); the revision is two small queries (8.5 ms there)."""

    def __init__(self, directory: Path, source: DocumentSource) -> None:
        self._directory, self._source = directory, source
        self._last: tuple[tuple[str, tuple[int, int] | None], Staleness] | None = None
        self.exact_checks = 0  # how often every document was read (reported by tests and benchmarks)

    def __call__(self) -> Staleness:
        now = dt.datetime.now(dt.UTC)
        revision = self._source.revision()  # before the index and the documents: see database_revision
        index = generation(self._directory)
        recover(self._directory)
        if revision is not None and Manifest.load(self._directory).source_revision == revision:
            return Staleness(0, 0, 0, now)
        key = None if revision is None else (revision, index)
        if key is not None and self._last is not None and self._last[0] == key:
            return replace(self._last[1], checked_at=now)
        self.exact_checks += 1
        found = staleness(self._directory, self._source.documents(), now)
        self._last = None if key is None else (key, found)
        return found


def _diff(ids: IdMap, documents: list[Document], now: dt.datetime | None) -> tuple[Staleness, list[Document]]:
    stored = dict(zip(ids.doc_ids, ids.digests, strict=True))
    current = {d.doc_id for d in documents}
    missing = [d for d in documents if d.doc_id not in stored]
    changed = [d for d in documents if d.doc_id in stored and stored[d.doc_id] != d.digest]
    removed = sum(doc_id not in current for doc_id in stored)
    found = Staleness(len(missing), len(changed), removed, now or dt.datetime.now(dt.UTC))
    return found, changed + missing


def index_times(directory: Path) -> tuple[str | None, str | None]:
    """(built_at, updated_at) of the index's manifest; (None, None) when there is none. Cheap: one small file."""
    try:
        manifest = Manifest.load(directory)
    except Exception:  # noqa: BLE001 — no index, or one this version cannot read: no times to report
        return None, None
    return manifest.built_at, manifest.updated_at


def generation(directory: Path) -> tuple[int, int] | None:
    """Changes whenever a build or update swaps a new index in (the manifest is rewritten); None: no index."""
    try:
        found = (directory / MANIFEST).stat()
    except OSError:
        return None
    return found.st_ino, found.st_mtime_ns


@dataclass(frozen=True)
class UpdateOutcome:
    before: Staleness  # what the update found to do
    report: BuildReport
    built: bool  # there was no index: it was built from scratch


def incremental_update(directory: Path, source: DocumentSource, encoder: Encoder, cache: EmbeddingCache,
                       config: IndexConfig | None = None, progress: Progress | None = None) -> UpdateOutcome:
    """`index update` with progress: new and changed texts are embedded into the cache step by step
    (reported after each step), then `update_index` finds them all cached. Builds when there is no index.
    The documents are read after the lock is taken, so a waiting update sees what the running one missed;
    the source's revision just before them, and the manifest records it."""
    report = progress or (lambda done, total: None)
    config = config or IndexConfig()
    # One update at a time per index, across processes (serving workers, the CLI): two updates read at
    # different moments, and the one swapped in last could be the older. Loads wait for the swap.
    with locked(directory):
        revision = source.revision()
        documents = source.documents()
        recover(directory)
        if not (directory / MANIFEST).exists():
            report(0, len(documents))
            built = build_index(directory, documents, encoder, cache, config, source_revision=revision)
            report(len(documents), len(documents))
            before = Staleness(len(documents), 0, 0, dt.datetime.now(dt.UTC))
            return UpdateOutcome(before, built, built=True)
        Manifest.load(directory).check_encoder(encoder.id, encoder.dim)
        before, to_embed = _diff(IdMap.load(directory), documents, None)
        report(0, len(to_embed))
        for start in range(0, len(to_embed), EMBED_STEP):
            embed_documents(encoder, [d.embed_text for d in to_embed[start:start + EMBED_STEP]], cache)
            report(min(start + EMBED_STEP, len(to_embed)), len(to_embed))
        updated = update_index(directory, documents, encoder, cache, config, source_revision=revision)
        return UpdateOutcome(before, updated, built=False)

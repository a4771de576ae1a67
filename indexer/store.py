"""An index directory: manifest, vectors (FAISS, or a pointer to Milvus), id map and lexical indexes,
always written whole (a Milvus collection is changed in place by updates; see indexer/vectors).

Builds and updates write a fresh directory beside the target and swap it in with two renames
(indexer/directory_swap.py), so a crash leaves either the old index or the new one, never a
mixture. A crash between the two renames leaves `.NAME.old-*`, which the next load restores.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from indexer.cache import EmbeddingCache
from indexer.directory_swap import recover, write_and_swap
from indexer.embed import EmbedStats, embed_documents
from indexer.encoders import Encoder
from indexer.hits import Hit
from indexer.lexical import read_json, write_json
from indexer.lexical.bm25 import Bm25Index, JiebaTokenizer
from indexer.lexical.char_tfidf import CharTfidfIndex
from indexer.manifest import IndexMismatch, Manifest, corpus_checksum
from indexer.text import PATENT_VIEW, WINDOW_CHARS, WINDOW_OVERLAP, Document, windows
from indexer.vectors import VectorIndex, choose_factory, create_vectors, load_vectors
from indexer.vectors.milvus_index import drop_replaced, replaced_collection

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class IndexConfig:
    factory: str | None = None  # None: chosen by corpus size (see indexer.vectors.choose_factory)
    nprobe: int = 32
    ngram_range: tuple[int, int] = (1, 2)
    user_dicts: tuple[Path, ...] = ()
    document_view: str = PATENT_VIEW
    vector_uri: str | None = None  # None: FAISS in the directory; else Milvus (indexer/vectors/milvus_index.py)


@dataclass(frozen=True)
class BuildReport:
    rows: int
    added: int
    changed: int
    removed: int
    embedding: EmbedStats
    seconds: float


@dataclass
class IdMap:
    """Row ids (int64, stable across updates) ↔ document ids, with each document's text digest."""

    doc_ids: list[str] = field(default_factory=list)
    row_ids: list[int] = field(default_factory=list)
    digests: list[str] = field(default_factory=list)

    def save(self, directory: Path) -> None:
        write_json(directory / "ids.json", {"doc_ids": self.doc_ids, "row_ids": self.row_ids, "digests": self.digests})

    @classmethod
    def load(cls, directory: Path, digests: bool = True) -> IdMap:
        """`digests=False` for serving, which never compares texts (a million digests are ~90 MB)."""
        data = read_json(directory / "ids.json")
        return cls(data["doc_ids"], data["row_ids"], data["digests"] if digests else [])  # type: ignore[index]


@dataclass
class LoadedIndex:
    directory: Path
    manifest: Manifest
    vectors: VectorIndex
    ids: IdMap
    tfidf: CharTfidfIndex
    bm25: Bm25Index
    _by_row: dict[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._by_row = dict(zip(self.ids.row_ids, self.ids.doc_ids, strict=True))

    def prefetch(self) -> int:
        """The index files' pages in memory before the first request; bytes asked for. The serving arrays
        are mapped, and a server started on files the cache had dropped read them one page fault at a time
        in its first requests (up to 6 s a match at 1M). Files this process maps are populated, so their
        pages stay mapped (indexer/pages.py); the rest, and everything where that is not possible, are
        read ahead (fadvise WILLNEED)."""
        from indexer.pages import populate

        populated = populate(self.directory, self.tfidf.postings.cold_parts() + self.bm25.postings.cold_parts())
        if populated or not hasattr(os, "posix_fadvise"):
            return populated
        asked = 0
        for path in (p for p in self.directory.rglob("*") if p.is_file()):
            with path.open("rb") as handle:
                os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_WILLNEED)
            asked += path.stat().st_size
        return asked

    def dense_search(self, query_vectors: np.ndarray, k: int) -> list[list[Hit]]:
        """Rows this index's id map does not know are skipped: a shared Milvus collection gains an update's rows
        before every replica has loaded the updated id map (api/index_watch.py)."""
        scores, rows = self.vectors.search(query_vectors, k)
        return [
            [Hit(self._by_row[int(r)], float(s)) for s, r in zip(srow, rrow, strict=True) if int(r) in self._by_row]
            for srow, rrow in zip(scores, rows, strict=True)
        ]


def _write_all(
    tmp: Path,
    manifest: Manifest,
    vectors: VectorIndex,
    ids: IdMap,
    documents: list[Document],
    config: IndexConfig,
    tokenizer: JiebaTokenizer,
) -> None:
    doc_ids, texts = [d.doc_id for d in documents], [d.text for d in documents]
    vectors.save(tmp)
    ids.save(tmp)
    # a chunk of documents at a time: a one-shot build of both took a 1M-patent build to 17 GB
    CharTfidfIndex.write(tmp / "char_tfidf", doc_ids, texts, config.ngram_range)
    Bm25Index.write(tmp / "bm25", doc_ids, texts, tokenizer)
    manifest.save(tmp)


def _manifest(
    encoder: Encoder,
    factory: str,
    documents: list[Document],
    source: str,
    config: IndexConfig,
    tokenizer: JiebaTokenizer,
    windowed: int,
) -> Manifest:
    return Manifest(
        encoder_id=encoder.id,
        dim=encoder.dim,
        factory=factory,
        rows=len(documents),
        document_view=config.document_view,
        source=source,
        source_checksum=corpus_checksum({d.doc_id: d.digest for d in documents}),
        text_rules={
            "normalisation": "full-width→half-width; traditional→simplified for traditional text; whitespace",
            "window_chars": WINDOW_CHARS,
            "window_overlap": WINDOW_OVERLAP,
            "windowed_documents": windowed,
            "long_text_rule": "mean of window vectors",
        },
        lexical={
            "char_tfidf": {"ngram_range": list(config.ngram_range), "sublinear_tf": True},
            "bm25": {
                "tokenizer": "jieba",
                "k1": 1.2,
                "b": 0.75,
                "user_dicts": [str(p) for p in config.user_dicts],
                "user_dicts_checksum": tokenizer.checksum(),
            },
        },
    )


def build_index(
    directory: Path,
    documents: list[Document],
    encoder: Encoder,
    cache: EmbeddingCache | None,
    config: IndexConfig = IndexConfig(),
    source: str = "database",
    progress: bool = False,
    vectors: np.ndarray | None = None,
    source_revision: str | None = None,
) -> BuildReport:
    """Build from scratch (embeddings still come from the cache when the text is unchanged). `vectors`,
    one row per document from `encoder`, skips embedding: batch embedding run as an offline job.
    `source_revision`: the database's revision read before `documents` (recorded in the manifest)."""
    start = time.perf_counter()
    _check_unique(documents)
    if vectors is not None:
        if vectors.shape != (len(documents), encoder.dim):
            raise ValueError(f"vectors of shape {vectors.shape} for {len(documents)} documents of dim {encoder.dim}")
        vectors_np, stats = np.asarray(vectors, dtype=np.float32), EmbedStats(len(documents), 0, 0, 0)
    else:
        vectors_np, stats = embed_documents(encoder, [d.embed_text for d in documents], cache, progress=progress)
    factory = choose_factory(len(documents), config.factory)
    index = create_vectors(encoder.dim, factory, vectors_np, config.nprobe, config.vector_uri)
    ids = IdMap([d.doc_id for d in documents], list(range(len(documents))), [d.digest for d in documents])
    index.add(np.asarray(ids.row_ids, dtype=np.int64), vectors_np)
    tokenizer = JiebaTokenizer.shared(config.user_dicts)
    windowed = sum(len(windows(d.embed_text)) > 1 for d in documents)
    manifest = _manifest(encoder, factory, documents, source, config, tokenizer, windowed)
    manifest.source_revision = source_revision
    replaced = replaced_collection(directory)  # a Milvus collection this build supersedes
    write_and_swap(directory, lambda tmp: _write_all(tmp, manifest, index, ids, documents, config, tokenizer))
    drop_replaced(replaced, index)
    return BuildReport(len(documents), len(documents), 0, 0, stats, time.perf_counter() - start)


def update_index(
    directory: Path,
    documents: list[Document],
    encoder: Encoder,
    cache: EmbeddingCache | None,
    config: IndexConfig = IndexConfig(),
    progress: bool = False,
    source_revision: str | None = None,
) -> BuildReport:
    """Bring an index in step with `documents`: embed only new and changed texts, remove deleted rows.
    Lexical indexes are refitted over the whole corpus (seconds per 10k documents). An update that finds
    nothing to do leaves the index as it is, `source_revision` included."""
    start = time.perf_counter()
    _check_unique(documents)
    recover(directory)
    manifest = Manifest.load(directory)
    manifest.check_encoder(encoder.id, encoder.dim)
    ids = IdMap.load(directory)
    vectors = load_vectors(directory, manifest.factory, config.nprobe)
    stored = dict(zip(ids.doc_ids, zip(ids.row_ids, ids.digests, strict=True), strict=True))
    current = {d.doc_id: d for d in documents}
    added = [d for d in documents if d.doc_id not in stored]
    changed = [d for d in documents if d.doc_id in stored and stored[d.doc_id][1] != d.digest]
    removed = [doc_id for doc_id in stored if doc_id not in current]
    tokenizer = JiebaTokenizer.shared(config.user_dicts)
    same_lexical = manifest.lexical.get("bm25", {}).get("user_dicts_checksum") == tokenizer.checksum() and (
        manifest.lexical.get("char_tfidf", {}).get("ngram_range") == list(config.ngram_range)
    )
    if not (added or changed or removed) and same_lexical and [d.doc_id for d in documents] == ids.doc_ids:
        return BuildReport(len(documents), 0, 0, 0, EmbedStats(0, 0, 0, 0), time.perf_counter() - start)
    to_embed = changed + added
    fresh, stats = embed_documents(encoder, [d.embed_text for d in to_embed], cache, progress=progress)
    next_row = max(ids.row_ids, default=-1) + 1
    new_rows = [stored[d.doc_id][0] for d in changed] + list(range(next_row, next_row + len(added)))
    row_of = {doc_id: row for doc_id, (row, _) in stored.items()} | dict(
        zip((d.doc_id for d in to_embed), new_rows, strict=True)
    )
    ids = IdMap([d.doc_id for d in documents], [row_of[d.doc_id] for d in documents], [d.digest for d in documents])
    if vectors.supports_remove or not (removed or changed):
        gone = [stored[i][0] for i in removed] + [stored[d.doc_id][0] for d in changed]
        vectors.remove(np.asarray(gone, dtype=np.int64))
        vectors.add(np.asarray(new_rows, dtype=np.int64), fresh)
    else:  # e.g. HNSW: rebuild the vector part; every embedding but the fresh ones comes from the cache
        every, _ = embed_documents(encoder, [d.embed_text for d in documents], cache)
        vectors = create_vectors(encoder.dim, manifest.factory, every, config.nprobe)
        vectors.add(np.asarray(ids.row_ids, dtype=np.int64), every)
    if vectors.count() != len(documents):
        raise IndexMismatch(f"vector count {vectors.count()} != {len(documents)} documents after update; rebuild")
    windowed = sum(len(windows(d.embed_text)) > 1 for d in documents)
    new_manifest = _manifest(encoder, manifest.factory, documents, manifest.source, config, tokenizer, windowed)
    new_manifest.built_at = manifest.built_at
    new_manifest.updated_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    new_manifest.source_revision = source_revision
    write_and_swap(directory, lambda tmp: _write_all(tmp, new_manifest, vectors, ids, documents, config, tokenizer))
    return BuildReport(len(documents), len(added), len(changed), len(removed), stats, time.perf_counter() - start)


def load_index(directory: Path, encoder: Encoder, config: IndexConfig = IndexConfig()) -> LoadedIndex:
    """Load and verify: refuses another encoder's index and any count mismatch between the parts."""
    recover(directory)
    manifest = Manifest.load(directory)
    manifest.check_encoder(encoder.id, encoder.dim)
    ids = IdMap.load(directory, digests=False)
    # Mapped, not read: the arrays are shared by every process serving this index (one per core)
    vectors = load_vectors(directory, manifest.factory, config.nprobe, mmap=True)
    tfidf = CharTfidfIndex.load(directory / "char_tfidf", mmap=True)
    bm25 = Bm25Index.load(directory / "bm25", JiebaTokenizer.shared(config.user_dicts), mmap=True)
    counts = {
        "manifest": manifest.rows,
        "vectors": vectors.count(),
        "ids": len(ids.doc_ids),
        "char_tfidf": len(tfidf.doc_ids),
        "bm25": len(bm25.doc_ids),
    }
    if len(set(counts.values())) != 1:
        raise IndexMismatch(f"{directory} is inconsistent ({counts}); rebuild with `patent-match index build`")
    for part in (tfidf, bm25):  # one list of a million ids instead of three (~70 MB each)
        if part.doc_ids == ids.doc_ids:
            part.doc_ids = ids.doc_ids
    return LoadedIndex(directory, manifest, vectors, ids, tfidf, bm25)


def _check_unique(documents: list[Document]) -> None:
    if not documents:
        raise ValueError("there are no documents to index; import patents first")
    seen: set[str] = set()
    for d in documents:
        if d.doc_id in seen:
            raise ValueError(f"document id {d.doc_id} appears twice")
        seen.add(d.doc_id)


@dataclass(frozen=True)
class IndexStatus:
    directory: Path
    manifest: Manifest
    rows: int
    added: int  # in the source, not in the index
    changed: int
    removed: int  # in the index, no longer in the source

    @property
    def stale(self) -> bool:
        return bool(self.added or self.changed or self.removed)


def index_status(directory: Path, documents: list[Document]) -> IndexStatus:
    recover(directory)
    manifest = Manifest.load(directory)
    ids = IdMap.load(directory)
    stored = dict(zip(ids.doc_ids, ids.digests, strict=True))
    current = {d.doc_id: d.digest for d in documents}
    return IndexStatus(
        directory,
        manifest,
        len(ids.doc_ids),
        added=sum(doc_id not in stored for doc_id in current),
        changed=sum(doc_id in stored and stored[doc_id] != digest for doc_id, digest in current.items()),
        removed=sum(doc_id not in current for doc_id in stored),
    )

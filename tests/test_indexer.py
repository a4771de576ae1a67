from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from indexer.cache import EmbeddingCache
from indexer.embed import embed_documents
from indexer.encoders.keyword import KeywordEncoder
from indexer.lexical.bm25 import Bm25Index
from indexer.manifest import IndexMismatch
from indexer.store import IdMap, IndexConfig, build_index, index_status, load_index, update_index
from indexer.text import WINDOW_CHARS, Document, normalize, windows
from indexer.vectors import EXACT_MAX_VECTORS, choose_factory
from indexer.vectors.faiss_index import FaissIndex


class CountingEncoder(KeywordEncoder):
    """The keyword encoder, counting how many texts it was asked to encode."""

    def __init__(self) -> None:
        super().__init__()
        self.encoded = 0

    def encode_documents(self, texts):
        self.encoded += len(texts)
        return super().encode_documents(texts)


@pytest.fixture
def cache(tmp_path: Path):
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    yield cache
    cache.close()


def test_normalisation_and_windows():
    assert normalize("電池　ＡＢＣ１２３  負極") == "电池 ABC123 负极"
    assert normalize("效果显著，著名的乾坤") == "效果显著,著名的乾坤"  # simplified text is left alone
    assert normalize("著") == "著" and normalize("這個電池") == "这个电池"
    text = "甲" * (2 * WINDOW_CHARS)
    parts = windows(text)
    assert len(parts) == 3 and all(len(p) <= WINDOW_CHARS for p in parts)
    assert "".join(p[:600] for p in parts[:-1]) + parts[-1] == text  # windows cover every character


def test_long_documents_get_the_mean_of_their_windows(cache):
    encoder = KeywordEncoder()
    long_text = "锂电池负极材料" * 200
    (vector,), stats = embed_documents(encoder, [long_text], cache)
    expected = encoder.encode_documents(windows(long_text)).mean(axis=0)
    assert stats.windowed == 1
    np.testing.assert_allclose(vector, expected / np.linalg.norm(expected), rtol=1e-5)


def test_build_then_load_round_trip(tmp_path, corpus, cache):
    directory = tmp_path / "index"
    report = build_index(directory, list(corpus), KeywordEncoder(), cache)
    assert (report.rows, report.added) == (40, 40)
    manifest = json.loads((directory / "manifest.json").read_text())
    assert manifest["encoder_id"] == "keyword-crc32-256" and manifest["factory"] == "Flat"
    assert manifest["rows"] == 40 and manifest["document_view"].startswith("lexical: title + abstract + first claim; dense: abstract")
    assert {"faiss-cpu", "numpy", "bm25s"} <= set(manifest["libraries"])

    index = load_index(directory, KeywordEncoder())  # as after a restart
    query = corpus[7].text
    assert index.dense_search(KeywordEncoder().encode_queries([query]), 1)[0][0].doc_id == corpus[7].doc_id
    assert index.tfidf.search(query, 1)[0].doc_id == corpus[7].doc_id
    assert index.bm25.search(query, 1)[0].doc_id == corpus[7].doc_id
    assert index.tfidf.doc_ids is index.ids.doc_ids and index.bm25.doc_ids is index.ids.doc_ids  # held once
    assert index.ids.digests == [] and len(IdMap.load(directory).digests) == 40  # serving compares no texts


def test_unchanged_text_is_never_encoded_twice(tmp_path, corpus, cache):
    encoder = CountingEncoder()
    build_index(tmp_path / "a", list(corpus), encoder, cache)
    first = encoder.encoded
    build_index(tmp_path / "b", list(corpus), encoder, cache)
    assert first == 40 and encoder.encoded == first


def test_update_adds_changes_and_removes(tmp_path, corpus, cache):
    directory = tmp_path / "index"
    encoder = CountingEncoder()
    build_index(directory, list(corpus[:30]), encoder, cache)
    before = IdMap.load(directory)
    edited = Document(corpus[0].doc_id, "一种海上风电运维船的靠泊补偿舷梯，采用液压补偿机构")
    current = [edited, *corpus[1:20], *corpus[30:35]]  # 10 removed, 5 added, 1 changed
    encoder.encoded = 0
    report = update_index(directory, current, encoder, cache)
    assert (report.added, report.changed, report.removed, report.rows) == (5, 1, 10, 25)
    assert encoder.encoded == 6  # only the new and the changed texts

    index = load_index(directory, encoder)
    rows = dict(zip(index.ids.doc_ids, index.ids.row_ids, strict=True))
    assert all(rows[d.doc_id] == before.row_ids[i] for i, d in enumerate(corpus[:20]))  # stable ids
    hits = index.dense_search(encoder.encode_queries([edited.text]), 3)[0]
    assert hits[0].doc_id == edited.doc_id
    gone = {d.doc_id for d in corpus[20:30]}
    for query in (corpus[25].text, corpus[31].text):
        dense = {h.doc_id for h in index.dense_search(encoder.encode_queries([query]), 25)[0]}
        lexical = {h.doc_id for h in index.tfidf.search(query, 25)} | {h.doc_id for h in index.bm25.search(query, 25)}
        assert not (dense | lexical) & gone
    assert index_status(directory, current).stale is False
    status = index_status(directory, current[:-2] + [Document("new-1", "新专利")])
    assert (status.added, status.changed, status.removed) == (1, 0, 2)


def test_an_index_built_with_another_encoder_is_refused(tmp_path, corpus, cache):
    build_index(tmp_path / "index", list(corpus), KeywordEncoder(), cache)
    with pytest.raises(IndexMismatch, match=r"built with encoder keyword-crc32-256 \(dim 256\) but keyword-crc32-128"):
        load_index(tmp_path / "index", KeywordEncoder(dim=128))
    with pytest.raises(IndexMismatch, match="built with encoder"):
        update_index(tmp_path / "index", list(corpus), KeywordEncoder(dim=128), cache)


def test_a_damaged_index_is_refused(tmp_path, corpus, cache):
    directory = tmp_path / "index"
    build_index(directory, list(corpus), KeywordEncoder(), cache)
    ids = json.loads((directory / "ids.json").read_text())
    (directory / "ids.json").write_text(json.dumps({k: v[:-1] for k, v in ids.items()}))
    with pytest.raises(IndexMismatch, match="inconsistent"):
        load_index(directory, KeywordEncoder())
    with pytest.raises(IndexMismatch, match="no manifest.json"):
        load_index(tmp_path / "nowhere", KeywordEncoder())


def test_an_interrupted_build_leaves_the_previous_index_whole(tmp_path, corpus, cache, monkeypatch):
    directory = tmp_path / "index"
    build_index(directory, list(corpus[:10]), KeywordEncoder(), cache)
    built_at = json.loads((directory / "manifest.json").read_text())["built_at"]

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(Bm25Index, "write", crash)  # dies after vectors and TF-IDF were written
    with pytest.raises(KeyboardInterrupt):
        build_index(directory, list(corpus), KeywordEncoder(), cache)
    monkeypatch.undo()
    index = load_index(directory, KeywordEncoder())
    assert index.manifest.rows == 10 and index.manifest.built_at == built_at
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_crash_between_the_two_renames_is_recovered(tmp_path, corpus, cache):
    directory = tmp_path / "index"
    build_index(directory, list(corpus), KeywordEncoder(), cache)
    directory.rename(tmp_path / ".index.old-123-abc")  # the old index moved aside, the new one not yet in place
    assert load_index(directory, KeywordEncoder()).manifest.rows == 40


def test_factory_choice():
    assert choose_factory(1000) == "Flat"
    assert choose_factory(EXACT_MAX_VECTORS + 1).startswith("IVF")
    assert choose_factory(1_000_000) == "IVF4096,SQfp16"
    assert choose_factory(10, "HNSW32") == "HNSW32"


def test_ivf_recall_against_exact_search_on_clustered_vectors():
    rng = np.random.default_rng(7)
    centres = rng.normal(size=(50, 64))
    data = (centres[rng.integers(0, 50, 20_000)] + 0.35 * rng.normal(size=(20_000, 64))).astype(np.float32)
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    queries = data[rng.choice(20_000, 200, replace=False)] + 0.05 * rng.normal(size=(200, 64)).astype(np.float32)
    ids = np.arange(20_000, dtype=np.int64) * 3 + 11  # arbitrary stable ids
    exact = FaissIndex.create(64, "Flat")
    exact.add(ids, data)
    approximate = FaissIndex.create(64, "IVF128,Flat", training=data, nprobe=16)
    approximate.add(ids, data)
    _, truth = exact.search(queries, 10)
    _, found = approximate.search(queries, 10)
    recall = np.mean([len(set(t) & set(f)) / 10 for t, f in zip(truth, found, strict=True)])
    assert recall >= 0.95
    assert approximate.remove(ids[:5]) == 5 and approximate.count() == 20_000 - 5


def test_a_graph_index_is_rebuilt_from_the_cache_when_rows_must_go(tmp_path, corpus, cache):
    directory = tmp_path / "index"
    encoder = CountingEncoder()
    build_index(directory, list(corpus), encoder, cache, IndexConfig(factory="HNSW16"))
    encoder.encoded = 0
    report = update_index(directory, list(corpus[1:]), encoder, cache, IndexConfig(factory="HNSW16"))
    assert report.removed == 1 and encoder.encoded == 0
    index = load_index(directory, encoder)
    assert index.manifest.factory == "HNSW16" and index.vectors.count() == 39
    assert not index.vectors.supports_remove
    hits = index.dense_search(encoder.encode_queries([corpus[0].text]), 39)[0]
    assert corpus[0].doc_id not in {h.doc_id for h in hits}


def test_an_unchanged_corpus_is_refitted_when_the_dictionaries_change(tmp_path, corpus, cache):
    directory = tmp_path / "index"
    build_index(directory, list(corpus), KeywordEncoder(), cache)
    update_index(directory, list(corpus), KeywordEncoder(), cache)
    assert json.loads((directory / "manifest.json").read_text())["updated_at"] is None  # a no-op: nothing rewritten
    words = tmp_path / "words.txt"
    words.write_text("负极材料体系 10\n", encoding="utf-8")
    before = json.loads((directory / "manifest.json").read_text())["lexical"]["bm25"]["user_dicts_checksum"]
    update_index(directory, list(corpus), KeywordEncoder(), cache, IndexConfig(user_dicts=(words,)))
    after = json.loads((directory / "manifest.json").read_text())["lexical"]["bm25"]
    assert after["user_dicts_checksum"] != before and after["user_dicts"] == [str(words)]


def test_the_encoder_reads_the_text_without_the_title(tmp_path):
    from indexer.sources import documents_from_beir, patent_document

    document = patent_document("p1", "一种电池", "本发明公开了一种电池。", "一种电池，其特征在于")
    assert document.text == "一种电池 本发明公开了一种电池。 一种电池,其特征在于"
    assert document.embed_text == "本发明公开了一种电池。 一种电池,其特征在于"
    assert patent_document("p2", "一种电池", "", None).embed_text == "一种电池"  # nothing else to read
    assert document.digest != patent_document("p1", "一种电池", "本发明公开了一种电池。", None).digest
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text('{"_id": "d1", "title": "标题", "text": "摘要"}\n{"_id": "d2", "title": "只有标题"}\n', "utf-8")
    assert [(d.text, d.embed_text) for d in documents_from_beir(corpus)] == [("标题 摘要", "摘要"), ("只有标题", "只有标题")]


def _resident_kb(ranges: list[tuple[int, int, str]]) -> tuple[int, int]:
    """(size, resident) in kB of these mappings, from /proc/self/smaps."""
    starts, size, rss, current = {start for start, _, _ in ranges}, 0, 0, False
    for line in open("/proc/self/smaps"):  # noqa: SIM115
        head = line.split()[0]
        if "-" in head and not head.endswith(":"):
            current = int(head.split("-")[0], 16) in starts
        elif current and head in ("Size:", "Rss:"):
            size, rss = (size + int(line.split()[1]), rss) if head == "Size:" else (size, rss + int(line.split()[1]))
    return size, rss


@pytest.mark.skipif(not os.path.exists("/proc/self/smaps"), reason="reads mappings from Linux procfs")
def test_prefetch_maps_every_page_of_the_mapped_index_files(tmp_path, corpus, cache):
    from indexer.pages import mapped_ranges

    directory = tmp_path / "index"
    build_index(directory, list(corpus), KeywordEncoder(), cache)
    index = load_index(directory, KeywordEncoder())
    ranges = mapped_ranges(directory)
    assert {Path(p).parent.name for _, _, p in ranges} == {"char_tfidf", "bm25"}  # the postings are mapped
    size, resident = _resident_kb(ranges)
    assert index.prefetch() == size * 1024 and _resident_kb(ranges) == (size, size) and resident < size


def test_prefetch_reads_ahead_where_pages_cannot_be_mapped(tmp_path, corpus, cache, monkeypatch):
    import indexer.pages

    directory = tmp_path / "index"
    build_index(directory, list(corpus), KeywordEncoder(), cache)
    asked = []
    monkeypatch.setattr(indexer.pages, "populate", lambda directory, cold=(): 0)
    monkeypatch.setattr(os, "posix_fadvise", lambda fd, offset, length, advice: asked.append(advice), raising=False)
    files = [p for p in directory.rglob("*") if p.is_file()]
    assert load_index(directory, KeywordEncoder()).prefetch() == sum(p.stat().st_size for p in files)
    assert asked == [os.POSIX_FADV_WILLNEED] * len(files) and len(files) > 5

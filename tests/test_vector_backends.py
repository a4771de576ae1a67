"""One protocol suite for every vector backend: FAISS in the index directory, and Milvus (on
milvus-lite here and in CI; the same client code talks to a deployment by http:// URI).

Ids, add, update, remove, search and the index directory's manifest checks must behave the same.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from indexer.cache import EmbeddingCache
from indexer.encoders.keyword import KeywordEncoder
from indexer.manifest import IndexMismatch
from indexer.store import IndexConfig, build_index, load_index, update_index
from indexer.text import Document
from indexer.vectors import create_vectors, load_vectors

DIM = 32


@pytest.fixture(params=["faiss", "milvus"])
def uri(request, tmp_path: Path) -> str | None:
    """None for FAISS; a milvus-lite database file for Milvus."""
    return None if request.param == "faiss" else str(tmp_path / "milvus.db")


def _unit(rows: int, seed: int) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(rows, DIM)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.mark.parametrize("factory", ["Flat", "IVF4,Flat", "IVF4,SQfp16"])
def test_ids_add_search_remove_and_update(uri, factory):
    data = _unit(400, 0)
    index = create_vectors(DIM, factory, data, nprobe=4, uri=uri)
    ids = np.arange(1000, 1400, dtype=np.int64)  # the caller's ids, not positions
    index.add(ids, data)
    assert index.count() == 400
    scores, found = index.search(data[[5, 17]], 3)
    assert found.shape == (2, 3) and found[:, 0].tolist() == [1005, 1017]
    np.testing.assert_allclose(scores[:, 0], [1.0, 1.0], rtol=1e-4)
    assert (np.diff(scores, axis=1) <= 1e-6).all()  # best first

    assert index.remove(np.array([1005, 1006, 99_999], dtype=np.int64)) == 2  # unknown ids are ignored
    assert index.count() == 398
    _, found = index.search(data[[5]], 5)
    assert 1005 not in found[0].tolist()

    moved = _unit(1, 7)  # an update: the same id, a new vector
    index.remove(np.array([1017], dtype=np.int64))
    index.add(np.array([1017], dtype=np.int64), moved)
    _, found = index.search(moved, 1)
    assert found[0, 0] == 1017 and index.count() == 398


def test_search_deeper_than_the_index_returns_what_there_is(uri):
    index = create_vectors(DIM, "Flat", None, nprobe=1, uri=uri)
    index.add(np.array([7, 8, 9], dtype=np.int64), _unit(3, 1))
    scores, found = index.search(_unit(2, 2), 10)
    assert found.shape == (2, 3) and sorted(found[0].tolist()) == [7, 8, 9]


def test_save_and_load_keep_the_vectors(uri, tmp_path: Path):
    data = _unit(50, 3)
    index = create_vectors(DIM, "Flat", data, nprobe=1, uri=uri)
    index.add(np.arange(50, dtype=np.int64), data)
    folder = tmp_path / "saved"
    folder.mkdir()
    index.save(folder)
    again = load_vectors(folder, "Flat", nprobe=1)
    assert again.count() == 50 and again.search(data[[9]], 1)[1][0, 0] == 9


def _docs(texts: dict[str, str]) -> list[Document]:
    return [Document(doc_id, text) for doc_id, text in texts.items()]


def test_index_directories_behave_the_same_on_both_backends(uri, tmp_path: Path, corpus):
    encoder, config = KeywordEncoder(), IndexConfig(vector_uri=uri)
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    directory = tmp_path / "index"
    documents = list(corpus)[:20]
    build_index(directory, documents, encoder, cache, config)
    index = load_index(directory, encoder)
    assert index.vectors.count() == 20
    query = encoder.encode_queries([documents[3].text])
    assert index.dense_search(query, 1)[0][0].doc_id == documents[3].doc_id

    changed = Document(documents[0].doc_id, "一种深海热液喷口微生物采样装置及其保压方法")
    report = update_index(directory, [changed, *documents[2:], Document("NEW-1", "一种光伏组件清洗机器人")],
                          encoder, cache, config)
    assert (report.added, report.changed, report.removed) == (1, 1, 1)
    index = load_index(directory, encoder)
    assert index.vectors.count() == 20
    hits = index.dense_search(encoder.encode_queries([changed.text, "光伏组件清洗机器人"]), 1)
    assert [h[0].doc_id for h in hits] == [changed.doc_id, "NEW-1"]
    assert documents[1].doc_id not in {h.doc_id for h in index.dense_search(
        encoder.encode_queries([documents[1].text]), 20)[0]}

    with pytest.raises(IndexMismatch, match="built with encoder keyword-crc32-256"):
        load_index(directory, KeywordEncoder(dim=64))  # another encoder's vectors are not comparable
    index.vectors.remove(np.array([0], dtype=np.int64))  # a vector part out of step with the manifest
    index.vectors.save(directory)
    with pytest.raises(IndexMismatch, match="inconsistent"):
        load_index(directory, encoder)
    cache.close()


def test_a_rebuild_on_milvus_drops_the_collection_it_replaced(tmp_path: Path, corpus):
    from pymilvus import MilvusClient

    uri = str(tmp_path / "milvus.db")
    encoder, config = KeywordEncoder(), IndexConfig(vector_uri=uri)
    directory = tmp_path / "index"
    build_index(directory, list(corpus)[:10], encoder, None, config)
    first = load_index(directory, encoder).vectors.collection
    build_index(directory, list(corpus)[:12], encoder, None, config)
    second = load_index(directory, encoder).vectors.collection
    assert first != second and MilvusClient(uri).list_collections() == [second]


def test_a_mapped_faiss_index_answers_as_a_read_one(tmp_path: Path):
    """Serving processes map the IVF file (its pages shared between workers) instead of reading it."""
    from indexer.vectors.faiss_index import FaissIndex

    data = _unit(400, 3)
    index = create_vectors(DIM, "IVF4,Flat", data, nprobe=4)
    index.add(np.arange(400, dtype=np.int64), data)
    index.save(tmp_path)
    read, mapped = (FaissIndex.load(tmp_path, "IVF4,Flat", 4, mmap=m) for m in (False, True))
    for a, b in zip(read.search(data[:30], 5), mapped.search(data[:30], 5), strict=True):
        np.testing.assert_array_equal(a, b)
    assert mapped.count() == 400


def test_a_single_query_searches_on_one_openmp_thread_in_any_thread(monkeypatch):
    """OpenMP's thread count is per calling thread, and the API answers each request in a thread of its own:
    a setting made once at load time would not reach them."""
    import threading

    import faiss

    data = _unit(300, 4)
    index = create_vectors(DIM, "Flat", data, nprobe=1)
    index.add(np.arange(300, dtype=np.int64), data)
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    seen = {}

    def request(name: str, rows: int) -> None:
        index.search(data[:rows], 5)
        seen[name] = faiss.omp_get_max_threads()

    for name, rows in (("one need", 1), ("a batch", 50)):
        thread = threading.Thread(target=request, args=(name, rows))
        thread.start()
        thread.join()
    assert seen == {"one need": 1, "a batch": 2}

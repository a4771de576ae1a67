"""Milvus backend, configured by URI: a local file runs on milvus-lite (embedded, from PyPI), and
`http://host:19530` points at a Milvus standalone or cluster deployment. Same ids, scores and
semantics as the FAISS backend (inner product on normalised vectors, int64 ids chosen by the caller).

The vectors live in Milvus, not in the index directory: the directory keeps a pointer file naming the
URI and collection. Every build writes a new collection and drops the one it replaced once the new
directory is in place; updates change the live collection, and the manifest's row count is checked
against it on every load. pymilvus is imported lazily: it is an optional backend.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

POINTER = "vectors.milvus.json"
BATCH = 5_000  # rows per insert call: Milvus limits a request's size


def _client(uri: str):  # noqa: ANN202
    from pymilvus import MilvusClient

    return MilvusClient(uri)


def index_params(factory: str, nprobe: int) -> tuple[dict, dict]:
    """FAISS factory strings mapped to Milvus index types, with their search parameters."""
    if factory == "Flat":
        return {"index_type": "FLAT", "params": {}}, {}
    if match := re.fullmatch(r"IVF(\d+),(Flat|SQfp16)", factory):  # Milvus has no half-precision IVF
        return {"index_type": "IVF_FLAT", "params": {"nlist": int(match.group(1))}}, {"nprobe": nprobe}
    if match := re.fullmatch(r"IVF(\d+),PQ(\d+)", factory):
        return ({"index_type": "IVF_PQ", "params": {"nlist": int(match.group(1)), "m": int(match.group(2)),
                                                      "nbits": 8}}, {"nprobe": nprobe})
    if match := re.fullmatch(r"HNSW(\d+)", factory):
        return {"index_type": "HNSW", "params": {"M": int(match.group(1)), "efConstruction": 200}}, {"ef": 128}
    raise ValueError(f"no Milvus index for factory {factory!r}; use Flat, IVF<n>,Flat, IVF<n>,SQfp16, IVF<n>,PQ<m> or "
                     "HNSW<M>")


class MilvusIndex:
    supports_remove = True

    def __init__(self, uri: str, collection: str, factory: str, nprobe: int = 32) -> None:
        self.uri, self.collection, self.factory, self.nprobe = uri, collection, factory, nprobe
        self.client = _client(uri)
        self._search_params = index_params(factory, nprobe)[1]

    @classmethod
    def create(cls, dim: int, factory: str, uri: str, nprobe: int = 32) -> MilvusIndex:
        from pymilvus import DataType, MilvusClient

        created = cls(uri, f"pm_{uuid.uuid4().hex[:16]}", factory, nprobe)
        schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
        params = created.client.prepare_index_params()
        index, _ = index_params(factory, nprobe)
        params.add_index(field_name="vector", metric_type="IP", **index)
        created.client.create_collection(created.collection, schema=schema, index_params=params,
                                         consistency_level="Strong")
        return created

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        vectors = np.asarray(vectors, dtype=np.float32)
        for start in range(0, len(ids), BATCH):
            rows = [{"id": int(i), "vector": v.tolist()}
                    for i, v in zip(ids[start:start + BATCH], vectors[start:start + BATCH], strict=True)]
            self.client.insert(self.collection, rows)

    def _existing(self, ids: list[int]) -> list[int]:
        found: list[int] = []
        for start in range(0, len(ids), BATCH):
            chunk = ids[start:start + BATCH]
            found += [row["id"] for row in self.client.get(self.collection, ids=chunk, output_fields=["id"])]
        return found

    def remove(self, ids: np.ndarray) -> int:
        """Remove these ids; returns how many existed (unknown ids are ignored, as FAISS does)."""
        present = self._existing([int(i) for i in ids])
        if present:
            self.client.delete(self.collection, ids=present)
        return len(present)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Like FAISS: (scores, ids) of shape (queries, k'), best first, k' = min(k, count), padded -1.
        k' comes from the answers themselves: counting rows first would cost a round trip per search."""
        answers = [list(hits) for hits in self.client.search(
            self.collection, data=np.asarray(queries, dtype=np.float32).tolist(), limit=max(1, k),
            search_params={"metric_type": "IP", "params": self._search_params}, output_fields=[],
            consistency_level="Strong")]
        width = max(1, min(k, max((len(hits) for hits in answers), default=1)))
        scores = np.full((len(queries), width), -np.inf, dtype=np.float32)
        ids = np.full((len(queries), width), -1, dtype=np.int64)
        for row, hits in enumerate(answers):
            for col, hit in enumerate(hits[:width]):
                scores[row, col], ids[row, col] = hit["distance"], hit["id"]
        return scores, ids

    def count(self) -> int:
        rows = self.client.query(self.collection, filter="", output_fields=["count(*)"], consistency_level="Strong")
        return int(rows[0]["count(*)"])

    def save(self, directory: Path) -> None:
        self.client.flush(self.collection)
        (directory / POINTER).write_text(json.dumps({"uri": self.uri, "collection": self.collection,
                                                     "factory": self.factory}), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path, factory: str, nprobe: int = 32) -> MilvusIndex:
        from indexer.manifest import IndexMismatch

        pointer = json.loads((directory / POINTER).read_text(encoding="utf-8"))
        loaded = cls(pointer["uri"], pointer["collection"], factory, nprobe)
        if not loaded.client.has_collection(loaded.collection):
            raise IndexMismatch(f"{directory}: Milvus collection {loaded.collection} at {loaded.uri} is gone; rebuild")
        loaded.client.load_collection(loaded.collection)
        return loaded

    def drop(self) -> None:
        self.client.drop_collection(self.collection)


def replaced_collection(directory: Path) -> tuple[str, str] | None:
    """(uri, collection) the directory points at now, to drop once a rebuild has replaced it."""
    path = directory / POINTER
    if not path.exists():
        return None
    pointer = json.loads(path.read_text(encoding="utf-8"))
    return pointer["uri"], pointer["collection"]


def drop_replaced(previous: tuple[str, str] | None, current: object) -> None:
    if previous is None or (isinstance(current, MilvusIndex) and previous[1] == current.collection):
        return
    try:
        _client(previous[0]).drop_collection(previous[1])
    except Exception as exc:  # noqa: BLE001 (a collection left behind wastes space; the new index is fine)
        logger.warning("could not drop the replaced Milvus collection %s: %s", previous[1], exc)

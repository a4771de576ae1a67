"""Peak memory of the lexical build (character TF-IDF + jieba BM25), chunked against one-shot, with the results
of both compared in the same run.

    python -m bench.lexical_build --sizes 100000,300000 [--ways chunked,one-shot] [--work DIR]

The corpus is bench.scale's (the real patents, then synthetic records built from their sentences), so the
figures are those of the 1M build's lexical part. Each size and way is built in its own process under
GNU time (`/usr/bin/time -v`; `apt-get install -y time` where missing), which reports the process's peak
resident set; the process itself reports the peak of the lexical build alone (VmHWM reset once the corpus
texts are in memory) and the load average, since the machine may be shared. Where both ways were built,
their files are compared byte for byte and the top 200 of each query (32 needs of needs-dev and 200
problem statements of problem2patent) exactly, every posting walked, and as served (pruned at ≥ 200k).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

WAYS = ("chunked", "one-shot")


def texts(size: int) -> tuple[list[str], list[str]]:
    """Document ids and texts of bench.scale's corpus of `size` records, as the index build sees them."""
    from bench import scale
    from indexer.sources import patent_document

    # bench.scale.corpus also embeds every record; only the records are needed here
    scale.encoded = lambda records, _: np.zeros((len(records), 0), dtype=np.float32)
    records, _ = scale.corpus(size, encoder="none")
    documents = [patent_document(r["number"], r["title"], r["abstract"], None) for r in records]
    return [d.doc_id for d in documents], [d.text for d in documents]


def _status(field: str) -> float:
    """GB, from /proc/self/status."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field):
            return round(int(line.split()[1]) / 2**20, 2)
    return 0.0


def build(size: int, way: str, out: Path) -> dict:
    """In this process: the corpus, then both lexical indexes written to `out` as the index build writes them."""
    from indexer.lexical.bm25 import Bm25Index, JiebaTokenizer
    from indexer.lexical.char_tfidf import CharTfidfIndex

    load = os.getloadavg()[0]
    doc_ids, corpus = texts(size)
    tokenizer = JiebaTokenizer.shared()
    gc.collect()
    figures = {"size": size, "way": way, "corpus_rss_gb": _status("VmRSS:"), "load_start": round(load, 1)}
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM from here: the lexical build's own peak
    started = time.perf_counter()
    if way == "chunked":
        CharTfidfIndex.write(out / "char_tfidf", doc_ids, corpus)
        figures["char_tfidf_s"] = round(time.perf_counter() - started)
        Bm25Index.write(out / "bm25", doc_ids, corpus, tokenizer)
    else:
        CharTfidfIndex.build(doc_ids, corpus).save(out / "char_tfidf")
        figures["char_tfidf_s"] = round(time.perf_counter() - started)
        gc.collect()
        Bm25Index.build(doc_ids, corpus, tokenizer).save(out / "bm25")
    figures |= {"lexical_s": round(time.perf_counter() - started), "lexical_peak_gb": _status("VmHWM:"),
                "load_end": round(os.getloadavg()[0], 1)}
    return figures


def timed(size: int, way: str, work: Path) -> dict:
    """`build` in a fresh process under GNU time: its peak resident set and wall time."""
    out = work / f"{way}-{size}"
    if not Path("/usr/bin/time").exists():
        raise SystemExit("GNU time is missing (/usr/bin/time): apt-get install -y time")
    command = ["/usr/bin/time", "-v", sys.executable, "-m", "bench.lexical_build", "--one", str(size), "--way", way,
               "--work", str(out)]
    run = subprocess.run(command, capture_output=True, text=True)
    if run.returncode:
        raise SystemExit(f"{size} {way}: failed\n{run.stderr[-3000:]}")
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", run.stderr)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", run.stderr)
    return figures | {"time_v_peak_gb": round(int(peak.group(1)) / 2**20, 2) if peak else None,
                      "time_v_wall": wall.group(1) if wall else None}


def compare(size: int, work: Path) -> dict:
    """Byte-identical files, and the same top 200 (ids and scores) for every query, exact and as served."""
    from bench.scale import queries
    from indexer.lexical import top_hits
    from indexer.lexical.bm25 import Bm25Index, JiebaTokenizer
    from indexer.lexical.char_tfidf import CharTfidfIndex
    from matching.query import prepare_query

    chunked, one_shot = work / f"chunked-{size}", work / f"one-shot-{size}"
    names = sorted(p.relative_to(chunked) for p in chunked.rglob("*") if p.is_file())
    differing = [str(n) for n in names if not _same_file(chunked / n, one_shot / n)]
    differing += [str(p.relative_to(one_shot)) for p in one_shot.rglob("*") if p.is_file()
                  and p.relative_to(one_shot) not in names]
    asked = [prepare_query(t) for t in queries(32) + queries(200, "problem2patent")]
    same = {}
    tokenizer = JiebaTokenizer.shared()
    for kind, load in (("char_tfidf", CharTfidfIndex.load), ("bm25", lambda d, mmap: Bm25Index.load(d, tokenizer,
                                                                                                     mmap=mmap))):
        a, b = load(chunked / kind, mmap=True), load(one_shot / kind, mmap=True)
        same[kind] = sum(top_hits(a.doc_ids, a.scores(q), 200) == top_hits(b.doc_ids, b.scores(q), 200)
                         and a.search(q, 200) == b.search(q, 200) for q in asked)
    return {"size": size, "files": len(names), "differing_files": differing, "queries": len(asked),
            "same_top200": same}


def _same_file(a: Path, b: Path, block: int = 1 << 24) -> bool:
    if not b.exists() or a.stat().st_size != b.stat().st_size:
        return False
    with a.open("rb") as x, b.open("rb") as y:
        while chunk := x.read(block):
            if chunk != y.read(block):
                return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--ways", default=",".join(WAYS))
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "bench-lexical")
    parser.add_argument("--keep", action="store_true", help="keep the built indexes (removed after each size)")
    parser.add_argument("--compare-only", action="store_true", help="compare builds kept in --work by earlier runs "
                        "(e.g. each way run apart, in parallel, with --keep)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a single build, in this process
    parser.add_argument("--way", choices=WAYS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(build(args.one, args.way, args.work)))
        return
    import shutil

    for size in (int(s) for s in args.sizes.split(",")):
        if args.compare_only:
            print(json.dumps(compare(size, args.work)), flush=True)
            continue
        ways = args.ways.split(",")
        for way in ways:
            print(json.dumps(timed(size, way, args.work)), flush=True)
        if set(ways) == set(WAYS):
            print(json.dumps(compare(size, args.work)), flush=True)
        if not args.keep:
            for way in ways:
                shutil.rmtree(args.work / f"{way}-{size}", ignore_errors=True)


if __name__ == "__main__":
    main()

"""Runs: ranked documents per query, read and written as TREC run files."""

from __future__ import annotations

from pathlib import Path

from indexer.hits import Hit

Run = dict[str, list[Hit]]


def write_trec(path: Path, run: Run, name: str) -> None:
    """`qid Q0 docid rank score run`, ranks from 1, queries in sorted order."""
    with path.open("w", encoding="utf-8") as handle:
        for qid in sorted(run):
            for rank, hit in enumerate(run[qid], start=1):
                handle.write(f"{qid} Q0 {hit.doc_id} {rank} {hit.score:.6f} {name}\n")


def read_trec(path: Path) -> tuple[Run, str]:
    run: Run = {}
    names = set()
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 6:
                raise ValueError(f"{path}, line {number}: expected 'qid Q0 docid rank score run'")
            qid, _, doc_id, _, score, name = parts
            run.setdefault(qid, []).append(Hit(doc_id, float(score)))
            names.add(name)
    for hits in run.values():
        hits.sort(key=lambda h: -h.score)
    return run, ",".join(sorted(names))

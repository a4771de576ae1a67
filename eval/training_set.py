"""Building a judged training set the way needs-dev was built (eval/sets/needs-train/WRITING.md).

Three steps, each reproducible:
  sample  — the source patents the writers start from (fixed seed, stratified over the corpus);
  pool    — the candidates to judge for each written need: the union of several rankers' top k;
  merge   — two judges' independent grades into one qrels file (their sum, 0–4), with agreement.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

MIN_ABSTRACT = 100  # shorter abstracts give writers too little to imagine a need from


def sample_sources(patents: Sequence[Mapping[str, object]], exclude: set[str], count: int,
                   seed: int = 19) -> list[str]:
    """`count` patent ids, spread over the strata (domain label, or source where there is none) in
    proportion to their size, each stratum shuffled with one seeded generator."""
    strata: dict[str, list[str]] = {}
    for patent in patents:
        doc_id = str(patent["_id"])
        if doc_id in exclude or len(str(patent.get("text") or "")) < MIN_ABSTRACT:
            continue
        label = patent.get("label")
        strata.setdefault(f"label-{label}" if label is not None else str(patent.get("src")), []).append(doc_id)
    rng = random.Random(seed)
    for ids in strata.values():
        rng.shuffle(ids)
    total = sum(len(ids) for ids in strata.values())
    if count > total:
        raise ValueError(f"asked for {count} source patents, only {total} are eligible")
    # Largest-remainder apportionment: every stratum gets its proportional share, rounded fairly.
    quotas = {name: count * len(ids) / total for name, ids in strata.items()}
    taken = {name: int(q) for name, q in quotas.items()}
    for name in sorted(quotas, key=lambda n: (-(quotas[n] - taken[n]), n))[:count - sum(taken.values())]:
        taken[name] += 1
    chosen = [doc_id for name in sorted(strata) for doc_id in strata[name][:taken[name]]]
    rng.shuffle(chosen)
    return chosen


def pool(runs: Mapping[str, Mapping[str, Sequence[str]]], depth: int,
         always: Mapping[str, str] | None = None) -> dict[str, list[str]]:
    """Per query, the union of each run's top `depth` documents (plus `always[query]`, e.g. the
    patent the need was written from), shuffled per query so judges cannot read a ranker's order."""
    pooled: dict[str, set[str]] = {}
    for run in runs.values():
        for qid, ranked in run.items():
            pooled.setdefault(qid, set()).update(ranked[:depth])
    for qid, doc_id in (always or {}).items():
        pooled.setdefault(qid, set()).add(doc_id)
    result = {}
    for qid in sorted(pooled):
        docs = sorted(pooled[qid])
        random.Random(qid).shuffle(docs)
        result[qid] = docs
    return result


Grades = dict[tuple[str, str], int]


class JudgmentError(ValueError):
    """A judge's file that does not grade exactly the pool: names the file and line."""


def read_grades(path: Path, pooled: Mapping[str, Iterable[str]] | None = None) -> Grades:
    grades: Grades = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.reader(handle, delimiter="\t"), start=1):
            if not row or row[0] in ("query-id", ""):
                continue
            if len(row) < 3 or row[2].strip() not in ("0", "1", "2"):
                raise JudgmentError(f"{path}, line {number}: expected query-id, corpus-id and a grade 0, 1 or 2")
            key = (row[0].strip(), row[1].strip())
            if key in grades:
                raise JudgmentError(f"{path}, line {number}: {key[0]} / {key[1]} is graded twice")
            grades[key] = int(row[2])
    if pooled is not None:
        expected = {(q, d) for q, docs in pooled.items() for d in docs}
        missing, extra = expected - set(grades), set(grades) - expected
        if missing or extra:
            example = sorted(missing or extra)[0]
            raise JudgmentError(f"{path}: {len(missing)} pooled candidates ungraded and {len(extra)} grades outside "
                                f"the pool (e.g. {example[0]} / {example[1]})")
    return grades


@dataclass(frozen=True)
class Agreement:
    pairs: int
    exact: float  # share of pairs with the same grade
    within_one: float
    weighted_kappa: float  # Cohen's kappa, quadratic weights, over 0/1/2
    relevant_kappa: float  # Cohen's kappa on "solves it" (grade 2) against the rest
    any_kappa: float  # Cohen's kappa on relevant at all (grade ≥ 1) against 0


def agreement(a: Grades, b: Grades) -> Agreement:
    from sklearn.metrics import cohen_kappa_score

    keys = sorted(set(a) & set(b))
    if not keys or set(a) != set(b):
        raise ValueError("the two judges graded different pairs")
    x, y = [a[k] for k in keys], [b[k] for k in keys]

    def kappa(u: list[int], v: list[int], weights: str | None = None) -> float:
        return 1.0 if u == v else float(cohen_kappa_score(u, v, weights=weights))

    return Agreement(len(keys), sum(i == j for i, j in zip(x, y, strict=True)) / len(keys),
                     sum(abs(i - j) <= 1 for i, j in zip(x, y, strict=True)) / len(keys), kappa(x, y, "quadratic"),
                     kappa([i == 2 for i in x], [j == 2 for j in y]), kappa([i > 0 for i in x], [j > 0 for j in y]))


def write_qrels(path: Path, a: Grades, b: Grades) -> int:
    """The sum of the two judges' grades (0–4), as needs-dev's qrels hold."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(["query-id", "corpus-id", "score"])
        for key in sorted(a):
            writer.writerow([key[0], key[1], a[key] + b[key]])
    return len(a)


def read_pool(path: Path) -> dict[str, list[str]]:
    return json.loads(path.read_text(encoding="utf-8"))

"""Metrics computed by ir-measures, per query, with every judged query present.

ir-measures averages only over the queries a run contains, so a query that retrieved nothing
would silently vanish from the mean (the BEIR averaging pitfall). Here each judged query gets a
value for every measure, 0 when it retrieved nothing, and the mean is over all judged queries.
"""

from __future__ import annotations

from dataclasses import dataclass

import ir_measures
import numpy as np
from ir_measures import AP, RR, P, R, nDCG

from eval.runs import Run

MEASURE_NAMES = ("nDCG@10", "P@5", "R@1", "R@10", "R@20", "MRR@10", "MAP")
RUN_DEPTH = 100  # documents kept per query; MAP is computed over this depth


class QueryMismatch(ValueError):
    """Queries in the run and in the judgments differ (allow with --allow-missing)."""


def default_relevant_grade(qrels: dict[str, dict[str, int]]) -> int:
    """Binary metrics count grade ≥ 2 as relevant on graded sets (max grade ≥ 3, e.g. needs-dev's
    sum of two 0–2 judgments), and grade ≥ 1 on binary or 0–2 sets."""
    top = max((g for docs in qrels.values() for g in docs.values()), default=1)
    return 2 if top >= 3 else 1


def _measures(relevant: int) -> dict[str, object]:
    return {"nDCG@10": nDCG @ 10, "P@5": P(rel=relevant) @ 5, "R@1": R(rel=relevant) @ 1,
            "R@10": R(rel=relevant) @ 10, "R@20": R(rel=relevant) @ 20, "MRR@10": RR(rel=relevant) @ 10,
            "MAP": AP(rel=relevant)}


@dataclass(frozen=True)
class Evaluation:
    per_query: dict[str, dict[str, float]]  # measure → qid → value
    relevant_grade: int
    unjudged_at_10: float  # mean number of top-10 documents without any judgment

    @property
    def queries(self) -> list[str]:
        return sorted(next(iter(self.per_query.values())))

    def mean(self, measure: str) -> float:
        return float(np.mean(list(self.per_query[measure].values())))

    def means(self) -> dict[str, float]:
        return {m: self.mean(m) for m in MEASURE_NAMES}


def check_queries(qrels: dict[str, dict[str, int]], run: Run, allow_missing: bool) -> Run:
    """Refuse id mismatches unless allowed; then judged queries missing from the run count 0."""
    extra, missing = sorted(set(run) - set(qrels)), sorted(set(qrels) - set(run))
    if (extra or missing) and not allow_missing:
        raise QueryMismatch(
            f"{len(missing)} judged queries have no run entry ({', '.join(missing[:5])}) and "
            f"{len(extra)} run queries have no judgments ({', '.join(extra[:5])}); "
            "pass --allow-missing to score the former 0 and drop the latter"
        )
    return {qid: run.get(qid, []) for qid in qrels}


def evaluate(qrels: dict[str, dict[str, int]], run: Run, relevant_grade: int | None = None,
             allow_missing: bool = False) -> Evaluation:
    run = check_queries(qrels, run, allow_missing)
    relevant = relevant_grade or default_relevant_grade(qrels)
    measures = _measures(relevant)
    by_measure = {str(m): name for name, m in measures.items()}
    per_query = {name: dict.fromkeys(qrels, 0.0) for name in measures}
    judged_qrels = [ir_measures.Qrel(q, d, g) for q, docs in qrels.items() for d, g in docs.items()]
    scored = [ir_measures.ScoredDoc(q, h.doc_id, h.score) for q, hits in run.items() for h in hits[:RUN_DEPTH]]
    for metric in ir_measures.iter_calc(list(measures.values()), judged_qrels, scored):
        per_query[by_measure[str(metric.measure)]][metric.query_id] = float(metric.value)
    unjudged = [sum(h.doc_id not in qrels[q] for h in hits[:10]) for q, hits in run.items()]
    return Evaluation(per_query, relevant, float(np.mean(unjudged)) if unjudged else 0.0)

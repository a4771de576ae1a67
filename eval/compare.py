"""Paired comparisons of rankers over the same queries: significance and wins/ties/losses."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from eval.metrics import Evaluation

TIE = 1e-9


@dataclass(frozen=True)
class Comparison:
    measure: str
    ranker: str
    baseline: str
    mean_difference: float  # ranker − baseline
    t_test_p: float  # paired t-test (scipy.stats.ttest_rel), two-sided
    randomisation_p: float  # paired randomisation test (scipy.stats.permutation_test), two-sided
    wins: int
    ties: int
    losses: int


def paired_differences(a: Evaluation, b: Evaluation, measure: str) -> tuple[list[str], np.ndarray]:
    queries = sorted(a.per_query[measure])
    if queries != sorted(b.per_query[measure]):
        raise ValueError("rankers were evaluated on different queries")
    return queries, np.array([a.per_query[measure][q] - b.per_query[measure][q] for q in queries])


def compare(ranker: str, a: Evaluation, baseline: str, b: Evaluation, measure: str,
            resamples: int = 10_000) -> Comparison:
    _, diff = paired_differences(a, b, measure)
    if np.all(np.abs(diff) < TIE):
        t_p = r_p = 1.0
    else:
        t_p = float(stats.ttest_rel([a.per_query[measure][q] for q in sorted(a.per_query[measure])],
                                    [b.per_query[measure][q] for q in sorted(b.per_query[measure])]).pvalue)
        r_p = float(stats.permutation_test((diff,), np.mean, permutation_type="samples", n_resamples=resamples,
                                           alternative="two-sided", random_state=0).pvalue)
    return Comparison(measure, ranker, baseline, float(diff.mean()), t_p, r_p,
                      wins=int(np.sum(diff > TIE)), ties=int(np.sum(np.abs(diff) <= TIE)),
                      losses=int(np.sum(diff < -TIE)))


def breakdown(evaluations: dict[str, Evaluation], attributes: dict[str, dict[str, str]], attribute: str,
              measure: str) -> dict[str, dict[str, float | int]]:
    """Mean `measure` per value of a query attribute (e.g. style), per ranker, with query counts."""
    groups: dict[str, list[str]] = {}
    for qid, attrs in attributes.items():
        if attribute in attrs:
            groups.setdefault(attrs[attribute] or "(none)", []).append(qid)
    table: dict[str, dict[str, float | int]] = {}
    for value, qids in sorted(groups.items()):
        row: dict[str, float | int] = {"queries": len(qids)}
        for name, evaluation in evaluations.items():
            values = [evaluation.per_query[measure][q] for q in qids if q in evaluation.per_query[measure]]
            row[name] = float(np.mean(values)) if values else 0.0
        table[value] = row
    return table

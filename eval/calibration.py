"""Fitting and checking the 强 / 中 / 弱 cut-offs (matching/confidence.py) on a judged set.

Each judged candidate the ranker retrieves gives one (relevance score, relevant?) pair, relevant
meaning the set's binary threshold (grade ≥ 2 on a 0–4 set). The cut-offs are cross-validated by
need: fitted on the other folds, each band's precision is counted on the held-out fold's top 10.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from eval.crossval import DEFAULT, FeaturePool, Setting, folds_of
from eval.metrics import default_relevant_grade
from matching.confidence import RELEVANCE, STRENGTHS, Calibration, fit_cutoffs
from matching.features import FEATURES
from matching.query_adapter import QueryAdapter

TOP = 10


def _relevance_weights(setting: Setting) -> np.ndarray:
    return np.array([setting.weights.get(f, 0.0) if f in RELEVANCE else 0.0 for f in FEATURES])


def judged_scores(pool: FeaturePool, qids: Sequence[str], setting: Setting = DEFAULT,
                  top: int | None = None) -> list[tuple[float, bool]]:
    """(relevance score, relevant?) for each judged candidate, or for each of the top `top` (unjudged count
    as not relevant, as in the metrics)."""
    relevant_grade = default_relevant_grade({q: pool.queries[q].grades for q in qids})
    weights, pairs = _relevance_weights(setting), []
    for q in qids:
        query = pool.queries[q]
        relevance = query.by_fusion[setting.fusion] @ weights
        order = np.argsort(-(query.by_fusion[setting.fusion] @ setting.vector()), kind="stable")
        chosen = order[:top] if top else [i for i in order if query.doc_ids[i] in query.grades]
        pairs += [(float(relevance[i]), query.grades.get(query.doc_ids[i], 0) >= relevant_grade) for i in chosen]
    return pairs


@dataclass(frozen=True)
class Band:
    strength: str
    shown: int  # top-10 results in this band, over the held-out needs
    relevant: int

    @property
    def precision(self) -> float:
        return self.relevant / self.shown if self.shown else 0.0


def cross_validate_bands(pool: FeaturePool, folds: int = 5, setting: Setting = DEFAULT) -> list[Band]:
    counts = {s: [0, 0] for s in STRENGTHS}
    for held_out in folds_of(pool.qids, folds):
        train = [q for q in pool.qids if q not in set(held_out)]
        fitted = judged_scores(pool, train, setting)
        strong, medium = fit_cutoffs([s for s, _ in fitted], [r for _, r in fitted])
        calibration = Calibration(strong, medium, dict(setting.weights), setting.fusion, "fold")
        for score, relevant in judged_scores(pool, held_out, setting, top=TOP):
            band = counts[calibration.strength(score)]
            band[0] += 1
            band[1] += relevant
    return [Band(s, *counts[s]) for s in STRENGTHS]


def fit_calibration(pool: FeaturePool, source: str, setting: Setting = DEFAULT,
                    adapter: QueryAdapter | None = None) -> Calibration:
    pairs = judged_scores(pool, pool.qids, setting)
    strong, medium = fit_cutoffs([s for s, _ in pairs], [r for _, r in pairs])
    return Calibration(strong, medium, {n: setting.weights.get(n, 0.0) for n in RELEVANCE}, setting.fusion, source,
                       adapter.id if adapter else "")

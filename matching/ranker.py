"""Rankers over named features: the documented linear default and a learned one that must earn its place.

`LinearRanker` scores Σ_f w_f · x_f over matching/features.py. The default weights are in
DEFAULT_WEIGHTS with where each came from (docs/matching.md has the measurements).

`learn_ranker` fits a logistic regression (scikit-learn) on graded pairs — match feedback, and
deals that came from a need — and keeps it only when grouped cross-validation (folds by need)
shows it ranks held-out needs' graded patents better than the default (mean nDCG@10). Otherwise
the result says so and the default stays. A learned model is saved as JSON weights, never pickle.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from matching.candidates import Fusion
from matching.features import FEATURES, RANGES, TEXT

# Retrieval: min–max normalised scores, weights chosen on a grid by the mean of needs-dev nDCG@10
# and the known-item sets' MRR@10 (docs/matching.md; score fusion beat RRF ranks there). IPC and
# cluster agreement were neutral there (both sides inferred) and enter with a small weight; effect
# and product agreement did not help and stay at 0 (docs/tagging.md). Policy weights are the
# platform's choice, small enough that a policy signal moves a patent a few places, never past a
# clearly better text match. `phrase` (a need's wording copied from the patent) was chosen with the query adapter's
# criterion, training needs and corpus titles (eval/phrase_weight.py): it gives titles back their own patent and
# leaves the needs where they were.
DEFAULT_FUSION: Fusion = "score"
DEFAULT_WEIGHTS: dict[str, float] = {
    "dense": 1.0, "char_tfidf": 1.0, "bm25": 0.5, "phrase": 1.5, "ipc": 0.02, "cluster": 0.02, "effect": 0.0,
    "product": 0.0,
    "value": 0.04, "sleeping": 0.02, "licence": 0.03, "cooperation": 0.02, "region": 0.02,
}


@dataclass(frozen=True)
class LinearRanker:
    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    source: str = "default"  # "default", or where a learned model came from
    fusion: Fusion = DEFAULT_FUSION  # how retrieval features are formed (matching/candidates.py)

    def score(self, features: Mapping[str, float]) -> float:
        return sum(self.weights.get(name, 0.0) * value for name, value in features.items())

    def policy_ceiling(self) -> float:
        """The most the features read from records can add to any score: with it, a candidate whose text part
        (retrieval and phrase) alone trails the k-th full score by more can be left out of the top k without a look."""
        return sum(max(self.weights.get(n, 0.0) * low, self.weights.get(n, 0.0) * high)
                   for n, (low, high) in RANGES.items() if n not in TEXT)

    def contributions(self, features: Mapping[str, float]) -> list[tuple[str, float]]:
        """Each feature's share of the score, largest first, zeros left out."""
        parts = [(n, self.weights.get(n, 0.0) * v) for n, v in features.items()]
        return sorted([p for p in parts if p[1] != 0], key=lambda p: -abs(p[1]))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"weights": dict(self.weights), "source": self.source, "fusion": self.fusion},
                                   ensure_ascii=False, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> LinearRanker:
        data = json.loads(path.read_text(encoding="utf-8"))
        unknown = set(data["weights"]) - set(FEATURES)
        if unknown:
            raise ValueError(f"{path}: unknown features {', '.join(sorted(unknown))}")
        return cls(data["weights"], data.get("source", str(path)), data.get("fusion", DEFAULT_FUSION))


@dataclass(frozen=True)
class GradedPair:
    group: str  # the need
    features: Mapping[str, float]
    grade: int  # 0 not relevant, 1 partly, 2 solves the need


@dataclass(frozen=True)
class LearnOutcome:
    ranker: LinearRanker  # the learned one if it won, else the default
    learned_wins: bool
    default_ndcg: float  # mean over held-out needs
    learned_ndcg: float
    needs: int
    pairs: int
    message: str


def ndcg_at(grades_in_order: Sequence[int], k: int = 10) -> float:
    dcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(grades_in_order[:k]))
    ideal = sorted(grades_in_order, reverse=True)
    best = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal[:k]))
    return dcg / best if best else 0.0


def _mean_ndcg(ranker: LinearRanker, pairs: Sequence[GradedPair]) -> float:
    groups: dict[str, list[GradedPair]] = {}
    for pair in pairs:
        groups.setdefault(pair.group, []).append(pair)
    scores = [ndcg_at([p.grade for p in sorted(ps, key=lambda p: -ranker.score(p.features))])
              for ps in groups.values() if any(p.grade for p in ps)]
    return float(np.mean(scores)) if scores else 0.0


def _fit(pairs: Sequence[GradedPair], c: float, fusion: Fusion) -> LinearRanker:
    from sklearn.linear_model import LogisticRegression

    x = np.array([[p.features.get(f, 0.0) for f in FEATURES] for p in pairs])
    y = np.array([p.grade >= 1 for p in pairs])
    model = LogisticRegression(C=c, max_iter=1000).fit(x, y)
    return LinearRanker(dict(zip(FEATURES, (float(w) for w in model.coef_[0]), strict=True)), "learned", fusion)


def learn_ranker(pairs: Sequence[GradedPair], default: LinearRanker | None = None, folds: int = 5,
                 c: float = 1.0, min_needs: int = 10) -> LearnOutcome:
    default = default or LinearRanker()
    groups = sorted({p.group for p in pairs})
    labels = {p.grade >= 1 for p in pairs}
    if len(groups) < min_needs or labels != {True, False}:
        return LearnOutcome(default, False, 0.0, 0.0, len(groups), len(pairs),
                            f"not enough feedback to learn from ({len(groups)} needs, {len(pairs)} graded pairs; "
                            f"need {min_needs} needs with both relevant and irrelevant grades); keeping the default")
    from sklearn.model_selection import GroupKFold

    group_of = np.array([p.group for p in pairs])
    default_scores, learned_scores = [], []
    for train, test in GroupKFold(n_splits=min(folds, len(groups))).split(pairs, groups=group_of):
        train_pairs = [pairs[i] for i in train]
        if len({p.grade >= 1 for p in train_pairs}) < 2:
            continue
        held_out = [pairs[i] for i in test]
        learned_scores.append(_mean_ndcg(_fit(train_pairs, c, default.fusion), held_out))
        default_scores.append(_mean_ndcg(default, held_out))
    default_mean, learned_mean = float(np.mean(default_scores)), float(np.mean(learned_scores))
    if learned_mean > default_mean:
        return LearnOutcome(_fit(pairs, c, default.fusion), True, default_mean, learned_mean, len(groups), len(pairs),
                            f"learned ranker beats the default on held-out needs (nDCG@10 {learned_mean:.3f} vs "
                            f"{default_mean:.3f}); using it")
    return LearnOutcome(default, False, default_mean, learned_mean, len(groups), len(pairs),
                        f"learned ranker does not beat the default on held-out needs (nDCG@10 {learned_mean:.3f} vs "
                        f"{default_mean:.3f}); keeping the default")

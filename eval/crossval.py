"""Choosing the ranker's settings on a training set with cross-validation, so that the sets we report
(needs-dev, and any held-out set) are never tuned on.

Retrieval runs once per query; every candidate's features are kept, so a weight setting is scored
by a matrix product, not a new search. Settings are chosen by grid search over the retrieval
weights and the fusion, and a logistic regression on the judged pairs is fitted as the learned
alternative. Both are measured the same way: K folds by query; on each fold the choice is made on
the other folds and scored on this one, so every query's figure comes from a choice it did not
take part in.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from eval.dataset import Dataset
from eval.metrics import default_relevant_grade
from eval.rankers import FullRanker
from matching.candidates import Fusion
from matching.features import FEATURES, phrase_features, policy_features
from matching.ranker import DEFAULT_FUSION, DEFAULT_WEIGHTS

K = 10
GRID = {"dense": (0.0, 0.25, 0.5, 0.75, 1.0, 1.5), "bm25": (0.0, 0.25, 0.5, 1.0), "ipc": (0.0, 0.02, 0.05),
        "cluster": (0.0, 0.02, 0.05)}
FUSIONS: tuple[Fusion, ...] = ("score", "rank")


@dataclass(frozen=True)
class Setting:
    weights: Mapping[str, float]
    fusion: Fusion = DEFAULT_FUSION
    name: str = ""

    def label(self) -> str:
        if self.name:
            return self.name
        shown = ", ".join(f"{k} {v:g}" for k, v in self.weights.items() if k in ("dense", "char_tfidf", "bm25", "ipc",
                                                                                   "cluster"))
        return f"{self.fusion}: {shown}"

    def vector(self) -> np.ndarray:
        return np.array([self.weights.get(f, 0.0) for f in FEATURES])


DEFAULT = Setting(dict(DEFAULT_WEIGHTS), DEFAULT_FUSION, "default")


def grid_settings() -> list[Setting]:
    names = list(GRID)
    settings = []
    for fusion in FUSIONS:
        for values in itertools.product(*(GRID[n] for n in names)):
            weights = {**DEFAULT_WEIGHTS, "char_tfidf": 1.0, **dict(zip(names, values, strict=True))}
            settings.append(Setting(weights, fusion))
    return settings


def ndcg_at_k(ranked: Sequence[str], grades: Mapping[str, int], k: int = K) -> float:
    """trec_eval's nDCG@k (linear gain, log2 discount, ideal over all judged documents), as ir-measures computes."""
    dcg = sum(grades.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted((g for g in grades.values() if g > 0), reverse=True)
    best = sum(g / math.log2(i + 2) for i, g in enumerate(ideal[:k]))
    return dcg / best if best else 0.0


@dataclass
class QueryFeatures:
    doc_ids: list[str]
    by_fusion: dict[str, np.ndarray]  # fusion → candidates × FEATURES
    grades: dict[str, int] = field(default_factory=dict)


class FeaturePool:
    """Every judged query's candidates with their features under both fusions."""

    def __init__(self, dataset: Dataset, ranker: FullRanker, qids: Sequence[str] | None = None) -> None:
        self.qids = list(qids if qids is not None else [q for q in dataset.queries if q in dataset.qrels])
        queries = [dataset.queries[q] for q in self.qids]
        candidate_lists = ranker.candidates.generate_many([q.text for q in queries])
        self.queries: dict[str, QueryFeatures] = {}
        for query, candidates in zip(queries, candidate_lists, strict=True):
            need, _ = ranker.profiler.need_profile(query.text, query.attributes.get("industry"),
                                                   title=query.attributes.get("title", ""))
            kept = [c for c in candidates if c.doc_id in ranker.patents]
            policy = [phrase_features(need.text, c.ranks, ranker.patents[c.doc_id].wording)
                      | policy_features(need, ranker.patents[c.doc_id]) for c in kept]
            by_fusion = {f: np.array([[(c.retrieval_features(f) | p).get(n, 0.0) for n in FEATURES]
                                      for c, p in zip(kept, policy, strict=True)]).reshape(len(kept), len(FEATURES))
                         for f in FUSIONS}
            self.queries[query.qid] = QueryFeatures([c.doc_id for c in kept], by_fusion,
                                                    dict(dataset.qrels.get(query.qid, {})))

    @classmethod
    def merged(cls, pools: Sequence[FeaturePool]) -> FeaturePool:
        """One pool of several pools' queries (e.g. each fold's held-out needs, scored by that fold's model)."""
        merged = cls.__new__(cls)
        merged.qids = [q for pool in pools for q in pool.qids]
        merged.queries = {q: pool.queries[q] for pool in pools for q in pool.qids}
        return merged

    def only(self, qids: Sequence[str]) -> FeaturePool:
        """The same figures for `qids` alone (those of them the pool holds)."""
        wanted = set(qids)
        subset = type(self).__new__(type(self))
        subset.qids = [q for q in self.qids if q in wanted]
        subset.queries = {q: self.queries[q] for q in subset.qids}
        return subset

    def ranking(self, qid: str, setting: Setting, k: int = K) -> list[str]:
        query = self.queries[qid]
        scores = query.by_fusion[setting.fusion] @ setting.vector()
        order = np.argsort(-scores, kind="stable")[:k]
        return [query.doc_ids[i] for i in order]

    def per_query(self, setting: Setting, qids: Sequence[str] | None = None) -> dict[str, float]:
        return {q: ndcg_at_k(self.ranking(q, setting), self.queries[q].grades) for q in (qids or self.qids)}


def folds_of(qids: Sequence[str], folds: int, seed: int = 0) -> list[list[str]]:
    order = sorted(qids)
    np.random.default_rng(seed).shuffle(order)
    return [order[i::folds] for i in range(folds)]


@dataclass(frozen=True)
class CrossValidated:
    name: str
    per_query: dict[str, float]  # each query scored by a choice made without it
    chosen: list[str]  # what each fold chose

    @property
    def mean(self) -> float:
        return float(np.mean(list(self.per_query.values())))


def cross_validate_grid(pool: FeaturePool, settings: Sequence[Setting], folds: int = 5) -> CrossValidated:
    table = {i: pool.per_query(s) for i, s in enumerate(settings)}
    per_query, chosen = {}, []
    for held_out in folds_of(pool.qids, folds):
        train = [q for q in pool.qids if q not in set(held_out)]
        best = max(table, key=lambda i: (np.mean([table[i][q] for q in train]), -i))
        chosen.append(settings[best].label())
        per_query.update({q: table[best][q] for q in held_out})
    return CrossValidated("grid search", per_query, chosen)


def best_setting(pool: FeaturePool, settings: Sequence[Setting]) -> tuple[Setting, float]:
    scored = [(float(np.mean(list(pool.per_query(s).values()))), -i) for i, s in enumerate(settings)]
    mean, negative_index = max(scored)
    return settings[-negative_index], mean


def fit_logistic(pool: FeaturePool, qids: Sequence[str], fusion: Fusion, c: float = 1.0) -> Setting:
    """Weights from a logistic regression over the judged candidates (relevant: the set's binary threshold, grade ≥ 2
    on a 0–4 set)."""
    from sklearn.linear_model import LogisticRegression

    relevant = default_relevant_grade({q: pool.queries[q].grades for q in qids})
    rows, labels = [], []
    for q in qids:
        query = pool.queries[q]
        for i, doc_id in enumerate(query.doc_ids):
            if doc_id in query.grades:
                rows.append(query.by_fusion[fusion][i])
                labels.append(query.grades[doc_id] >= relevant)
    if len(set(labels)) < 2:
        raise ValueError("the judged candidates are all relevant or all not: a learned ranker needs both")
    model = LogisticRegression(C=c, max_iter=2000).fit(np.array(rows), np.array(labels))
    return Setting(dict(zip(FEATURES, (float(w) for w in model.coef_[0]), strict=True)), fusion, "logistic")


def cross_validate_logistic(pool: FeaturePool, fusion: Fusion, folds: int = 5) -> CrossValidated:
    per_query, chosen = {}, []
    for held_out in folds_of(pool.qids, folds):
        train = [q for q in pool.qids if q not in set(held_out)]
        setting = fit_logistic(pool, train, fusion)
        chosen.append(", ".join(f"{k} {v:+.2f}" for k, v in setting.weights.items() if abs(v) > 0.005))
        per_query.update(pool.per_query(setting, held_out))
    return CrossValidated(f"logistic ({fusion})", per_query, chosen)

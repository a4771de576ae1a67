"""`patent-match eval tune`: choose the ranker's settings on a training set by cross-validation, freeze
the choice, and only then measure it on held-out sets.

The choices are the query rules (which sentences are dropped before retrieval, matching/query.py),
the fusion and the retrieval, IPC and cluster weights (eval/crossval.py's grid). A logistic
regression on the judged pairs is cross-validated beside the grid as the learned alternative.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import combinations

import numpy as np

from eval.compare import Comparison, compare
from eval.crossval import (
    DEFAULT,
    CrossValidated,
    FeaturePool,
    Setting,
    best_setting,
    cross_validate_grid,
    cross_validate_logistic,
    folds_of,
    grid_settings,
)
from eval.dataset import Dataset
from eval.metrics import Evaluation
from eval.rankers import FullRanker
from matching.query import DEFAULT_RULES, RULES, query_rules
from matching.ranker import DEFAULT_WEIGHTS

SINGLE_SIGNALS = {name: Setting({name: 1.0}, "score", f"{name} alone") for name in ("char_tfidf", "bm25", "dense")}
RULE_SETS: tuple[tuple[str, ...], ...] = tuple(c for n in range(len(RULES) + 1) for c in combinations(RULES, n))


@dataclass(frozen=True)
class Frozen:
    rules: tuple[str, ...]
    setting: Setting
    train_mean: float


def pools_by_rules(dataset: Dataset, ranker: FullRanker) -> dict[tuple[str, ...], FeaturePool]:
    pools = {}
    for rules in RULE_SETS:
        with query_rules(rules):
            pools[rules] = FeaturePool(dataset, ranker)
    return pools


def cross_validate_choice(pools: dict[tuple[str, ...], FeaturePool], settings: list[Setting],
                          folds: int) -> CrossValidated:
    """Rules and setting chosen together on each fold's training queries."""
    tables = {(rules, i): pool.per_query(s) for rules, pool in pools.items() for i, s in enumerate(settings)}
    qids = next(iter(pools.values())).qids
    per_query, chosen = {}, []
    for held_out in folds_of(qids, folds):
        train = [q for q in qids if q not in set(held_out)]
        key = max(tables, key=lambda k: (np.mean([tables[k][q] for q in train]), k[0] == DEFAULT_RULES, -k[1]))
        chosen.append(f"rules {'+'.join(key[0]) or 'none'} · {settings[key[1]].label()}")
        per_query.update({q: tables[key][q] for q in held_out})
    return CrossValidated("rules + grid search", per_query, chosen)


def freeze(pools: dict[tuple[str, ...], FeaturePool], settings: list[Setting]) -> Frozen:
    best = None
    for rules, pool in pools.items():
        setting, mean = best_setting(pool, settings)
        if best is None or mean > best.train_mean + 1e-12:
            best = Frozen(rules, setting, mean)
    assert best is not None
    return best


def fixed(pool: FeaturePool, setting: Setting) -> CrossValidated:
    """A setting nobody fitted: its figure needs no folds."""
    return CrossValidated(setting.label(), pool.per_query(setting), [])


def tune(train: Dataset, train_ranker: FullRanker, folds: int = 5) -> tuple[list[CrossValidated], Frozen]:
    pools = pools_by_rules(train, train_ranker)
    default_pool = pools[DEFAULT_RULES]
    settings = grid_settings()
    rows = [fixed(default_pool, DEFAULT)] + [fixed(default_pool, s) for s in SINGLE_SIGNALS.values()]
    rows += [fixed(pools[r], replace(DEFAULT, name=f"default, rules {'+'.join(r) or 'none'}"))
             for r in RULE_SETS if r != DEFAULT_RULES]
    rows.append(cross_validate_grid(default_pool, settings, folds))
    rows.append(cross_validate_choice(pools, settings, folds))
    rows += [cross_validate_logistic(default_pool, f, folds) for f in ("score", "rank")]
    return rows, freeze(pools, settings)


def measure_held_out(dataset: Dataset, ranker: FullRanker, frozen: Frozen) -> tuple[dict[str, Evaluation],
                                                                                     list[Comparison]]:
    """The frozen choice, the shipped default and each single signal on a set nobody tuned on."""
    with query_rules(frozen.rules):
        chosen_pool = FeaturePool(dataset, ranker)
    with query_rules(DEFAULT_RULES):
        default_pool = FeaturePool(dataset, ranker)
    configurations = {"tuned": (chosen_pool, replace(frozen.setting, name="tuned")), "default": (default_pool, DEFAULT)}
    configurations |= {s.name: (default_pool, s) for s in SINGLE_SIGNALS.values()}
    evaluations = {name: Evaluation({"nDCG@10": pool.per_query(s)}, 2, 0.0) for name, (pool, s) in
                   configurations.items()}
    best_single = max(SINGLE_SIGNALS.values(), key=lambda s: evaluations[s.name].mean("nDCG@10")).name
    comparisons = [compare("tuned", evaluations["tuned"], other, evaluations[other], "nDCG@10")
                   for other in ("default", best_single)]
    comparisons.append(compare("default", evaluations["default"], best_single, evaluations[best_single], "nDCG@10"))
    return evaluations, comparisons


def weights_literal(setting: Setting) -> dict[str, float]:
    """The frozen weights as DEFAULT_WEIGHTS would hold them (policy weights stay the platform's choice)."""
    return {**DEFAULT_WEIGHTS, **{k: setting.weights.get(k, 0.0) for k in ("dense", "char_tfidf", "bm25", "ipc",
                                                                          "cluster")}}

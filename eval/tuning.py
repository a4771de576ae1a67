"""`patent-match eval tune`: choose the ranker's settings on a training set by cross-validation, freeze
the choice, and only then measure it on held-out sets.

The choices are the query rules (which sentences are dropped before retrieval, matching/query.py),
the fusion and the retrieval, IPC and cluster weights (eval/crossval.py's grid). A logistic
regression on the judged pairs is cross-validated beside the grid as the learned alternative.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from itertools import combinations
from pathlib import Path

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
from matching.expansion import Expander, expansion
from matching.query import DEFAULT_RULES, RULES, query_rules
from matching.ranker import DEFAULT_WEIGHTS

SINGLE_SIGNALS = {name: Setting({name: 1.0}, "score", f"{name} alone") for name in ("char_tfidf", "bm25", "dense")}
EXPANSIONS = ((0.97, 1), (0.97, 2), (0.96, 1), (0.96, 2), (0.95, 1))  # (min cosine, words added per need word)
RULE_SETS: tuple[tuple[str, ...], ...] = tuple(c for n in range(len(RULES) + 1) for c in combinations(RULES, n))


@dataclass(frozen=True)
class Variant:
    """How the need text reaches the retrievers: which sentences are dropped, which words are added."""

    rules: tuple[str, ...] = DEFAULT_RULES
    expander: Expander | None = None
    expansion_name: str = "none"

    def label(self) -> str:
        return f"rules {'+'.join(self.rules) or 'none'}, expansion {self.expansion_name}"

    @contextmanager
    def active(self) -> Iterator[None]:
        with query_rules(self.rules), expansion(self.expander):
            yield


@dataclass(frozen=True)
class Frozen:
    variant: Variant
    setting: Setting
    train_mean: float


def variants(table: Path | None) -> list[Variant]:
    """Each rule set without expansion; with an association table, the default rules with each expansion setting."""
    found = [Variant(rules) for rules in RULE_SETS]
    if table is not None:
        associations = Expander.load(table)
        for min_cosine, per_term in EXPANSIONS:
            expander = Expander(associations.associations, min_cosine, per_term)
            found.append(Variant(DEFAULT_RULES, expander, f"cosine ≥ {min_cosine:g}, {per_term} a word"))
    return found


def pools_by_variant(dataset: Dataset, ranker: FullRanker, table: Path | None) -> dict[Variant, FeaturePool]:
    pools = {}
    for variant in variants(table):
        with variant.active():
            pools[variant] = FeaturePool(dataset, ranker)
    return pools


def cross_validate_choice(pools: dict[Variant, FeaturePool], settings: list[Setting], folds: int) -> CrossValidated:
    """Variant and setting chosen together on each fold's training queries (ties: the default variant, then the
    earlier setting)."""
    tables = {(v, i): pool.per_query(s) for v, pool in pools.items() for i, s in enumerate(settings)}
    qids = next(iter(pools.values())).qids
    per_query, chosen = {}, []
    for held_out in folds_of(qids, folds):
        train = [q for q in qids if q not in set(held_out)]
        key = max(tables, key=lambda k: (np.mean([tables[k][q] for q in train]), k[0] == Variant(), -k[1]))
        chosen.append(f"{key[0].label()} · {settings[key[1]].label()}")
        per_query.update({q: tables[key][q] for q in held_out})
    return CrossValidated("query variant + grid search", per_query, chosen)


def freeze(pools: dict[Variant, FeaturePool], settings: list[Setting]) -> Frozen:
    best = None
    for variant, pool in pools.items():
        setting, mean = best_setting(pool, settings)
        if best is None or mean > best.train_mean + 1e-12:
            best = Frozen(variant, setting, mean)
    assert best is not None
    return best


def fixed(pool: FeaturePool, setting: Setting) -> CrossValidated:
    """A setting nobody fitted: its figure needs no folds."""
    return CrossValidated(setting.label(), pool.per_query(setting), [])


def tune(train: Dataset, train_ranker: FullRanker, folds: int = 5,
         table: Path | None = None) -> tuple[list[CrossValidated], Frozen]:
    pools = pools_by_variant(train, train_ranker, table)
    default_pool = pools[Variant()]
    settings = grid_settings()
    rows = [fixed(default_pool, DEFAULT)] + [fixed(default_pool, s) for s in SINGLE_SIGNALS.values()]
    rows += [fixed(pool, replace(DEFAULT, name=f"default weights, {v.label()}")) for v, pool in pools.items()
             if v != Variant()]
    rows.append(cross_validate_grid(default_pool, settings, folds))
    rows.append(cross_validate_choice(pools, settings, folds))
    try:
        rows += [cross_validate_logistic(default_pool, f, folds) for f in ("score", "rank")]
    except ValueError:  # nothing to learn from: the grid is the only fitted choice
        pass
    return rows, freeze(pools, settings)


def measure_held_out(dataset: Dataset, ranker: FullRanker, frozen: Frozen) -> tuple[dict[str, Evaluation],
                                                                                     list[Comparison]]:
    """The frozen choice, the shipped default and each single signal on a set nobody tuned on."""
    with frozen.variant.active():
        chosen_pool = FeaturePool(dataset, ranker)
    with Variant().active():
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

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
    fit_logistic,
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
SIGNIFICANT = 0.05
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
    method: str  # which row of the cross-validation it comes from


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


def refit(pools: dict[Variant, FeaturePool], settings: list[Setting], row: CrossValidated) -> Frozen:
    """A cross-validated method fitted again on all the training needs: what it would ship."""
    if row.name.startswith("logistic"):
        pool = pools[Variant()]
        setting = fit_logistic(pool, pool.qids, "rank" if "rank" in row.name else "score")
        return Frozen(Variant(), setting, float(np.mean(list(pool.per_query(setting).values()))), row.name)
    candidates = pools if row.name.startswith("query variant") else {Variant(): pools[Variant()]}
    chosen = None
    for variant, pool in candidates.items():
        setting, mean = best_setting(pool, settings)
        if chosen is None or mean > chosen.train_mean + 1e-12:
            chosen = Frozen(variant, setting, mean, row.name)
    assert chosen is not None
    return chosen


def freeze(rows: list[CrossValidated], refits: dict[str, Frozen]) -> Frozen:
    """The choice to ship, by a rule fixed before any held-out set is looked at: the fitted method with the best
    cross-validated mean replaces the default only if it beats it on the training needs with randomisation
    p < SIGNIFICANT (then refitted on all of them). Otherwise the default stays."""
    default = rows[0]
    best = max((r for r in rows if r.name in refits), key=lambda r: r.mean, default=None)
    if best is None or best.mean <= default.mean or paired(best, default).randomisation_p >= SIGNIFICANT:
        return Frozen(Variant(), DEFAULT, default.mean, "default: no fitted method beats it significantly on "
                                                         "held-out folds")
    return refits[best.name]


def paired(row: CrossValidated, baseline: CrossValidated) -> Comparison:
    """Per-need paired comparison of two rows (each need scored by a choice made without it)."""
    as_evaluation = {name: Evaluation({"nDCG@10": r.per_query}, 2, 0.0) for name, r in (("row", row),
                                                                                        ("baseline", baseline))}
    return compare(row.name, as_evaluation["row"], baseline.name, as_evaluation["baseline"], "nDCG@10")


def fixed(pool: FeaturePool, setting: Setting) -> CrossValidated:
    """A setting nobody fitted: its figure needs no folds."""
    return CrossValidated(setting.label(), pool.per_query(setting), [])


def tune(train: Dataset, train_ranker: FullRanker, folds: int = 5,
         table: Path | None = None) -> tuple[list[CrossValidated], Frozen, dict[str, Frozen]]:
    """Rows of cross-validated figures (the first is the default), the frozen choice, and every fitted method's
    refit on all the training needs. The query adapter is left out: it was fitted on these needs, so with it every
    figure here would be in-sample (`patent-match models adapt` validates it, with the default weights)."""
    pools = pools_by_variant(train, train_ranker.with_adapter(None), table)
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
    refits = {r.name: refit(pools, settings, r) for r in rows if r.chosen}
    return rows, freeze(rows, refits), refits


def measure_held_out(dataset: Dataset, ranker: FullRanker, frozen: Frozen,
                     refits: dict[str, Frozen]) -> tuple[dict[str, Evaluation], list[Comparison]]:
    """The frozen choice, the shipped default, each single signal, and (to show whether cross-validation
    predicted the held-out figure, not to choose again) every refit that was not chosen, on a set nobody
    tuned on; all without the query adapter, as the choices were made."""
    ranker = ranker.with_adapter(None)
    pools: dict[Variant, FeaturePool] = {}

    def pool_for(variant: Variant) -> FeaturePool:
        if variant not in pools:
            with variant.active():
                pools[variant] = FeaturePool(dataset, ranker)
        return pools[variant]

    configurations = {"chosen": (frozen.variant, frozen.setting), "default": (Variant(), DEFAULT)}
    configurations |= {s.name: (Variant(), s) for s in SINGLE_SIGNALS.values()}
    configurations |= {f"{name} (not chosen)": (r.variant, r.setting) for name, r in refits.items() if r != frozen}
    evaluations = {name: Evaluation({"nDCG@10": pool_for(v).per_query(s)}, 2, 0.0)
                   for name, (v, s) in configurations.items()}
    best_single = max(SINGLE_SIGNALS.values(), key=lambda s: evaluations[s.name].mean("nDCG@10")).name
    comparisons = [compare("chosen", evaluations["chosen"], other, evaluations[other], "nDCG@10")
                   for other in ("default", best_single)]
    comparisons.append(compare("default", evaluations["default"], best_single, evaluations[best_single], "nDCG@10"))
    return evaluations, comparisons


def weights_literal(setting: Setting) -> dict[str, float]:
    """The frozen weights as DEFAULT_WEIGHTS would hold them (policy weights stay the platform's choice)."""
    return {**DEFAULT_WEIGHTS, **{k: setting.weights.get(k, 0.0) for k in ("dense", "char_tfidf", "bm25", "ipc",
                                                                          "cluster")}}

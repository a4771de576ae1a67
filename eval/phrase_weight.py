"""Choosing the weight of `phrase` (matching/features.py: a need's wording found verbatim in a patent) on training
data only, by the gate chooser's criterion (eval/adapter_gate.py).

Someone who knows a patent types its title; the adapter, fitted for SME problem statements, may move such a
query's dense vector away from the patent (docs/matching.md). Copied wording is a document-side signal the adapter
does not touch. The queries are those that chose the gate:
- the training needs, each ranked through the adapter of the fold that did not see it, at the adapter's gate;
- the corpus titles no reported set judges, through the adapter fitted on all the needs.

The criterion is the mean of the needs' full-ranker nDCG@10 and the titles' MRR@10. A weight "does best" on some
queries when it is the smallest whose criterion there is within NOISE of the best. The weight is chosen in folds:
needs and titles are each split in five, each fold's queries are scored at the weight that does best on the other
four, and that cross-validated criterion is tested against weight 0 (`weighted_p`, needs and titles half each).
The feature enters only if it gains with p < SIGNIFICANT, at the weight that does best on all the training
queries. needs-dev, problem2patent and title2abstract play no part.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from eval.adapter_cv import adapter_data, fit_on
from eval.adapter_gate import reciprocal_ranks, title_queries, weighted_p
from eval.crossval import DEFAULT, CrossValidated, FeaturePool, Setting, folds_of
from eval.dataset import Dataset, load_dataset, load_qrels
from eval.rankers import FullRanker
from eval.tuning import SIGNIFICANT, paired
from matching.query_adapter import QueryAdapter

WEIGHTS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0)
# How far the criterion of one setting moved between two machines (the fold adapters are fitted with torch, and CPUs
# round differently; docs/matching.md): a smaller lead does not choose a larger weight
NOISE = 0.0006


def with_phrase(weight: float) -> Setting:
    return Setting({**DEFAULT.weights, "phrase": weight}, DEFAULT.fusion, f"phrase {weight:g}")


@dataclass(frozen=True)
class PhraseRow:
    weight: float
    needs: Mapping[str, float]  # need → full-ranker nDCG@10
    titles: Mapping[str, float]  # title → reciprocal rank of its own patent

    def criterion(self, needs: Sequence[str] | None = None, titles: Sequence[str] | None = None) -> float:
        def mean(values: Mapping[str, float], qids: Sequence[str] | None) -> float:
            return float(np.mean([values[q] for q in sorted(values if qids is None else qids)]))

        return (mean(self.needs, needs) + mean(self.titles, titles)) / 2


@dataclass(frozen=True)
class PhraseChoice:
    rows: list[PhraseRow]
    fold_weights: list[float]  # the weight each fold was scored at, chosen on the other folds
    cross_validated: PhraseRow  # every query at its fold's weight (`weight` is nan)
    p: float  # cross-validated criterion against weight 0
    weight: float  # what enters the default: the one that does best on all queries if it gains significantly, else 0

    @property
    def baseline(self) -> PhraseRow:
        return next(r for r in self.rows if r.weight == 0.0)


def training_pools(train: Dataset, ranker: FullRanker, titles: Dataset, adapter: QueryAdapter,
                   excluded: set[str], folds: int = 5) -> tuple[FeaturePool, FeaturePool]:
    """The needs ranked through fold adapters with `adapter`'s gate, scale and title rule, and the titles through
    `adapter` itself (fitted on all the needs)."""
    data = adapter_data(train, ranker, excluded, anchors=0, checked=0)
    knobs = {"gate": adapter.gate, "leave_titles": adapter.leave_titles, "scale": adapter.scale}
    parts = []
    for held in folds_of(data.qids, folds):
        fitted = fit_on(data, [q for q in data.qids if q not in set(held)], ranker.encoder.id, "fold", adapter.settings)
        parts.append(FeaturePool(train, ranker.with_adapter(replace(fitted, **knobs)), held))
    return FeaturePool.merged(parts), FeaturePool(titles, ranker.with_adapter(adapter))


def phrase_choice(needs: FeaturePool, titles: FeaturePool, title_set: Dataset, folds: int = 5,
                  weights: Sequence[float] = WEIGHTS) -> PhraseChoice:
    rows = [PhraseRow(w, needs.per_query(with_phrase(w)), reciprocal_ranks(titles, title_set, with_phrase(w)))
            for w in weights]
    need_folds, title_folds = folds_of(needs.qids, folds), folds_of(titles.qids, folds)
    chosen, need_cv, title_cv = [], {}, {}
    for held_needs, held_titles in zip(need_folds, title_folds, strict=True):
        rest_needs = [q for q in needs.qids if q not in set(held_needs)]
        rest_titles = [q for q in titles.qids if q not in set(held_titles)]
        best = _smallest_near_best(rows, rest_needs, rest_titles)
        chosen.append(best.weight)
        need_cv.update({q: best.needs[q] for q in held_needs})
        title_cv.update({q: best.titles[q] for q in held_titles})
    cross_validated = PhraseRow(float("nan"), need_cv, title_cv)
    baseline = next(r for r in rows if r.weight == 0.0)
    p = weighted_p(_ordered(cross_validated), _ordered(baseline), "phrase, cross-validated", "phrase 0")
    gained = cross_validated.criterion() > baseline.criterion() and p < SIGNIFICANT
    on_all = _smallest_near_best(rows)
    return PhraseChoice(rows, chosen, cross_validated, p, on_all.weight if gained else 0.0)


def _smallest_near_best(rows: Sequence[PhraseRow], needs: Sequence[str] | None = None,
                        titles: Sequence[str] | None = None) -> PhraseRow:
    """The smallest weight whose criterion is within NOISE of the best: a feature earns each step of its weight."""
    best = max(r.criterion(needs, titles) for r in rows)
    return min((r for r in rows if r.criterion(needs, titles) >= best - NOISE), key=lambda r: r.weight)


def _ordered(row: PhraseRow) -> tuple[list[float], list[float]]:
    return [row.needs[q] for q in sorted(row.needs)], [row.titles[q] for q in sorted(row.titles)]


def report(choice: PhraseChoice) -> list[str]:
    lines = [f"  {'phrase weight':<16} {'needs nDCG@10':>14} {'titles MRR@10':>14} {'criterion':>10}"]
    for row in choice.rows:
        lines.append(f"  {row.weight:<16g} {np.mean(list(row.needs.values())):>14.4f} "
                     f"{np.mean(list(row.titles.values())):>14.4f} {row.criterion():>10.4f}")
    cv, base = choice.cross_validated, choice.baseline
    lines.append(f"  cross-validated (weights by fold {', '.join(f'{w:g}' for w in choice.fold_weights)}): "
                 f"needs {np.mean(list(cv.needs.values())):.3f}, titles {np.mean(list(cv.titles.values())):.3f}, "
                 f"criterion {cv.criterion():.4f} against {base.criterion():.4f} at 0 "
                 f"(Δ {cv.criterion() - base.criterion():+.4f}, randomisation p {choice.p:.3g})")
    lines.append(f"  → phrase weight {choice.weight:g}" + ("" if choice.weight else ": not significant, left out"))
    return lines


def measured(dataset: Dataset, ranker: FullRanker, known_item: bool) -> str:
    """The default ranker on a set, with `phrase` at its default weight against 0, paired: MRR@10 on a known-item
    set, else nDCG@10."""
    pool = FeaturePool(dataset, ranker)
    rows = []
    for setting in (with_phrase(0.0), with_phrase(DEFAULT.weights["phrase"])):
        figures = reciprocal_ranks(pool, dataset, setting) if known_item else pool.per_query(setting)
        rows.append(CrossValidated(setting.label(), figures, []))
    versus = paired(rows[1], rows[0])
    return (f"{dataset.name}, full, {'MRR@10' if known_item else 'nDCG@10'}: {rows[0].name} {rows[0].mean:.3f} · "
            f"{rows[1].name} {rows[1].mean:.3f} (Δ {versus.mean_difference:+.3f}, randomisation p "
            f"{versus.randomisation_p:.2g}, W/T/L {versus.wins}/{versus.ties}/{versus.losses})")


def main() -> None:
    """python -m eval.phrase_weight TRAIN_DIR EXCLUDED_QRELS… (the choice), or
    python -m eval.phrase_weight --measure SET_DIR… (the default against phrase 0, with the shipped adapter)."""
    from eval.runner import full_rankers
    from matching.query_adapter import SHIPPED

    if len(sys.argv) < 2:
        raise SystemExit("usage: python -m eval.phrase_weight TRAIN_DIR EXCLUDED_QRELS… | --measure SET_DIR…")
    if sys.argv[1] == "--measure":
        with full_rankers() as full_ranker:
            for directory in sys.argv[2:]:
                dataset = load_dataset(Path(directory))
                graded = max((g for grades in dataset.qrels.values() for g in grades.values()), default=1) > 1
                print(measured(dataset, full_ranker(dataset), known_item=not graded), flush=True)
        return
    train = load_dataset(Path(sys.argv[1]))
    excluded = {d for path in sys.argv[2:] for docs in load_qrels(Path(path)).values() for d in docs}
    titles = title_queries(train, excluded)
    with full_rankers() as full_ranker:
        needs_pool, title_pool = training_pools(train, full_ranker(train), titles, QueryAdapter.load(SHIPPED),
                                                excluded)
    print(f"{train.name}: {len(needs_pool.qids)} needs (5-fold adapters) and {len(title_pool.qids)} corpus titles; "
          "criterion: mean of the two full-ranker figures", flush=True)
    print("\n".join(report(phrase_choice(needs_pool, title_pool, titles))), flush=True)


if __name__ == "__main__":
    main()

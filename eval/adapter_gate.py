"""Choosing the query adapter's gate (matching/query_adapter.py) on training data only.

The adapter moves every query towards where judged SME needs should land, so a query that is already a
patent's own wording (a title) can be moved away from its patent. The gate leaves a query alone when its raw
vector lies within cosine `gate` of some patent, and with `leave_titles` one written as a patent title is
(matching/query_adapter.py `reads_as_patent_title`); `scale` applies only a share of the correction to the
queries it moves. Two kinds of training query decide all three:
- the training needs, each scored by the adapter of the fold that did not see it (as eval/adapter_cv.py);
- corpus titles no reported set judges (`exclude`), each looking for its own patent.

The criterion, fixed before any figure was seen: the mean of the needs' full-ranker nDCG@10 (out of fold)
and the titles' full-ranker MRR@10. The gate is the best of the settings without a knob; a knob (a scale below 1,
the title rule) comes in only when it beats that gate significantly over the same queries (`chosen`). The sets a
platform reports (needs-dev, problem2patent, title2abstract) play no part in the choice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from itertools import product

import numpy as np

from data.jsonl import read_jsonl
from eval.adapter_cv import DENSE_ALONE, AdapterData, fit_on
from eval.compare import compare
from eval.crossval import DEFAULT, CrossValidated, FeaturePool, Setting, folds_of
from eval.dataset import Dataset, Query, corpus_file
from eval.metrics import Evaluation
from eval.rankers import FullRanker
from eval.tuning import SIGNIFICANT, paired
from matching.query_adapter import AdapterSettings, QueryAdapter, reads_as_patent_title
from matching.retrievers import DenseRetriever

GATES: tuple[float | None, ...] = (None, 0.86, 0.87, 0.88, 0.89, 0.90, 0.91, 0.92, 0.93)
LEAVE_TITLES = (False, True)
SCALES = (1.0, 0.75, 0.5)
TITLES = 1500


@dataclass(frozen=True)
class GateRow:
    gate: float | None
    needs_full: float  # nDCG@10, each need ranked through the adapter of the fold that did not see it
    needs_dense: float
    titles_full: float  # MRR@10 of corpus titles finding their own patent
    titles_dense: float
    needs_kept: float  # share of needs left alone (the gate measured with the raw vectors)
    titles_kept: float
    leave_titles: bool = False
    scale: float = 1.0
    # Each need's full-ranker nDCG@10 and each title's reciprocal rank, in a fixed order: for paired tests
    per_query: tuple[tuple[float, ...], tuple[float, ...]] = field(default=((), ()), repr=False, compare=False)

    @property
    def label(self) -> str:
        gate = "none" if self.gate is None else f"{self.gate:.2f}"
        scaled = gate if self.scale == 1.0 else f"{gate} ×{self.scale:g}"
        return f"{scaled} + titles" if self.leave_titles else scaled

    @property
    def knobs(self) -> int:
        """How many settings beyond the gate the row adds."""
        return int(self.scale != 1.0) + int(self.leave_titles)

    @property
    def criterion(self) -> float:
        return (self.needs_full + self.titles_full) / 2


def title_queries(dataset: Dataset, exclude: set[str], count: int = TITLES, seed: int = 7) -> Dataset:
    """`count` corpus titles, none of a patent in `exclude`, each judged relevant to its own patent only."""
    titles = {str(r["_id"]): str(r.get("title") or "") for _, r in read_jsonl(corpus_file(dataset.path))}
    known = {d.doc_id for d in dataset.corpus}
    eligible = sorted(d for d, title in titles.items() if title and d in known and d not in exclude)
    np.random.default_rng(seed).shuffle(eligible)
    chosen = eligible[:count]
    queries = {f"title-{d}": Query(f"title-{d}", titles[d]) for d in chosen}
    return Dataset(f"{dataset.name} (corpus titles)", dataset.path, dataset.corpus, queries,
                   {f"title-{d}": {d: 1} for d in chosen})


def _mean(per_query: dict[str, float]) -> float:
    """In query order, so that two rows with the same per-query figures have the same mean to the last bit."""
    return float(np.mean([per_query[q] for q in sorted(per_query)])) if per_query else 0.0


def _mrr(pool: FeaturePool, titles: Dataset, setting: Setting) -> float:
    return _mean(reciprocal_ranks(pool, titles, setting))


def _row(gate: float | None, leave: bool, scale: float, needs: FeaturePool, titles: FeaturePool, title_set: Dataset,
         kept: tuple[float, float]) -> GateRow:
    need_full, title_full = needs.per_query(DEFAULT), reciprocal_ranks(titles, title_set, DEFAULT)
    return GateRow(gate, _mean(need_full), _mean(needs.per_query(DENSE_ALONE)), _mean(title_full),
                   _mrr(titles, title_set, DENSE_ALONE), *kept, leave, scale,
                   (tuple(need_full[q] for q in sorted(need_full)), tuple(title_full[q] for q in sorted(title_full))))


@dataclass(frozen=True)
class Unadapted:
    """The training needs and the corpus titles ranked without an adapter, with each one's raw top-1 cosine as the
    dense retriever reads it from the index. A query a setting leaves alone is searched with its raw vector, so it
    ranks exactly as here: only the queries a setting moves are ranked again. At the gates that matter, most titles
    are left alone, so most of the titles' ranking is done once."""

    needs: FeaturePool
    titles: FeaturePool
    need_nearest: np.ndarray
    title_nearest: np.ndarray


def unadapted(train: Dataset, ranker: FullRanker, titles: Dataset) -> Unadapted:
    plain = ranker.with_adapter(None)
    needs, title_pool = FeaturePool(train, plain), FeaturePool(titles, plain)
    return Unadapted(needs, title_pool, _nearest(ranker, [train.queries[q].text for q in needs.qids]),
                     _nearest(ranker, [titles.queries[q].text for q in title_pool.qids]))


def _nearest(ranker: FullRanker, texts: list[str]) -> np.ndarray:
    # The top 1 equals the top of the retriever's k0 list for Flat and IVF indexes (what evaluation builds); an HNSW
    # index, whose search list grows with k, could differ
    hits = DenseRetriever(ranker.index, ranker.encoder, ranker.cache).search_many(texts, 1)
    return np.array([found[0].score if found else -1.0 for found in hits], dtype=np.float32)


def _ranked_again(base: FeaturePool, moved: set[str],
                  parts: Sequence[tuple[Dataset, FullRanker, Sequence[str]]]) -> FeaturePool:
    """`base`'s figures for the queries left alone; for the moved ones, those of the ranker of the part that holds
    them (each fold's adapter ranks its own held-out needs)."""
    again = [FeaturePool(dataset, ranker, [q for q in qids if q in moved]) for dataset, ranker, qids in parts
             if any(q in moved for q in qids)]
    return FeaturePool.merged([*again, base.only([q for q in base.qids if q not in moved])])


def gate_rows(train: Dataset, ranker: FullRanker, data: AdapterData, titles: Dataset, on_all: QueryAdapter,
              folds: int = 5, settings: AdapterSettings | None = None, gates: Sequence[float | None] = GATES,
              leave_titles: Sequence[bool] = LEAVE_TITLES, scales: Sequence[float] = SCALES,
              base: Unadapted | None = None,
              around: Callable[[QueryAdapter], QueryAdapter] = lambda adapter: adapter) -> list[GateRow]:
    """Each gate at each scale, without and with leaving titles alone, measured on the training needs (out of
    fold) and the corpus titles (through `on_all`, the adapter fitted on all the needs, which the caller has
    already fitted). `base`: the same sets ranked without an adapter, when the caller has them. `around` wraps each
    fold's adapter as the caller wrapped `on_all` (an experiment's own rule for what to leave alone)."""
    base = base or unadapted(train, ranker, titles)
    judged_titles = {q for q in titles.queries if q in titles.qrels}
    if set(base.needs.qids) != set(data.qids) or set(base.titles.qids) != judged_titles:
        raise ValueError("the unadapted figures were ranked for other queries than these needs and titles")
    splits = folds_of(data.qids, folds)
    per_fold = [around(fit_on(data, [q for q in data.qids if q not in set(held)], ranker.encoder.id, "fold",
                              settings)) for held in splits]
    need_ids, title_ids = base.needs.qids, base.titles.qids
    need_texts = [train.queries[q].text for q in need_ids]
    title_texts = [titles.queries[q].text for q in title_ids]
    # When no training need reads as a title, the rule cannot move a need: each gate's needs are ranked once
    rule_moves_needs = any(reads_as_patent_title(t) for t in need_texts)
    needs_of: dict[tuple[float | None, bool, float], FeaturePool] = {}
    rows = []
    for scale, leave, gate in product(scales, leave_titles, gates):
        shown = replace(on_all, gate=gate, leave_titles=leave, scale=scale)
        # What the retriever leaves alone: with a fitted query model (configuration c) it drops the gate
        effective = DenseRetriever(ranker.index, ranker.encoder, ranker.cache, adapter=shown).adapter
        needs_kept = effective.kept(len(need_ids), base.need_nearest, need_texts)
        titles_kept = effective.kept(len(title_ids), base.title_nearest, title_texts)
        key = (gate, leave and rule_moves_needs, scale)
        if key not in needs_of:
            folds_ranked = [(train, ranker.with_adapter(replace(adapter, gate=gate, leave_titles=leave, scale=scale)),
                             held) for adapter, held in zip(per_fold, splits, strict=True)]
            needs_of[key] = _ranked_again(base.needs, {q for q, k in zip(need_ids, needs_kept, strict=True) if not k},
                                          folds_ranked)
        title_pool = _ranked_again(base.titles, {q for q, k in zip(title_ids, titles_kept, strict=True) if not k},
                                   [(titles, ranker.with_adapter(shown), title_ids)])
        kept = (float(np.mean(needs_kept)) if need_ids else 0.0, float(np.mean(titles_kept)) if title_ids else 0.0)
        rows.append(_row(gate, leave, scale, needs_of[key], title_pool, titles, kept))
    return rows


def no_adapter_row(train: Dataset, ranker: FullRanker, titles: Dataset, base: Unadapted | None = None) -> GateRow:
    base = base or unadapted(train, ranker, titles)
    return _row(None, False, 1.0, base.needs, base.titles, titles, (1.0, 1.0))


def best_plain(rows: Sequence[GateRow]) -> GateRow:
    """The gate with the best criterion among the settings without a knob (scale 1, no title rule); on a tie at four
    decimals, the one that leaves fewer needs alone (the adapter was fitted for them)."""
    plain = [r for r in rows if not r.knobs] or list(rows)
    return max(plain, key=lambda r: (round(r.criterion, 4), -r.needs_kept))


def criterion_p(row: GateRow, baseline: GateRow) -> float:
    """Paired randomisation p of two rows' criteria over the training queries (`weighted_p`)."""
    return weighted_p(row.per_query, baseline.per_query, row.label, baseline.label)


def weighted_p(figures: tuple[Sequence[float], Sequence[float]], baseline: tuple[Sequence[float], Sequence[float]],
               label: str = "row", baseline_label: str = "baseline") -> float:
    """Paired randomisation p of two criteria, each given as (needs' figures, titles' figures) in the same query
    order. Each need's and each title's value is weighted so that the mean of their differences is the difference
    of the criteria (needs and titles count half each)."""
    def weighted(per_query: tuple[Sequence[float], Sequence[float]], name: str) -> Evaluation:
        needs, titles = per_query
        if not needs and not titles:
            raise ValueError(f"{name} carries no per-query figures to test")
        count = len(needs) + len(titles)
        values = [v * count / (2 * len(needs)) for v in needs] + [v * count / (2 * len(titles)) for v in titles]
        return Evaluation({"criterion": {f"{i:06d}": v for i, v in enumerate(values)}}, 2, 0.0)

    if tuple(map(len, figures)) != tuple(map(len, baseline)):
        raise ValueError(f"{label} and {baseline_label} were measured on different queries")
    return compare(label, weighted(figures, label), baseline_label, weighted(baseline, baseline_label),
                   "criterion").randomisation_p


def challengers(rows: Sequence[GateRow], plain: GateRow) -> list[tuple[GateRow, float]]:
    """The settings with a knob whose criterion is above `plain`'s, each with the p of its lead."""
    return [(r, criterion_p(r, plain)) for r in rows if r.knobs and r.criterion > plain.criterion]


def chosen(rows: Sequence[GateRow]) -> GateRow:
    """`best_plain`, unless a setting with a knob beats it significantly over the training queries (paired
    randomisation test, p < SIGNIFICANT), as the adapter itself had to beat no adapter; then the best of those.
    A setting's criterion varies in its fourth decimal between machines (the fold fits round differently), so a
    lead of that size is not a reason to add a knob."""
    plain = best_plain(rows)
    better = [r for r, p in challengers(rows, plain) if p < SIGNIFICANT]
    return max(better, key=lambda r: (r.criterion, -r.knobs, -r.needs_kept), default=plain)


def against_no_adapter(dataset: Dataset, ranker: FullRanker, adapter: QueryAdapter) -> list[str]:
    """MRR@10 of the full ranker and dense alone on a known-item set: no adapter, the adapter without its gate,
    and with it, each paired against no adapter (randomisation test, wins/ties/losses)."""
    pools = {"no adapter": FeaturePool(dataset, ranker.with_adapter(None)),
             "adapter, no gate": FeaturePool(dataset, ranker.with_adapter(replace(adapter, gate=None))),
             f"adapter, gate {adapter.gate}": FeaturePool(dataset, ranker.with_adapter(adapter))}
    lines = []
    for setting in (DEFAULT, DENSE_ALONE):
        rows = {name: CrossValidated(name, reciprocal_ranks(pool, dataset, setting), [])
                for name, pool in pools.items()}
        base = rows["no adapter"]
        lines.append(f"{dataset.name}, {setting.name}, MRR@10: no adapter {base.mean:.3f}")
        for name, row in list(rows.items())[1:]:
            versus = paired(row, base)
            lines.append(f"  {name:<22} {row.mean:.3f}  (Δ {versus.mean_difference:+.3f}, randomisation p "
                         f"{versus.randomisation_p:.2g}, W/T/L {versus.wins}/{versus.ties}/{versus.losses})")
    return lines


def reciprocal_ranks(pool: FeaturePool, dataset: Dataset, setting: Setting) -> dict[str, float]:
    return {q: next((1 / r for r, d in enumerate(pool.ranking(q, setting), start=1) if dataset.qrels[q].get(d)), 0.0)
            for q in pool.qids}


def main() -> None:
    """python -m eval.adapter_gate DATASET_DIR…: the shipped adapter against none on known-item sets."""
    import sys
    from pathlib import Path

    from eval.dataset import load_dataset
    from eval.runner import full_rankers
    from matching.query_adapter import SHIPPED

    adapter = QueryAdapter.load(SHIPPED)
    with full_rankers() as full_ranker:
        for directory in sys.argv[1:]:
            dataset = load_dataset(Path(directory))
            print("\n".join(against_no_adapter(dataset, full_ranker(dataset), adapter)), flush=True)


if __name__ == "__main__":
    main()

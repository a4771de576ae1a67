"""Choosing the query adapter's gate (matching/query_adapter.py) on training data only.

The adapter moves every query towards where judged SME needs should land, so a query that is already a
patent's own wording (a title) can be moved away from its patent. The gate leaves a query alone when its raw
vector lies within cosine `gate` of some patent, and with `leave_titles` one written as a patent title is
(matching/query_adapter.py `reads_as_patent_title`); `scale` applies only a share of the correction to the
queries it moves. Two kinds of training query decide all three:
- the training needs, each scored by the adapter of the fold that did not see it (as eval/adapter_cv.py);
- corpus titles no reported set judges (`exclude`), each looking for its own patent.

The criterion, fixed before any figure was seen: the mean of the needs' full-ranker nDCG@10 (out of fold)
and the titles' full-ranker MRR@10. The sets a platform reports (needs-dev, problem2patent,
title2abstract) play no part in the choice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import product

import numpy as np

from data.jsonl import read_jsonl
from eval.adapter_cv import DENSE_ALONE, AdapterData, fit_on
from eval.crossval import DEFAULT, FeaturePool, Setting, folds_of
from eval.dataset import Dataset, Query, corpus_file
from eval.rankers import FullRanker
from indexer.embed import embed_queries
from matching.query import prepare_query
from matching.query_adapter import AdapterSettings, QueryAdapter, reads_as_patent_title

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
    return float(np.mean(list(per_query.values()))) if per_query else 0.0


def _left_alone(nearest: np.ndarray, texts: list[str], adapter: QueryAdapter) -> float:
    return float(np.mean(adapter.kept(len(texts), nearest, texts))) if texts else 0.0


def _mrr(pool: FeaturePool, titles: Dataset, setting: Setting) -> float:
    ranks = [next((1 / r for r, d in enumerate(pool.ranking(q, setting), start=1) if titles.qrels[q].get(d)), 0.0)
             for q in pool.qids]
    return float(np.mean(ranks)) if ranks else 0.0


def gate_rows(train: Dataset, ranker: FullRanker, data: AdapterData, titles: Dataset, on_all: QueryAdapter,
              folds: int = 5, settings: AdapterSettings | None = None, gates: Sequence[float | None] = GATES,
              leave_titles: Sequence[bool] = LEAVE_TITLES, scales: Sequence[float] = SCALES) -> list[GateRow]:
    """Each gate at each scale, without and with leaving titles alone, measured on the training needs (out of
    fold) and the corpus titles (through `on_all`, the adapter fitted on all the needs, which the caller has
    already fitted)."""
    splits = folds_of(data.qids, folds)
    per_fold = [fit_on(data, [q for q in data.qids if q not in set(held)], ranker.encoder.id, "fold", settings)
                for held in splits]
    title_texts = [q.text for q in titles.queries.values()]
    need_texts = [train.queries[q].text for q in data.qids]
    title_vectors = embed_queries(ranker.encoder, [prepare_query(t) for t in title_texts], ranker.cache)
    need_nearest = (data.queries @ data.documents.T).max(axis=1)
    title_nearest = (title_vectors @ data.documents.T).max(axis=1)
    # When no training need reads as a title, the rule cannot move a need: each gate's needs are ranked once
    rule_moves_needs = any(reads_as_patent_title(t) for t in need_texts)
    needs_of: dict[tuple[float | None, bool, float], tuple[float, float]] = {}
    rows = []
    for scale, leave, gate in product(scales, leave_titles, gates):
        def adapted(adapter: QueryAdapter) -> FullRanker:
            return ranker.with_adapter(replace(adapter, gate=gate, leave_titles=leave, scale=scale))  # noqa: B023

        key = (gate, leave and rule_moves_needs, scale)
        if key not in needs_of:
            needs = FeaturePool.merged([FeaturePool(train, adapted(adapter), held)
                                        for adapter, held in zip(per_fold, splits, strict=True)])
            needs_of[key] = _mean(needs.per_query(DEFAULT)), _mean(needs.per_query(DENSE_ALONE))
        title_pool = FeaturePool(titles, adapted(on_all))
        shown = replace(on_all, gate=gate, leave_titles=leave)
        rows.append(GateRow(gate, *needs_of[key],
                            _mrr(title_pool, titles, DEFAULT), _mrr(title_pool, titles, DENSE_ALONE),
                            _left_alone(need_nearest, need_texts, shown),
                            _left_alone(title_nearest, title_texts, shown), leave, scale))
    return rows


def no_adapter_row(train: Dataset, ranker: FullRanker, titles: Dataset) -> GateRow:
    needs, title_pool = FeaturePool(train, ranker.with_adapter(None)), FeaturePool(titles, ranker.with_adapter(None))
    return GateRow(None, _mean(needs.per_query(DEFAULT)), _mean(needs.per_query(DENSE_ALONE)),
                   _mrr(title_pool, titles, DEFAULT), _mrr(title_pool, titles, DENSE_ALONE), 1.0, 1.0)


def chosen(rows: Sequence[GateRow]) -> GateRow:
    """The best criterion. On a tie, the row with fewer knobs beyond the gate (a scale other than 1, the title rule):
    a knob must win the criterion, not tie it. Then the row that leaves fewer needs alone (the adapter was fitted
    for them)."""
    return max(rows, key=lambda r: (round(r.criterion, 4), -r.knobs, -r.needs_kept))


def against_no_adapter(dataset: Dataset, ranker: FullRanker, adapter: QueryAdapter) -> list[str]:
    """MRR@10 of the full ranker and dense alone on a known-item set: no adapter, the adapter without its gate,
    and with it, each paired against no adapter (randomisation test, wins/ties/losses)."""
    from eval.crossval import CrossValidated
    from eval.tuning import paired

    pools = {"no adapter": FeaturePool(dataset, ranker.with_adapter(None)),
             "adapter, no gate": FeaturePool(dataset, ranker.with_adapter(replace(adapter, gate=None))),
             f"adapter, gate {adapter.gate}": FeaturePool(dataset, ranker.with_adapter(adapter))}
    lines = []
    for setting in (DEFAULT, DENSE_ALONE):
        rows = {name: CrossValidated(name, _reciprocal_ranks(pool, dataset, setting), [])
                for name, pool in pools.items()}
        base = rows["no adapter"]
        lines.append(f"{dataset.name}, {setting.name}, MRR@10: no adapter {base.mean:.3f}")
        for name, row in list(rows.items())[1:]:
            versus = paired(row, base)
            lines.append(f"  {name:<22} {row.mean:.3f}  (Δ {versus.mean_difference:+.3f}, randomisation p "
                         f"{versus.randomisation_p:.2g}, W/T/L {versus.wins}/{versus.ties}/{versus.losses})")
    return lines


def _reciprocal_ranks(pool: FeaturePool, dataset: Dataset, setting: Setting) -> dict[str, float]:
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

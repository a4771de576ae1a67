"""Fitting the query adapter (matching/query_adapter.py) on judged needs, and measuring it honestly.

The adapter is fitted on needs, so it is scored on needs it never saw. With K folds by need, the
adapter fitted on K − 1 folds ranks the remaining fold. The figures of all folds together
(`out_of_fold`) are what the adapter brings to needs it did not learn from. The adapter that ships
is then fitted on all the training needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from eval.crossval import DEFAULT, CrossValidated, FeaturePool, Setting, folds_of
from eval.dataset import Dataset
from eval.metrics import default_relevant_grade
from eval.rankers import FullRanker
from indexer.embed import embed_documents, embed_queries
from matching.query import prepare_query
from matching.query_adapter import AdapterSettings, QueryAdapter, fit_adapter

DENSE_ALONE = Setting({"dense": 1.0}, "score", "dense alone")


@dataclass(frozen=True)
class AdapterData:
    """Raw need vectors, the corpus's document vectors and each need's graded targets (document rows)."""

    qids: list[str]
    queries: np.ndarray
    documents: np.ndarray
    targets: list[dict[int, float]]


def adapter_data(dataset: Dataset, ranker: FullRanker) -> AdapterData:
    qids = [q for q in dataset.queries if q in dataset.qrels]
    relevant = default_relevant_grade(dataset.qrels)
    queries = embed_queries(ranker.encoder, [prepare_query(dataset.queries[q].text) for q in qids], ranker.cache)
    documents, _ = embed_documents(ranker.encoder, [d.embed_text for d in dataset.corpus], ranker.cache)
    row = {d.doc_id: i for i, d in enumerate(dataset.corpus)}
    targets = [{row[d]: float(g) for d, g in dataset.qrels[q].items() if g >= relevant and d in row} for q in qids]
    return AdapterData(qids, queries, documents, targets)


def fit_on(data: AdapterData, qids: Sequence[str], encoder_id: str, source: str,
           settings: AdapterSettings | None = None) -> QueryAdapter:
    chosen = set(qids)
    rows = [i for i, q in enumerate(data.qids) if q in chosen]
    targets = [data.targets[i] for i in rows]
    return fit_adapter(data.queries[rows], data.documents, targets, encoder_id, source, settings)


def out_of_fold(dataset: Dataset, ranker: FullRanker, data: AdapterData, folds: int = 5,
                settings: AdapterSettings | None = None) -> FeaturePool:
    """Every need's candidates and features with the dense part coming through an adapter that did not see it."""
    pools = []
    for held_out in folds_of(data.qids, folds):
        train = [q for q in data.qids if q not in set(held_out)]
        adapter = fit_on(data, train, ranker.encoder.id, "fold", settings)
        pools.append(FeaturePool(dataset, ranker.with_adapter(adapter), held_out))
    return FeaturePool.merged(pools)


def adapter_rows(dataset: Dataset, ranker: FullRanker, folds: int = 5,
                 settings: AdapterSettings | None = None) -> list[CrossValidated]:
    """Without the adapter and with it (out of fold), for dense alone and the full ranker's default weights."""
    plain = FeaturePool(dataset, ranker.with_adapter(None))
    adapted = out_of_fold(dataset, ranker, adapter_data(dataset, ranker), folds, settings)
    return [CrossValidated(f"{setting.name}{suffix}", pool.per_query(setting), [] if pool is plain else ["per fold"])
            for setting in (DENSE_ALONE, DEFAULT) for pool, suffix in ((plain, ", no adapter"),
                                                                     (adapted, ", adapter out of fold"))]

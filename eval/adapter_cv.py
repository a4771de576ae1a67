"""Fitting the query adapter (matching/query_adapter.py) on judged needs, and measuring it honestly.

The adapter is fitted on needs, so it is scored on needs it never saw. With K folds by need, the
adapter fitted on K − 1 folds ranks the remaining fold. The figures of all folds together
(`out_of_fold`) are what the adapter brings to needs it did not learn from. The adapter that ships
is then fitted on all the training needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from data.jsonl import read_jsonl
from eval.crossval import DEFAULT, CrossValidated, FeaturePool, Setting, folds_of
from eval.dataset import Dataset, corpus_file
from eval.metrics import default_relevant_grade
from eval.rankers import FullRanker
from indexer.embed import embed_documents, embed_queries
from matching.query import prepare_query
from matching.query_adapter import AdapterSettings, QueryAdapter, fit_adapter

DENSE_ALONE = Setting({"dense": 1.0}, "score", "dense alone")


ANCHORS, CHECK_ANCHORS = 1500, 1000  # titles fitted as anchors; titles held out to check them


@dataclass(frozen=True)
class AdapterData:
    """Raw need vectors, the corpus's document vectors, each need's graded targets (document rows), and patent
    titles with their own patent's row: some to fit as anchors, others held out to check the map leaves them."""

    qids: list[str]
    queries: np.ndarray
    documents: np.ndarray
    targets: list[dict[int, float]]
    anchors: np.ndarray
    anchor_rows: list[int]
    check: np.ndarray
    check_rows: list[int]


def adapter_data(dataset: Dataset, ranker: FullRanker, exclude: set[str] = frozenset(), seed: int = 0,
                 anchors: int = ANCHORS, checked: int = CHECK_ANCHORS) -> AdapterData:
    """`exclude`: patents no anchor may be (those an evaluation set asks for by title, e.g. title2abstract's).
    `anchors` titles are fitted, `checked` more held out for anchor_check; each costs an encoding, so a caller
    that fits no anchors or checks none asks for 0."""
    qids = [q for q in dataset.queries if q in dataset.qrels]
    relevant = default_relevant_grade(dataset.qrels)
    queries = embed_queries(ranker.encoder, [prepare_query(dataset.queries[q].text) for q in qids], ranker.cache)
    documents, _ = embed_documents(ranker.encoder, [d.embed_text for d in dataset.corpus], ranker.cache)
    row = {d.doc_id: i for i, d in enumerate(dataset.corpus)}
    targets = [{row[d]: float(g) for d, g in dataset.qrels[q].items() if g >= relevant and d in row} for q in qids]
    titles = {str(r["_id"]): str(r.get("title") or "") for _, r in read_jsonl(corpus_file(dataset.path))}
    eligible = sorted(d for d, title in titles.items() if title and d in row and d not in exclude)
    np.random.default_rng(seed).shuffle(eligible)
    checked, fitted = eligible[:checked], eligible[checked:checked + anchors]
    vectors = embed_queries(ranker.encoder, [prepare_query(titles[d]) for d in checked + fitted], ranker.cache)
    return AdapterData(qids, queries, documents, targets, vectors[len(checked):], [row[d] for d in fitted],
                       vectors[:len(checked)], [row[d] for d in checked])


def fit_on(data: AdapterData, qids: Sequence[str], encoder_id: str, source: str,
           settings: AdapterSettings | None = None) -> QueryAdapter:
    chosen = set(qids)
    rows = [i for i, q in enumerate(data.qids) if q in chosen]
    targets = [data.targets[i] for i in rows]
    return fit_adapter(data.queries[rows], data.documents, targets, encoder_id, source, settings, data.anchors,
                       data.anchor_rows)


def anchor_check(data: AdapterData, adapter: QueryAdapter | None) -> float:
    """MRR@10 of the held-out titles finding their own patent by dense search: the map must leave them be. By
    their vectors only: the title rule (`leave_titles`) would leave every title written as one alone."""
    scores = data.check @ data.documents.T
    if adapter is not None:
        scores = replace(adapter, leave_titles=False).apply(data.check, scores.max(axis=1)) @ data.documents.T
    ranks = [(scores[i] > scores[i, own]).sum() + 1 for i, own in enumerate(data.check_rows)]
    return float(np.mean([1 / r if r <= 10 else 0.0 for r in ranks]))


def out_of_fold(dataset: Dataset, ranker: FullRanker, data: AdapterData, folds: int = 5,
                settings: AdapterSettings | None = None, gate: float | None = None) -> FeaturePool:
    """Every need's candidates and features with the dense part coming through an adapter that did not see it
    (with the shipped adapter's `gate`, so the scores are those the shipped adapter gives)."""
    pools = []
    for held_out in folds_of(data.qids, folds):
        train = [q for q in data.qids if q not in set(held_out)]
        adapter = replace(fit_on(data, train, ranker.encoder.id, "fold", settings), gate=gate)
        pools.append(FeaturePool(dataset, ranker.with_adapter(adapter), held_out))
    return FeaturePool.merged(pools)


def adapter_rows(dataset: Dataset, ranker: FullRanker, data: AdapterData, folds: int = 5,
                 settings: AdapterSettings | None = None) -> list[CrossValidated]:
    """Without the adapter and with it (out of fold), for dense alone and the full ranker's default weights."""
    plain = FeaturePool(dataset, ranker.with_adapter(None))
    adapted = out_of_fold(dataset, ranker, data, folds, settings)
    return [CrossValidated(f"{setting.name}{suffix}", pool.per_query(setting), [] if pool is plain else ["per fold"])
            for setting in (DENSE_ALONE, DEFAULT) for pool, suffix in ((plain, ", no adapter"),
                                                                     (adapted, ", adapter out of fold"))]

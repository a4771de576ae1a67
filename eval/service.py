"""One evaluation run on a judged set with the platform's configured models: the CLI and the web both call it."""

from __future__ import annotations

from pathlib import Path

from eval.runner import EvalResult


def evaluate_judged_set(dataset_dir: Path, rankers: list[str], split: str | None = None, encoder: str | None = None,
                        relevant_grade: int | None = None, allow_missing: bool = False, progress: bool = False,
                        weights: dict[str, float] | None = None, fusion: str | None = None) -> EvalResult:
    """Index the set's own corpus (cached, independent of the database), run each ranker, compute metrics.

    Raises DatasetError or QueryMismatch (eval/) for a set that cannot be evaluated as asked, and
    ValueError for an unknown ranker."""
    from data.settings import get_settings
    from eval.dataset import load_dataset
    from eval.rankers import RANKERS, RankerContext
    from eval.runner import run_evaluation
    from indexer.cache import EmbeddingCache
    from indexer.encoders import load_encoder
    from indexer.store import IndexConfig
    from indexer.text import BEIR_VIEW
    from matching.clusters import cluster_map
    from matching.loading import load_adapter, load_models
    from matching.ranker import LinearRanker

    unknown = [r for r in rankers if r not in RANKERS]
    if unknown:
        raise ValueError(f"unknown ranker(s) {', '.join(unknown)}; choose from {', '.join(RANKERS)}")
    settings = get_settings()
    ipc_model, ranker = load_models()
    if weights or fusion:
        ranker = LinearRanker({**ranker.weights, **(weights or {})}, "command line", fusion or ranker.fusion)
    chosen_encoder = load_encoder(encoder or settings.encoder)
    context = RankerContext(ipc_model=ipc_model, clusters=cluster_map(settings.cluster_scheme), ranker=ranker,
                            adapter=load_adapter(chosen_encoder.id))
    cache = EmbeddingCache(settings.cache_path)
    try:
        return run_evaluation(load_dataset(dataset_dir, split), rankers, chosen_encoder,
                              cache, settings.home / "eval-indexes",
                              IndexConfig(nprobe=settings.ann_nprobe, document_view=BEIR_VIEW),
                              allow_missing, relevant_grade, progress=progress, context=context)
    finally:
        cache.close()

